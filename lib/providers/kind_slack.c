/* Kind "slack", op "notify": the canonical alert as Block Kit blocks,
 *   - through an incoming webhook (config "webhook_url": POST JSON, reply
 *     "ok" as text), or
 *   - through chat.postMessage with a bot token (config "channel" and auth
 *     bearer): a form-encoded POST (the form Slack documents for every Web
 *     API method), reply {"ok": true, "ts", "channel"}.
 * Slack reports Web API failures as {"ok": false, "error": CODE} inside an
 * HTTP 200: that is a failure here (PLX_EAUTH for token problems,
 * PLX_ERATELIMIT for rate limits, PLX_EHTTP otherwise). A pure adapter. */
#include "alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_API_URL "https://slack.com/api"
/* Slack's documented limits: chat.postMessage and webhooks about one
 * message per second per channel; Block Kit text sizes. */
#define SLACK_PER_SECOND 1.0
#define SLACK_BURST 1.0
#define HEADER_MAX 150
#define SECTION_MAX 3000
#define FIELD_MAX 2000
#define FIELDS_MAX 10
#define URL_MAX 3000

static const char *const KEYS[] = {"webhook_url", "channel", "username", "icon_emoji", NULL};

typedef struct slack_state {
    char *webhook_url;   /* a secret: the URL is the credential */
    char *channel;
    char *username;
    char *icon_emoji;
} slack_state;

static void slack_release(void *state)
{
    slack_state *s = state;
    if (!s)
        return;
    plx_secret_free(s->webhook_url);
    free(s->channel);
    free(s->username);
    free(s->icon_emoji);
    free(s);
}

static plx_status copy_string(const plx_cfg *cfg, const cJSON *config, const char *key,
                              char **out)
{
    const char *v = NULL;
    plx_status st = plx_cfg_string(cfg, config, key, &v);
    if (st != PLX_OK || !v)
        return st;
    if (!*v)
        return plx_cfg_fail(cfg, key, "must not be empty");
    *out = plx_strdup(v);
    return *out ? PLX_OK : PLX_ENOMEM;
}

/* Registers the part after "/services/" too: it is what identifies the
 * webhook, and it may be printed without the host. */
static void register_webhook_path(plx_ctx *ctx, const char *url)
{
    const char *tail = strstr(url, "/services/");
    if (tail)
        plx_secret_register(ctx, tail + strlen("/services/"));
}

static plx_status check_mode(plx_provider *p, const plx_cfg *cfg, const slack_state *s)
{
    if (!s->webhook_url == !s->channel)
        return plx_cfg_fail(cfg, "webhook_url", "give webhook_url (an incoming webhook) or "
                            "channel (chat.postMessage with auth bearer), exactly one");
    if (s->webhook_url && !plx_url_is_http(s->webhook_url))
        return plx_cfg_fail(cfg, "webhook_url", "expected an absolute https:// URL");
    if (s->channel && !p->auth)
        return plx_cfg_fail(cfg, "auth", "chat.postMessage needs a bot token: "
                            "{\"type\": \"bearer\", \"token\": {\"env\": \"SLACK_BOT_TOKEN\"}}");
    return PLX_OK;
}

static plx_status slack_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                  void **state)
{
    slack_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    *state = s;
    plx_status st = plx_kind_secret(p, cfg, config, "webhook_url", false, &s->webhook_url);
    if (st == PLX_OK)
        st = copy_string(cfg, config, "channel", &s->channel);
    if (st == PLX_OK)
        st = copy_string(cfg, config, "username", &s->username);
    if (st == PLX_OK)
        st = copy_string(cfg, config, "icon_emoji", &s->icon_emoji);
    if (st == PLX_OK)
        st = check_mode(p, cfg, s);
    if (st == PLX_OK && s->webhook_url)
        register_webhook_path(p->ctx, s->webhook_url);
    if (st == PLX_OK)
        st = plx_kind_default_base_url(p, DEFAULT_API_URL);
    if (st == PLX_OK)
        plx_notify_kind_defaults(p, config, SLACK_PER_SECOND, SLACK_BURST);
    return st;
}

/* ---- blocks ---- */

