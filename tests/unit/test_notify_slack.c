/* Kind "slack": webhook and chat.postMessage requests (Block Kit blocks
 * with the severity), replies, ok:false inside HTTP 200, config errors. */
#include "../tap.h"
#include "notify_test.h"

#define WEBHOOK "{\"webhook_url\":\"https://hooks.slack.com/services/T0/B0/secretpart\"}"
#define BOT "{\"channel\":\"C0123\",\"auth\":{\"type\":\"bearer\",\"token\":\"xoxb-1-secret\"}}"

static plx_ctx *ctx;

static void test_webhook_request(void)
{
    plx_provider *p = provider(ctx, "slack", WEBHOOK);
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", ALERT_FULL, &req), PLX_OK);
    CHECK_STR(plx_request_method(req), "POST");
    CHECK_STR(plx_request_url(req), "https://hooks.slack.com/services/T0/B0/secretpart");
    CHECK_STR(plx_request_header(req, "content-type"), "application/json");
    cJSON *b = body_json(req);
    CHECK_STR(at_str(b, "text"), ":red_circle: [error] Cost spike");
    CHECK_STR(at_str(b, "blocks.0.type"), "header");
    CHECK_STR(at_str(b, "blocks.0.text.text"), ":red_circle: Cost spike");
    /* mrkdwn control characters are escaped */
    CHECK_STR(at_str(b, "blocks.1.text.text"), "EC2 spend &lt;up&gt; &amp; rising\nline 2");
    CHECK_STR(at_str(b, "blocks.2.fields.0.text"), "*Severity*\nerror");
    CHECK_STR(at_str(b, "blocks.2.fields.1.text"), "*Source*\ncost-optimizer");
    CHECK_STR(at_str(b, "blocks.2.fields.3.text"), "*delta_usd*\n1234.5");
    CHECK_STR(at_str(b, "blocks.3.elements.0.url"), "https://example.com/c?id=1");
    CHECK_CONTAINS(at_str(b, "blocks.4.elements.0.text"), "dedup_key: cost-spike-ec2");
    cJSON_Delete(b);
    plx_request_free(req);
    plx_provider_free(p);
}

static void test_block_limits(void)
{
    plx_provider *p = provider(ctx, "slack", WEBHOOK);
    plx_buf a = {0};
    plx_buf_append_str(&a, "{\"title\":\"");
    for (int i = 0; i < 200; i++)
        plx_buf_append_str(&a, "\xc3\xa9");      /* 200 two-byte characters */
    plx_buf_append_str(&a, "\",\"text\":\"\",\"severity\":\"info\",\"source\":\"s\","
                           "\"fields\":{");
    for (int i = 0; i < 12; i++)
        plx_buf_printf(&a, "%s\"f%d\":%d", i ? "," : "", i, i);
    plx_buf_append_str(&a, "}}");
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", a.data, &req), PLX_OK);
    cJSON *b = body_json(req);
    const char *header = at_str(b, "blocks.0.text.text");
    size_t chars = 0;
    for (const char *c = header; c && *c; c++)
        chars += ((unsigned char)*c & 0xc0) != 0x80;
    CHECK_INT(chars, 150);                        /* Slack's header limit */
    CHECK_STR(at_str(b, "blocks.1.type"), "section");  /* no text block for "" */
    CHECK_INT(cJSON_GetArraySize(at(b, "blocks.1.fields")), 10);
    CHECK_CONTAINS(at_str(b, "blocks.2.elements.0.text"), "4 more field(s) not shown");
    cJSON_Delete(b);
    plx_request_free(req);
    plx_buf_free(&a);
    plx_provider_free(p);
}

static void test_resolve_header(void)
{
    plx_provider *p = provider(ctx, "slack", WEBHOOK);
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", "{\"title\":\"Cost spike\",\"text\":\"ok now\",\"severity\":"
                    "\"critical\",\"source\":\"s\",\"action\":\"resolve\",\"dedup_key\":\"k\"}",
                    &req), PLX_OK);
    cJSON *b = body_json(req);
    CHECK_STR(at_str(b, "blocks.0.text.text"), ":white_check_mark: Resolved: Cost spike");
    cJSON_Delete(b);
    plx_request_free(req);
    plx_provider_free(p);
}

static void test_api_request(void)
{
    plx_provider *p = provider(ctx, "slack", BOT);
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", ALERT_MIN, &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "https://slack.com/api/chat.postMessage");
    CHECK_STR(plx_request_header(req, "content-type"),
              "application/x-www-form-urlencoded; charset=utf-8");
    char *form = body_text(req);
    const char *want = "channel=C0123&text=%3Arotating_light%3A%20%5Bcritical%5D%20Cost"
                       "%20spike&blocks=%5B%7B%22type%22%3A%22header%22";
    CHECK(strncmp(form, want, strlen(want)) == 0);
    CHECK(strstr(form, "xoxb") == NULL);          /* the token goes in the auth header */
    free(form);
    plx_request_free(req);
    plx_provider_free(p);
}

