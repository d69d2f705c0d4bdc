/* Kind "teams", op "notify": the canonical alert as an Adaptive Card (schema
 * version 1.4, the newest Teams renders everywhere) posted to a Teams
 * Workflows webhook (config "webhook_url", a secret: the URL carries its own
 * signature). The body is the message envelope Workflows' "post to a
 * channel when a webhook request is received" trigger expects:
 *   {"type": "message", "attachments": [{"contentType":
 *    "application/vnd.microsoft.card.adaptive", "content": CARD}]}
 * Teams answers 202 (Workflows) or 200 (older connectors) without an id.
 * There is no public OpenAPI description of this webhook: the card is
 * checked against the 1.4 schema's required fields in the unit test. */
#include "alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Teams documents about four requests per second per webhook. */
#define TEAMS_PER_SECOND 4.0
#define TEAMS_BURST 4.0
/* Cards must stay under 28 KB: with at most 50 fields, these caps keep an
 * ASCII card under about 25 KB. */
#define TITLE_MAX 300
#define TEXT_MAX 8000
#define FACT_TITLE_MAX 80
#define FACT_MAX 200

static const char *const KEYS[] = {"webhook_url", NULL};

typedef struct teams_state {
    char *webhook_url;
} teams_state;

static void teams_release(void *state)
{
    teams_state *s = state;
    if (s)
        plx_secret_free(s->webhook_url);
    free(s);
}

/* The query string (sig=...) is the credential: register it on its own too. */
static void register_query(plx_ctx *ctx, const char *url)
{
    const char *q = strchr(url, '?');
    if (q && q[1])
        plx_secret_register(ctx, q + 1);
}

static plx_status teams_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                  void **state)
{
    teams_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    *state = s;
    plx_status st = plx_kind_secret(p, cfg, config, "webhook_url", true, &s->webhook_url);
    if (st == PLX_OK && !plx_url_is_http(s->webhook_url))
        return plx_cfg_fail(cfg, "webhook_url", "expected an absolute https:// URL");
    if (st == PLX_OK) {
        register_query(p->ctx, s->webhook_url);
        plx_notify_kind_defaults(p, config, TEAMS_PER_SECOND, TEAMS_BURST);
    }
    return st;
}

static const char *color(const plx_alert *a)
{
    static const char *const by_severity[] = {"accent", "warning", "attention", "attention"};
    return a->action == PLX_ALERT_RESOLVE ? "good" : by_severity[a->severity];
}

static const char *heading(const plx_alert *a)
{
    static const char *const by_severity[] = {"INFO", "WARNING", "ERROR", "CRITICAL"};
    return a->action == PLX_ALERT_RESOLVE       ? "RESOLVED"
           : a->action == PLX_ALERT_ACKNOWLEDGE ? "ACKNOWLEDGED"
                                                : by_severity[a->severity];
}

static void text_block(plx_jw *w, const char *text, size_t max, const char *size,
                       const char *weight, const char *colour)
{
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "TextBlock");
    plx_jw_clipped(w, "text", text, max);
    plx_jw_bool(w, "wrap", true);
    if (size)
        plx_jw_string(w, "size", size, strlen(size));
    if (weight)
        plx_jw_string(w, "weight", weight, strlen(weight));
    if (colour)
        plx_jw_string(w, "color", colour, strlen(colour));
    plx_jw_end(w);
}

static void fact(plx_jw *w, const char *title, const char *value)
{
    plx_jw_begin(w, NULL);
    plx_jw_clipped(w, "title", title, FACT_TITLE_MAX);
    plx_jw_clipped(w, "value", value, FACT_MAX);
    plx_jw_end(w);
}

static void fact_set(plx_jw *w, const plx_alert *a)
{
    char value[FACT_MAX * 4 + 1];
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "FactSet");
    plx_jw_begin_array(w, "facts");
    fact(w, "Severity", plx_severity_name(a->severity));
    fact(w, "Source", a->source);
    if (a->dedup_key)
        fact(w, "Dedup key", a->dedup_key);
    const cJSON *f;
    cJSON_ArrayForEach(f, a->fields) {
        plx_alert_value_text(f, value, sizeof value);
        fact(w, f->string, value);
    }
    plx_jw_end_array(w);
    plx_jw_end(w);
}

static void actions(plx_jw *w, const plx_alert *a)
{
    if (!a->link)
        return;
    plx_jw_begin_array(w, "actions");
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "Action.OpenUrl");
    PLX_JW_LIT(w, "title", "Open");
    plx_jw_string(w, "url", a->link, strlen(a->link));
    plx_jw_end(w);
    plx_jw_end_array(w);
}

/* The Adaptive Card itself. */
static void card(plx_jw *w, const plx_alert *a)
{
    plx_jw_begin(w, "content");
    PLX_JW_LIT(w, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    PLX_JW_LIT(w, "type", "AdaptiveCard");
    PLX_JW_LIT(w, "version", "1.4");
    plx_jw_clipped(w, "fallbackText", a->title, TITLE_MAX);
    plx_jw_begin_array(w, "body");
    text_block(w, heading(a), 40, "small", "bolder", color(a));
    text_block(w, a->title, TITLE_MAX, "large", "bolder", NULL);
    if (a->text[0])
        text_block(w, a->text, TEXT_MAX, NULL, NULL, NULL);
    fact_set(w, a);
    plx_jw_end_array(w);
    actions(w, a);
    plx_jw_begin(w, "msteams");
    PLX_JW_LIT(w, "width", "Full");
    plx_jw_end(w);
    plx_jw_end(w);
}

static plx_status teams_build(const plx_provider *p, const char *op, const cJSON *request,
                              plx_request **out)
{
    if (strcmp(op, "notify") != 0)
        return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'teams' has no op '%s' (ops: notify)",
                        op);
    plx_alert a;
    plx_status st = plx_alert_parse(p->ctx, "request", request, &a);
    if (st != PLX_OK)
        return st;
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    PLX_JW_LIT(&w, "type", "message");
    plx_jw_begin_array(&w, "attachments");
    plx_jw_begin(&w, NULL);
    PLX_JW_LIT(&w, "contentType", "application/vnd.microsoft.card.adaptive");
    plx_jw_null(&w, "contentUrl");
    card(&w, &a);
    plx_jw_end(&w);
    plx_jw_end_array(&w);
    plx_jw_end(&w);
    const teams_state *s = p->kind_state;
    return plx_kind_json_request(p, "POST", s->webhook_url, &w, out);
}

/* Errors come as {"error": {"code", "message"}} (Workflows) or text. */
static plx_status teams_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)p;
    (void)op;
    plx_notify_result(r, NULL);
    if (!r->failed)
        return PLX_OK;
    cJSON *json = plx_reply_json(r);
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(json, "error");
    const char *code = plx_json_str(err, "code"), *msg = plx_json_str(err, "message");
    if (code)
        plx_excerpt(code, strlen(code), 80, r->service_code, sizeof r->service_code);
    if (msg)
        plx_excerpt(msg, strlen(msg), 300, r->service_message, sizeof r->service_message);
    size_t len = 0;
    const char *body = plx_response_body(r->resp, &len);
    if (!json && len)
        plx_excerpt(body, len, 300, r->service_message, sizeof r->service_message);
    cJSON_Delete(json);
    return PLX_OK;
}

const plx_kind plx_kind_teams = {
    .name = "teams",
    .config_keys = KEYS,
    .configure = teams_configure,
    .release = teams_release,
    .build = teams_build,
    .parse = teams_parse,
};