static const char *emoji(const plx_alert *a)
{
    static const char *const by_severity[] = {":information_source:", ":warning:",
                                              ":red_circle:", ":rotating_light:"};
    if (a->action == PLX_ALERT_RESOLVE)
        return ":white_check_mark:";
    if (a->action == PLX_ALERT_ACKNOWLEDGE)
        return ":eyes:";
    return by_severity[a->severity];
}

static const char *action_prefix(const plx_alert *a)
{
    return a->action == PLX_ALERT_RESOLVE       ? "Resolved: "
           : a->action == PLX_ALERT_ACKNOWLEDGE ? "Acknowledged: "
                                                : "";
}

/* Slack's mrkdwn treats &, < and > as markup: escape them (as Slack
 * documents) so alert text never becomes a mention or a link. */
static plx_status escape_mrkdwn(plx_buf *b, const char *s)
{
    plx_status st = PLX_OK;
    for (; *s && st == PLX_OK; s++) {
        if (*s == '&')
            st = plx_buf_append_str(b, "&amp;");
        else if (*s == '<')
            st = plx_buf_append_str(b, "&lt;");
        else if (*s == '>')
            st = plx_buf_append_str(b, "&gt;");
        else
            st = plx_buf_append(b, s, 1);
    }
    return st;
}

/* {"type": "mrkdwn", "text": escaped s clipped to max} under key. */
static void mrkdwn(plx_jw *w, const char *key, const char *label, const char *s, size_t max)
{
    plx_buf raw = {0}, clipped = {0};
    plx_status st = label ? plx_buf_printf(&raw, "*%s*\n", label) : PLX_OK;
    if (st == PLX_OK)
        st = escape_mrkdwn(&raw, s);
    if (st == PLX_OK)
        st = plx_buf_clipped(&clipped, raw.data ? raw.data : "", max);
    if (st != PLX_OK)
        w->status = st;
    plx_jw_begin(w, key);
    PLX_JW_LIT(w, "type", "mrkdwn");
    plx_jw_string(w, "text", clipped.data ? clipped.data : "", clipped.len);
    plx_jw_end(w);
    plx_buf_free(&raw);
    plx_buf_free(&clipped);
}

static void header_block(plx_jw *w, const plx_alert *a)
{
    plx_buf b = {0};
    if (plx_buf_printf(&b, "%s %s%s", emoji(a), action_prefix(a), a->title) != PLX_OK)
        w->status = PLX_ENOMEM;
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "header");
    plx_jw_begin(w, "text");
    PLX_JW_LIT(w, "type", "plain_text");
    plx_jw_clipped(w, "text", b.data ? b.data : a->title, HEADER_MAX);
    plx_jw_bool(w, "emoji", true);
    plx_jw_end(w);
    plx_jw_end(w);
    plx_buf_free(&b);
}

static void text_block(plx_jw *w, const plx_alert *a)
{
    if (!a->text[0])
        return;
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "section");
    mrkdwn(w, "text", NULL, a->text, SECTION_MAX);
    plx_jw_end(w);
}

/* Severity, source, then the alert's fields: at most ten in a section. */
static void fields_block(plx_jw *w, const plx_alert *a)
{
    char value[FIELD_MAX * 4 + 1];
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "section");
    plx_jw_begin_array(w, "fields");
    mrkdwn(w, NULL, "Severity", plx_severity_name(a->severity), FIELD_MAX);
    mrkdwn(w, NULL, "Source", a->source, FIELD_MAX);
    int n = 2;
    const cJSON *f;
    cJSON_ArrayForEach(f, a->fields) {
        if (n++ == FIELDS_MAX)
            break;
        plx_alert_value_text(f, value, sizeof value);
        mrkdwn(w, NULL, f->string, value, FIELD_MAX);
    }
    plx_jw_end_array(w);
    plx_jw_end(w);
}

static void link_block(plx_jw *w, const plx_alert *a)
{
    if (!a->link || strlen(a->link) > URL_MAX)
        return;
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "actions");
    plx_jw_begin_array(w, "elements");
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "button");
    plx_jw_begin(w, "text");
    PLX_JW_LIT(w, "type", "plain_text");
    PLX_JW_LIT(w, "text", "Open");
    plx_jw_end(w);
    plx_jw_string(w, "url", a->link, strlen(a->link));
    plx_jw_end(w);
    plx_jw_end_array(w);
    plx_jw_end(w);
}

