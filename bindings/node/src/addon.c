/* The plexus Node addon: module setup, versions, status names. The wrappers
 * are in objects.c (handles), calls.c (blocking calls as Promises), flow.c
 * (streamed chat, batch runs) and log.c (the logger). */
#include "addon.h"

/* () -> {version, versionString, headerVersion, headerVersionString} */
static napi_value versions(napi_env env, napi_callback_info info)
{
    (void)info;
    napi_value o, v;
    if (napi_create_object(env, &o) != napi_ok)
        return NULL;
    napi_create_uint32(env, plx_version(), &v);
    napi_set_named_property(env, o, "version", v);
    napi_set_named_property(env, o, "versionString", px_js_string(env, plx_version_string()));
    napi_create_uint32(env, PLX_VERSION_NUMBER, &v);
    napi_set_named_property(env, o, "headerVersion", v);
    napi_set_named_property(env, o, "headerVersionString", px_js_string(env, PLX_VERSION_STRING));
    return o;
}

/* (status, which) -> plx_status_name (which 0) or plx_status_str (1) */
static napi_value status_text(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    int32_t st, which;
    if (!px_args(env, info, 2, argv) || napi_get_value_int32(env, argv[0], &st) != napi_ok ||
        napi_get_value_int32(env, argv[1], &which) != napi_ok)
        return px_type_error(env, "expected (status, which) numbers");
    return px_js_string(env, which ? plx_status_str((plx_status)st)
                                   : plx_status_name((plx_status)st));
}

/* (fn) -> sets the factory of errors: fn(status, message, resultJson). */
static napi_value set_error_factory(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    napi_valuetype t;
    if (!px_args(env, info, 1, argv) || napi_typeof(env, argv[0], &t) != napi_ok)
        return NULL;
    if (t != napi_function)
        return px_type_error(env, "expected a function");
    px_env *e = px_env_get(env);
    if (!e)
        return px_throw(env, PLX_ENOMEM, "out of memory", NULL);
    if (e->error_factory)
        napi_delete_reference(env, e->error_factory);
    e->error_factory = NULL;
    napi_create_reference(env, argv[0], 1, &e->error_factory);
    return NULL;
}

static napi_value init(napi_env env, napi_value exports)
{
    static const px_fn fns[] = {
        {"versions", versions},
        {"statusText", status_text},
        {"setErrorFactory", set_error_factory},
    };
    if (!px_export(env, exports, fns, sizeof fns / sizeof fns[0]) ||
        !px_objects_init(env, exports) || !px_calls_init(env, exports) ||
        !px_flow_init(env, exports) || !px_log_init(env, exports))
        return NULL;
    return exports;
}

NAPI_MODULE_INIT()
{
    return init(env, exports);
}
