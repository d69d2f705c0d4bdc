/* The notify kinds against prism serving the vendors' own OpenAPI specs
 * (../shared/peers: Slack Web API, PagerDuty Events v2, Datadog v2, Jira
 * platform v3) with request validation on: every request plexus sends must
 * validate, or prism answers 400/422 and the test fails. Each service is
 * skipped, saying why, when its PEER_* variables are unset or its peer is
 * not running; the program skips when none is there. */
#include "../tap.h"

#include <plexus.h>
#include <stdbool.h>
#include <stdlib.h>

static int services;
static const char *slack_url, *pd_url, *dd_url, *jira_url;

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Whether the peer at url answers at all (any HTTP status). */
static bool reachable(const char *url)
{
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\":\"%s\",\"retry\":{\"max_attempts\":1},"
             "\"timeout_ms\":5000}", url);
    plx_ctx *ctx = NULL;
    plx_provider *p = NULL;
    plx_ctx_new(&ctx, "{\"log_level\":\"none\"}");
    plx_provider_new(ctx, "http", config, &p);
    char *out = NULL;
    plx_status st = plx_call(p, "request", "{\"path\":\"/\"}", &out);
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    return st != PLX_ETRANSPORT && st != PLX_ETIMEOUT;
}

/* The peer for a test section, or NULL (and a note) to skip it. */
static const char *peer(const char *var, const char *name)
{
    const char *url = env(var);
    if (!url) {
        printf("# SKIP %s: %s unset (../shared/peers: scripts/start.sh %s; eval "
               "\"$(scripts/env.sh)\")\n", name, var, name);
        return NULL;
    }
    if (!reachable(url)) {
        printf("# SKIP %s: nothing answers at %s (scripts/start.sh %s)\n", name, url, name);
        return NULL;
    }
    services++;
    return url;
}

static long number(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = json ? strstr(json, pat) : NULL;
    return at ? strtol(at + strlen(pat), NULL, 10) : -1;
}

#define ALERT "{\"title\":\"Cost spike\",\"text\":\"EC2 spend +200% in the last hour\"," \
              "\"severity\":\"critical\",\"source\":\"cost-optimizer\"," \
              "\"dedup_key\":\"cost-spike-ec2\",\"link\":\"https://example.com/costs\"," \
              "\"fields\":{\"account\":\"prod\",\"delta_usd\":1234.5}}"
#define ALERT_ACTION(a) "{\"title\":\"Cost spike\",\"text\":\"back to normal\"," \
                        "\"severity\":\"critical\",\"source\":\"cost-optimizer\"," \
                        "\"dedup_key\":\"cost-spike-ec2\",\"action\":\"" a "\"}"

static plx_ctx *ctx_with(const char *providers)
{
    char config[4096];
    snprintf(config, sizeof config, "{\"log_level\":\"error\",\"providers\":{%s}}", providers);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK)
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
    return ctx;
}

/* plx_notify to the named targets; every one must succeed. */
static void notify_ok(plx_ctx *ctx, const char *targets, const char *alert, const char *want)
{
    char *report = NULL;
    plx_status st = plx_notify(ctx, targets, alert, &report);
    if (st != PLX_OK)
        fprintf(stderr, "plx_notify: %s\n%s\n", plx_errmsg(ctx), report ? report : "");
    CHECK_INT(st, PLX_OK);
    CHECK_CONTAINS(report, "\"ok\":true");
    if (want)
        CHECK_CONTAINS(report, want);
    plx_free(report);
}

static char slack_cfg[512], pd_cfg[512], dd_cfg[512], jira_cfg[768];

static void test_slack(void)
{
    const char *url = slack_url;
    if (!url)
        return;
    const char *token = env("PEER_SLACK_TOKEN") ? env("PEER_SLACK_TOKEN") : "xoxb-test";
    snprintf(slack_cfg, sizeof slack_cfg, "\"slack\":{\"kind\":\"slack\",\"base_url\":\"%s\","
             "\"channel\":\"C0123456\",\"auth\":{\"type\":\"bearer\",\"token\":\"%s\"}}",
             url, token);
    plx_ctx *ctx = ctx_with(slack_cfg);
    notify_ok(ctx, "[\"slack\"]", ALERT, "\"status\":200,\"id\":\"");
    notify_ok(ctx, "[\"slack\"]", ALERT_ACTION("resolve"), NULL);
    plx_ctx_free(ctx);
}

