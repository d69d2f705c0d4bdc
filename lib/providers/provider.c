/* Provider objects: common configuration, requests, stats, handles. */
#include "pricing.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_MAX_ATTEMPTS 3
#define DEFAULT_BASE_DELAY_MS 250
#define DEFAULT_MAX_DELAY_MS 20000
#define DEFAULT_FAILURE_THRESHOLD 5
#define DEFAULT_OPEN_MS 30000
#define DEFAULT_MAX_REPLY_BYTES (64u * 1024u * 1024u)
#define DEFAULT_MAX_REDIRECTS 5
#define DAY_MS (24 * 3600 * 1000)

static const char *const COMMON_KEYS[] = {
    "kind", "base_url", "auth", "headers", "timeout_ms", "connect_timeout_ms",
    "deadline_ms", "retry", "circuit", "rate_limit", "tls", "max_reply_bytes",
    "max_redirects", "compression", "max_cost_usd", NULL};

static plx_status check_keys(const plx_cfg *cfg, const cJSON *config, const plx_kind *kind)
{
    const char *allowed[64];
    size_t n = 0;
    for (const char *const *k = COMMON_KEYS; *k; k++)
        allowed[n++] = *k;
    for (const char *const *k = kind->config_keys; k && *k && n < 63; k++)
        allowed[n++] = *k;
    allowed[n] = NULL;
    return plx_cfg_check_keys(cfg, config, allowed);
}

/* Reads an integer key into a uint32_t field. */
static plx_status cfg_u32(const plx_cfg *cfg, const cJSON *obj, const char *key,
                          int64_t min, int64_t max, uint32_t *field)
{
    int64_t v = *field;
    plx_status st = plx_cfg_int(cfg, obj, key, min, max, &v);
    *field = (uint32_t)v;
    return st;
}

/* Runs fn on the sub-object `key` with cfg's path extended. */
static plx_status with_section(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                               const char *key,
                               plx_status (*fn)(plx_provider *, const plx_cfg *,
                                                const cJSON *))
{
    const cJSON *section = NULL;
    plx_status st = plx_cfg_object(cfg, config, key, &section);
    if (st != PLX_OK || !section)
        return st;
    char path[256];
    plx_cfg_subpath(cfg, key, path, sizeof path);
    plx_cfg sub = {cfg->ctx, path};
    return fn(p, &sub, section);
}

static plx_status read_retry(plx_provider *p, const plx_cfg *cfg, const cJSON *o)
{
    static const char *const keys[] = {"max_attempts", "base_delay_ms", "max_delay_ms", NULL};
    plx_retry_policy *r = &p->policy.retry;
    plx_status st = plx_cfg_check_keys(cfg, o, keys);
    if (st == PLX_OK)
        st = cfg_u32(cfg, o, "max_attempts", 1, 100, &r->max_attempts);
    if (st == PLX_OK)
        st = cfg_u32(cfg, o, "base_delay_ms", 0, DAY_MS, &r->base_delay_ms);
    if (st == PLX_OK)
        st = cfg_u32(cfg, o, "max_delay_ms", 0, DAY_MS, &r->max_delay_ms);
    return st;
}

static plx_status read_circuit(plx_provider *p, const plx_cfg *cfg, const cJSON *o)
{
    static const char *const keys[] = {"failure_threshold", "open_ms", "half_open_max", NULL};
    plx_circuit *c = &p->circuit;
    plx_status st = plx_cfg_check_keys(cfg, o, keys);
    if (st == PLX_OK)
        st = cfg_u32(cfg, o, "failure_threshold", 0, 1000000, &c->failure_threshold);
    if (st == PLX_OK)
        st = cfg_u32(cfg, o, "open_ms", 1, DAY_MS, &c->open_ms);
    if (st == PLX_OK)
        st = cfg_u32(cfg, o, "half_open_max", 1, 1000000, &c->half_open_max);
    return st;
}

