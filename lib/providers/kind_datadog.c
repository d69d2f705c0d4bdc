/* Kind "datadog":
 *   notify   the canonical alert as a Datadog event (v2 event intake,
 *            category "alert"; POST https://event-management-intake.SITE/api/v2/events)
 *   metrics  {"series": [...]} gauges, counts and rates, many series and
 *            points in one request (POST https://api.SITE/api/v2/series)
 * Config: "api_key" (DD-API-KEY), "app_key" (DD-APPLICATION-KEY, which the
 * event intake requires), "site" (us1, us3, us5, eu, ap1, ap2, gov, or a
 * domain such as "datadoghq.eu"), "tags" added to every event and series.
 * A base_url replaces both hosts (proxies, tests). A pure adapter. */
#include "alert.h"
#include "../crypto/crypto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_MAX 500
#define MESSAGE_MAX 4000
#define TAG_MAX 200
#define TAGS_MAX 100
#define AGGREGATION_KEY_MAX 100
/* Datadog's limit for one uncompressed series payload. */
#define SERIES_BYTES_MAX 512000

static const char *const KEYS[] = {"api_key", "app_key", "site", "tags", NULL};

typedef struct dd_state {
    char *api_key;
    char *app_key;
    char *site;      /* a domain: datadoghq.com, datadoghq.eu, ... */
    cJSON *tags;     /* an array of strings */
} dd_state;

static void dd_release(void *state)
{
    dd_state *s = state;
    if (!s)
        return;
    plx_secret_free(s->api_key);
    plx_secret_free(s->app_key);
    free(s->site);
    cJSON_Delete(s->tags);
    free(s);
}

/* Site names as Datadog's documentation writes them, and their domains. */
static const char *site_domain(const char *site)
{
    static const char *const map[][2] = {
        {"us1", "datadoghq.com"}, {"us3", "us3.datadoghq.com"},
        {"us5", "us5.datadoghq.com"}, {"eu", "datadoghq.eu"}, {"eu1", "datadoghq.eu"},
        {"ap1", "ap1.datadoghq.com"}, {"ap2", "ap2.datadoghq.com"},
        {"gov", "ddog-gov.com"}, {"us1-fed", "ddog-gov.com"}};
    for (size_t i = 0; i < PLX_ARRAY_LEN(map); i++)
        if (strcmp(site, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static bool domain_valid(const char *d)
{
    if (!strchr(d, '.') || d[0] == '.' || strlen(d) > 253)
        return false;
    for (; *d; d++)
        if (!(*d == '.' || *d == '-' || (*d >= 'a' && *d <= 'z') || (*d >= '0' && *d <= '9')))
            return false;
    return true;
}

static plx_status read_site(dd_state *s, const plx_cfg *cfg, const cJSON *config)
{
    const char *site = "us1";
    plx_status st = plx_cfg_string(cfg, config, "site", &site);
    if (st != PLX_OK)
        return st;
    const char *domain = site_domain(site);
    if (!domain && !domain_valid(site))
        return plx_cfg_fail(cfg, "site", "expected us1, us3, us5, eu, ap1, ap2, gov or a "
                            "domain such as datadoghq.eu");
    s->site = plx_strdup(domain ? domain : site);
    return s->site ? PLX_OK : PLX_ENOMEM;
}

static plx_status read_tags(dd_state *s, const plx_cfg *cfg, const cJSON *config)
{
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(config, "tags");
    if (!tags)
        return PLX_OK;
    bool ok = cJSON_IsArray(tags) && cJSON_GetArraySize(tags) <= TAGS_MAX / 2;
    const cJSON *t;
    cJSON_ArrayForEach(t, tags)
        ok = ok && cJSON_IsString(t) && t->valuestring[0] && strlen(t->valuestring) <= TAG_MAX;
    if (!ok)
        return plx_cfg_fail(cfg, "tags", "expected an array of at most 50 non-empty strings "
                            "of at most 200 bytes (\"env:prod\")");
    s->tags = cJSON_Duplicate(tags, true);
    return s->tags ? PLX_OK : PLX_ENOMEM;
}

static plx_status dd_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                               void **state)
{
    dd_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    *state = s;
    plx_status st = plx_kind_secret(p, cfg, config, "api_key", true, &s->api_key);
    if (st == PLX_OK)
        st = plx_kind_secret(p, cfg, config, "app_key", false, &s->app_key);
    if (st == PLX_OK)
        st = read_site(s, cfg, config);
    if (st == PLX_OK)
        st = read_tags(s, cfg, config);
    if (st == PLX_OK)
        plx_notify_kind_defaults(p, config, 0, 0);
    return st;
}

/* ---- requests ---- */

/* base_url + path, or https://SUBDOMAIN.SITE + path. */
static plx_status endpoint(const plx_provider *p, const char *subdomain, const char *path,
                           plx_buf *url)
{
    const dd_state *s = p->kind_state;
    if (p->base_url)
        return plx_buf_append_str(url, path);
    return plx_buf_printf(url, "https://%s.%s%s", subdomain, s->site, path);
}

static plx_status post(const plx_provider *p, const char *subdomain, const char *path,
                       plx_jw *w, bool app_key, plx_request **out)
{
    const dd_state *s = p->kind_state;
    plx_buf url = {0};
    plx_status st = endpoint(p, subdomain, path, &url);
    if (st == PLX_OK)
        st = plx_kind_json_request(p, "POST", url.data, w, out);
    else
        plx_buf_free(&w->buf);
    plx_buf_free(&url);
    if (st == PLX_OK)
        st = plx_request_set_header(*out, "DD-API-KEY", s->api_key);
    if (st == PLX_OK && app_key)
        st = plx_request_set_header(*out, "DD-APPLICATION-KEY", s->app_key);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}

static void tag(plx_jw *w, const char *key, const char *value)
{
    plx_buf b = {0};
    if (plx_buf_printf(&b, "%s:%s", key, value) != PLX_OK)
        w->status = PLX_ENOMEM;
    else
        plx_jw_clipped(w, NULL, b.data, TAG_MAX);
    plx_buf_free(&b);
}

static void config_tags(plx_jw *w, const dd_state *s)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, s->tags)
        plx_jw_string(w, NULL, t->valuestring, strlen(t->valuestring));
}

