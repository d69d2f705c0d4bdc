/* Blocking calls (plx_call, plx_chat, plx_embed, plx_predict, plx_notify,
 * plx_pipeline_run, plx_object_get to a file, plx_object_put) on a worker
 * thread of Node's pool, each returning a Promise of the result JSON text.
 * A failure rejects with the error of its status (index.js's factory)
 * carrying plx_errmsg and the result JSON. */
#include "addon.h"

#include <stdlib.h>
#include <string.h>

typedef enum px_op {
    OP_CALL, OP_CHAT, OP_EMBED, OP_PREDICT, OP_NOTIFY, OP_RUN, OP_GET, OP_PUT
} px_op;

typedef struct px_work {
    napi_async_work work;
    napi_deferred deferred;
    px_handle *h;
    px_op op;
    char *a, *b;                /* the string arguments */
    plx_status st;
    char *out;                  /* the result JSON, plx_free */
    char *msg;                  /* plx_errmsg of a failure */
    napi_ref data_ref;          /* OP_PUT from memory: the Uint8Array */
    const unsigned char *data;  /* its bytes (JS must leave them be) */
    size_t len, off;
} px_work;

/* plx_object_put's source over a Uint8Array's bytes. */
static int64_t from_memory(void *buf, size_t cap, void *user_data)
{
    px_work *w = user_data;
    size_t n = w->len - w->off < cap ? w->len - w->off : cap;
    if (n == 0)
        return 0;
    memcpy(buf, w->data + w->off, n);
    w->off += n;
    return (int64_t)n;
}

/* The call itself; on a worker thread for the async forms. */
static void run(px_work *w)
{
    void *ptr = w->h->ptr;
    switch (w->op) {
    case OP_CALL: w->st = plx_call(ptr, w->a, w->b, &w->out); break;
    case OP_CHAT: w->st = plx_chat(ptr, w->a, &w->out); break;
    case OP_EMBED: w->st = plx_embed(ptr, w->a, &w->out); break;
    case OP_PREDICT: w->st = plx_predict(ptr, w->a, &w->out); break;
    case OP_NOTIFY: w->st = plx_notify(ptr, w->a, w->b, &w->out); break;
    case OP_RUN: w->st = plx_pipeline_run(ptr, w->a, &w->out); break;
    case OP_GET: w->st = plx_object_get(ptr, w->a, NULL, NULL, &w->out); break;
    case OP_PUT:
        w->st = plx_object_put(ptr, w->a, w->data_ref ? from_memory : NULL, w, &w->out);
        break;
    }
    /* The message is per thread: take it here, before the thread moves on. */
    if (w->st != PLX_OK)
        w->msg = px_strdup(plx_errmsg(NULL));
}

static void work_free(px_work *w)
{
    plx_free(w->out);
    free(w->msg);
    free(w->a);
    free(w->b);
    free(w);
}

static void execute(napi_env env, void *data)
{
    (void)env;
    run(data);
}

static void complete(napi_env env, napi_status status, void *data)
{
    px_work *w = data;
    napi_value v = NULL;
    if (status != napi_ok) {
        v = px_error(env, PLX_ECANCELED, "the call was canceled", NULL);
        napi_reject_deferred(env, w->deferred, v);
    } else if (w->st == PLX_OK) {
        v = px_js_string(env, w->out);
        napi_resolve_deferred(env, w->deferred, v);
    } else {
        v = px_error(env, w->st, w->msg, w->out);
        napi_reject_deferred(env, w->deferred, v);
    }
    napi_delete_async_work(env, w->work);
    if (w->data_ref)
        napi_delete_reference(env, w->data_ref);
    px_handle_leave(w->h);
    work_free(w);
}

/* Reads (handle, strings...) into a new work item; NULL with an exception
 * pending on bad arguments. */
static px_work *prepare(napi_env env, napi_callback_info info, px_kind kind, px_op op,
                        size_t nstrings)
{
    napi_value argv[3];
    if (!px_args(env, info, 1 + nstrings, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], kind);
    if (!h)
        return NULL;
    px_work *w = calloc(1, sizeof *w);
    if (!w) {
        px_throw(env, PLX_ENOMEM, "out of memory", NULL);
        return NULL;
    }
    w->h = h;
    w->op = op;
    bool ok = true;
    if (nstrings > 0)
        w->a = px_string(env, argv[1], false, &ok);
    if (ok && nstrings > 1)
        w->b = px_string(env, argv[2], false, &ok);
    if (!ok) {
        work_free(w);
        return NULL;
    }
    return w;
}

