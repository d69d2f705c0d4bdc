/* The canonical alert: parsing and validation shared by every notify kind,
 * and what those kinds have in common. */
#include "alert.h"
#include "../auth/auth.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NOTIFY_TIMEOUT_MS 10000
#define NOTIFY_DEADLINE_MS 30000
#define ELLIPSIS "\xe2\x80\xa6"

static const char *const SEVERITIES[] = {"info", "warning", "error", "critical"};
static const char *const ACTIONS[] = {"trigger", "acknowledge", "resolve"};

const char *plx_severity_name(plx_severity s)
{
    return (unsigned)s < PLX_ARRAY_LEN(SEVERITIES) ? SEVERITIES[s] : "info";
}

const char *plx_alert_action_name(plx_alert_action a)
{
    return (unsigned)a < PLX_ARRAY_LEN(ACTIONS) ? ACTIONS[a] : "trigger";
}

static plx_status bad(const plx_ctx *ctx, const char *path, const char *key, const char *what)
{
    return plx_fail(ctx, PLX_EINVAL, "%s.%s: %s", path, key, what);
}

/* A string member: required ones must be present; non_empty ones must not
 * be "". Absent optional ones leave *out NULL. */
static plx_status get_string(const plx_ctx *ctx, const char *path, const cJSON *json,
                             const char *key, bool required, bool non_empty, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, key);
    *out = NULL;
    if (!item)
        return required ? bad(ctx, path, key, "missing (a string)") : PLX_OK;
    if (!cJSON_IsString(item))
        return bad(ctx, path, key, "expected a string");
    if (non_empty && !item->valuestring[0])
        return bad(ctx, path, key, "must not be empty");
    *out = item->valuestring;
    return PLX_OK;
}

/* Finds s in names; -1 if absent. */
static int lookup(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

static plx_status check_fields(const plx_ctx *ctx, const char *path, const cJSON *fields)
{
    if (!cJSON_IsObject(fields))
        return bad(ctx, path, "fields", "expected an object of strings, numbers or booleans");
    int n = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, fields) {
        if (++n > PLX_ALERT_FIELDS_MAX)
            return plx_fail(ctx, PLX_EINVAL, "%s.fields: more than %d fields", path,
                            PLX_ALERT_FIELDS_MAX);
        if (!f->string[0])
            return bad(ctx, path, "fields", "a field name is empty");
        for (const cJSON *prev = fields->child; prev != f; prev = prev->next)
            if (strcmp(prev->string, f->string) == 0)
                return plx_fail(ctx, PLX_EINVAL, "%s.fields.%s: duplicate field", path,
                                f->string);
        bool scalar = cJSON_IsString(f) || cJSON_IsBool(f) ||
                      (cJSON_IsNumber(f) && isfinite(f->valuedouble));
        if (!scalar)
            return plx_fail(ctx, PLX_EINVAL, "%s.fields.%s: expected a string, a finite "
                            "number or a boolean", path, f->string);
    }
    return PLX_OK;
}

static plx_status get_enums(const plx_ctx *ctx, const char *path, const cJSON *json,
                            plx_alert *a)
{
    const char *sev = NULL, *action = NULL;
    plx_status st = get_string(ctx, path, json, "severity", true, true, &sev);
    int s = lookup(sev, SEVERITIES, PLX_ARRAY_LEN(SEVERITIES));
    if (st == PLX_OK && s < 0)
        return bad(ctx, path, "severity", "expected one of info, warning, error, critical");
    if (st == PLX_OK)
        st = get_string(ctx, path, json, "action", false, true, &action);
    int act = action ? lookup(action, ACTIONS, PLX_ARRAY_LEN(ACTIONS)) : 0;
    if (st == PLX_OK && act < 0)
        return bad(ctx, path, "action", "expected one of trigger, acknowledge, resolve");
    a->severity = (plx_severity)s;
    a->action = (plx_alert_action)act;
    return st;
}

