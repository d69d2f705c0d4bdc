/* plx_notify: validation before anything is sent, concurrent fan-out, the
 * report, return status, short target URLs and their redaction, retries
 * (never a 400; 429 waits), rate limits, and coexistence with a thread
 * polling the same ctx. Services are an in-process transport that answers
 * by host name. */
#include "../tap.h"
#include "notify_test.h"
#include "providers/notify_internal.h"

#include <pthread.h>
#include <unistd.h>

static plx_ctx *ctx;
static int sent;                   /* atomic */

/* http://ok.test -> 200 {"id":"m-1"}; fail.test -> 500; bad.test -> 400;
 * down.test -> connection refused; slow.test -> 200 after 300 ms;
 * limited.test -> 429 (retry-after-ms: 200) then 200. */
static plx_status route(const plx_request *req, plx_response *resp, void *ud)
{
    (void)ud;
    const char *url = plx_request_url(req);
    int n = __atomic_add_fetch(&sent, 1, __ATOMIC_SEQ_CST);
    if (strstr(url, "down.test")) {
        plx_response_set_error_message(resp, "connection refused");
        return PLX_ETRANSPORT;
    }
    if (strstr(url, "slow.test"))
        usleep(300 * 1000);
    int status = strstr(url, "fail.test") ? 500 : strstr(url, "bad.test") ? 400 : 200;
    if (strstr(url, "limited.test") && n % 2 == 1) {
        status = 429;
        plx_response_add_header(resp, "retry-after-ms", "200");
    }
    plx_response_set_status(resp, status);
    plx_response_add_header(resp, "Content-Type", "application/json");
    const char *body = status == 200 ? "{\"id\":\"m-1\"}" : "{\"error\":\"nope\"}";
    return plx_response_append_body(resp, body, strlen(body));
}

static plx_ctx *routed_ctx(const char *config)
{
    plx_ctx *c = NULL;
    if (plx_ctx_new(&c, config) != PLX_OK) {
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
        return NULL;
    }
    plx_transport_funcs *t = NULL;
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, route, NULL, NULL);
    plx_ctx_set_transport(c, t);
    plx_transport_funcs_unref(t);
    __atomic_store_n(&sent, 0, __ATOMIC_SEQ_CST);
    return c;
}

#define HOOK(host) "{\"kind\":\"webhook\",\"name\":\"" host "\",\"url\":\"http://" host "/h\"," \
                   "\"retry\":{\"max_attempts\":3,\"base_delay_ms\":1}}"

static void expect_rejected(plx_ctx *c, const char *targets, const char *alert, plx_status want,
                            const char *message)
{
    char *report = (char *)"unset";
    CHECK_INT(plx_notify(c, targets, alert, &report), want);
    CHECK(report == NULL);
    CHECK_CONTAINS(plx_errmsg(c), message);
    CHECK_INT(__atomic_load_n(&sent, __ATOMIC_SEQ_CST), 0);
}

static void test_rejects_before_sending(void)
{
    plx_ctx *c = routed_ctx("{\"log_level\":\"none\",\"providers\":{\"h\":{\"kind\":\"http\"}}}");
    char *report = NULL;
    CHECK_INT(plx_notify(NULL, "[]", ALERT_MIN, &report), PLX_EINVAL);
    CHECK_INT(plx_notify(c, "[]", ALERT_MIN, NULL), PLX_EINVAL);
    expect_rejected(c, "[" HOOK("ok.test") "]", "{\"title\":\"t\"}", PLX_EINVAL,
                    "alert.text: missing");
    expect_rejected(c, "[" HOOK("ok.test") "]", "{not json", PLX_EINVAL, "alert: invalid JSON");
    expect_rejected(c, "[]", ALERT_MIN, PLX_EINVAL, "targets: expected an array of 1 to 128");
    expect_rejected(c, "{}", ALERT_MIN, PLX_EINVAL, "targets: expected an array");
    expect_rejected(c, "[" HOOK("ok.test") ",\"nobody\"]", ALERT_MIN, PLX_ENOTFOUND,
                    "targets[1]: no provider named 'nobody'");
    expect_rejected(c, "[\"gopher://x\"]", ALERT_MIN, PLX_ECONFIG,
                    "targets[0]: unknown target scheme");
    expect_rejected(c, "[{\"kind\":\"pagerduty\"}]", ALERT_MIN, PLX_ECONFIG,
                    "targets[0].routing_key: missing");
    expect_rejected(c, "[{\"name\":\"x\"}]", ALERT_MIN, PLX_ECONFIG, "targets[0].kind: missing");
    expect_rejected(c, "[42]", ALERT_MIN, PLX_ECONFIG, "targets[0]: expected a provider name");
    expect_rejected(c, "[\"pagerduty://\"]", ALERT_MIN, PLX_ECONFIG,
                    "targets[0]: a pagerduty:// target must look like");
    plx_ctx_free(c);
}

