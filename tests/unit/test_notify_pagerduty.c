/* Kind "pagerduty": Events API v2 trigger, acknowledge and resolve, US and
 * EU endpoints, replies and errors. */
#include "../tap.h"
#include "notify_test.h"

#define PD "{\"routing_key\":\"R0123456789abcdef0123456789abcdef\"}"

static plx_ctx *ctx;

static cJSON *event_for(const char *config, const char *alert, char *url, size_t cap)
{
    plx_provider *p = provider(ctx, "pagerduty", config);
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", alert, &req), PLX_OK);
    cJSON *b = req ? body_json(req) : NULL;
    if (req) {
        snprintf(url, cap, "%s", plx_request_url(req));
        CHECK_STR(plx_request_header(req, "content-type"), "application/json");
    }
    plx_request_free(req);
    plx_provider_free(p);
    return b;
}

static void test_trigger(void)
{
    char url[256];
    cJSON *b = event_for(PD, ALERT_FULL, url, sizeof url);
    CHECK_STR(url, "https://events.pagerduty.com/v2/enqueue");
    CHECK_STR(at_str(b, "routing_key"), "R0123456789abcdef0123456789abcdef");
    CHECK_STR(at_str(b, "event_action"), "trigger");
    CHECK_STR(at_str(b, "dedup_key"), "cost-spike-ec2");
    CHECK_STR(at_str(b, "payload.summary"), "Cost spike");
    CHECK_STR(at_str(b, "payload.source"), "cost-optimizer");
    CHECK_STR(at_str(b, "payload.severity"), "error");
    CHECK_STR(at_str(b, "payload.custom_details.message"), "EC2 spend <up> & rising\nline 2");
    CHECK_STR(at_str(b, "payload.custom_details.account"), "prod");
    CHECK(cJSON_IsTrue(at(b, "payload.custom_details.paged")));
    CHECK_STR(at_str(b, "links.0.href"), "https://example.com/c?id=1");
    cJSON_Delete(b);
}

static void test_ack_and_resolve(void)
{
    char url[256];
    static const char *const actions[] = {"acknowledge", "resolve"};
    for (int i = 0; i < 2; i++) {
        char alert[256];
        snprintf(alert, sizeof alert, "{\"title\":\"t\",\"text\":\"\",\"severity\":\"info\","
                 "\"source\":\"s\",\"action\":\"%s\",\"dedup_key\":\"k1\"}", actions[i]);
        cJSON *b = event_for("{\"routing_key\":\"rk-1234\",\"region\":\"eu\"}", alert, url,
                             sizeof url);
        CHECK_STR(url, "https://events.eu.pagerduty.com/v2/enqueue");
        CHECK_STR(at_str(b, "event_action"), actions[i]);
        CHECK_STR(at_str(b, "dedup_key"), "k1");
        CHECK(at(b, "payload") == NULL);         /* only a trigger carries one */
        CHECK_INT(cJSON_GetArraySize(b), 3);
        cJSON_Delete(b);
    }
}

static void test_summary_clipped(void)
{
    char url[256];
    plx_buf a = {0};
    plx_buf_append_str(&a, "{\"title\":\"");
    for (int i = 0; i < 1100; i++)
        plx_buf_append_str(&a, "x");
    plx_buf_append_str(&a, "\",\"text\":\"\",\"severity\":\"warning\",\"source\":\"s\"}");
    cJSON *b = event_for(PD, a.data, url, sizeof url);
    const char *summary = at_str(b, "payload.summary");
    CHECK_INT(summary ? strlen(summary) : 0, 1023 + 3);   /* 1023 + the ellipsis */
    CHECK(at(b, "payload.custom_details") == NULL);
    cJSON_Delete(b);
    plx_buf_free(&a);
}

static void test_replies(void)
{
    plx_provider *p = provider(ctx, "pagerduty", PD);
    plx_status st;
    char *out = parse(p, "notify", 202, "Content-Type: application/json",
                      "{\"status\":\"success\",\"message\":\"Event processed\","
                      "\"dedup_key\":\"srv01/HTTP\"}", &st);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"status\":202,\"id\":\"srv01/HTTP\"}");
    plx_free(out);
    out = parse(p, "notify", 400, "Content-Type: application/json",
                "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\","
                "\"errors\":[\"'payload.summary' is missing\"]}", &st);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"status\":400,\"service_code\":\"invalid event\",\"service_message\":"
                   "\"Event object is invalid; 'payload.summary' is missing\"}");
    plx_free(out);
    out = parse(p, "notify", 429, NULL, "", &st);
    CHECK_STR(out, "{\"status\":429}");
    plx_free(out);
    plx_provider_free(p);
}

static void test_config(void)
{
    plx_provider *p = NULL;
    CHECK_INT(plx_provider_new(ctx, "pagerduty", "{}", &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "routing_key: missing");
    CHECK_INT(plx_provider_new(ctx, "pagerduty", "{\"routing_key\":\"abcd1\",\"region\":"
                               "\"ap\"}", &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "region: expected \"us\" or \"eu\"");
    p = provider(ctx, "pagerduty", PD);
    CHECK(p->ratelimit.per_second == 1.8 && p->ratelimit.burst == 12.0);
    char red[128];
    plx_redact(ctx, "key R0123456789abcdef0123456789abcdef", red, sizeof red);
    CHECK_STR(red, "key [REDACTED]");
    plx_provider_free(p);
    p = provider(ctx, "pagerduty", "{\"routing_key\":\"abcd1\",\"base_url\":\"http://127.0.0.1:9\"}");
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", ALERT_MIN, &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://127.0.0.1:9/enqueue");
    plx_request_free(req);
    plx_provider_free(p);
}

static void test_setup(void)
{
    ctx = quiet_ctx();
}

static void test_teardown(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_trigger, test_ack_and_resolve, test_summary_clipped, test_replies,
          test_config, test_teardown)