static plx_status get_optional(const plx_ctx *ctx, const char *path, const cJSON *json,
                               plx_alert *a)
{
    plx_status st = get_string(ctx, path, json, "dedup_key", false, true, &a->dedup_key);
    if (st == PLX_OK && a->dedup_key && strlen(a->dedup_key) > PLX_DEDUP_KEY_MAX)
        return bad(ctx, path, "dedup_key", "longer than 255 bytes");
    if (st == PLX_OK)
        st = get_string(ctx, path, json, "link", false, true, &a->link);
    if (st == PLX_OK && a->link && !plx_url_is_http(a->link))
        return bad(ctx, path, "link", "expected an absolute http:// or https:// URL");
    a->fields = cJSON_GetObjectItemCaseSensitive(json, "fields");
    if (st == PLX_OK && a->fields)
        st = check_fields(ctx, path, a->fields);
    if (st == PLX_OK && a->action != PLX_ALERT_TRIGGER && !a->dedup_key)
        return plx_fail(ctx, PLX_EINVAL, "%s.dedup_key: required for action '%s' (it names "
                        "the alert to %s)", path, plx_alert_action_name(a->action),
                        plx_alert_action_name(a->action));
    return st;
}

plx_status plx_alert_parse(const plx_ctx *ctx, const char *path, const cJSON *json,
                           plx_alert *out)
{
    static const char *const keys[] = {"title", "text", "severity", "source", "dedup_key",
                                       "link", "fields", "action", NULL};
    *out = (plx_alert){0};
    if (!cJSON_IsObject(json))
        return plx_fail(ctx, PLX_EINVAL, "%s: expected an alert object {title, text, "
                        "severity, source, ...}", path);
    plx_cfg cfg = {ctx, path};
    if (plx_cfg_check_keys(&cfg, json, keys) != PLX_OK)
        return plx_fail(ctx, PLX_EINVAL, "%s", plx_errmsg_current());
    plx_status st = get_string(ctx, path, json, "title", true, true, &out->title);
    if (st == PLX_OK)
        st = get_string(ctx, path, json, "text", true, false, &out->text);
    if (st == PLX_OK)
        st = get_string(ctx, path, json, "source", true, true, &out->source);
    if (st == PLX_OK)
        st = get_enums(ctx, path, json, out);
    if (st == PLX_OK)
        st = get_optional(ctx, path, json, out);
    return st;
}

void plx_alert_value_text(const cJSON *v, char *dst, size_t cap)
{
    if (cap == 0)
        return;
    if (cJSON_IsString(v)) {
        snprintf(dst, cap, "%s", v->valuestring);
        dst[plx_utf8_prefix(dst, strlen(dst), SIZE_MAX)] = '\0';   /* no split character */
    } else if (cJSON_IsBool(v))
        snprintf(dst, cap, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNumber(v))
        snprintf(dst, cap, "%.15g", v->valuedouble);
    else
        dst[0] = '\0';
}

void plx_alert_write_field(plx_jw *w, const cJSON *v)
{
    if (cJSON_IsString(v))
        plx_jw_string(w, v->string, v->valuestring, strlen(v->valuestring));
    else if (cJSON_IsBool(v))
        plx_jw_bool(w, v->string, cJSON_IsTrue(v));
    else
        plx_jw_double(w, v->string, v->valuedouble);
}

static void write_opt(plx_jw *w, const char *key, const char *s)
{
    if (s)
        plx_jw_string(w, key, s, strlen(s));
}

void plx_alert_write(plx_jw *w, const char *key, const plx_alert *a)
{
    plx_jw_begin(w, key);
    write_opt(w, "title", a->title);
    write_opt(w, "text", a->text);
    write_opt(w, "severity", plx_severity_name(a->severity));
    write_opt(w, "source", a->source);
    write_opt(w, "action", plx_alert_action_name(a->action));
    write_opt(w, "dedup_key", a->dedup_key);
    write_opt(w, "link", a->link);
    if (a->fields) {
        plx_jw_begin(w, "fields");
        const cJSON *f;
        cJSON_ArrayForEach(f, a->fields)
            plx_alert_write_field(w, f);
        plx_jw_end(w);
    }
    plx_jw_end(w);
}

