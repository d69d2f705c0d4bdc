/* Endpoints from JSON: plx_endpoint_new, the ctx config's "endpoints",
 * plx_ctx_endpoint, and freeing. */
#include "endpoints.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (24 * 3600 * 1000)

static plx_status cfg_u32(const plx_cfg *cfg, const cJSON *obj, const char *key, int64_t min,
                          int64_t max, uint32_t *field)
{
    int64_t v = *field;
    plx_status st = plx_cfg_int(cfg, obj, key, min, max, &v);
    *field = (uint32_t)v;
    return st;
}

static void sub_cfg(const plx_cfg *cfg, const char *key, char *path, size_t cap, plx_cfg *sub)
{
    plx_cfg_subpath(cfg, key, path, cap);
    *sub = (plx_cfg){cfg->ctx, path};
}

/* ---- variants ------------------------------------------------------------ */

static plx_status read_version(const plx_cfg *cfg, const cJSON *obj, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "version");
    char buf[64];
    if (!v)
        return PLX_OK;
    if (cJSON_IsString(v) && v->valuestring[0])
        snprintf(buf, sizeof buf, "%s", v->valuestring);
    else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15 &&
             v->valuedouble == floor(v->valuedouble))
        snprintf(buf, sizeof buf, "%lld", (long long)v->valuedouble);
    else
        return plx_cfg_fail(cfg, "version", "expected a non-empty string or an integer >= 0");
    *out = plx_strdup(buf);
    return *out ? PLX_OK : PLX_ENOMEM;
}

static plx_status read_variant(plx_endpoint *e, const plx_cfg *cfg, const cJSON *obj,
                               plx_variant *v)
{
    static const char *const keys[] = {"name", "provider", "model", "version", "weight", NULL};
    if (!cJSON_IsObject(obj))
        return plx_fail(e->ctx, PLX_ECONFIG, "%s: expected an object {name, provider, model, "
                        "version, weight}", cfg->path);
    const char *name = NULL, *provider = NULL, *model = NULL;
    double weight = 1;
    plx_status st = plx_cfg_check_keys(cfg, obj, keys);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, obj, "name", &name);
    if (st == PLX_OK && (!name || !*name))
        st = plx_cfg_fail(cfg, "name", "missing (a name for the variant, e.g. \"blue\")");
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, obj, "provider", &provider);
    if (st == PLX_OK && !provider)
        st = plx_cfg_fail(cfg, "provider", "missing (the name of a configured provider)");
    if (st == PLX_OK && plx_ctx_provider(e->ctx, provider, &v->p) != PLX_OK)
        st = plx_cfg_fail(cfg, "provider", "no provider named '%s' in the config", provider);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, obj, "model", &model);
    if (st == PLX_OK)
        st = read_version(cfg, obj, &v->version);
    if (st == PLX_OK)
        st = plx_cfg_double(cfg, obj, "weight", 0, 1e12, &weight);
    if (st != PLX_OK)
        return st;
    v->weight = weight;
    v->name = plx_strdup(name);
    v->model = model ? plx_strdup(model) : NULL;
    return v->name && (!model || v->model) ? PLX_OK : PLX_ENOMEM;
}

static plx_status read_variants(plx_endpoint *e, const plx_cfg *cfg, const cJSON *config)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(config, "variants");
    int n = cJSON_GetArraySize(list);
    if (!cJSON_IsArray(list) || n < 1 || n > PLX_MAX_VARIANTS)
        return plx_cfg_fail(cfg, "variants", "expected an array of 1 to %d variants",
                            PLX_MAX_VARIANTS);
    e->variants = calloc((size_t)n, sizeof *e->variants);
    if (!e->variants)
        return PLX_ENOMEM;
    double total = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        char path[300];
        snprintf(path, sizeof path, "%s%svariants[%zu]", cfg->path, cfg->path[0] ? "." : "",
                 e->count);
        plx_cfg sub = {cfg->ctx, path};
        plx_variant *v = &e->variants[e->count++];
        plx_status st = read_variant(e, &sub, item, v);
        for (size_t i = 0; st == PLX_OK && i + 1 < e->count; i++)
            if (strcmp(e->variants[i].name, v->name) == 0)
                st = plx_cfg_fail(&sub, "name", "a second variant named '%s'", v->name);
        if (st != PLX_OK)
            return st;
        total += v->weight;
    }
    if (total <= 0)
        return plx_cfg_fail(cfg, "variants", "every weight is 0: no variant would get calls");
    return PLX_OK;
}

/* ---- options ------------------------------------------------------------- */