static plx_status read_rate_limit(plx_provider *p, const plx_cfg *cfg, const cJSON *o)
{
    static const char *const keys[] = {"per_second", "burst", NULL};
    plx_status st = plx_cfg_check_keys(cfg, o, keys);
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(o, "per_second");
    if (st == PLX_OK && (!cJSON_IsNumber(rate) || rate->valuedouble <= 0 ||
                         rate->valuedouble > 1e6))
        return plx_cfg_fail(cfg, "per_second", "expected a number > 0 and <= 1000000");
    int64_t burst = 1;
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, o, "burst", 1, 1000000, &burst);
    if (st == PLX_OK) {
        p->ratelimit.per_second = rate->valuedouble;
        p->ratelimit.burst = p->ratelimit.tokens = (double)burst;
        p->policy.ratelimit = &p->ratelimit;
    }
    return st;
}

static plx_status read_tls(plx_provider *p, const plx_cfg *cfg, const cJSON *o)
{
    static const char *const keys[] = {"verify", "ca_file", "ca_dir", NULL};
    const char *ca_file = NULL, *ca_dir = NULL;
    plx_status st = plx_cfg_check_keys(cfg, o, keys);
    if (st == PLX_OK)
        st = plx_cfg_bool(cfg, o, "verify", &p->tls.verify);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, o, "ca_file", &ca_file);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, o, "ca_dir", &ca_dir);
    if (st != PLX_OK)
        return st;
    p->tls.ca_file = p->ca_file = plx_strdup(ca_file);
    p->tls.ca_dir = p->ca_dir = plx_strdup(ca_dir);
    if (!p->tls.verify)
        plx_log(p->ctx, PLX_LOG_WARN, "%s.verify is false: TLS certificates of provider "
                "'%s' are NOT checked; anyone on the network path can read and change "
                "its traffic", cfg->path, p->name);
    return PLX_OK;
}

static plx_status read_headers(plx_provider *p, const plx_cfg *cfg, const cJSON *o)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, o) {
        if (!cJSON_IsString(h))
            return plx_cfg_fail(cfg, h->string, "expected a string");
        plx_status st = plx_headers_add(&p->headers, h->string, h->valuestring);
        if (st == PLX_EINVAL)
            return plx_cfg_fail(cfg, h->string, "not a valid header name, or the value "
                                "contains CR, LF or control bytes");
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

static plx_status read_auth(plx_provider *p, const plx_cfg *cfg, const cJSON *o)
{
    return plx_auth_from_config(p->ctx, cfg, o, &p->auth);
}

static plx_status read_base_url(plx_provider *p, const plx_cfg *cfg, const cJSON *config)
{
    const char *url = NULL;
    plx_status st = plx_cfg_string(cfg, config, "base_url", &url);
    if (st != PLX_OK || !url)
        return st;
    if (!plx_url_is_http(url))
        return plx_cfg_fail(cfg, "base_url", "expected an absolute http:// or https:// URL");
    size_t len = strlen(url);
    while (len && url[len - 1] == '/')
        len--;
    p->base_url = plx_strndup(url, len);
    return p->base_url ? PLX_OK : PLX_ENOMEM;
}

static plx_status read_common(plx_provider *p, const plx_cfg *cfg, const cJSON *config)
{
    int64_t max_reply = (int64_t)p->max_reply_bytes;
    plx_policy *pol = &p->policy;
    plx_status st = check_keys(cfg, config, p->kind);
    if (st == PLX_OK)
        st = read_base_url(p, cfg, config);
    if (st == PLX_OK)
        st = cfg_u32(cfg, config, "timeout_ms", 0, DAY_MS, &pol->timeout_ms);
    if (st == PLX_OK)
        st = cfg_u32(cfg, config, "connect_timeout_ms", 0, DAY_MS, &pol->connect_timeout_ms);
    if (st == PLX_OK)
        st = cfg_u32(cfg, config, "deadline_ms", 0, DAY_MS, &pol->deadline_ms);
    if (st == PLX_OK)
        st = cfg_u32(cfg, config, "max_redirects", 0, 50, &pol->max_redirects);
    if (st == PLX_OK)
        st = plx_cfg_bool(cfg, config, "compression", &p->compression);
    if (st == PLX_OK)
        st = plx_cfg_double(cfg, config, "max_cost_usd", 0, 1e12, &p->max_cost_usd);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, config, "max_reply_bytes", 1, INT64_C(1) << 40, &max_reply);
    p->max_reply_bytes = (size_t)max_reply;
    if (st == PLX_OK)
        st = with_section(p, cfg, config, "retry", read_retry);
    if (st == PLX_OK)
        st = with_section(p, cfg, config, "circuit", read_circuit);
    if (st == PLX_OK)
        st = with_section(p, cfg, config, "rate_limit", read_rate_limit);
    if (st == PLX_OK)
        st = with_section(p, cfg, config, "tls", read_tls);
    if (st == PLX_OK)
        st = with_section(p, cfg, config, "headers", read_headers);
    if (st == PLX_OK)
        st = with_section(p, cfg, config, "auth", read_auth);
    return st;
}