static void test_report(void)
{
    plx_ctx *c = routed_ctx("{\"log_level\":\"none\",\"providers\":{\"named\":{\"kind\":"
                            "\"webhook\",\"url\":\"http://ok.test/n\"}}}");
    char *report = NULL;
    plx_status st = plx_notify(c, "[\"named\"," HOOK("fail.test") "," HOOK("bad.test") ","
                               HOOK("down.test") ",\"http://ok.test/hook-u\"]", ALERT_FULL, &report);
    CHECK_INT(st, PLX_EHTTP);                      /* the first failed target's */
    CHECK_CONTAINS(plx_errmsg(c), "plx_notify: 3 of 5 target(s) failed; first 'fail.test'");
    cJSON *r = cJSON_Parse(report);
    CHECK(cJSON_IsFalse(at(r, "ok")));
    CHECK_INT(at(r, "delivered")->valueint, 2);
    CHECK_INT(at(r, "failed")->valueint, 3);
    CHECK_STR(at_str(r, "results.0.target"), "named");
    CHECK_STR(at_str(r, "results.0.kind"), "webhook");
    CHECK(cJSON_IsTrue(at(r, "results.0.ok")));
    CHECK_INT(at(r, "results.0.status")->valueint, 200);
    CHECK_STR(at_str(r, "results.0.id"), "m-1");
    CHECK(at(r, "results.0.error") == NULL);
    CHECK_INT(at(r, "results.1.status")->valueint, 500);
    CHECK_INT(at(r, "results.1.attempts")->valueint, 3);   /* 5xx retried */
    CHECK_STR(at_str(r, "results.1.error.code"), "PLX_EHTTP");
    CHECK(cJSON_IsTrue(at(r, "results.1.error.retryable")));
    CHECK_INT(at(r, "results.2.status")->valueint, 400);
    CHECK_INT(at(r, "results.2.attempts")->valueint, 1);   /* a 400 never is */
    CHECK_INT(at(r, "results.3.status")->valueint, 0);
    CHECK_STR(at_str(r, "results.3.error.code"), "PLX_ETRANSPORT");
    CHECK_STR(at_str(r, "results.4.target"), "http://ok.test/hook-u");
    CHECK(cJSON_IsTrue(at(r, "results.4.ok")));
    cJSON_Delete(r);
    plx_free(report);
    plx_ctx_free(c);
}

/* A provider whose kind has no op "notify" fails in the report only. */
static void test_not_a_notify_kind(void)
{
    plx_ctx *c = routed_ctx("{\"log_level\":\"none\",\"providers\":{\"h\":{\"kind\":"
                            "\"http\",\"base_url\":\"http://ok.test\"}}}");
    char *report = NULL;
    CHECK_INT(plx_notify(c, "[\"h\"," HOOK("ok.test") "]", ALERT_MIN, &report),
              PLX_EUNSUPPORTED);
    CHECK_CONTAINS(report, "\"code\":\"PLX_EUNSUPPORTED\"");
    CHECK_CONTAINS(report, "kind 'http' has no op 'notify'");
    CHECK_CONTAINS(report, "\"delivered\":1,\"failed\":1");
    plx_free(report);
    plx_ctx_free(c);
}

static void test_concurrent(void)
{
    plx_ctx *c = routed_ctx("{\"log_level\":\"none\"}");
    char *report = NULL;
    uint64_t start = plx_now_ms();
    CHECK_INT(plx_notify(c, "[" HOOK("slow.test") "," HOOK("slow.test") "," HOOK("slow.test") ","
                         HOOK("slow.test") "," HOOK("ok.test") "]", ALERT_MIN, &report), PLX_OK);
    uint64_t took = plx_now_ms() - start;
    CHECK(took >= 300 && took < 1200);             /* not 4 x 300 ms one after another */
    cJSON *r = cJSON_Parse(report);
    CHECK(at(r, "results.4.latency_ms")->valueint < 290);   /* never waited for a slow one */
    cJSON_Delete(r);
    plx_free(report);
    plx_ctx_free(c);
}

static void test_retry_after(void)
{
    plx_ctx *c = routed_ctx("{\"log_level\":\"none\"}");
    char *report = NULL;
    CHECK_INT(plx_notify(c, "[" HOOK("limited.test") "]", ALERT_MIN, &report), PLX_OK);
    cJSON *r = cJSON_Parse(report);
    CHECK_INT(at(r, "results.0.attempts")->valueint, 2);
    CHECK(at(r, "results.0.latency_ms")->valueint >= 200);
    cJSON_Delete(r);
    plx_free(report);
    plx_ctx_free(c);
}