static const char *event_status(const plx_alert *a)
{
    static const char *const by_severity[] = {"ok", "warn", "error", "error"};
    return a->action == PLX_ALERT_RESOLVE ? "ok" : by_severity[a->severity];
}

/* Datadog limits the key to 100 bytes: longer keys are replaced by their
 * SHA-256 (hex, 64 bytes), still unique. */
static void aggregation_key(plx_jw *w, const char *key)
{
    if (strlen(key) <= AGGREGATION_KEY_MAX) {
        plx_jw_string(w, "aggregation_key", key, strlen(key));
        return;
    }
    unsigned char digest[PLX_SHA256_LEN];
    char hex[2 * PLX_SHA256_LEN + 1];
    plx_sha256(key, strlen(key), digest);
    plx_hex_lower(digest, sizeof digest, hex);
    plx_jw_string(w, "aggregation_key", hex, strlen(hex));
}

static void event_attributes(plx_jw *w, const plx_alert *a)
{
    static const char *const priority[] = {"4", "3", "2", "1"};
    plx_jw_begin(w, "attributes");
    plx_jw_string(w, "status", event_status(a), strlen(event_status(a)));
    plx_jw_string(w, "priority", priority[a->severity], 1);
    if (a->fields) {
        plx_jw_begin(w, "custom");
        const cJSON *f;
        cJSON_ArrayForEach(f, a->fields)
            plx_alert_write_field(w, f);
        plx_jw_end(w);
    }
    if (a->link && strlen(a->link) <= 2048) {
        plx_jw_begin_array(w, "links");
        plx_jw_begin(w, NULL);
        PLX_JW_LIT(w, "category", "resource");
        PLX_JW_LIT(w, "title", "Link");
        plx_jw_string(w, "url", a->link, strlen(a->link));
        plx_jw_end(w);
        plx_jw_end_array(w);
    }
    plx_jw_end(w);
}

