/* Kind "jira": each op's request (REST v3, ADF descriptions), replies, and
 * the dedup chain plx_notify runs (search, then comment, create or
 * transition) against a scripted service. */
#include "../tap.h"
#include "notify_test.h"
#include "scripted.h"
#include "crypto/crypto.h"

#define JIRA "{\"base_url\":\"https://acme.atlassian.net\",\"project\":\"OPS\"," \
             "\"labels\":[\"cost\"],\"auth\":{\"type\":\"basic\",\"username\":" \
             "\"a@example.com\",\"password\":\"api-token-1\"}}"
/* "plexus-" + the first 16 hex digits of SHA-256("cost-spike-ec2") */
static char label[32];

static plx_ctx *ctx;

static cJSON *request_for(const char *op, const char *request, char *url, size_t cap,
                          char *method)
{
    plx_provider *p = provider(ctx, "jira", JIRA);
    plx_request *req = NULL;
    CHECK_INT(build(p, op, request, &req), PLX_OK);
    cJSON *b = req ? body_json(req) : NULL;
    if (req) {
        snprintf(url, cap, "%s", plx_request_url(req));
        strcpy(method, plx_request_method(req));
    }
    plx_request_free(req);
    plx_provider_free(p);
    return b;
}

static void test_create(void)
{
    char url[256], method[16];
    cJSON *b = request_for("create", ALERT_FULL, url, sizeof url, method);
    CHECK_STR(method, "POST");
    CHECK_STR(url, "https://acme.atlassian.net/rest/api/3/issue");
    CHECK_STR(at_str(b, "fields.project.key"), "OPS");
    CHECK_STR(at_str(b, "fields.issuetype.name"), "Task");
    CHECK_STR(at_str(b, "fields.summary"), "Cost spike");
    CHECK_STR(at_str(b, "fields.priority.name"), "High");
    CHECK_STR(at_str(b, "fields.labels.0"), "cost");
    CHECK_STR(at_str(b, "fields.labels.1"), label);
    const cJSON *doc = at(b, "fields.description");
    CHECK_STR(at_str(doc, "type"), "doc");
    CHECK_INT(at(doc, "version")->valueint, 1);
    /* the text: two lines joined by a hard break */
    CHECK_STR(at_str(doc, "content.0.content.0.text"), "EC2 spend <up> & rising");
    CHECK_STR(at_str(doc, "content.0.content.1.type"), "hardBreak");
    CHECK_STR(at_str(doc, "content.0.content.2.text"), "line 2");
    CHECK_STR(at_str(doc, "content.1.type"), "bulletList");
    CHECK_STR(at_str(doc, "content.1.content.0.content.0.content.0.text"), "Severity: ");
    CHECK_STR(at_str(doc, "content.1.content.0.content.0.content.0.marks.0.type"), "strong");
    CHECK_STR(at_str(doc, "content.1.content.0.content.0.content.1.text"), "error");
    CHECK_STR(at_str(doc, "content.2.content.0.marks.0.attrs.href"), "https://example.com/c?id=1");
    cJSON_Delete(b);
}

static void test_create_options(void)
{
    plx_provider *p = provider(ctx, "jira", "{\"base_url\":\"https://acme.atlassian.net\","
                               "\"project\":\"OPS\",\"issue_type\":\"Bug\",\"priorities\":false}");
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", "{\"title\":\"a\\nb\",\"text\":\"\",\"severity\":\"info\","
                    "\"source\":\"s\"}", &req), PLX_OK);
    cJSON *b = body_json(req);
    CHECK_STR(at_str(b, "fields.issuetype.name"), "Bug");
    CHECK_STR(at_str(b, "fields.summary"), "a b");     /* one line */
    CHECK(at(b, "fields.priority") == NULL);
    CHECK_INT(cJSON_GetArraySize(at(b, "fields.labels")), 0);
    cJSON_Delete(b);
    plx_request_free(req);
    plx_provider_free(p);
    p = provider(ctx, "jira", "{\"base_url\":\"https://a.atlassian.net\",\"project\":\"OPS\","
                 "\"priorities\":{\"critical\":\"P1\"}}");
    CHECK_INT(build(p, "create", ALERT_MIN, &req), PLX_OK);
    b = body_json(req);
    CHECK_STR(at_str(b, "fields.priority.name"), "P1");
    cJSON_Delete(b);
    plx_request_free(req);
    /* plx_call cannot chain requests: a dedup_key needs plx_notify */
    CHECK_INT(build(p, "notify", ALERT_FULL, &req), PLX_EUNSUPPORTED);
    CHECK_CONTAINS(plx_errmsg(ctx), "send it with plx_notify");
    plx_provider_free(p);
}