static void test_api_replies(void)
{
    plx_provider *p = provider(ctx, "slack", BOT);
    plx_status st;
    char *out = parse(p, "notify", 200, "Content-Type: application/json",
                      "{\"ok\":true,\"channel\":\"C0123\",\"ts\":\"1503435956.000247\"}", &st);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"status\":200,\"id\":\"1503435956.000247\",\"channel\":\"C0123\"}");
    plx_free(out);
    out = parse(p, "notify", 200, "Content-Type: application/json",
                "{\"ok\":false,\"error\":\"channel_not_found\"}", &st);
    CHECK_INT(st, PLX_EHTTP);
    CHECK_CONTAINS(plx_errmsg(ctx), "ok:false (error \"channel_not_found\")");
    CHECK_CONTAINS(out, "\"service_code\":\"channel_not_found\"");
    plx_free(out);
    out = parse(p, "notify", 200, NULL, "{\"ok\":false,\"error\":\"invalid_auth\"}", &st);
    CHECK_INT(st, PLX_EAUTH);
    plx_free(out);
    out = parse(p, "notify", 200, NULL, "{\"ok\":false,\"error\":\"ratelimited\"}", &st);
    CHECK_INT(st, PLX_ERATELIMIT);
    plx_free(out);
    out = parse(p, "notify", 200, NULL, "<html>", &st);
    CHECK_INT(st, PLX_EPROTOCOL);
    plx_free(out);
    out = parse(p, "notify", 403, NULL, "{\"ok\":false,\"error\":\"missing_scope\"}", &st);
    CHECK_INT(st, PLX_OK);                        /* the HTTP error is the call's */
    CHECK_CONTAINS(out, "\"service_code\":\"missing_scope\"");
    plx_free(out);
    plx_provider_free(p);
}

static void test_webhook_replies(void)
{
    plx_provider *p = provider(ctx, "slack", WEBHOOK);
    plx_status st;
    char *out = parse(p, "notify", 200, "Content-Type: text/html", "ok", &st);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"status\":200}");
    plx_free(out);
    out = parse(p, "notify", 404, NULL, "no_service", &st);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"status\":404,\"service_code\":\"no_service\"}");
    plx_free(out);
    plx_provider_free(p);
}

static void expect_config_error(const char *config, const char *message)
{
    plx_provider *p = NULL;
    CHECK_INT(plx_provider_new(ctx, "slack", config, &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), message);
    CHECK(strstr(plx_errmsg(ctx), "secretpart") == NULL);
}

static void test_config(void)
{
    expect_config_error("{}", "webhook_url: give webhook_url (an incoming webhook) or channel");
    expect_config_error("{\"webhook_url\":\"https://hooks.slack.com/services/T/B/secretpart\","
                        "\"channel\":\"C1\"}", "exactly one");
    expect_config_error("{\"channel\":\"C1\"}", "auth: chat.postMessage needs a bot token");
    expect_config_error("{\"webhook_url\":\"hooks.slack.com/secretpart\"}",
                        "webhook_url: expected an absolute https:// URL");
    expect_config_error("{\"webhook_url\":{\"env\":\"PLX_TEST_NO_SUCH_VAR\"}}",
                        "environment variable PLX_TEST_NO_SUCH_VAR is not set");
    /* the webhook URL and its path are secrets */
    plx_provider *p = provider(ctx, "slack", WEBHOOK);
    char red[256];
    plx_redact(ctx, "x T0/B0/secretpart y", red, sizeof red);
    CHECK_STR(red, "x [REDACTED] y");
    plx_provider_free(p);
}

static void test_defaults(void)
{
    plx_provider *p = provider(ctx, "slack", WEBHOOK);
    CHECK(p->policy.ratelimit != NULL);
    CHECK(p->ratelimit.per_second == 1.0);
    CHECK_INT(p->policy.timeout_ms, 10000);
    CHECK_INT(p->policy.deadline_ms, 30000);
    plx_provider_free(p);
    p = provider(ctx, "slack", "{\"webhook_url\":\"https://h.test/services/a/b/c\","
                 "\"rate_limit\":{\"per_second\":5,\"burst\":2},\"timeout_ms\":500}");
    CHECK(p->ratelimit.per_second == 5.0);
    CHECK_INT(p->policy.timeout_ms, 500);
    plx_provider_free(p);
    plx_request *req = NULL;
    p = provider(ctx, "slack", WEBHOOK);
    CHECK_INT(build(p, "post", ALERT_MIN, &req), PLX_EUNSUPPORTED);
    CHECK_INT(build(p, "notify", "{\"title\":\"t\"}", &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.text: missing");
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

TEST_MAIN(test_setup, test_webhook_request, test_block_limits, test_resolve_header,
          test_api_request, test_api_replies, test_webhook_replies, test_config,
          test_defaults, test_teardown)
