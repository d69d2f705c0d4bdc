/* plx_call end to end through the http kind and the in-process transport:
 * result JSON, retries, errors, redaction, redirects, circuit. */
#include "../tap.h"
#include "scripted.h"

#include <stdlib.h>

static plx_ctx *ctx_with(const char *config, scripted *s, const scripted_reply *r, int n)
{
    plx_ctx *ctx = NULL;
    plx_status st = plx_ctx_new(&ctx, config);
    if (st != PLX_OK) {
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
        return NULL;
    }
    plx_transport_funcs *t = scripted_funcs(s, r, n);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    return ctx;
}

#define FAST_RETRY "\"retry\": {\"max_attempts\": 3, \"base_delay_ms\": 1, \"max_delay_ms\": 50}"

static void test_success_result(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, "Content-Type: application/json\nX-Request-Id: abc", "{\"ok\":true}"}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test/v1/\"}}}", &s, r, 1);
    plx_provider *p = NULL;
    CHECK_INT(plx_ctx_provider(ctx, "api", &p), PLX_OK);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"method\":\"post\",\"path\":\"/items\","
                       "\"query\":{\"q\":\"a b\",\"n\":[1,2]},\"body\":{\"x\":1}}", &out),
              PLX_OK);
    CHECK_CONTAINS(out, "\"status\":200");
    CHECK_CONTAINS(out, "\"body\":{\"ok\":true}");
    CHECK_CONTAINS(out, "\"x-request-id\":\"abc\"");
    CHECK_CONTAINS(out, "\"provider\":\"api\"");
    CHECK_CONTAINS(out, "\"attempts\":1");
    CHECK_CONTAINS(out, "\"latency_ms\":");
    CHECK_STR(s.last_url, "http://svc.test/v1/items?q=a%20b&n=1&n=2");
    CHECK_STR(s.last_method, "POST");
    CHECK_STR(s.last_body, "{\"x\":1}");
    CHECK_CONTAINS(s.last_headers, "Content-Type: application/json");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_retry_then_success(void)
{
    static const scripted_reply r[] = {
        {PLX_ETRANSPORT, 0, NULL, NULL},
        {PLX_OK, 503, NULL, "busy"},
        {PLX_OK, 200, "Content-Type: text/plain", "fine"}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\"," FAST_RETRY "}}}", &s, r, 3);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"attempts\":3");
    CHECK_CONTAINS(out, "\"body\":\"fine\"");
    CHECK_INT(s.sent, 3);
    plx_free(out);
    char *stats = NULL;
    CHECK_INT(plx_provider_stats(p, &stats), PLX_OK);
    CHECK_CONTAINS(stats, "\"retries\":2");
    CHECK_CONTAINS(stats, "\"circuit\":\"closed\"");
    plx_free(stats);
    plx_ctx_free(ctx);
}