/* Bytes of the UTF-8 sequence starting with c (1 for a stray byte). */
static size_t seq_len(unsigned char c)
{
    return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

size_t plx_utf8_prefix(const char *s, size_t len, size_t max_chars)
{
    size_t i = 0;
    for (size_t chars = 0; i < len && chars < max_chars; chars++) {
        size_t n = seq_len((unsigned char)s[i]);
        if (i + n > len)
            break;
        i += n;
    }
    return i;
}

/* Length to keep of s so that it fits max_chars, ellipsis included;
 * *clipped tells whether anything was cut. */
static size_t clip_len(const char *s, size_t max_chars, bool *clipped)
{
    size_t len = strlen(s);
    size_t whole = plx_utf8_prefix(s, len, max_chars);
    *clipped = whole < len;
    if (!*clipped)
        return len;
    return max_chars ? plx_utf8_prefix(s, len, max_chars - 1) : 0;
}

void plx_jw_clipped(plx_jw *w, const char *key, const char *s, size_t max_chars)
{
    bool clipped;
    size_t n = clip_len(s, max_chars, &clipped);
    if (!clipped) {
        plx_jw_string(w, key, s, n);
        return;
    }
    plx_buf b = {0};
    if (plx_buf_append(&b, s, n) != PLX_OK || plx_buf_append_str(&b, ELLIPSIS) != PLX_OK)
        w->status = PLX_ENOMEM;
    else
        plx_jw_string(w, key, b.data, b.len);
    plx_buf_free(&b);
}

plx_status plx_buf_clipped(plx_buf *b, const char *s, size_t max_chars)
{
    bool clipped;
    size_t n = clip_len(s, max_chars, &clipped);
    plx_status st = plx_buf_append(b, s, n);
    if (st == PLX_OK && clipped)
        st = plx_buf_append_str(b, ELLIPSIS);
    return st;
}

void plx_notify_kind_defaults(plx_provider *p, const cJSON *config, double per_second,
                              double burst)
{
    if (!cJSON_GetObjectItemCaseSensitive(config, "timeout_ms"))
        p->policy.timeout_ms = NOTIFY_TIMEOUT_MS;
    if (!cJSON_GetObjectItemCaseSensitive(config, "deadline_ms"))
        p->policy.deadline_ms = NOTIFY_DEADLINE_MS;
    if (per_second <= 0 || cJSON_GetObjectItemCaseSensitive(config, "rate_limit"))
        return;
    p->ratelimit.per_second = per_second;
    p->ratelimit.burst = p->ratelimit.tokens = burst;
    p->policy.ratelimit = &p->ratelimit;
}

plx_status plx_kind_default_base_url(plx_provider *p, const char *url)
{
    if (p->base_url)
        return PLX_OK;
    p->base_url = plx_strdup(url);
    return p->base_url ? PLX_OK : PLX_ENOMEM;
}

plx_status plx_kind_secret(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                           const char *key, bool required, char **out)
{
    *out = NULL;
    if (!cJSON_GetObjectItemCaseSensitive(config, key))
        return required ? plx_cfg_fail(cfg, key, "missing (a string, {\"env\": NAME} or "
                                       "{\"file\": PATH})")
                        : PLX_OK;
    plx_status st = plx_secret_read(p->ctx, cfg, config, key, out);
    if (st == PLX_OK && !**out) {
        plx_secret_free(*out);
        *out = NULL;
        return plx_cfg_fail(cfg, key, "must not be empty");
    }
    return st;
}

plx_status plx_kind_json_request(const plx_provider *p, const char *method, const char *path,
                                 plx_jw *w, plx_request **out)
{
    *out = NULL;
    char *body = plx_jw_finish(w);
    if (!body)
        return PLX_ENOMEM;
    plx_request *req = NULL;
    plx_status st = plx_provider_request(p, method, path, &req);
    if (st != PLX_OK) {
        plx_free(body);
        return st;
    }
    plx_request_take_body(req, body, strlen(body));
    st = plx_request_set_header(req, "Content-Type", "application/json");
    if (st != PLX_OK) {
        plx_request_free(req);
        return st;
    }
    *out = req;
    return PLX_OK;
}

cJSON *plx_reply_json(const plx_reply *r)
{
    size_t len = 0;
    const char *body = r->resp ? plx_response_body(r->resp, &len) : NULL;
    return len ? plx_json_parse_exact(body, len) : NULL;
}

const char *plx_json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

void plx_notify_result(plx_reply *r, const char *id)
{
    plx_jw_int(r->out, "status", r->resp->status);
    if (id)
        plx_jw_string(r->out, "id", id, strlen(id));
}