static void test_rate_limit_shared(void)
{
    /* a named provider keeps its bucket across targets and calls */
    plx_ctx *c = routed_ctx("{\"log_level\":\"none\",\"providers\":{\"w\":{\"kind\":\"webhook\","
                            "\"url\":\"http://ok.test/w\",\"rate_limit\":{\"per_second\":5,"
                            "\"burst\":1}}}}");
    char *report = NULL;
    uint64_t start = plx_now_ms();
    CHECK_INT(plx_notify(c, "[\"w\",\"w\"]", ALERT_MIN, &report), PLX_OK);
    plx_free(report);
    CHECK_INT(plx_notify(c, "[\"w\"]", ALERT_MIN, &report), PLX_OK);
    CHECK(plx_now_ms() - start >= 380);           /* 3 sends at 5/s: 2 waits of 200 ms */
    plx_free(report);
    plx_ctx_free(c);
}

static void test_secrets_redacted(void)
{
    plx_ctx *c = routed_ctx("{\"log_level\":\"none\"}");
    char *report = NULL;
    /* real service hosts are unreachable here: the transport fails them */
    plx_status st = plx_notify(c, "[\"pagerduty://PDKEY0123456789\",\"slack://hooks/T1/B2/"
                               "SLACKSECRET9\",\"jira://me%40x.com:JIRATOKEN77@ok.test/OPS\"]",
                               ALERT_MIN, &report);
    CHECK_INT(st, PLX_OK);
    CHECK(strstr(report, "PDKEY0123456789") == NULL);
    CHECK(strstr(report, "SLACKSECRET9") == NULL);
    CHECK(strstr(report, "JIRATOKEN77") == NULL);
    CHECK_CONTAINS(report, "\"target\":\"pagerduty://[REDACTED]\"");
    CHECK_CONTAINS(report, "\"target\":\"slack://hooks/[REDACTED]\"");
    CHECK_CONTAINS(report, "\"target\":\"jira://me%40x.com:[REDACTED]@ok.test/OPS\"");
    plx_free(report);
    plx_ctx_free(c);
}

/* ---- target URLs ---- */

static char *config_of(const char *url, char **label)
{
    cJSON *config = NULL;
    plx_status st = plx_target_url_parse(ctx, "targets[0]", url, &config, label);
    char *text = st == PLX_OK ? plx_json_print(config) : NULL;
    cJSON_Delete(config);
    return text;
}

static void expect_url(const char *url, const char *config, const char *label)
{
    char *got_label = NULL;
    char *got = config_of(url, &got_label);
    CHECK_STR(got, config);
    CHECK_STR(got_label, label);
    plx_free(got);
    free(got_label);
}

static void test_target_urls(void)
{
    expect_url("slack://hooks/T0AB/B0CD/sekrit1",
               "{\"kind\":\"slack\",\"webhook_url\":\"https://hooks.slack.com/services/T0AB/"
               "B0CD/sekrit1\"}", "slack://hooks/[REDACTED]");
    expect_url("slack://xoxb-1-2-tok@C0123",
               "{\"kind\":\"slack\",\"auth\":{\"type\":\"bearer\",\"token\":\"xoxb-1-2-tok\"},"
               "\"channel\":\"C0123\"}", "slack://[REDACTED]@C0123");
    expect_url("teams://acme.westus.logic.azure.com/workflows/1/invoke?sig=abcd",
               "{\"kind\":\"teams\",\"webhook_url\":\"https://acme.westus.logic.azure.com/"
               "workflows/1/invoke?sig=abcd\"}", "teams://acme.westus.logic.azure.com/[REDACTED]");
    expect_url("pagerduty://R0KEY1234?region=eu",
               "{\"kind\":\"pagerduty\",\"routing_key\":\"R0KEY1234\",\"region\":\"eu\"}",
               "pagerduty://[REDACTED]?region=eu");
    expect_url("jira://me%40acme.com:tok%2Fen99@acme.atlassian.net/OPS?type=Bug",
               "{\"kind\":\"jira\",\"auth\":{\"type\":\"basic\",\"password\":\"tok/en99\","
               "\"username\":\"me@acme.com\"},\"base_url\":\"https://acme.atlassian.net\","
               "\"project\":\"OPS\",\"issue_type\":\"Bug\"}",
               "jira://me%40acme.com:[REDACTED]@acme.atlassian.net/OPS?type=Bug");
    expect_url("datadog://DDAPI123:DDAPP456@eu",
               "{\"kind\":\"datadog\",\"api_key\":\"DDAPI123\",\"app_key\":\"DDAPP456\","
               "\"site\":\"eu\"}", "datadog://[REDACTED]:[REDACTED]@eu");
    expect_url("https://hooks.example.com/in/abc123def456ghi",
               "{\"kind\":\"webhook\",\"url\":\"https://hooks.example.com/in/abc123def456ghi\"}",
               "https://hooks.example.com/[REDACTED]");
    expect_url("http://alerts.internal/in",
               "{\"kind\":\"webhook\",\"url\":\"http://alerts.internal/in\"}",
               "http://alerts.internal/in");
    expect_url("webhook+https://whsec99@r.example.com/hook",
               "{\"kind\":\"webhook\",\"secret\":\"whsec99\",\"url\":\"https://r.example.com/"
               "hook\"}", "webhook+https://[REDACTED]@r.example.com/hook");
}