static void event_body(plx_jw *w, const dd_state *s, const plx_alert *a)
{
    plx_buf title = {0};
    const char *prefix = a->action == PLX_ALERT_RESOLVE       ? "Resolved: "
                         : a->action == PLX_ALERT_ACKNOWLEDGE ? "Acknowledged: "
                                                              : "";
    if (plx_buf_printf(&title, "%s%s", prefix, a->title) != PLX_OK)
        w->status = PLX_ENOMEM;
    plx_jw_begin(w, NULL);
    plx_jw_begin(w, "data");
    PLX_JW_LIT(w, "type", "event");
    plx_jw_begin(w, "attributes");
    plx_jw_clipped(w, "title", title.data ? title.data : a->title, TITLE_MAX);
    plx_jw_clipped(w, "message", a->text[0] ? a->text : a->title, MESSAGE_MAX);
    PLX_JW_LIT(w, "category", "alert");
    if (a->dedup_key)
        aggregation_key(w, a->dedup_key);
    plx_jw_begin_array(w, "tags");
    tag(w, "source", a->source);
    tag(w, "severity", plx_severity_name(a->severity));
    config_tags(w, s);
    plx_jw_end_array(w);
    event_attributes(w, a);
    plx_jw_end(w);
    plx_jw_end(w);
    plx_jw_end(w);
    plx_buf_free(&title);
}

static plx_status build_event(const plx_provider *p, const cJSON *request, plx_request **out)
{
    const dd_state *s = p->kind_state;
    plx_alert a;
    plx_status st = plx_alert_parse(p->ctx, "request", request, &a);
    if (st != PLX_OK)
        return st;
    if (!s->app_key)
        return plx_fail(p->ctx, PLX_EINVAL, "provider '%s': Datadog's event intake needs "
                        "an application key: add \"app_key\" to its config", p->name);
    plx_jw w = {0};
    event_body(&w, s, &a);
    return post(p, "event-management-intake", "/api/v2/events", &w, true, out);
}

/* ---- metrics ---- */

static int metric_type(const char *name)
{
    static const char *const types[] = {"unspecified", "count", "rate", "gauge"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, types[i]) == 0)
            return i;
    return -1;
}

static plx_status bad_series(const plx_provider *p, int i, const char *field, const char *what)
{
    return plx_fail(p->ctx, PLX_EINVAL, "request.series[%d]%s%s: %s", i, field[0] ? "." : "",
                    field, what);
}

/* One point: {"timestamp", "value"} or [timestamp, value]. */
static bool read_point(const cJSON *pt, double *ts, double *value)
{
    const cJSON *t = cJSON_IsArray(pt) ? cJSON_GetArrayItem(pt, 0)
                                       : cJSON_GetObjectItemCaseSensitive(pt, "timestamp");
    const cJSON *v = cJSON_IsArray(pt) ? cJSON_GetArrayItem(pt, 1)
                                       : cJSON_GetObjectItemCaseSensitive(pt, "value");
    if (cJSON_IsArray(pt) && cJSON_GetArraySize(pt) != 2)
        return false;
    if (!cJSON_IsNumber(t) || !cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
        t->valuedouble != floor(t->valuedouble) || t->valuedouble < 0 || t->valuedouble > 1e11)
        return false;
    *ts = t->valuedouble;
    *value = v->valuedouble;
    return true;
}

static plx_status write_points(const plx_provider *p, int i, const cJSON *series, plx_jw *w)
{
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(series, "points");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(series, "value");
    if (!points == !value)
        return bad_series(p, i, "points", "give points [[timestamp, value], ...] or value "
                          "(one point now), exactly one");
    if (value && (!cJSON_IsNumber(value) || !isfinite(value->valuedouble)))
        return bad_series(p, i, "value", "expected a finite number");
    if (points && (!cJSON_IsArray(points) || cJSON_GetArraySize(points) == 0))
        return bad_series(p, i, "points", "expected a non-empty array");
    plx_jw_begin_array(w, "points");
    double ts = (double)plx_wall_time_s(), v = value ? value->valuedouble : 0;
    const cJSON *pt = points ? points->child : NULL;
    for (int n = 0; value || pt; n++, pt = pt ? pt->next : NULL) {
        if (pt && !read_point(pt, &ts, &v))
            return plx_fail(p->ctx, PLX_EINVAL, "request.series[%d].points[%d]: expected "
                            "[timestamp, value] or {\"timestamp\", \"value\"} with an integer "
                            "POSIX timestamp and a finite value", i, n);
        plx_jw_begin(w, NULL);
        plx_jw_int(w, "timestamp", (int64_t)ts);
        plx_jw_double(w, "value", v);
        plx_jw_end(w);
        if (value)
            break;
    }
    plx_jw_end_array(w);
    return PLX_OK;
}