/* dedup_key, action, and fields beyond the ten a section shows. */
static void context_block(plx_jw *w, const plx_alert *a)
{
    int extra = cJSON_GetArraySize(a->fields) - (FIELDS_MAX - 2);
    if (!a->dedup_key && a->action == PLX_ALERT_TRIGGER && extra <= 0)
        return;
    plx_buf b = {0};
    plx_status st = plx_buf_printf(&b, "action: %s", plx_alert_action_name(a->action));
    if (st == PLX_OK && a->dedup_key)
        st = plx_buf_printf(&b, " | dedup_key: %s", a->dedup_key);
    if (st == PLX_OK && extra > 0)
        st = plx_buf_printf(&b, " | %d more field(s) not shown", extra);
    if (st != PLX_OK)
        w->status = st;
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "context");
    plx_jw_begin_array(w, "elements");
    mrkdwn(w, NULL, NULL, b.data ? b.data : "", FIELD_MAX);
    plx_jw_end_array(w);
    plx_jw_end(w);
    plx_buf_free(&b);
}

static void write_blocks(plx_jw *w, const char *key, const plx_alert *a)
{
    plx_jw_begin_array(w, key);
    header_block(w, a);
    text_block(w, a);
    fields_block(w, a);
    link_block(w, a);
    context_block(w, a);
    plx_jw_end_array(w);
}

/* The notification text (shown where blocks are not: push, previews). */
static plx_status fallback_text(const plx_alert *a, plx_buf *b)
{
    plx_buf raw = {0};
    plx_status st = plx_buf_printf(&raw, "%s [%s] %s%s", emoji(a),
                                   plx_severity_name(a->severity), action_prefix(a), a->title);
    if (st == PLX_OK)
        st = plx_buf_clipped(b, raw.data, SECTION_MAX);
    plx_buf_free(&raw);
    return st;
}

/* ---- requests ---- */

static plx_status webhook_request(const plx_provider *p, const plx_alert *a,
                                  plx_request **out)
{
    const slack_state *s = p->kind_state;
    plx_buf text = {0};
    plx_status st = fallback_text(a, &text);
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_string(&w, "text", text.data ? text.data : "", text.len);
    write_blocks(&w, "blocks", a);
    if (s->username)
        plx_jw_string(&w, "username", s->username, strlen(s->username));
    if (s->icon_emoji)
        plx_jw_string(&w, "icon_emoji", s->icon_emoji, strlen(s->icon_emoji));
    plx_jw_end(&w);
    plx_buf_free(&text);
    if (st != PLX_OK) {
        plx_buf_free(&w.buf);
        return st;
    }
    return plx_kind_json_request(p, "POST", s->webhook_url, &w, out);
}

static plx_status form_pair(plx_buf *b, const char *key, const char *value, size_t len)
{
    plx_status st = plx_buf_printf(b, "%s%s=", b->len ? "&" : "", key);
    return st == PLX_OK ? plx_url_encode(b, value, len, false) : st;
}

static plx_status api_body(const slack_state *s, const plx_alert *a, plx_buf *form)
{
    plx_buf text = {0};
    plx_jw blocks = {0};
    write_blocks(&blocks, NULL, a);
    char *json = plx_jw_finish(&blocks);
    plx_status st = json ? fallback_text(a, &text) : PLX_ENOMEM;
    if (st == PLX_OK)
        st = form_pair(form, "channel", s->channel, strlen(s->channel));
    if (st == PLX_OK)
        st = form_pair(form, "text", text.data, text.len);
    if (st == PLX_OK)
        st = form_pair(form, "blocks", json, strlen(json));
    if (st == PLX_OK && s->username)
        st = form_pair(form, "username", s->username, strlen(s->username));
    if (st == PLX_OK && s->icon_emoji)
        st = form_pair(form, "icon_emoji", s->icon_emoji, strlen(s->icon_emoji));
    plx_free(json);
    plx_buf_free(&text);
    return st;
}

