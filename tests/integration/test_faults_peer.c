/* Retries and timeouts against the fault-injecting proxy of ../shared/peers
 * (mitmdump with mitm_faults.py; a header x-fault picks the fault). The test
 * skips, saying why, when PEER_FAULTS_URL is unset or the peer is down. */
#include "../tap.h"

#include <plexus.h>
#include <stdlib.h>

static const char *faults_url;

#define RETRY3 "\"retry\":{\"max_attempts\":3,\"base_delay_ms\":10,\"max_delay_ms\":3000}"

static plx_ctx *ctx_for(const char *extra, plx_provider **p)
{
    char config[1024];
    snprintf(config, sizeof config,
             "{\"log_level\":\"error\",\"providers\":{\"p\":{\"kind\":\"http\","
             "\"base_url\":\"%s\",%s}}}", faults_url, extra);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK)
        TAP_SKIP("bad config: %s", plx_errmsg(NULL));
    plx_ctx_provider(ctx, "p", p);
    return ctx;
}

static plx_status with_fault(plx_provider *p, const char *fault, char **out)
{
    char req[256];
    snprintf(req, sizeof req, "{\"path\":\"/models\",\"headers\":{\"x-fault\":\"%s\","
             "\"Authorization\":\"Bearer sk-test\"}}", fault);
    return plx_call(p, "request", req, out);
}

static long number(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = json ? strstr(json, pat) : NULL;
    return at ? strtol(at + strlen(pat), NULL, 10) : -1;
}

static void test_503_retried(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(RETRY3, &p);
    char *out = NULL;
    CHECK_INT(with_fault(p, "503", &out), PLX_EHTTP);
    CHECK_INT(number(out, "attempts"), 3);
    CHECK_CONTAINS(out, "injected");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_429_retry_after(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(RETRY3, &p);
    char *out = NULL;
    CHECK_INT(with_fault(p, "429", &out), PLX_ERATELIMIT);
    CHECK_INT(number(out, "attempts"), 3);
    CHECK(number(out, "latency_ms") >= 2000); /* two waits of Retry-After: 1 */
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_killed_connection(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(RETRY3, &p);
    char *out = NULL;
    CHECK_INT(with_fault(p, "kill", &out), PLX_ETRANSPORT);
    CHECK_INT(number(out, "attempts"), 3);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_delay_times_out(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for("\"timeout_ms\":300,\"retry\":{\"max_attempts\":2,\"base_delay_ms\":1}", &p);
    char *out = NULL;
    CHECK_INT(with_fault(p, "delay=3", &out), PLX_ETIMEOUT);
    CHECK_INT(number(out, "attempts"), 2);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_garbage_is_protocol_error(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(RETRY3, &p);
    char *out = NULL;
    CHECK_INT(with_fault(p, "garbage", &out), PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ctx), "not json");
    CHECK_INT(number(out, "attempts"), 1);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_setup(void)
{
    faults_url = getenv("PEER_FAULTS_URL");
    if (!faults_url)
        TAP_SKIP("PEER_FAULTS_URL unset: start ../shared/peers (scripts/start.sh faults) "
                 "and eval scripts/env.sh");
    plx_provider *p;
    plx_ctx *ctx = ctx_for("\"retry\":{\"max_attempts\":1}", &p);
    char *out = NULL;
    plx_status st = with_fault(p, "503", &out);
    plx_free(out);
    plx_ctx_free(ctx);
    if (st == PLX_ETRANSPORT)
        TAP_SKIP("the faults peer at %s is not running (scripts/start.sh faults)", faults_url);
}

TEST_MAIN(test_setup, test_503_retried, test_429_retry_after, test_killed_connection,
          test_delay_times_out, test_garbage_is_protocol_error)