static plx_status write_series_tags(const plx_provider *p, int i, const cJSON *series,
                                    plx_jw *w)
{
    const dd_state *s = p->kind_state;
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(series, "tags");
    if (tags && !cJSON_IsArray(tags))
        return bad_series(p, i, "tags", "expected an array of strings");
    plx_jw_begin_array(w, "tags");
    const cJSON *t;
    cJSON_ArrayForEach(t, tags) {
        if (!cJSON_IsString(t) || !t->valuestring[0])
            return bad_series(p, i, "tags", "expected an array of non-empty strings");
        plx_jw_clipped(w, NULL, t->valuestring, TAG_MAX);
    }
    config_tags(w, s);
    plx_jw_end_array(w);
    return PLX_OK;
}

static plx_status write_optional(const plx_provider *p, int i, const cJSON *series, plx_jw *w)
{
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(series, "unit");
    const cJSON *host = cJSON_GetObjectItemCaseSensitive(series, "host");
    const cJSON *interval = cJSON_GetObjectItemCaseSensitive(series, "interval");
    if ((unit && !cJSON_IsString(unit)) || (host && !cJSON_IsString(host)))
        return bad_series(p, i, unit && !cJSON_IsString(unit) ? "unit" : "host",
                          "expected a string");
    if (interval && (!cJSON_IsNumber(interval) || interval->valuedouble < 1 ||
                     interval->valuedouble != floor(interval->valuedouble) ||
                     interval->valuedouble > 1e9))
        return bad_series(p, i, "interval", "expected a positive integer (seconds)");
    if (unit)
        plx_jw_string(w, "unit", unit->valuestring, strlen(unit->valuestring));
    if (interval)
        plx_jw_int(w, "interval", (int64_t)interval->valuedouble);
    if (host) {
        plx_jw_begin_array(w, "resources");
        plx_jw_begin(w, NULL);
        plx_jw_string(w, "name", host->valuestring, strlen(host->valuestring));
        PLX_JW_LIT(w, "type", "host");
        plx_jw_end(w);
        plx_jw_end_array(w);
    }
    return PLX_OK;
}

static plx_status write_series(const plx_provider *p, int i, const cJSON *series, plx_jw *w)
{
    static const char *const keys[] = {"metric", "type", "points", "value", "tags", "unit",
                                       "interval", "host", NULL};
    char path[64];
    snprintf(path, sizeof path, "request.series[%d]", i);
    plx_cfg cfg = {p->ctx, path};
    if (!cJSON_IsObject(series))
        return bad_series(p, i, "", "expected an object {metric, type, points | value, ...}");
    if (plx_cfg_check_keys(&cfg, series, keys) != PLX_OK)
        return plx_fail(p->ctx, PLX_EINVAL, "%s", plx_errmsg_current());
    const char *metric = plx_json_str(series, "metric");
    const char *type = plx_json_str(series, "type");
    if (!metric || !metric[0] || strlen(metric) > 200)
        return bad_series(p, i, "metric", "expected a metric name (1 to 200 bytes)");
    int t = type ? metric_type(type) : 3;
    if (t < 0 || (cJSON_GetObjectItemCaseSensitive(series, "type") && !type))
        return bad_series(p, i, "type", "expected gauge, count, rate or unspecified");
    plx_jw_begin(w, NULL);
    plx_jw_string(w, "metric", metric, strlen(metric));
    plx_jw_int(w, "type", t);
    plx_status st = write_points(p, i, series, w);
    if (st == PLX_OK)
        st = write_series_tags(p, i, series, w);
    if (st == PLX_OK)
        st = write_optional(p, i, series, w);
    plx_jw_end(w);
    return st;
}