static plx_status api_request(const plx_provider *p, const plx_alert *a, plx_request **out)
{
    plx_buf form = {0};
    plx_status st = api_body(p->kind_state, a, &form);
    plx_request *req = NULL;
    if (st == PLX_OK)
        st = plx_provider_request(p, "POST", "/chat.postMessage", &req);
    if (st == PLX_OK)
        st = plx_request_set_header(req, "Content-Type",
                                    "application/x-www-form-urlencoded; charset=utf-8");
    if (st != PLX_OK) {
        plx_buf_free(&form);
        plx_request_free(req);
        return st;
    }
    size_t len = form.len;
    plx_request_take_body(req, plx_buf_steal(&form), len);
    *out = req;
    return PLX_OK;
}

static plx_status slack_build(const plx_provider *p, const char *op, const cJSON *request,
                              plx_request **out)
{
    if (strcmp(op, "notify") != 0)
        return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'slack' has no op '%s' (ops: notify)",
                        op);
    plx_alert a;
    plx_status st = plx_alert_parse(p->ctx, "request", request, &a);
    if (st != PLX_OK)
        return st;
    const slack_state *s = p->kind_state;
    return s->webhook_url ? webhook_request(p, &a, out) : api_request(p, &a, out);
}

/* ---- replies ---- */

static plx_status status_for_error(const char *code)
{
    static const char *const auth[] = {"not_authed", "invalid_auth", "account_inactive",
                                       "token_revoked", "token_expired", "no_permission",
                                       "missing_scope", "not_allowed_token_type",
                                       "ekm_access_denied"};
    for (size_t i = 0; i < PLX_ARRAY_LEN(auth); i++)
        if (strcmp(code, auth[i]) == 0)
            return PLX_EAUTH;
    if (strcmp(code, "ratelimited") == 0 || strcmp(code, "rate_limited") == 0)
        return PLX_ERATELIMIT;
    return PLX_EHTTP;
}

static void set_code(plx_reply *r, const char *code)
{
    plx_excerpt(code, strlen(code), sizeof r->service_code - 8, r->service_code,
                sizeof r->service_code);
}

/* Webhooks answer "ok", or a short error code as text ("invalid_payload",
 * "no_service", "channel_not_found"). */
static plx_status parse_webhook(plx_reply *r)
{
    plx_notify_result(r, NULL);
    if (r->failed) {
        size_t len = 0;
        const char *body = plx_response_body(r->resp, &len);
        if (len)
            plx_excerpt(body, len, sizeof r->service_code - 8, r->service_code,
                        sizeof r->service_code);
    }
    return PLX_OK;
}

static plx_status parse_api(const plx_provider *p, plx_reply *r)
{
    cJSON *json = plx_reply_json(r);
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(json, "ok");
    const char *code = plx_json_str(json, "error");
    const char *ts = cJSON_IsTrue(ok) ? plx_json_str(json, "ts") : NULL;
    plx_notify_result(r, ts);
    const char *channel = plx_json_str(json, "channel");
    if (ts && channel)
        plx_jw_string(r->out, "channel", channel, strlen(channel));
    plx_status st = PLX_OK;
    if (code && !cJSON_IsTrue(ok))
        set_code(r, code);
    if (!r->failed && !cJSON_IsBool(ok))
        st = plx_fail(p->ctx, PLX_EPROTOCOL, "chat.postMessage reply has no \"ok\" member");
    else if (!r->failed && !cJSON_IsTrue(ok))
        st = plx_fail(p->ctx, code ? status_for_error(code) : PLX_EHTTP,
                      "Slack answered ok:false (error \"%s\")", code ? r->service_code : "?");
    cJSON_Delete(json);
    return st;
}

static plx_status slack_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)op;
    const slack_state *s = p->kind_state;
    return s->webhook_url ? parse_webhook(r) : parse_api(p, r);
}

const plx_kind plx_kind_slack = {
    .name = "slack",
    .config_keys = KEYS,
    .configure = slack_configure,
    .release = slack_release,
    .build = slack_build,
    .parse = slack_parse,
};