static plx_provider *provider_alloc(plx_ctx *ctx, const char *name, const plx_kind *kind)
{
    plx_provider *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->ctx = ctx;
    p->kind = kind;
    p->name = plx_strdup(name);
    p->policy = (plx_policy){
        .retry = {DEFAULT_MAX_ATTEMPTS, DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_DELAY_MS},
        .timeout_ms = DEFAULT_TIMEOUT_MS,
        .connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS,
        .max_redirects = DEFAULT_MAX_REDIRECTS,
        .circuit = &p->circuit};
    plx_circuit_init(&p->circuit, DEFAULT_FAILURE_THRESHOLD, DEFAULT_OPEN_MS, 1);
    plx_ratelimit_init(&p->ratelimit, 0, 1);
    p->tls.verify = true;
    p->max_reply_bytes = DEFAULT_MAX_REPLY_BYTES;
    if (!p->name) {
        plx_provider_destroy(p);
        return NULL;
    }
    return p;
}

plx_status plx_provider_create(plx_ctx *ctx, const char *name, const char *kind_name,
                               const plx_cfg *cfg, const cJSON *config, plx_provider **out)
{
    *out = NULL;
    const plx_kind *kind = plx_kind_find(kind_name);
    if (!kind)
        return plx_cfg_fail(cfg, "kind", "unknown provider kind '%s' (known: %s)",
                            kind_name, plx_kind_names());
    plx_provider *p = provider_alloc(ctx, name, kind);
    if (!p)
        return PLX_ENOMEM;
    plx_status st = read_common(p, cfg, config);
    if (st == PLX_OK && kind->configure)
        st = kind->configure(p, cfg, config, &p->kind_state);
    if (st != PLX_OK) {
        plx_provider_destroy(p);
        return st;
    }
    *out = p;
    return PLX_OK;
}

void plx_provider_destroy(plx_provider *p)
{
    if (!p)
        return;
    plx_costs_forget(p);
    if (p->kind && p->kind->release)
        p->kind->release(p->kind_state);
    plx_auth_funcs_unref(p->auth);
    plx_transport_funcs_unref(p->transport);
    plx_transport_funcs_unref(p->kind_transport);
    plx_circuit_destroy(&p->circuit);
    plx_ratelimit_destroy(&p->ratelimit);
    plx_headers_free(&p->headers);
    free(p->base_url);
    free(p->ca_file);
    free(p->ca_dir);
    free(p->name);
    free(p);
}

plx_status plx_provider_request(const plx_provider *p, const char *method,
                                const char *path, plx_request **out)
{
    *out = NULL;
    plx_buf url = {0};
    plx_status st;
    if (plx_url_is_http(path))
        st = plx_buf_append_str(&url, path);
    else if (!p->base_url)
        return plx_fail(p->ctx, PLX_EINVAL, "provider '%s' has no base_url and the "
                        "request gives no absolute URL", p->name);
    else if ((st = plx_buf_append_str(&url, p->base_url)) == PLX_OK &&
             (path[0] == '/' || (st = plx_buf_append(&url, "/", 1)) == PLX_OK))
        st = plx_buf_append_str(&url, path);
    plx_request *req = NULL;
    if (st == PLX_OK)
        st = plx_request_create(method, url.data, &req);
    if (st == PLX_EINVAL)
        plx_fail(p->ctx, st, "invalid method or URL for provider '%s'", p->name);
    plx_buf_free(&url);
    if (st == PLX_OK)
        st = plx_headers_copy(&req->headers, &p->headers);
    if (st != PLX_OK) {
        plx_request_free(req);
        return st;
    }
    req->tls = &p->tls;
    req->accept_compressed = p->compression;
    req->max_reply_bytes = p->max_reply_bytes;
    *out = req;
    return PLX_OK;
}