static plx_status read_shadow(plx_endpoint *e, const plx_cfg *cfg, const cJSON *config)
{
    static const char *const keys[] = {"variant", "percent", "concurrency", "queue", NULL};
    const cJSON *shadow = cJSON_GetObjectItemCaseSensitive(config, "shadow");
    if (!shadow)
        return PLX_OK;
    char path[300];
    plx_cfg sub;
    sub_cfg(cfg, "shadow", path, sizeof path, &sub);
    const char *name = cJSON_IsString(shadow) ? shadow->valuestring : NULL;
    plx_status st = PLX_OK;
    if (cJSON_IsObject(shadow)) {
        st = plx_cfg_check_keys(&sub, shadow, keys);
        if (st == PLX_OK)
            st = plx_cfg_string(&sub, shadow, "variant", &name);
        if (st == PLX_OK)
            st = plx_cfg_double(&sub, shadow, "percent", 0, 100, &e->shadow_percent);
        if (st == PLX_OK)
            st = cfg_u32(&sub, shadow, "concurrency", 1, 16, &e->shadow_threads);
        if (st == PLX_OK)
            st = cfg_u32(&sub, shadow, "queue", 1, 1000000, &e->shadow_queue);
    } else if (!name) {
        return plx_cfg_fail(cfg, "shadow", "expected a variant's name or {\"variant\", "
                            "\"percent\", \"concurrency\", \"queue\"}");
    }
    if (st != PLX_OK)
        return st;
    for (size_t i = 0; name && i < e->count; i++)
        if (strcmp(e->variants[i].name, name) == 0)
            e->shadow = (int)i;
    if (e->shadow < 0)
        return plx_fail(e->ctx, PLX_ECONFIG, "%s: no variant named '%s'", path,
                        name ? name : "(missing)");
    return PLX_OK;
}

static plx_status read_health(plx_endpoint *e, const plx_cfg *cfg, const cJSON *config)
{
    static const char *const keys[] = {"failure_threshold", "cooldown_ms", NULL};
    const cJSON *h = NULL;
    plx_status st = plx_cfg_object(cfg, config, "health", &h);
    if (st != PLX_OK || !h)
        return st;
    char path[300];
    plx_cfg sub;
    sub_cfg(cfg, "health", path, sizeof path, &sub);
    st = plx_cfg_check_keys(&sub, h, keys);
    if (st == PLX_OK)
        st = cfg_u32(&sub, h, "failure_threshold", 1, 1000000, &e->failure_threshold);
    if (st == PLX_OK)
        st = cfg_u32(&sub, h, "cooldown_ms", 0, DAY_MS, &e->cooldown_ms);
    return st;
}

static plx_status read_batching(plx_endpoint *e, const plx_cfg *cfg, const cJSON *config)
{
    static const char *const keys[] = {"max_batch", "max_delay_us", NULL};
    const cJSON *b = NULL;
    plx_status st = plx_cfg_object(cfg, config, "batching", &b);
    if (st != PLX_OK || !b)
        return st;
    char path[300];
    plx_cfg sub;
    sub_cfg(cfg, "batching", path, sizeof path, &sub);
    e->max_batch = 32;
    e->max_delay_us = 1000;
    st = plx_cfg_check_keys(&sub, b, keys);
    if (st == PLX_OK)
        st = cfg_u32(&sub, b, "max_batch", 1, 100000, &e->max_batch);
    if (st == PLX_OK)
        st = cfg_u32(&sub, b, "max_delay_us", 0, 10000000, &e->max_delay_us);
    for (size_t i = 0; st == PLX_OK && e->max_batch > 1 && i < e->count; i++)
        if (e->variants[i].p->kind->predict_batches)
            st = plx_batcher_new(&e->variants[i].batcher);
    return st;
}

static plx_status read_endpoint(plx_endpoint *e, const plx_cfg *cfg, const cJSON *config,
                                bool named_by_key)
{
    static const char *const keys[] = {"name", "variants", "shadow", "seed", "fallback",
                                       "health", "batching", NULL};
    if (!cJSON_IsObject(config))
        return plx_fail(e->ctx, PLX_ECONFIG, "%s: expected an object", cfg->path[0] ? cfg->path
                        : "endpoint config");
    plx_status st = plx_cfg_check_keys(cfg, config, named_by_key ? keys + 1 : keys);
    const char *name = NULL;
    if (st == PLX_OK && !named_by_key)
        st = plx_cfg_string(cfg, config, "name", &name);
    if (st == PLX_OK && name && !(e->name = plx_strdup(name)))
        st = PLX_ENOMEM;
    int64_t seed = -1;
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, config, "seed", 0, INT64_MAX, &seed);
    e->rng = seed >= 0 ? (uint64_t)seed : plx_random_u64();
    if (st == PLX_OK)
        st = plx_cfg_bool(cfg, config, "fallback", &e->fallback);
    if (st == PLX_OK)
        st = read_variants(e, cfg, config);
    if (st == PLX_OK)
        st = read_shadow(e, cfg, config);
    if (st == PLX_OK)
        st = read_health(e, cfg, config);
    if (st == PLX_OK)
        st = read_batching(e, cfg, config);
    if (st == PLX_OK && e->shadow >= 0)
        st = plx_shadow_start(e);
    return st;
}