static void expect_bad_url(const char *url, const char *message)
{
    char *label = NULL;
    char *got = config_of(url, &label);
    CHECK(got == NULL && label == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), message);
    plx_free(got);
}

static void test_bad_target_urls(void)
{
    expect_bad_url("slack://hooks/", "slack://hooks/T.../B.../...");
    expect_bad_url("slack://nochannel", "slack://hooks/T.../B.../...");
    expect_bad_url("pagerduty://KEY1?region=eu&region=us", "pagerduty://ROUTING_KEY");
    expect_bad_url("pagerduty://KEY1?colour=red", "pagerduty://ROUTING_KEY");
    expect_bad_url("pagerduty://K%zz1", "pagerduty://ROUTING_KEY");
    expect_bad_url("pagerduty://K%001", "pagerduty://ROUTING_KEY");
    expect_bad_url("jira://user@acme.atlassian.net/OPS", "jira://USER:API_TOKEN@HOST/PROJECT");
    expect_bad_url("jira://u:t@acme.atlassian.net/", "jira://USER:API_TOKEN@HOST/PROJECT");
    expect_bad_url("datadog://@eu", "datadog://API_KEY[:APP_KEY]@SITE");
    expect_bad_url("teams://nohost", "teams://HOST/PATH?QUERY");
    expect_bad_url("webhook+https://r.example.com/hook", "webhook+https://SECRET@HOST/PATH");
    expect_bad_url("https://", "https://HOST/PATH");
    expect_bad_url("nourl", "unknown target scheme");
    /* the URL itself never shows in the message */
    expect_bad_url("pagerduty://SECRET1/x", "pagerduty://ROUTING_KEY");
    CHECK(strstr(plx_errmsg(ctx), "SECRET1") == NULL);
}

/* ---- plx_notify next to a thread polling the ctx ---- */

typedef struct poller {
    plx_ctx *ctx;
    volatile int stop;
    int done;
} poller;

static void async_done(plx_status st, const char *json, void *ud)
{
    (void)st;
    (void)json;
    __atomic_add_fetch(&((poller *)ud)->done, 1, __ATOMIC_SEQ_CST);
}

static void *poll_loop(void *arg)
{
    poller *pl = arg;
    while (!pl->stop) {
        size_t left = 0;
        plx_ctx_poll(pl->ctx, 50, &left);
        if (left == 0)
            usleep(1000);
    }
    return NULL;
}

static void notify_from_callback(plx_status st, const char *json, void *ud)
{
    (void)st;
    (void)json;
    poller *pl = ud;
    char *report = NULL;
    if (plx_notify(pl->ctx, "[" HOOK("ok.test") "]", ALERT_MIN, &report) == PLX_OK)
        __atomic_add_fetch(&pl->done, 10, __ATOMIC_SEQ_CST);
    plx_free(report);
}

static void test_beside_a_poller(void)
{
    plx_ctx *c = routed_ctx("{\"log_level\":\"none\",\"providers\":{\"slow\":{\"kind\":"
                            "\"webhook\",\"url\":\"http://slow.test/a\"}}}");
    plx_provider *slow = NULL;
    plx_ctx_provider(c, "slow", &slow);
    poller pl = {c, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, poll_loop, &pl);
    CHECK_INT(plx_call_async(slow, "notify", ALERT_MIN, async_done, &pl), PLX_OK);
    CHECK_INT(plx_call_async(slow, "notify", ALERT_MIN, notify_from_callback, &pl), PLX_OK);
    char *report = NULL;
    CHECK_INT(plx_notify(c, "[" HOOK("ok.test") "," HOOK("slow.test") "]", ALERT_MIN, &report),
              PLX_OK);
    plx_free(report);
    for (int i = 0; i < 300 && __atomic_load_n(&pl.done, __ATOMIC_SEQ_CST) < 11; i++)
        usleep(10 * 1000);
    pl.stop = 1;
    pthread_join(th, NULL);
    CHECK_INT(pl.done, 11);
    plx_ctx_free(c);
}

static void test_setup(void)
{
    ctx = quiet_ctx();
}

static void test_teardown(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_rejects_before_sending, test_report, test_not_a_notify_kind,
          test_concurrent,
          test_retry_after, test_rate_limit_shared, test_secrets_redacted, test_target_urls,
          test_bad_target_urls, test_beside_a_poller, test_teardown)