const plx_transport_funcs *plx_provider_transport(plx_provider *p)
{
    if (p->transport)
        return p->transport;
    return p->kind_transport ? p->kind_transport : plx_ctx_transport(p->ctx);
}

PLX_API plx_status plx_provider_new(plx_ctx *ctx, const char *kind, const char *config_json,
                                    plx_provider **out)
{
    if (out)
        *out = NULL;
    if (!ctx || !kind || !out)
        return plx_fail(ctx, PLX_EINVAL, "plx_provider_new: ctx, kind and out must not be NULL");
    cJSON *config = NULL;
    plx_status st = PLX_OK;
    if (config_json && *config_json)
        st = plx_json_parse(ctx, config_json, "provider config", PLX_ECONFIG, &config);
    else
        config = cJSON_CreateObject();
    if (st == PLX_OK && !cJSON_IsObject(config))
        st = plx_fail(ctx, PLX_ECONFIG, "provider config: expected a JSON object");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(config, "kind");
    if (st == PLX_OK && k && (!cJSON_IsString(k) || strcmp(k->valuestring, kind) != 0))
        st = plx_fail(ctx, PLX_ECONFIG, "kind: '%s' in the config disagrees with '%s'",
                      cJSON_IsString(k) ? k->valuestring : "(not a string)", kind);
    plx_cfg cfg = {ctx, ""};
    if (st == PLX_OK)
        st = plx_provider_create(ctx, kind, kind, &cfg, config, out);
    cJSON_Delete(config);
    return st;
}

PLX_API void plx_provider_free(plx_provider *p)
{
    if (p && !p->owned_by_ctx)
        plx_provider_destroy(p);
}

PLX_API const char *plx_provider_name(const plx_provider *p)
{
    return p ? p->name : NULL;
}

PLX_API const char *plx_provider_kind(const plx_provider *p)
{
    return p ? p->kind->name : NULL;
}

PLX_API plx_status plx_provider_set_transport(plx_provider *p, plx_transport_funcs *funcs)
{
    if (!p)
        return plx_fail(NULL, PLX_EINVAL, "plx_provider_set_transport: provider is NULL");
    return plx_transport_attach(p->ctx, &p->transport, funcs);
}

PLX_API plx_status plx_provider_set_auth(plx_provider *p, plx_auth_funcs *funcs)
{
    if (!p)
        return plx_fail(NULL, PLX_EINVAL, "plx_provider_set_auth: provider is NULL");
    if (funcs) {
        plx_auth_funcs_make_immutable(funcs);
        plx_auth_funcs_ref(funcs);
    }
    plx_auth_funcs_unref(p->auth);
    p->auth = funcs;
    return PLX_OK;
}

static uint64_t load(const uint64_t *v)
{
    return __atomic_load_n(v, __ATOMIC_RELAXED);
}

PLX_API plx_status plx_provider_stats(const plx_provider *p, char **stats_json)
{
    if (!p || !stats_json)
        return plx_fail(p ? p->ctx : NULL, PLX_EINVAL, "plx_provider_stats: NULL argument");
    plx_provider *mp = (plx_provider *)p;
    plx_buf b = {0};
    plx_circuit_state cs = plx_circuit_get_state(&mp->circuit, plx_now_ms());
    cJSON *name = cJSON_CreateString(p->name);
    char *quoted = name ? plx_json_print(name) : NULL;
    cJSON_Delete(name);
    plx_status st = quoted ? plx_buf_printf(&b,
        "{\"name\":%s,\"kind\":\"%s\",\"calls\":%llu,\"succeeded\":%llu,\"failed\":%llu,"
        "\"attempts\":%llu,\"retries\":%llu,\"circuit\":\"%s\"}",
        quoted, p->kind->name, (unsigned long long)load(&p->stats.calls),
        (unsigned long long)load(&p->stats.succeeded),
        (unsigned long long)load(&p->stats.failed),
        (unsigned long long)load(&p->stats.attempts),
        (unsigned long long)load(&p->stats.retries), plx_circuit_state_name(cs))
                           : PLX_ENOMEM;
    plx_free(quoted);
    if (st != PLX_OK) {
        plx_buf_free(&b);
        return PLX_ENOMEM;
    }
    *stats_json = plx_buf_steal(&b);
    return PLX_OK;
}
