/* Context and provider configuration: every bad key is named by its path. */
#include "../tap.h"

#include <plexus.h>
#include <stdlib.h>
#include <unistd.h>

static void expect_config_error(const char *config, const char *message)
{
    plx_ctx *ctx = (plx_ctx *)1;
    CHECK_INT(plx_ctx_new(&ctx, config), PLX_ECONFIG);
    CHECK(ctx == NULL);
    CHECK_CONTAINS(plx_errmsg(NULL), message);
}

#define P(body) "{\"providers\":{\"api\":{\"kind\":\"http\"," body "}}}"

static void test_errors_name_the_key(void)
{
    expect_config_error("{\"providers\": 3}", "providers: expected an object");
    expect_config_error("{\"provders\": {}}", "provders: unknown key");
    expect_config_error("{\"log_level\": \"loud\"}", "log_level: expected none");
    expect_config_error("{\"providers\":{\"api\":{}}}", "providers.api.kind: missing");
    expect_config_error("{\"providers\":{\"api\":{\"kind\":\"gopher\"}}}",
                        "providers.api.kind: unknown provider kind 'gopher'");
    expect_config_error(P("\"base_url\":\"ftp://x\""), "providers.api.base_url: expected an absolute");
    expect_config_error(P("\"timeout_ms\":-1"), "providers.api.timeout_ms: expected an integer");
    expect_config_error(P("\"timeout_ms\":1.5"), "providers.api.timeout_ms");
    expect_config_error(P("\"retry\":{\"max_atempts\":2}"), "providers.api.retry.max_atempts: unknown key");
    expect_config_error(P("\"retry\":{\"max_attempts\":0}"), "providers.api.retry.max_attempts");
    expect_config_error(P("\"circuit\":{\"open_ms\":\"1\"}"), "providers.api.circuit.open_ms");
    expect_config_error(P("\"rate_limit\":{\"burst\":2}"), "providers.api.rate_limit.per_second");
    expect_config_error(P("\"tls\":{\"verify\":\"no\"}"), "providers.api.tls.verify: expected true or false");
    expect_config_error(P("\"headers\":{\"X-A\":\"a\\nb\"}"), "providers.api.headers.X-A");
    expect_config_error(P("\"auth\":{\"type\":\"magic\"}"), "providers.api.auth.type: unknown auth type");
    expect_config_error(P("\"auth\":{\"type\":\"bearer\"}"), "providers.api.auth.token: missing");
    expect_config_error(P("\"auth\":{\"type\":\"bearer\",\"token\":{\"vault\":\"x\"}}"),
                        "providers.api.auth.token: expected a string");
    expect_config_error("{\"providers\":", "config: invalid JSON at line 1");
    expect_config_error("[]", "config: expected a JSON object");
    expect_config_error(P("\"timeout_ms\":1,\"timeout_ms\":2"), "providers.api.timeout_ms: duplicate key");
}

static void test_secret_sources(void)
{
    unsetenv("PLX_TEST_MISSING");
    expect_config_error(P("\"auth\":{\"type\":\"bearer\",\"token\":{\"env\":\"PLX_TEST_MISSING\"}}"),
                        "providers.api.auth.token: environment variable PLX_TEST_MISSING is not set");
    expect_config_error(P("\"auth\":{\"type\":\"bearer\",\"token\":{\"file\":\"/nonexistent/tok\"}}"),
                        "providers.api.auth.token: cannot open secret file /nonexistent/tok");
    expect_config_error(P("\"auth\":{\"type\":\"bearer\",\"token\":{\"file\":\"/dev/null\"}}"),
                        "providers.api.auth.token: secret file /dev/null is not a regular file");
    char path[] = "/tmp/plx-secret-XXXXXX";
    int fd = mkstemp(path);
    CHECK(write(fd, "file-secret-42\n", 15) == 15);
    close(fd);
    char config[512];
    snprintf(config, sizeof config,
             P("\"auth\":{\"type\":\"header\",\"name\":\"x-api-key\",\"value\":{\"file\":\"%s\"}}"),
             path);
    plx_ctx *ctx = NULL;
    CHECK_INT(plx_ctx_new(&ctx, config), PLX_OK);
    plx_ctx_free(ctx);
    unlink(path);
}

static int warnings;
static char last_log[1024];

static void capture(plx_log_level level, const char *msg, void *ud)
{
    (void)ud;
    if (level == PLX_LOG_WARN)
        warnings++;
    snprintf(last_log, sizeof last_log, "%s", msg);
}

static void test_providers_and_lookup(void)
{
    plx_ctx *ctx = NULL;
    CHECK_INT(plx_ctx_new(&ctx, "{\"log_level\":\"none\",\"providers\":{"
                                "\"a\":{\"kind\":\"http\",\"base_url\":\"https://a.test\"},"
                                "\"b\":{\"kind\":\"http\"}}}"), PLX_OK);
    plx_provider *p = NULL;
    CHECK_INT(plx_ctx_provider(ctx, "b", &p), PLX_OK);
    CHECK_STR(plx_provider_name(p), "b");
    CHECK_STR(plx_provider_kind(p), "http");
    plx_provider_free(p); /* owned by ctx: must be a no-op */
    CHECK_INT(plx_ctx_provider(ctx, "c", &p), PLX_ENOTFOUND);
    CHECK(p == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), "no provider named 'c'");
    CHECK_INT(plx_ctx_provider(NULL, "a", &p), PLX_EINVAL);
    plx_ctx_free(ctx);
}

static void test_standalone_provider(void)
{
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, "");
    plx_ctx_set_log(ctx, capture, NULL, PLX_LOG_WARN);
    plx_provider *p = NULL;
    CHECK_INT(plx_provider_new(ctx, "http", "{\"base_url\":\"https://x.test\","
                               "\"tls\":{\"verify\":false}}", &p), PLX_OK);
    CHECK_INT(warnings, 1);
    CHECK_CONTAINS(last_log, "NOT checked");
    CHECK_STR(plx_provider_name(p), "http");
    plx_provider_free(p);
    CHECK_INT(plx_provider_new(ctx, "http", "{\"kind\":\"s3\"}", &p), PLX_ECONFIG);
    CHECK_INT(plx_provider_new(ctx, "nope", NULL, &p), PLX_ECONFIG);
    CHECK_INT(plx_provider_new(NULL, "http", NULL, &p), PLX_EINVAL);
    plx_ctx_free(ctx);
}

static void test_null_handles(void)
{
    CHECK_INT(plx_ctx_new(NULL, NULL), PLX_EINVAL);
    plx_ctx_free(NULL);
    plx_provider_free(NULL);
    plx_free(NULL);
    CHECK_INT(plx_ctx_set_log(NULL, NULL, NULL, PLX_LOG_NONE), PLX_EINVAL);
    CHECK_INT(plx_ctx_set_transport(NULL, NULL), PLX_EINVAL);
    CHECK_INT(plx_provider_stats(NULL, NULL), PLX_EINVAL);
    CHECK(plx_provider_name(NULL) == NULL);
}

TEST_MAIN(test_errors_name_the_key, test_secret_sources, test_providers_and_lookup,
          test_standalone_provider, test_null_handles)