static plx_status endpoint_create(plx_ctx *ctx, const char *name, const plx_cfg *cfg,
                                  const cJSON *config, plx_endpoint **out)
{
    *out = NULL;
    plx_endpoint *e = calloc(1, sizeof *e);
    if (!e)
        return PLX_ENOMEM;
    *e = (plx_endpoint){.ctx = ctx, .fallback = true, .failure_threshold = 3,
                        .cooldown_ms = 10000, .shadow = -1, .shadow_percent = 100,
                        .shadow_threads = 2, .shadow_queue = 1000};
    pthread_rwlock_init(&e->lock, NULL);
    plx_status st = PLX_OK;
    if (name && !(e->name = plx_strdup(name)))
        st = PLX_ENOMEM;
    if (st == PLX_OK)
        st = read_endpoint(e, cfg, config, name != NULL);
    if (st == PLX_OK && !e->name && !(e->name = plx_strdup("endpoint")))
        st = PLX_ENOMEM;
    if (st != PLX_OK) {
        plx_endpoint_destroy(e);
        return st;
    }
    *out = e;
    return PLX_OK;
}

void plx_endpoint_destroy(plx_endpoint *e)
{
    if (!e)
        return;
    plx_shadow_stop(e);
    for (size_t i = 0; i < e->count; i++) {
        plx_variant *v = &e->variants[i];
        plx_batcher_free(v->batcher);
        free(v->name);
        free(v->model);
        free(v->version);
    }
    free(e->variants);
    pthread_rwlock_destroy(&e->lock);
    free(e->name);
    free(e);
}

/* ---- public API and the ctx's endpoints -------------------------------- */

PLX_API plx_status plx_endpoint_new(plx_ctx *ctx, const char *config_json, plx_endpoint **out)
{
    if (out)
        *out = NULL;
    if (!ctx || !config_json || !out)
        return plx_fail(ctx, PLX_EINVAL,
                        "plx_endpoint_new: ctx, config and out must not be NULL");
    cJSON *config = NULL;
    plx_status st = plx_json_parse(ctx, config_json, "endpoint config", PLX_ECONFIG, &config);
    plx_cfg cfg = {ctx, ""};
    if (st == PLX_OK)
        st = endpoint_create(ctx, NULL, &cfg, config, out);
    cJSON_Delete(config);
    return st;
}

PLX_API void plx_endpoint_free(plx_endpoint *e)
{
    if (e && !e->owned_by_ctx)
        plx_endpoint_destroy(e);
}

plx_status plx_endpoints_from_config(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *config)
{
    const cJSON *endpoints = NULL;
    plx_status st = plx_cfg_object(cfg, config, "endpoints", &endpoints);
    if (st != PLX_OK || !endpoints)
        return st;
    ctx->endpoints = calloc((size_t)cJSON_GetArraySize(endpoints) + 1, sizeof *ctx->endpoints);
    if (!ctx->endpoints)
        return PLX_ENOMEM;
    const cJSON *item;
    cJSON_ArrayForEach(item, endpoints) {
        char path[300];
        plx_cfg sub;
        sub_cfg(cfg, "endpoints", path, sizeof path, &sub);
        char epath[300];
        plx_cfg_subpath(&sub, item->string, epath, sizeof epath);
        plx_cfg ecfg = {ctx, epath};
        for (size_t i = 0; i < ctx->endpoint_count; i++)
            if (strcmp(ctx->endpoints[i]->name, item->string) == 0)
                return plx_fail(ctx, PLX_ECONFIG, "%s: declared twice", epath);
        plx_endpoint *e = NULL;
        if ((st = endpoint_create(ctx, item->string, &ecfg, item, &e)) != PLX_OK)
            return st;
        e->owned_by_ctx = true;
        ctx->endpoints[ctx->endpoint_count++] = e;
    }
    return PLX_OK;
}

void plx_endpoints_free_all(plx_ctx *ctx)
{
    for (size_t i = 0; i < ctx->endpoint_count; i++)
        plx_endpoint_destroy(ctx->endpoints[i]);
    free(ctx->endpoints);
    ctx->endpoints = NULL;
    ctx->endpoint_count = 0;
}

PLX_API plx_status plx_ctx_endpoint(plx_ctx *ctx, const char *name, plx_endpoint **out)
{
    if (out)
        *out = NULL;
    if (!ctx || !name || !out)
        return plx_fail(ctx, PLX_EINVAL, "plx_ctx_endpoint: NULL argument");
    for (size_t i = 0; i < ctx->endpoint_count; i++) {
        if (strcmp(ctx->endpoints[i]->name, name) == 0) {
            *out = ctx->endpoints[i];
            return PLX_OK;
        }
    }
    return plx_fail(ctx, PLX_ENOTFOUND, "no endpoint named '%s' in the config", name);
}