static void test_other_ops(void)
{
    char url[256], method[16];
    cJSON *b = request_for("search", "{\"dedup_key\":\"cost-spike-ec2\"}", url, sizeof url,
                           method);
    CHECK_STR(url, "https://acme.atlassian.net/rest/api/3/search/jql");
    char jql[256];
    snprintf(jql, sizeof jql, "project = \"OPS\" AND labels = \"%s\" AND statusCategory != "
             "Done ORDER BY created DESC", label);
    CHECK_STR(at_str(b, "jql"), jql);
    CHECK_INT(at(b, "maxResults")->valueint, 1);
    cJSON_Delete(b);
    b = request_for("comment", "{\"issue\":\"OPS-7\",\"alert\":" ALERT_FULL "}", url, sizeof url,
                    method);
    CHECK_STR(url, "https://acme.atlassian.net/rest/api/3/issue/OPS-7/comment");
    CHECK_STR(at_str(b, "body.content.0.content.0.text"), "Alert fired again: Cost spike");
    cJSON_Delete(b);
    b = request_for("transitions", "{\"issue\":\"OPS 7/x\"}", url, sizeof url, method);
    CHECK_STR(method, "GET");
    CHECK_STR(url, "https://acme.atlassian.net/rest/api/3/issue/OPS%207%2Fx/transitions");
    CHECK(b == NULL);
    b = request_for("transition", "{\"issue\":\"OPS-7\",\"transition\":\"31\"}", url, sizeof url,
                    method);
    CHECK_STR(method, "POST");
    CHECK_STR(at_str(b, "transition.id"), "31");
    cJSON_Delete(b);
    plx_provider *p = provider(ctx, "jira", JIRA);
    plx_request *req = NULL;
    CHECK_INT(build(p, "comment", "{\"issue\":\"OPS-1\"}", &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.alert: expected an alert object");
    CHECK_INT(build(p, "transition", "{\"issue\":\"OPS-1\"}", &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.transition: expected a non-empty string");
    CHECK_INT(build(p, "delete", "{}", &req), PLX_EUNSUPPORTED);
    plx_provider_free(p);
}

static void test_replies(void)
{
    plx_provider *p = provider(ctx, "jira", "{\"base_url\":\"https://a.atlassian.net\","
                               "\"project\":\"OPS\",\"resolve_transition\":\"close\"}");
    plx_status st;
    char *out = parse(p, "create", 201, NULL, "{\"id\":\"10000\",\"key\":\"OPS-24\"}", &st);
    CHECK_STR(out, "{\"status\":201,\"id\":\"OPS-24\"}");
    plx_free(out);
    out = parse(p, "search", 200, NULL, "{\"issues\":[{\"id\":\"1\",\"key\":\"OPS-3\"}],"
                "\"isLast\":true}", &st);
    CHECK_STR(out, "{\"status\":200,\"issues\":[{\"key\":\"OPS-3\",\"id\":\"1\"}]}");
    plx_free(out);
    out = parse(p, "transitions", 200, NULL, "{\"transitions\":["
                "{\"id\":\"11\",\"name\":\"Start\",\"to\":{\"statusCategory\":{\"key\":\"indeterminate\"}}},"
                "{\"id\":\"21\",\"name\":\"Done\",\"to\":{\"statusCategory\":{\"key\":\"done\"}}},"
                "{\"id\":\"31\",\"name\":\"Close\",\"to\":{\"statusCategory\":{\"key\":\"done\"}}}]}",
                &st);
    /* resolve_transition "close" picks 31 over the first done one */
    CHECK_CONTAINS(out, "{\"id\":\"21\",\"name\":\"Done\",\"done\":true,\"resolve\":false}");
    CHECK_CONTAINS(out, "{\"id\":\"31\",\"name\":\"Close\",\"done\":true,\"resolve\":true}");
    plx_free(out);
    out = parse(p, "search", 200, NULL, "\"a string\"", &st);
    CHECK_INT(st, PLX_EPROTOCOL);
    plx_free(out);
    out = parse(p, "create", 400, NULL, "{\"errorMessages\":[\"Field 'priority' is required\"],"
                "\"errors\":{\"summary\":\"too long\"}}", &st);
    CHECK_STR(out, "{\"status\":400,\"service_message\":\"Field 'priority' is required; "
                   "summary: too long\"}");
    plx_free(out);
    plx_provider_free(p);
}

static void test_config(void)
{
    plx_provider *p = NULL;
    CHECK_INT(plx_provider_new(ctx, "jira", "{\"project\":\"OPS\"}", &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "base_url: missing");
    CHECK_INT(plx_provider_new(ctx, "jira", "{\"base_url\":\"https://a.atlassian.net\","
                               "\"project\":\"ops x\"}", &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "project: expected a project key");
    CHECK_INT(plx_provider_new(ctx, "jira", "{\"base_url\":\"https://a.atlassian.net\","
                               "\"project\":\"OPS\",\"labels\":[\"a b\"]}", &p), PLX_ECONFIG);
    CHECK_INT(plx_provider_new(ctx, "jira", "{\"base_url\":\"https://a.atlassian.net\","
                               "\"project\":\"OPS\",\"priorities\":{\"fatal\":\"x\"}}", &p),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "priorities.fatal: unknown key");
}

/* ---- the dedup chain through plx_notify ---- */

static char *notify(const scripted_reply *r, int n, const char *alert, scripted *s,
                    plx_status *st)
{
    plx_ctx *c = NULL;
    plx_ctx_new(&c, "{\"log_level\":\"none\",\"providers\":{\"jira\":{\"kind\":\"jira\","
                "\"base_url\":\"https://acme.atlassian.net\",\"project\":\"OPS\","
                "\"retry\":{\"max_attempts\":2,\"base_delay_ms\":1}}}}");
    plx_transport_funcs *t = scripted_funcs(s, r, n);
    plx_ctx_set_transport(c, t);
    plx_transport_funcs_unref(t);
    char *report = NULL;
    *st = plx_notify(c, "[\"jira\"]", alert, &report);
    plx_ctx_free(c);
    return report;
}

#define JSON "Content-Type: application/json"

static void test_flow_creates(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, JSON, "{\"issues\":[],\"isLast\":true}"},
        {PLX_OK, 201, JSON, "{\"id\":\"10000\",\"key\":\"OPS-24\"}"}};
    scripted s;
    plx_status st;
    char *report = notify(r, 2, ALERT_FULL, &s, &st);
    CHECK_INT(st, PLX_OK);
    CHECK_INT(s.sent, 2);
    CHECK_CONTAINS(report, "\"ok\":true,\"status\":201,\"id\":\"OPS-24\",\"action\":\"created\","
                           "\"attempts\":2");
    CHECK_STR(s.last_url, "https://acme.atlassian.net/rest/api/3/issue");
    plx_free(report);
}

static void test_flow_comments_instead_of_duplicate(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, JSON, "{\"issues\":[{\"id\":\"9\",\"key\":\"OPS-9\"}]}"},
        {PLX_OK, 201, JSON, "{\"id\":\"555\"}"}};
    scripted s;
    plx_status st;
    char *report = notify(r, 2, ALERT_FULL, &s, &st);
    CHECK_INT(st, PLX_OK);
    CHECK_INT(s.sent, 2);
    CHECK_CONTAINS(report, "\"id\":\"OPS-9\",\"action\":\"commented\"");
    CHECK_STR(s.last_url, "https://acme.atlassian.net/rest/api/3/issue/OPS-9/comment");
    plx_free(report);
}

#define RESOLVE "{\"title\":\"Cost spike\",\"text\":\"back to normal\",\"severity\":\"error\"," \
                "\"source\":\"s\",\"action\":\"resolve\",\"dedup_key\":\"cost-spike-ec2\"}"

static void test_flow_resolves(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, JSON, "{\"issues\":[{\"id\":\"9\",\"key\":\"OPS-9\"}]}"},
        {PLX_OK, 200, JSON, "{\"transitions\":[{\"id\":\"11\",\"name\":\"Start\",\"to\":"
                            "{\"statusCategory\":{\"key\":\"indeterminate\"}}},{\"id\":\"31\","
                            "\"name\":\"Done\",\"to\":{\"statusCategory\":{\"key\":\"done\"}}}]}"},
        {PLX_OK, 204, NULL, NULL}};
    scripted s;
    plx_status st;
    char *report = notify(r, 3, RESOLVE, &s, &st);
    CHECK_INT(st, PLX_OK);
    CHECK_INT(s.sent, 3);
    CHECK_CONTAINS(report, "\"status\":204,\"id\":\"OPS-9\",\"action\":\"resolved\"");
    CHECK_STR(s.last_body, "{\"transition\":{\"id\":\"31\"}}");
    plx_free(report);
}