static void test_pagerduty(void)
{
    const char *url = pd_url;
    if (!url)
        return;
    const char *key = env("PEER_PAGERDUTY_ROUTING_KEY") ? env("PEER_PAGERDUTY_ROUTING_KEY")
                                                        : "R0123456789abcdef0123456789abcdef";
    /* the peer serves /enqueue without the /v2 of the real base URL */
    snprintf(pd_cfg, sizeof pd_cfg, "\"pagerduty\":{\"kind\":\"pagerduty\",\"base_url\":\"%s\","
             "\"routing_key\":\"%s\",\"client\":\"plexus\",\"client_url\":"
             "\"https://example.com\"}", url, key);
    plx_ctx *ctx = ctx_with(pd_cfg);
    notify_ok(ctx, "[\"pagerduty\"]", ALERT, "\"status\":202,\"id\":\"");
    notify_ok(ctx, "[\"pagerduty\"]", ALERT_ACTION("acknowledge"), "\"status\":202");
    notify_ok(ctx, "[\"pagerduty\"]", ALERT_ACTION("resolve"), "\"status\":202");
    /* validation is really on: an event without event_action is refused */
    plx_provider *raw = NULL;
    char config[512], *out = NULL;
    snprintf(config, sizeof config, "{\"base_url\":\"%s\",\"retry\":{\"max_attempts\":1}}", url);
    plx_provider_new(ctx, "http", config, &raw);
    CHECK_INT(plx_call(raw, "request", "{\"method\":\"POST\",\"path\":\"/enqueue\",\"body\":"
                       "{\"routing_key\":\"x\"}}", &out), PLX_EHTTP);
    CHECK_INT(number(out, "http_status"), 400);
    plx_free(out);
    plx_provider_free(raw);
    plx_ctx_free(ctx);
}

static void test_datadog(void)
{
    const char *url = dd_url;
    if (!url)
        return;
    const char *key = env("PEER_DATADOG_API_KEY") ? env("PEER_DATADOG_API_KEY") : "dd-test";
    snprintf(dd_cfg, sizeof dd_cfg, "\"datadog\":{\"kind\":\"datadog\",\"base_url\":\"%s\","
             "\"api_key\":\"%s\",\"app_key\":\"dd-app-test\",\"tags\":[\"env:test\"]}", url, key);
    plx_ctx *ctx = ctx_with(dd_cfg);
    notify_ok(ctx, "[\"datadog\"]", ALERT, "\"status\":202");
    notify_ok(ctx, "[\"datadog\"]", ALERT_ACTION("resolve"), "\"status\":202");
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "datadog", &p);
    char *out = NULL;
    plx_status st = plx_call(p, "metrics", "{\"series\":["
                             "{\"metric\":\"cost.usd\",\"type\":\"gauge\",\"points\":"
                             "[[1700000000,12.5],[1700000060,13.25]],\"tags\":[\"svc:ec2\"],"
                             "\"unit\":\"dollar\",\"host\":\"h1\"},"
                             "{\"metric\":\"cost.alerts\",\"type\":\"count\",\"value\":3,"
                             "\"interval\":60},"
                             "{\"metric\":\"cost.rate\",\"type\":\"rate\",\"value\":0.5}]}", &out);
    if (st != PLX_OK)
        fprintf(stderr, "metrics: %s\n", out ? out : plx_errmsg(ctx));
    CHECK_INT(st, PLX_OK);
    CHECK_INT(number(out, "status"), 202);
    plx_free(out);
    plx_ctx_free(ctx);
}

/* Jira's spec examples are JSON strings; "Prefer: dynamic=true" makes
 * prism generate bodies from the response schemas instead. */