static void test_4xx_not_retried(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 404, "Content-Type: application/json\nx-request-id: r-1",
         "{\"error\":{\"message\":\"no such item\"}}"}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\"," FAST_RETRY "}}}", &s, r, 1);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"path\":\"/x\"}", &out), PLX_EHTTP);
    CHECK_INT(s.sent, 1);
    CHECK_CONTAINS(out, "\"code\":\"PLX_EHTTP\"");
    CHECK_CONTAINS(out, "\"http_status\":404");
    CHECK_CONTAINS(out, "\"retryable\":false");
    CHECK_CONTAINS(out, "\"request_id\":\"r-1\"");
    CHECK_CONTAINS(out, "no such item");
    CHECK_CONTAINS(plx_errmsg(ctx), "no such item");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_auth_status_and_redaction(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 401, "Content-Type: text/plain", "bad token sk-secret-123456"}};
    scripted s;
    setenv("PLX_TEST_TOKEN", "sk-secret-123456", 1);
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\","
                            "\"auth\":{\"type\":\"bearer\",\"token\":{\"env\":\"PLX_TEST_TOKEN\"}}}}}",
                            &s, r, 1);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{}", &out), PLX_EAUTH);
    CHECK_STR(s.last_auth, "Bearer sk-secret-123456");
    CHECK(strstr(plx_errmsg(ctx), "sk-secret-123456") == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), "[REDACTED]");
    CHECK(strstr(out, "\"message\"") != NULL);
    /* The message in error is redacted; the raw body is the service's own. */
    const char *msg = strstr(out, "\"message\"");
    CHECK(msg && strstr(msg, "[REDACTED]") != NULL);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_retry_after_too_long(void)
{
    static const scripted_reply r[] = {{PLX_OK, 429, "Retry-After: 120", "slow down"}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\"," FAST_RETRY "}}}", &s, r, 1);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{}", &out), PLX_ERATELIMIT);
    CHECK_INT(s.sent, 1);
    CHECK_CONTAINS(plx_errmsg(ctx), "asked to wait 120000 ms");
    CHECK_CONTAINS(out, "\"retryable\":true");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_redirect_other_origin_drops_credentials(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 302, "Location: http://elsewhere.test/landing", NULL},
        {PLX_OK, 200, NULL, "ok"}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\","
                            "\"auth\":{\"type\":\"header\",\"name\":\"x-api-key\",\"value\":\"key-abcdef\"}}}}",
                            &s, r, 2);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"method\":\"POST\",\"body\":\"x\"}", &out), PLX_OK);
    CHECK_STR(s.last_url, "http://elsewhere.test/landing");
    CHECK_STR(s.last_method, "GET");
    CHECK(strstr(s.last_headers, "key-abcdef") == NULL);
    CHECK_CONTAINS(out, "\"attempts\":1");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_redirect_same_origin_keeps_credentials(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 307, "Location: /moved", NULL},
        {PLX_OK, 200, NULL, "ok"}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\","
                            "\"auth\":{\"type\":\"basic\",\"username\":\"u\",\"password\":\"pass-word\"}}}}",
                            &s, r, 2);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"method\":\"PUT\",\"path\":\"/a\",\"body\":\"x\"}", &out),
              PLX_OK);
    CHECK_STR(s.last_url, "http://svc.test/moved");
    CHECK_STR(s.last_method, "PUT");
    CHECK_STR(s.last_body, "x");
    CHECK_STR(s.last_auth, "Basic dTpwYXNzLXdvcmQ=");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_circuit_opens(void)
{
    static const scripted_reply r[] = {{PLX_OK, 500, NULL, "down"}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\","
                            "\"retry\":{\"max_attempts\":1},"
                            "\"circuit\":{\"failure_threshold\":2,\"open_ms\":60000}}}}",
                            &s, r, 1);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = NULL;
    for (int i = 0; i < 2; i++) {
        CHECK_INT(plx_call(p, "request", "{}", &out), PLX_EHTTP);
        plx_free(out);
    }
    CHECK_INT(plx_call(p, "request", "{}", &out), PLX_ECIRCUIT);
    CHECK_INT(s.sent, 2);
    CHECK_CONTAINS(out, "\"attempts\":0");
    CHECK_CONTAINS(out, "PLX_ECIRCUIT");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_deadline(void)
{
    static const scripted_reply r[] = {{PLX_OK, 503, "Retry-After: 1", NULL}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\",\"deadline_ms\":300,"
                            "\"retry\":{\"max_attempts\":5,\"max_delay_ms\":5000}}}}",
                            &s, r, 1);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{}", &out), PLX_EHTTP);
    CHECK_INT(s.sent, 1);
    CHECK_CONTAINS(plx_errmsg(ctx), "deadline");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_bad_requests(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, NULL, NULL}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\"}}}", &s, r, 1);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = (char *)"unchanged";
    CHECK_INT(plx_call(p, "request", "{\"path\":", &out), PLX_EINVAL);
    CHECK(out == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), "invalid JSON at line 1");
    CHECK_INT(plx_call(p, "request", "{\"paht\":\"/\"}", &out), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.paht: unknown key");
    CHECK_INT(plx_call(p, "request", "{\"headers\":{\"X-A\":\"a\\r\\nX-B: b\"}}", &out), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.headers.X-A");
    CHECK_INT(plx_call(p, "nope", "{}", &out), PLX_EUNSUPPORTED);
    CHECK_INT(plx_call(NULL, "request", "{}", &out), PLX_EINVAL);
    CHECK_INT(plx_call(p, "request", "[1]", &out), PLX_EINVAL);
    CHECK_INT(s.sent, 0);
    plx_ctx_free(ctx);
}

static void test_reply_not_json(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, "Content-Type: application/json", "<html>oops</html>"}};
    scripted s;
    plx_ctx *ctx = ctx_with("{\"providers\":{\"api\":{\"kind\":\"http\","
                            "\"base_url\":\"http://svc.test\"}}}", &s, r, 1);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{}", &out), PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ctx), "<html>oops");
    CHECK_CONTAINS(out, "PLX_EPROTOCOL");
    plx_free(out);
    plx_ctx_free(ctx);
}

TEST_MAIN(test_success_result, test_retry_then_success, test_4xx_not_retried,
          test_auth_status_and_redaction, test_retry_after_too_long,
          test_redirect_other_origin_drops_credentials,
          test_redirect_same_origin_keeps_credentials, test_circuit_opens, test_deadline,
          test_bad_requests, test_reply_not_json)