static void test_flow_nothing_to_resolve(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, JSON, "{\"issues\":[]}"}};
    scripted s;
    plx_status st;
    char *report = notify(r, 1, RESOLVE, &s, &st);
    CHECK_INT(st, PLX_OK);
    CHECK_INT(s.sent, 1);
    CHECK_CONTAINS(report, "\"action\":\"none\"");
    plx_free(report);
}

static void test_flow_no_done_transition(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, JSON, "{\"issues\":[{\"id\":\"9\",\"key\":\"OPS-9\"}]}"},
        {PLX_OK, 200, JSON, "{\"transitions\":[]}"}};
    scripted s;
    plx_status st;
    char *report = notify(r, 2, RESOLVE, &s, &st);
    CHECK_INT(st, PLX_ENOTFOUND);
    CHECK_CONTAINS(report, "\"ok\":false");
    CHECK_CONTAINS(report, "issue OPS-9 has no transition to a status of category done");
    plx_free(report);
}

static void test_flow_search_fails(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 400, JSON, "{\"errorMessages\":[\"bad jql\"]}"}};
    scripted s;
    plx_status st;
    char *report = notify(r, 1, ALERT_FULL, &s, &st);
    CHECK_INT(st, PLX_EHTTP);
    CHECK_INT(s.sent, 1);                          /* a 400 is never retried */
    CHECK_CONTAINS(report, "\"ok\":false,\"status\":400");
    CHECK_CONTAINS(report, "\"service_message\":\"bad jql\"");
    plx_free(report);
}

static void test_setup(void)
{
    ctx = quiet_ctx();
    unsigned char d[PLX_SHA256_LEN];
    char hex[65];
    plx_sha256("cost-spike-ec2", 14, d);
    plx_hex_lower(d, sizeof d, hex);
    snprintf(label, sizeof label, "plexus-%.16s", hex);
}

static void test_teardown(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_create, test_create_options, test_other_ops, test_replies,
          test_config, test_flow_creates, test_flow_comments_instead_of_duplicate,
          test_flow_resolves, test_flow_nothing_to_resolve, test_flow_no_done_transition,
          test_flow_search_fails, test_teardown)