/* Queues w on the pool; the Promise of its result. */
static napi_value launch(napi_env env, px_work *w)
{
    napi_value promise, name;
    if (napi_create_promise(env, &w->deferred, &promise) != napi_ok) {
        if (w->data_ref)
            napi_delete_reference(env, w->data_ref);
        work_free(w);
        return NULL;
    }
    if (napi_create_string_utf8(env, "plexus", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_create_async_work(env, NULL, name, execute, complete, w, &w->work) != napi_ok) {
        w->work = NULL;
    } else if (napi_queue_async_work(env, w->work) != napi_ok) {
        napi_delete_async_work(env, w->work);
        w->work = NULL;
    }
    if (!w->work) {
        /* Settle the promise so that nothing waits on it for ever. */
        napi_reject_deferred(env, w->deferred,
                             px_error(env, PLX_ENOMEM, "could not start the call", NULL));
        if (w->data_ref)
            napi_delete_reference(env, w->data_ref);
        work_free(w);
        return promise;
    }
    px_handle_enter(w->h);
    return promise;
}

static napi_value start(napi_env env, napi_callback_info info, px_kind kind, px_op op,
                        size_t nstrings)
{
    px_work *w = prepare(env, info, kind, op, nstrings);
    return w ? launch(env, w) : NULL;
}

static napi_value call(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_PROVIDER, OP_CALL, 2);
}

static napi_value chat(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_PROVIDER, OP_CHAT, 1);
}

static napi_value embed(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_PROVIDER, OP_EMBED, 1);
}

static napi_value predict(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_ENDPOINT, OP_PREDICT, 1);
}

static napi_value notify(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_CTX, OP_NOTIFY, 2);
}

static napi_value pipeline_run(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_PIPELINE, OP_RUN, 1);
}

static napi_value object_get(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_PROVIDER, OP_GET, 1);
}

/* (provider, request, Uint8Array | null): the bytes stay in JS, referenced
 * until the upload ends. */
static napi_value object_put(napi_env env, napi_callback_info info)
{
    napi_value argv[3];
    size_t argc = 3;
    napi_valuetype t;
    bool is_array = false;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
        napi_typeof(env, argv[2], &t) != napi_ok)
        return px_type_error(env, "expected (provider, request, data)");
    if (t != napi_null && t != napi_undefined &&
        (napi_is_typedarray(env, argv[2], &is_array) != napi_ok || !is_array))
        return px_type_error(env, "data: expected a Uint8Array or null");
    if (!is_array)
        return start(env, info, PX_PROVIDER, OP_PUT, 1);
    napi_typedarray_type type;
    size_t n;
    void *bytes;
    if (napi_get_typedarray_info(env, argv[2], &type, &n, &bytes, NULL, NULL) != napi_ok ||
        type != napi_uint8_array)
        return px_type_error(env, "data: expected a Uint8Array or null");
    px_work *w = prepare(env, info, PX_PROVIDER, OP_PUT, 1);
    if (!w)
        return NULL;
    if (napi_create_reference(env, argv[2], 1, &w->data_ref) != napi_ok) {
        work_free(w);
        return NULL;
    }
    w->data = bytes;
    w->len = n;
    return launch(env, w);
}

/* plx_call on the JS thread: for in-process kinds (local) whose calls take
 * microseconds, where a trip to the pool would cost more than the call. */
static napi_value call_sync(napi_env env, napi_callback_info info)
{
    px_work *w = prepare(env, info, PX_PROVIDER, OP_CALL, 2);
    if (!w)
        return NULL;
    run(w);
    napi_value v = w->st == PLX_OK ? px_js_string(env, w->out)
                                   : px_throw(env, w->st, w->msg, w->out);
    work_free(w);
    return v;
}

bool px_calls_init(napi_env env, napi_value exports)
{
    static const px_fn fns[] = {
        {"call", call}, {"callSync", call_sync}, {"chat", chat}, {"embed", embed},
        {"predict", predict}, {"notify", notify}, {"pipelineRun", pipeline_run},
        {"objectGet", object_get}, {"objectPut", object_put},
    };
    return px_export(env, exports, fns, sizeof fns / sizeof fns[0]);
}
