/* Conversions between JS values and C strings, errors, per-env state. */
#include "addon.h"

#include <stdlib.h>
#include <string.h>

bool px_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv)
{
    size_t argc = n;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)
        return false;
    if (argc < n) {
        px_type_error(env, "missing arguments");
        return false;
    }
    return true;
}

char *px_string(napi_env env, napi_value value, bool nullable, bool *ok)
{
    *ok = false;
    napi_valuetype t;
    if (napi_typeof(env, value, &t) != napi_ok)
        return NULL;
    if (nullable && (t == napi_null || t == napi_undefined)) {
        *ok = true;
        return NULL;
    }
    if (t != napi_string) {
        px_type_error(env, "expected a string");
        return NULL;
    }
    size_t len;
    if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok)
        return NULL;
    char *s = malloc(len + 1);
    if (!s) {
        px_throw(env, PLX_ENOMEM, "out of memory", NULL);
        return NULL;
    }
    if (napi_get_value_string_utf8(env, value, s, len + 1, &len) != napi_ok) {
        free(s);
        return NULL;
    }
    /* C sees a NUL as the end: a string that has one would be cut short. */
    if (strlen(s) != len) {
        free(s);
        px_type_error(env, "string contains a NUL character");
        return NULL;
    }
    *ok = true;
    return s;
}

napi_value px_js_string(napi_env env, const char *s)
{
    napi_value v;
    if (!s)
        napi_get_null(env, &v);
    else if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) != napi_ok)
        return NULL;
    return v;
}

char *px_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

napi_value px_type_error(napi_env env, const char *message)
{
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return NULL;
}

static void env_free(napi_env env, void *data, void *hint)
{
    (void)hint;
    px_env *e = data;
    if (e->error_factory)
        napi_delete_reference(env, e->error_factory);
    free(e);
}

px_env *px_env_get(napi_env env)
{
    void *data = NULL;
    if (napi_get_instance_data(env, &data) == napi_ok && data)
        return data;
    px_env *e = calloc(1, sizeof *e);
    if (!e || napi_set_instance_data(env, e, env_free, NULL) != napi_ok) {
        free(e);
        return NULL;
    }
    return e;
}

/* A plain Error with the same members, for when index.js's factory is not
 * there (the addon loaded on its own) or fails. */
static napi_value plain_error(napi_env env, plx_status st, const char *message,
                              const char *json)
{
    napi_value msg, err, status, code;
    if (napi_create_string_utf8(env, message ? message : plx_status_str(st),
                                NAPI_AUTO_LENGTH, &msg) != napi_ok ||
        napi_create_error(env, NULL, msg, &err) != napi_ok)
        return NULL;
    napi_create_int32(env, (int32_t)st, &status);
    napi_set_named_property(env, err, "status", status);
    code = px_js_string(env, plx_status_name(st));
    if (code)
        napi_set_named_property(env, err, "code", code);
    napi_value result = px_js_string(env, json);
    if (result)
        napi_set_named_property(env, err, "json", result);
    return err;
}

napi_value px_error(napi_env env, plx_status st, const char *message, const char *json)
{
    px_env *e = px_env_get(env);
    napi_value factory, global, argv[3], err;
    if (e && e->error_factory &&
        napi_get_reference_value(env, e->error_factory, &factory) == napi_ok && factory &&
        napi_get_global(env, &global) == napi_ok &&
        napi_create_int32(env, (int32_t)st, &argv[0]) == napi_ok &&
        (argv[1] = px_js_string(env, message)) && (argv[2] = px_js_string(env, json)) &&
        napi_call_function(env, global, factory, 3, argv, &err) == napi_ok)
        return err;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
        napi_value ignored;
        napi_get_and_clear_last_exception(env, &ignored);
    }
    return plain_error(env, st, message, json);
}

napi_value px_throw(napi_env env, plx_status st, const char *message, const char *json)
{
    napi_value err = px_error(env, st, message, json);
    if (err)
        napi_throw(env, err);
    return NULL;
}

napi_value px_throw_status(napi_env env, plx_status st)
{
    return px_throw(env, st, plx_errmsg(NULL), NULL);
}

void px_call_js(napi_env env, napi_value fn, size_t argc, const napi_value *argv)
{
    napi_value global, ignored;
    if (napi_get_global(env, &global) != napi_ok)
        return;
    if (napi_call_function(env, global, fn, argc, argv, &ignored) == napi_pending_exception) {
        napi_value exc;
        if (napi_get_and_clear_last_exception(env, &exc) == napi_ok)
            napi_fatal_exception(env, exc);
    }
}

bool px_export(napi_env env, napi_value exports, const px_fn *fns, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        napi_value f;
        if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) !=
                napi_ok ||
            napi_set_named_property(env, exports, fns[i].name, f) != napi_ok)
            return false;
    }
    return true;
}