static plx_status build_metrics(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"series", NULL};
    plx_cfg cfg = {p->ctx, "request"};
    if (!cJSON_IsObject(request))
        return plx_fail(p->ctx, PLX_EINVAL, "request: expected {\"series\": [...]}");
    if (plx_cfg_check_keys(&cfg, request, keys) != PLX_OK)
        return plx_fail(p->ctx, PLX_EINVAL, "%s", plx_errmsg_current());
    const cJSON *series = cJSON_GetObjectItemCaseSensitive(request, "series");
    if (!cJSON_IsArray(series) || cJSON_GetArraySize(series) == 0)
        return plx_fail(p->ctx, PLX_EINVAL, "request.series: expected a non-empty array of "
                        "{metric, type, points | value, tags?, unit?, interval?, host?}");
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_begin_array(&w, "series");
    plx_status st = PLX_OK;
    int i = 0;
    for (const cJSON *s = series->child; s && st == PLX_OK; s = s->next)
        st = write_series(p, i++, s, &w);
    plx_jw_end_array(&w);
    plx_jw_end(&w);
    if (st == PLX_OK && w.buf.len > SERIES_BYTES_MAX)
        st = plx_fail(p->ctx, PLX_EINVAL, "request.series: the payload is %zu bytes, more "
                      "than Datadog's %d per request: send the series in several calls",
                      w.buf.len, SERIES_BYTES_MAX);
    if (st != PLX_OK) {
        plx_buf_free(&w.buf);
        return st;
    }
    return post(p, "api", "/api/v2/series", &w, false, out);
}

static plx_status dd_build(const plx_provider *p, const char *op, const cJSON *request,
                           plx_request **out)
{
    if (strcmp(op, "notify") == 0)
        return build_event(p, request, out);
    if (strcmp(op, "metrics") == 0)
        return build_metrics(p, request, out);
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'datadog' has no op '%s' (ops: notify, "
                    "metrics)", op);
}

/* ---- replies ---- */

/* {"errors": ["text", ...]} or {"errors": [{"title", "detail"}, ...]}. */
static void read_errors(const cJSON *json, plx_reply *r)
{
    plx_buf b = {0};
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(json, "errors")) {
        const char *text = cJSON_IsString(e) ? e->valuestring : plx_json_str(e, "detail");
        if (!text)
            text = plx_json_str(e, "title");
        if (text)
            plx_buf_printf(&b, "%s%s", b.len ? "; " : "", text);
    }
    if (b.data)
        plx_excerpt(b.data, b.len, 400, r->service_message, sizeof r->service_message);
    plx_buf_free(&b);
}

/* The event's id: data.attributes.attributes.evt.id, else data.id. */
static const char *event_id(const cJSON *json)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(json, "data");
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(data, "attributes");
    const cJSON *inner = cJSON_GetObjectItemCaseSensitive(attrs, "attributes");
    const char *id = plx_json_str(cJSON_GetObjectItemCaseSensitive(inner, "evt"), "id");
    return id ? id : plx_json_str(data, "id");
}

/* A 202 may still list rejected parts of a series payload. */
static void write_warnings(plx_jw *w, const cJSON *json)
{
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(json, "errors");
    if (!cJSON_IsArray(errors) || cJSON_GetArraySize(errors) == 0)
        return;
    plx_jw_begin_array(w, "warnings");
    const cJSON *e;
    cJSON_ArrayForEach(e, errors)
        if (cJSON_IsString(e))
            plx_jw_string(w, NULL, e->valuestring, strlen(e->valuestring));
    plx_jw_end_array(w);
}

static plx_status dd_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)p;
    cJSON *json = plx_reply_json(r);
    bool event = strcmp(op, "notify") == 0;
    plx_notify_result(r, !r->failed && event ? event_id(json) : NULL);
    if (r->failed)
        read_errors(json, r);
    else if (!event)
        write_warnings(r->out, json);
    cJSON_Delete(json);
    return PLX_OK;
}

const plx_kind plx_kind_datadog = {
    .name = "datadog",
    .config_keys = KEYS,
    .configure = dd_configure,
    .release = dd_release,
    .build = dd_build,
    .parse = dd_parse,
};
