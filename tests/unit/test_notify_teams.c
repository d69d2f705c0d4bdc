/* Kind "teams": the Workflows webhook envelope and its Adaptive Card. Teams
 * publishes no OpenAPI description of the webhook, so the card is checked
 * here against the Adaptive Card 1.4 schema: the element and action types
 * it defines, their required properties, and the enumerations used. */
#include "../tap.h"
#include "notify_test.h"

#define TEAMS "{\"webhook_url\":\"https://prod-01.westus.logic.azure.com:443/workflows/abc/" \
              "triggers/manual/paths/invoke?api-version=2016-06-01&sp=x&sv=1.0&sig=topsecret\"}"

#define RESOLVED "{\"title\":\"t\",\"text\":\"\",\"severity\":\"info\",\"source\":\"s\"," \
                 "\"action\":\"resolve\",\"dedup_key\":\"k\"}"

static plx_ctx *ctx;

static bool in(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static bool has_string(const cJSON *o, const char *key)
{
    return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* An optional enum property: absent, or one of set. */
static bool enum_ok(const cJSON *o, const char *key, const char *const *set)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return !v || (cJSON_IsString(v) && in(v->valuestring, set));
}

static int check_element(const cJSON *e);

static int check_elements(const cJSON *items)
{
    int bad = cJSON_IsArray(items) ? 0 : 1;
    const cJSON *e;
    cJSON_ArrayForEach(e, items)
        bad += check_element(e);
    return bad;
}

static int check_facts(const cJSON *facts)
{
    int bad = cJSON_IsArray(facts) ? 0 : 1;
    const cJSON *f;
    cJSON_ArrayForEach(f, facts)          /* Fact: title and value, both required */
        bad += !has_string(f, "title") || !has_string(f, "value");
    return bad;
}

/* Elements of schema 1.4 and the properties the schema requires. */
static int check_element(const cJSON *e)
{
    static const char *const types[] = {"TextBlock", "Image", "Media", "RichTextBlock",
                                        "Container", "ColumnSet", "FactSet", "ImageSet",
                                        "ActionSet", "Input.Text", "Input.Number",
                                        "Input.Date", "Input.Time", "Input.Toggle",
                                        "Input.ChoiceSet", NULL};
    static const char *const sizes[] = {"default", "small", "medium", "large", "extraLarge",
                                        NULL};
    static const char *const weights[] = {"default", "lighter", "bolder", NULL};
    static const char *const colors[] = {"default", "dark", "light", "accent", "good",
                                         "warning", "attention", NULL};
    const char *type = at_str(e, "type");
    if (!in(type, types)) {
        fprintf(stderr, "unknown element type %s\n", type ? type : "(none)");
        return 1;
    }
    if (strcmp(type, "TextBlock") == 0)
        return !has_string(e, "text") || !enum_ok(e, "size", sizes) ||
               !enum_ok(e, "weight", weights) || !enum_ok(e, "color", colors);
    if (strcmp(type, "FactSet") == 0)
        return check_facts(at(e, "facts"));
    if (strcmp(type, "Container") == 0)
        return check_elements(at(e, "items"));
    if (strcmp(type, "Image") == 0)
        return !has_string(e, "url");
    return 0;
}

static int check_actions(const cJSON *actions)
{
    static const char *const types[] = {"Action.OpenUrl", "Action.Submit", "Action.ShowCard",
                                        "Action.ToggleVisibility", "Action.Execute", NULL};
    int bad = !actions || cJSON_IsArray(actions) ? 0 : 1;
    const cJSON *a;
    cJSON_ArrayForEach(a, actions) {
        const char *type = at_str(a, "type");
        bad += !in(type, types);
        if (type && strcmp(type, "Action.OpenUrl") == 0)
            bad += !has_string(a, "url");
    }
    return bad;
}

/* The message envelope and the card; the number of problems found. */
static int check_card(const cJSON *msg)
{
    int bad = 0;
    bad += !at_str(msg, "type") || strcmp(at_str(msg, "type"), "message") != 0;
    bad += cJSON_GetArraySize(at(msg, "attachments")) != 1;
    const char *ct = at_str(msg, "attachments.0.contentType");
    bad += !ct || strcmp(ct, "application/vnd.microsoft.card.adaptive") != 0;
    const cJSON *card = at(msg, "attachments.0.content");
    bad += !at_str(card, "type") || strcmp(at_str(card, "type"), "AdaptiveCard") != 0;
    bad += !at_str(card, "version") || strcmp(at_str(card, "version"), "1.4") != 0;
    const cJSON *body = at(card, "body");
    bad += body ? check_elements(body) : 0;
    bad += check_actions(at(card, "actions"));
    return bad;
}

static cJSON *card_for(const char *alert)
{
    plx_provider *p = provider(ctx, "teams", TEAMS);
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", alert, &req), PLX_OK);
    cJSON *b = req ? body_json(req) : NULL;
    if (req) {
        CHECK_STR(plx_request_method(req), "POST");
        CHECK_CONTAINS(plx_request_url(req), "/workflows/abc/triggers/manual/paths/invoke?");
        CHECK_STR(plx_request_header(req, "content-type"), "application/json");
    }
    plx_request_free(req);
    plx_provider_free(p);
    return b;
}

static void test_card_schema(void)
{
    const char *alerts[] = {ALERT_MIN, ALERT_FULL, RESOLVED};
    for (size_t i = 0; i < 3; i++) {
        cJSON *b = card_for(alerts[i]);
        CHECK(b != NULL);
        CHECK_INT(check_card(b), 0);
        cJSON_Delete(b);
    }
}

static void test_card_content(void)
{
    cJSON *b = card_for(ALERT_FULL);
    const cJSON *card = at(b, "attachments.0.content");
    CHECK_STR(at_str(card, "body.0.text"), "ERROR");
    CHECK_STR(at_str(card, "body.0.color"), "attention");
    CHECK_STR(at_str(card, "body.1.text"), "Cost spike");
    CHECK_STR(at_str(card, "body.2.text"), "EC2 spend <up> & rising\nline 2");
    CHECK_STR(at_str(card, "body.3.facts.0.title"), "Severity");
    CHECK_STR(at_str(card, "body.3.facts.2.value"), "cost-spike-ec2");
    CHECK_STR(at_str(card, "body.3.facts.4.value"), "1234.5");
    CHECK_STR(at_str(card, "actions.0.url"), "https://example.com/c?id=1");
    CHECK_STR(at_str(card, "fallbackText"), "Cost spike");
    cJSON_Delete(b);
    b = card_for(RESOLVED);
    CHECK_STR(at_str(b, "attachments.0.content.body.0.text"), "RESOLVED");
    CHECK_STR(at_str(b, "attachments.0.content.body.0.color"), "good");
    CHECK(at(b, "attachments.0.content.actions") == NULL);
    cJSON_Delete(b);
}

/* The checker itself rejects cards that break the schema. */
static void test_checker_rejects(void)
{
    const char *broken[] = {
        "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"application/vnd.microsoft."
        "card.adaptive\",\"content\":{\"type\":\"AdaptiveCard\",\"body\":[]}}]}",
        "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"application/vnd.microsoft."
        "card.adaptive\",\"content\":{\"type\":\"AdaptiveCard\",\"version\":\"1.4\","
        "\"body\":[{\"type\":\"TextBlock\"}]}}]}",
        "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"application/vnd.microsoft."
        "card.adaptive\",\"content\":{\"type\":\"AdaptiveCard\",\"version\":\"1.4\","
        "\"body\":[{\"type\":\"FactSet\",\"facts\":[{\"title\":\"a\"}]}]}}]}",
        "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"application/vnd.microsoft."
        "card.adaptive\",\"content\":{\"type\":\"AdaptiveCard\",\"version\":\"1.4\","
        "\"body\":[{\"type\":\"TextBlock\",\"text\":\"x\",\"size\":\"huge\"}]}}]}",
        "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"application/vnd.microsoft."
        "card.adaptive\",\"content\":{\"type\":\"AdaptiveCard\",\"version\":\"1.4\","
        "\"actions\":[{\"type\":\"Action.OpenUrl\"}]}}]}"};
    for (size_t i = 0; i < PLX_ARRAY_LEN(broken); i++) {
        cJSON *b = cJSON_Parse(broken[i]);
        CHECK(check_card(b) > 0);
        cJSON_Delete(b);
    }
}

static void test_replies(void)
{
    plx_provider *p = provider(ctx, "teams", TEAMS);
    plx_status st;
    char *out = parse(p, "notify", 202, NULL, "", &st);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"status\":202}");
    plx_free(out);
    out = parse(p, "notify", 400, "Content-Type: application/json",
                "{\"error\":{\"code\":\"InvalidRequestContent\",\"message\":\"bad card\"}}", &st);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"status\":400,\"service_code\":\"InvalidRequestContent\","
                   "\"service_message\":\"bad card\"}");
    plx_free(out);
    plx_provider_free(p);
}

static void test_config(void)
{
    plx_provider *p = NULL;
    CHECK_INT(plx_provider_new(ctx, "teams", "{}", &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "webhook_url: missing");
    CHECK_INT(plx_provider_new(ctx, "teams", "{\"webhook_url\":\"nope?sig=topsecret\"}", &p),
              PLX_ECONFIG);
    CHECK(strstr(plx_errmsg(ctx), "topsecret") == NULL);
    p = provider(ctx, "teams", TEAMS);
    CHECK(p->ratelimit.per_second == 4.0);
    char red[128];
    plx_redact(ctx, "q: api-version=2016-06-01&sp=x&sv=1.0&sig=topsecret", red, sizeof red);
    CHECK_STR(red, "q: [REDACTED]");
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

TEST_MAIN(test_setup, test_card_schema, test_card_content, test_checker_rejects, test_replies,
          test_config, test_teardown)
