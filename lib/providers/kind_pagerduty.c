/* Kind "pagerduty", op "notify": the canonical alert as a PagerDuty Events
 * API v2 event (POST {base}/enqueue): trigger, acknowledge or resolve, with
 * the alert's dedup_key. Config: "routing_key" (the integration key, a
 * secret), "region" "us" (events.pagerduty.com) or "eu"
 * (events.eu.pagerduty.com), optional "client" and "client_url".
 * Reply 202 {"status": "success", "dedup_key"}: the dedup_key is the id.
 * A pure adapter. */
#include "alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_URL "https://events.pagerduty.com/v2"
#define EU_URL "https://events.eu.pagerduty.com/v2"
/* PagerDuty allows 120 events per minute per routing key: a bucket of 12
 * refilled at 1.8/s never sends more than 120 in any minute. */
#define PD_PER_SECOND 1.8
#define PD_BURST 12.0
#define SUMMARY_MAX 1024
#define SOURCE_MAX 255

static const char *const KEYS[] = {"routing_key", "region", "client", "client_url", NULL};

typedef struct pd_state {
    char *routing_key;
    char *client;
    char *client_url;
} pd_state;

static void pd_release(void *state)
{
    pd_state *s = state;
    if (!s)
        return;
    plx_secret_free(s->routing_key);
    free(s->client);
    free(s->client_url);
    free(s);
}

static plx_status read_region(plx_provider *p, const plx_cfg *cfg, const cJSON *config)
{
    const char *region = "us";
    plx_status st = plx_cfg_string(cfg, config, "region", &region);
    if (st != PLX_OK)
        return st;
    if (strcmp(region, "us") != 0 && strcmp(region, "eu") != 0)
        return plx_cfg_fail(cfg, "region", "expected \"us\" or \"eu\"");
    return plx_kind_default_base_url(p, region[0] == 'e' ? EU_URL : US_URL);
}

static plx_status pd_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                               void **state)
{
    pd_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    *state = s;
    plx_status st = plx_kind_secret(p, cfg, config, "routing_key", true, &s->routing_key);
    if (st == PLX_OK)
        st = read_region(p, cfg, config);
    if (st == PLX_OK)
        st = plx_cfg_string_dup(cfg, config, "client", &s->client);
    if (st == PLX_OK)
        st = plx_cfg_string_dup(cfg, config, "client_url", &s->client_url);
    if (st == PLX_OK && s->client_url && !plx_url_is_http(s->client_url))
        return plx_cfg_fail(cfg, "client_url", "expected an absolute http(s) URL");
    if (st == PLX_OK)
        plx_notify_kind_defaults(p, config, PD_PER_SECOND, PD_BURST);
    return st;
}

static void write_string(plx_jw *w, const char *key, const char *s)
{
    plx_jw_string(w, key, s, strlen(s));
}

/* The alert's fields, and its text as "message" unless a field has that
 * name: PagerDuty shows custom_details as a table. */
static void custom_details(plx_jw *w, const plx_alert *a)
{
    if (!a->fields && !a->text[0])
        return;
    plx_jw_begin(w, "custom_details");
    if (a->text[0] && !cJSON_GetObjectItemCaseSensitive(a->fields, "message"))
        write_string(w, "message", a->text);
    const cJSON *f;
    cJSON_ArrayForEach(f, a->fields)
        plx_alert_write_field(w, f);
    plx_jw_end(w);
}

static void payload(plx_jw *w, const plx_alert *a)
{
    plx_jw_begin(w, "payload");
    plx_jw_clipped(w, "summary", a->title, SUMMARY_MAX);
    plx_jw_clipped(w, "source", a->source, SOURCE_MAX);
    write_string(w, "severity", plx_severity_name(a->severity));
    custom_details(w, a);
    plx_jw_end(w);
}

static void trigger_extras(plx_jw *w, const pd_state *s, const plx_alert *a)
{
    if (s->client)
        write_string(w, "client", s->client);
    if (s->client_url)
        write_string(w, "client_url", s->client_url);
    if (!a->link)
        return;
    plx_jw_begin_array(w, "links");
    plx_jw_begin(w, NULL);
    write_string(w, "href", a->link);
    write_string(w, "text", "Link");
    plx_jw_end(w);
    plx_jw_end_array(w);
}

static plx_status pd_build(const plx_provider *p, const char *op, const cJSON *request,
                           plx_request **out)
{
    if (strcmp(op, "notify") != 0)
        return plx_fail(p->ctx, PLX_EUNSUPPORTED,
                        "kind 'pagerduty' has no op '%s' (ops: notify)", op);
    plx_alert a;
    plx_status st = plx_alert_parse(p->ctx, "request", request, &a);
    if (st != PLX_OK)
        return st;
    const pd_state *s = p->kind_state;
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    write_string(&w, "routing_key", s->routing_key);
    write_string(&w, "event_action", plx_alert_action_name(a.action));
    if (a.dedup_key)
        write_string(&w, "dedup_key", a.dedup_key);
    if (a.action == PLX_ALERT_TRIGGER) {
        payload(&w, &a);
        trigger_extras(&w, s, &a);
    }
    plx_jw_end(&w);
    return plx_kind_json_request(p, "POST", "/enqueue", &w, out);
}

/* Errors: {"status": "invalid event", "message": "...", "errors": [...]}. */
static void read_error(const cJSON *json, plx_reply *r)
{
    const char *status = plx_json_str(json, "status"), *msg = plx_json_str(json, "message");
    if (status)
        plx_excerpt(status, strlen(status), 80, r->service_code, sizeof r->service_code);
    plx_buf b = {0};
    if (msg)
        plx_buf_append_str(&b, msg);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(json, "errors"))
        if (cJSON_IsString(e))
            plx_buf_printf(&b, "%s%s", b.len ? "; " : "", e->valuestring);
    if (b.data)
        plx_excerpt(b.data, b.len, 400, r->service_message, sizeof r->service_message);
    plx_buf_free(&b);
}

static plx_status pd_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)p;
    (void)op;
    cJSON *json = plx_reply_json(r);
    plx_notify_result(r, r->failed ? NULL : plx_json_str(json, "dedup_key"));
    if (r->failed)
        read_error(json, r);
    cJSON_Delete(json);
    return PLX_OK;
}

const plx_kind plx_kind_pagerduty = {
    .name = "pagerduty",
    .config_keys = KEYS,
    .configure = pd_configure,
    .release = pd_release,
    .build = pd_build,
    .parse = pd_parse,
};