static void jira_op(plx_provider *p, const char *op, const char *request, int want_status)
{
    char *out = NULL;
    plx_status st = plx_call(p, op, request, &out);
    if (st != PLX_OK)
        fprintf(stderr, "jira %s: %s\n", op, out ? out : plx_errmsg(NULL));
    CHECK_INT(st, PLX_OK);
    CHECK_INT(number(out, "status"), want_status);
    plx_free(out);
}

static void test_jira(void)
{
    const char *url = jira_url;
    if (!url)
        return;
    snprintf(jira_cfg, sizeof jira_cfg, "\"jira\":{\"kind\":\"jira\",\"base_url\":\"%s\","
             "\"project\":\"OPS\",\"labels\":[\"cost\"],\"headers\":{\"Prefer\":"
             "\"dynamic=true\"},\"auth\":{\"type\":\"basic\",\"username\":\"%s\","
             "\"password\":\"%s\"}}", url,
             env("PEER_JIRA_USER") ? env("PEER_JIRA_USER") : "test@example.com",
             env("PEER_JIRA_TOKEN") ? env("PEER_JIRA_TOKEN") : "jira-test");
    plx_ctx *ctx = ctx_with(jira_cfg);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "jira", &p);
    jira_op(p, "create", ALERT, 201);
    jira_op(p, "search", "{\"dedup_key\":\"cost-spike-ec2\"}", 200);
    jira_op(p, "comment", "{\"issue\":\"OPS-1\",\"alert\":" ALERT "}", 201);
    jira_op(p, "transitions", "{\"issue\":\"OPS-1\"}", 200);
    jira_op(p, "transition", "{\"issue\":\"OPS-1\",\"transition\":\"31\"}", 204);
    /* the dedup chain: prism's generated search result decides between
     * comment and create; both requests must validate */
    for (int i = 0; i < 3; i++)
        notify_ok(ctx, "[\"jira\"]", ALERT, "\"action\":\"");
    /* resolve: generated transitions rarely lead to "done"; what matters
     * is that no request was refused */
    char *report = NULL;
    plx_status st = plx_notify(ctx, "[\"jira\"]", ALERT_ACTION("resolve"), &report);
    CHECK(st == PLX_OK || st == PLX_ENOTFOUND);
    CHECK(strstr(report, "\"status\":400") == NULL && strstr(report, "\"status\":422") == NULL);
    plx_free(report);
    plx_ctx_free(ctx);
}

/* One alert to every service at once. */
static void test_fan_out(void)
{
    char providers[4096] = "", targets[256] = "[";
    const char *cfgs[] = {slack_cfg, pd_cfg, dd_cfg, jira_cfg};
    const char *names[] = {"\"slack\"", "\"pagerduty\"", "\"datadog\"", "\"jira\""};
    for (int i = 0; i < 4; i++) {
        if (!cfgs[i][0])
            continue;
        snprintf(providers + strlen(providers), sizeof providers - strlen(providers), "%s%s",
                 providers[0] ? "," : "", cfgs[i]);
        snprintf(targets + strlen(targets), sizeof targets - strlen(targets), "%s%s",
                 targets[1] ? "," : "", names[i]);
    }
    if (!providers[0])
        return;
    strcat(targets, "]");
    plx_ctx *ctx = ctx_with(providers);
    notify_ok(ctx, targets, ALERT, NULL);
    plx_ctx_free(ctx);
}

static void test_setup(void)
{
    slack_url = peer("PEER_SLACK_URL", "prism-slack");
    pd_url = peer("PEER_PAGERDUTY_URL", "prism-pagerduty");
    dd_url = peer("PEER_DATADOG_URL", "prism-datadog");
    jira_url = peer("PEER_JIRA_URL", "prism-jira");
    if (services == 0)
        TAP_SKIP("no notify peer is running: start prism-slack prism-pagerduty "
                 "prism-datadog prism-jira (../shared/peers/scripts/start.sh) and eval "
                 "scripts/env.sh");
}

TEST_MAIN(test_setup, test_slack, test_pagerduty, test_datadog, test_jira, test_fan_out)
