/* Making, looking up and inspecting handles: the quick, non-blocking part
 * of the API, called on the JS thread. */
#include "addon.h"

#include <stdlib.h>

/* Reads n strings after the handle (argv[1..n]); nullable ones may be
 * null/undefined. Frees them all and returns false on a bad one. */
static bool strings(napi_env env, const napi_value *argv, size_t n, unsigned nullable_mask,
                    char **out)
{
    for (size_t i = 0; i < n; i++) {
        bool ok;
        out[i] = px_string(env, argv[i], (nullable_mask >> i) & 1u, &ok);
        if (!ok) {
            for (size_t j = 0; j < i; j++)
                free(out[j]);
            return false;
        }
    }
    return true;
}

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
}

/* (config | null) -> Context handle */
static napi_value ctx_new(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    char *config;
    if (!px_args(env, info, 1, argv) || !strings(env, argv, 1, 1, &config))
        return NULL;
    plx_ctx *ctx = NULL;
    plx_status st = plx_ctx_new(&ctx, config);
    free(config);
    if (st != PLX_OK)
        return px_throw_status(env, st);
    return px_handle_wrap(env, PX_CTX, ctx, NULL, true);
}

/* (ctx, kind, config | null) -> Provider handle */
static napi_value provider_new(napi_env env, napi_callback_info info)
{
    napi_value argv[3];
    char *s[2];
    if (!px_args(env, info, 3, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], PX_CTX);
    if (!h || !strings(env, argv + 1, 2, 2, s))
        return NULL;
    plx_provider *p = NULL;
    plx_status st = plx_provider_new(h->ptr, s[0], s[1], &p);
    free_strings(s, 2);
    if (st != PLX_OK)
        return px_throw_status(env, st);
    return px_handle_wrap(env, PX_PROVIDER, p, h, true);
}

/* (ctx, config) -> Endpoint handle */
static napi_value endpoint_new(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    char *config;
    if (!px_args(env, info, 2, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], PX_CTX);
    if (!h || !strings(env, argv + 1, 1, 0, &config))
        return NULL;
    plx_endpoint *e = NULL;
    plx_status st = plx_endpoint_new(h->ptr, config, &e);
    free(config);
    if (st != PLX_OK)
        return px_throw_status(env, st);
    return px_handle_wrap(env, PX_ENDPOINT, e, h, true);
}

/* (ctx, definition) -> Pipeline handle */
static napi_value pipeline_new(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    char *def;
    if (!px_args(env, info, 2, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], PX_CTX);
    if (!h || !strings(env, argv + 1, 1, 0, &def))
        return NULL;
    plx_pipeline *pl = NULL;
    plx_status st = plx_pipeline_new(h->ptr, def, &pl);
    free(def);
    if (st != PLX_OK)
        return px_throw_status(env, st);
    return px_handle_wrap(env, PX_PIPELINE, pl, h, true);
}

/* (ctx, name) -> the ctx's own Provider or Endpoint handle */
static napi_value ctx_lookup(napi_env env, napi_callback_info info, px_kind kind)
{
    napi_value argv[2];
    char *name;
    if (!px_args(env, info, 2, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], PX_CTX);
    if (!h || !strings(env, argv + 1, 1, 0, &name))
        return NULL;
    void *ptr = NULL;
    plx_status st = kind == PX_PROVIDER
        ? plx_ctx_provider(h->ptr, name, (plx_provider **)&ptr)
        : plx_ctx_endpoint(h->ptr, name, (plx_endpoint **)&ptr);
    free(name);
    if (st != PLX_OK)
        return px_throw_status(env, st);
    return px_handle_wrap(env, kind, ptr, h, false);
}

static napi_value ctx_provider(napi_env env, napi_callback_info info)
{
    return ctx_lookup(env, info, PX_PROVIDER);
}

static napi_value ctx_endpoint(napi_env env, napi_callback_info info)
{
    return ctx_lookup(env, info, PX_ENDPOINT);
}

/* (handle) -> a string the library returns, JSON to parse */
static napi_value json_of(napi_env env, napi_callback_info info, px_kind kind)
{
    napi_value argv[1];
    if (!px_args(env, info, 1, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], kind);
    if (!h)
        return NULL;
    char *out = NULL;
    plx_status st = kind == PX_CTX ? plx_ctx_usage(h->ptr, &out)
                  : kind == PX_PROVIDER ? plx_provider_stats(h->ptr, &out)
                  : plx_endpoint_stats(h->ptr, &out);
    if (st != PLX_OK)
        return px_throw_status(env, st);
    napi_value v = px_js_string(env, out);
    plx_free(out);
    return v;
}

static napi_value ctx_usage(napi_env env, napi_callback_info info)
{
    return json_of(env, info, PX_CTX);
}

static napi_value provider_stats(napi_env env, napi_callback_info info)
{
    return json_of(env, info, PX_PROVIDER);
}

static napi_value endpoint_stats(napi_env env, napi_callback_info info)
{
    return json_of(env, info, PX_ENDPOINT);
}

/* (provider, which) -> name (0) or kind (1) */
static napi_value provider_info(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    int32_t which;
    if (!px_args(env, info, 2, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], PX_PROVIDER);
    if (!h || napi_get_value_int32(env, argv[1], &which) != napi_ok)
        return NULL;
    return px_js_string(env, which ? plx_provider_kind(h->ptr) : plx_provider_name(h->ptr));
}

/* (handle, string) for the functions that take one string and return a
 * status: plx_ctx_add_secret, plx_endpoint_set_weights. */
static napi_value with_string(napi_env env, napi_callback_info info, px_kind kind)
{
    napi_value argv[2];
    char *s;
    if (!px_args(env, info, 2, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], kind);
    if (!h || !strings(env, argv + 1, 1, 0, &s))
        return NULL;
    plx_status st = kind == PX_CTX ? plx_ctx_add_secret(h->ptr, s)
                                   : plx_endpoint_set_weights(h->ptr, s);
    free(s);
    return st == PLX_OK ? NULL : px_throw_status(env, st);
}

static napi_value ctx_add_secret(napi_env env, napi_callback_info info)
{
    return with_string(env, info, PX_CTX);
}

static napi_value endpoint_set_weights(napi_env env, napi_callback_info info)
{
    return with_string(env, info, PX_ENDPOINT);
}

/* (handle, kind number) -> closes it; closed handles are fine. */
static napi_value close_handle(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    int32_t kind;
    if (!px_args(env, info, 2, argv) || napi_get_value_int32(env, argv[1], &kind) != napi_ok)
        return NULL;
    if (kind < 0 || kind >= PX_NKINDS)
        return px_type_error(env, "unknown handle kind");
    px_handle *h = px_handle_any(env, argv[0], (px_kind)kind);
    if (h)
        px_handle_close(h);
    return NULL;
}

bool px_objects_init(napi_env env, napi_value exports)
{
    static const px_fn fns[] = {
        {"ctxNew", ctx_new},
        {"providerNew", provider_new},
        {"endpointNew", endpoint_new},
        {"pipelineNew", pipeline_new},
        {"ctxProvider", ctx_provider},
        {"ctxEndpoint", ctx_endpoint},
        {"ctxUsage", ctx_usage},
        {"ctxAddSecret", ctx_add_secret},
        {"providerStats", provider_stats},
        {"providerInfo", provider_info},
        {"endpointStats", endpoint_stats},
        {"endpointSetWeights", endpoint_set_weights},
        {"close", close_handle},
    };
    return px_export(env, exports, fns, sizeof fns / sizeof fns[0]);
}
