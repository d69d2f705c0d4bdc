/* The plexus Node addon: thin N-API wrappers over the public C API.
 *
 * Handles (ctx, provider, endpoint, pipeline) are type-tagged externals that
 * own a px_handle. Validation of arguments lives in index.js; the addon only
 * checks what keeps the process safe (types, tags, closed handles). Results
 * cross as JSON text; failures as errors built by index.js's factory. */
#ifndef PLEXUS_NODE_ADDON_H
#define PLEXUS_NODE_ADDON_H

#include <node_api.h>
#include <plexus.h>

#include <stdbool.h>
#include <stddef.h>

typedef enum px_kind { PX_CTX, PX_PROVIDER, PX_ENDPOINT, PX_PIPELINE, PX_NKINDS } px_kind;

typedef struct px_log px_log;

/* One handle. Touched only on the JS thread (creation, close, finalizers,
 * async completions), so the counters need no atomics.
 *
 * live counts what keeps the C object alive: the open state, calls in flight
 * and, for a ctx, its children with a live object. When it reaches 0 the C
 * object is freed (a provider before its ctx). refs counts what keeps this
 * struct alive: the JS external, and live > 0. */
typedef struct px_handle px_handle;
struct px_handle {
    px_kind kind;
    void *ptr;
    bool open;
    bool owned;                 /* false: the ctx owns ptr (plx_ctx_provider) */
    unsigned live, refs;
    unsigned busy;              /* ctx: calls in flight on it or its children */
    px_handle *parent;          /* the ctx of a provider, endpoint, pipeline */
    px_handle *child, *next, *prev;   /* a ctx's live children */
    px_log *log;                /* ctx: the logger, once set */
};

/* ---- handle.c ---- */
napi_value px_handle_wrap(napi_env env, px_kind kind, void *ptr, px_handle *parent,
                          bool owned);
/* The handle of value, which must be an open handle of kind; else a JS
 * exception is pending and NULL is returned. */
px_handle *px_handle_get(napi_env env, napi_value value, px_kind kind);
/* The same, closed handles included. */
px_handle *px_handle_any(napi_env env, napi_value value, px_kind kind);
void px_handle_close(px_handle *h);
/* A call on h starts (keeps h and its ctx alive) / ends. */
void px_handle_enter(px_handle *h);
void px_handle_leave(px_handle *h);
/* The ctx handle of h (h itself for a ctx). */
px_handle *px_handle_ctx(px_handle *h);

/* ---- util.c ---- */
/* Reads argument i of the callback (argc up to 6). */
bool px_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv);
/* A JS string as a malloc'd UTF-8 C string; NULL with an exception pending
 * when value is not a string. null/undefined give NULL without one when
 * nullable. */
char *px_string(napi_env env, napi_value value, bool nullable, bool *ok);
/* A JS string from UTF-8 (NULL gives null). */
napi_value px_js_string(napi_env env, const char *s);
/* Throws a TypeError; returns NULL for tail calls. */
napi_value px_type_error(napi_env env, const char *message);
/* The error for a failed call: index.js's factory(status, message, json). */
napi_value px_error(napi_env env, plx_status st, const char *message, const char *json);
/* Throws that error; returns NULL. */
napi_value px_throw(napi_env env, plx_status st, const char *message, const char *json);
/* Throws the pending plx_errmsg of a failed synchronous call. */
napi_value px_throw_status(napi_env env, plx_status st);
char *px_strdup(const char *s);
/* Calls fn(args) from a native callback, and hands an exception it throws
 * to the process ('uncaughtException'), as Node does for its callbacks. */
void px_call_js(napi_env env, napi_value fn, size_t argc, const napi_value *argv);

/* Per-env state (worker threads each load their own). */
typedef struct px_env {
    napi_ref error_factory;
} px_env;
px_env *px_env_get(napi_env env);

/* ---- registration: each file adds its functions to exports ---- */
typedef struct px_fn {
    const char *name;
    napi_callback fn;
} px_fn;
bool px_export(napi_env env, napi_value exports, const px_fn *fns, size_t n);
bool px_objects_init(napi_env env, napi_value exports);
bool px_calls_init(napi_env env, napi_value exports);
bool px_flow_init(napi_env env, napi_value exports);
bool px_log_init(napi_env env, napi_value exports);
/* log.c: frees a ctx's logger after plx_ctx_free. */
void px_log_free(px_log *log);

#endif
