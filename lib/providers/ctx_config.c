/* plx_ctx_new from a JSON config, plx_ctx_free, and named providers. */
#include "pricing.h"
#include "../endpoints/endpoints.h"

#include <stdlib.h>
#include <string.h>

static const char *const TOP_KEYS[] = {"log_level", "providers", "pricing", "max_cost_usd",
                                        "endpoints", NULL};

static plx_status read_log_level(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *config)
{
    static const char *const names[] = {"none", "error", "warn", "info", "debug"};
    const char *level = NULL;
    plx_status st = plx_cfg_string(cfg, config, "log_level", &level);
    if (st != PLX_OK || !level)
        return st;
    for (size_t i = 0; i < PLX_ARRAY_LEN(names); i++) {
        if (strcmp(level, names[i]) == 0) {
            ctx->log_level = (plx_log_level)i;
            return PLX_OK;
        }
    }
    return plx_cfg_fail(cfg, "log_level", "expected none, error, warn, info or debug");
}

static plx_status add_provider(plx_ctx *ctx, const cJSON *item)
{
    char path[256];
    plx_cfg top = {ctx, "providers"};
    plx_cfg_subpath(&top, item->string, path, sizeof path);
    plx_cfg cfg = {ctx, path};
    if (!cJSON_IsObject(item))
        return plx_fail(ctx, PLX_ECONFIG, "%s: expected an object", path);
    const char *kind = NULL;
    plx_status st = plx_cfg_string(&cfg, item, "kind", &kind);
    if (st == PLX_OK && !kind)
        st = plx_cfg_fail(&cfg, "kind", "missing (the provider kind, e.g. \"http\")");
    plx_provider *p = NULL;
    if (st == PLX_OK)
        st = plx_provider_create(ctx, item->string, kind, &cfg, item, &p);
    if (st != PLX_OK)
        return st;
    p->owned_by_ctx = true;
    ctx->providers[ctx->provider_count++] = p;
    return PLX_OK;
}

static plx_status read_providers(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *config)
{
    const cJSON *providers = NULL;
    plx_status st = plx_cfg_object(cfg, config, "providers", &providers);
    if (st != PLX_OK || !providers)
        return st;
    int n = cJSON_GetArraySize(providers);
    ctx->providers = calloc((size_t)n + 1, sizeof *ctx->providers);
    if (!ctx->providers)
        return PLX_ENOMEM;
    const cJSON *item;
    cJSON_ArrayForEach(item, providers) {
        for (size_t i = 0; i < ctx->provider_count; i++)
            if (strcmp(ctx->providers[i]->name, item->string) == 0)
                return plx_fail(ctx, PLX_ECONFIG, "providers.%s: declared twice", item->string);
        if ((st = add_provider(ctx, item)) != PLX_OK)
            return st;
    }
    return PLX_OK;
}

/* "pricing" (a LiteLLM-format file or object) and the ctx budget. */
static plx_status read_costs(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *config)
{
    double max_cost = 0;
    plx_pricing *pricing = NULL;
    const cJSON *table = cJSON_GetObjectItemCaseSensitive(config, "pricing");
    plx_status st = plx_cfg_double(cfg, config, "max_cost_usd", 0, 1e12, &max_cost);
    if (st == PLX_OK && table)
        st = plx_pricing_load(ctx, cfg, table, &pricing);
    if (st == PLX_OK)
        st = plx_costs_init(ctx, pricing, max_cost);
    return st;
}

static plx_status configure(plx_ctx *ctx, const char *config_json)
{
    if (!config_json || !*config_json)
        return plx_costs_init(ctx, NULL, 0);
    cJSON *config = NULL;
    plx_status st = plx_json_parse(ctx, config_json, "config", PLX_ECONFIG, &config);
    if (st == PLX_OK && !cJSON_IsObject(config))
        st = plx_fail(ctx, PLX_ECONFIG, "config: expected a JSON object");
    plx_cfg cfg = {ctx, ""};
    if (st == PLX_OK)
        st = plx_cfg_check_keys(&cfg, config, TOP_KEYS);
    if (st == PLX_OK)
        st = read_log_level(ctx, &cfg, config);
    if (st == PLX_OK)
        st = read_costs(ctx, &cfg, config);
    if (st == PLX_OK)
        st = read_providers(ctx, &cfg, config);
    if (st == PLX_OK)
        st = plx_endpoints_from_config(ctx, &cfg, config);
    cJSON_Delete(config);
    return st;
}

PLX_API plx_status plx_ctx_new(plx_ctx **out, const char *config_json)
{
    if (!out)
        return plx_fail(NULL, PLX_EINVAL, "plx_ctx_new: out is NULL");
    *out = NULL;
    plx_errmsg_clear();
    plx_ctx *ctx = NULL;
    if (plx_ctx_alloc(&ctx) != PLX_OK)
        return plx_fail(NULL, PLX_ENOMEM, "plx_ctx_new: out of memory");
    plx_status st = configure(ctx, config_json);
    if (st != PLX_OK) {
        /* Keep the message readable after the ctx is gone. */
        char msg[1024];
        plx_redact(ctx, plx_errmsg_current(), msg, sizeof msg);
        plx_ctx_free(ctx);
        plx_fail(NULL, st, "%s", msg);
        return st;
    }
    *out = ctx;
    return PLX_OK;
}

PLX_API void plx_ctx_free(plx_ctx *ctx)
{
    if (!ctx)
        return;
    plx_endpoints_free_all(ctx);
    plx_async_free(ctx);
    for (size_t i = 0; i < ctx->provider_count; i++)
        plx_provider_destroy(ctx->providers[i]);
    free(ctx->providers);
    plx_costs_free(ctx);
    plx_ctx_release_http(ctx);
    plx_ctx_release_core(ctx);
}

PLX_API plx_status plx_ctx_provider(plx_ctx *ctx, const char *name, plx_provider **out)
{
    if (out)
        *out = NULL;
    if (!ctx || !name || !out)
        return plx_fail(ctx, PLX_EINVAL, "plx_ctx_provider: NULL argument");
    for (size_t i = 0; i < ctx->provider_count; i++) {
        if (strcmp(ctx->providers[i]->name, name) == 0) {
            *out = ctx->providers[i];
            return PLX_OK;
        }
    }
    return plx_fail(ctx, PLX_ENOTFOUND, "no provider named '%s' in the config", name);
}
