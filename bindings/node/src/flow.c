/* Calls that report as they go: plx_chat_stream (text deltas) and
 * plx_pipeline_run_batch (progress), on a worker thread of Node's pool.
 *
 * Each delta or progress line is queued to the JS thread through a
 * threadsafe function, and so is the end (status, message, result): one
 * queue, so JS sees every delta before the end. JS stops a run by setting
 * its stop flag (flowStop): the next delta or progress callback then
 * returns non-zero and the C call ends with PLX_ECANCELED. */
#include "addon.h"

#include <stdlib.h>
#include <string.h>

typedef enum flow_kind { FLOW_CHAT, FLOW_BATCH } flow_kind;

typedef struct px_flow {
    napi_async_work work;
    napi_threadsafe_function tsfn;
    px_handle *h;
    flow_kind kind;
    char *arg;
    int stop;                   /* set on the JS thread, read by the worker */
    unsigned refs;              /* JS thread: the control external, the run */
    unsigned char pend[4];      /* an incomplete UTF-8 sequence held back */
    size_t npend;
} px_flow;

/* A delta or progress line (data), or the end (end: status, result). */
typedef struct flow_item {
    bool end;
    char *data;
    size_t len;
    plx_status st;
    char *out;                  /* plx_free */
    char *msg;
} flow_item;

static const napi_type_tag FLOW_TAG = {0x706c657875734e4fULL, 0x1d2c7a1e5b6e0010ULL};

static void item_free(flow_item *it)
{
    free(it->data);
    plx_free(it->out);
    free(it->msg);
    free(it);
}

static void flow_unref(px_flow *f)
{
    if (--f->refs > 0)
        return;
    free(f->arg);
    free(f);
}

static bool push(px_flow *f, flow_item *it)
{
    if (napi_call_threadsafe_function(f->tsfn, it, napi_tsfn_nonblocking) == napi_ok)
        return true;
    item_free(it);
    return false;
}

static bool push_data(px_flow *f, char *data, size_t len)
{
    flow_item *it = calloc(1, sizeof *it);
    if (!it) {
        free(data);
        return false;
    }
    it->data = data;
    it->len = len;
    return push(f, it);
}

/* The length of the longest prefix of s that does not end inside a UTF-8
 * sequence: a service may split a character across two deltas, and JS
 * strings are made of whole characters. */
static size_t utf8_whole(const unsigned char *s, size_t n)
{
    for (size_t back = 1; back <= 4 && back <= n; back++) {
        unsigned char c = s[n - back];
        if ((c & 0xC0) == 0x80)
            continue;
        size_t need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                    : (c & 0xF8) == 0xF0 ? 4 : 1;
        return back >= need ? n : n - back;
    }
    return n;
}

static int on_delta(const char *text, size_t len, void *user_data)
{
    px_flow *f = user_data;
    if (__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE))
        return 1;
    size_t total = f->npend + len;
    unsigned char *buf = malloc(total ? total : 1);
    if (!buf)
        return 1;
    memcpy(buf, f->pend, f->npend);
    memcpy(buf + f->npend, text, len);
    size_t whole = utf8_whole(buf, total);
    f->npend = total - whole;
    memcpy(f->pend, buf + whole, f->npend);
    if (whole == 0) {
        free(buf);
        return 0;
    }
    return push_data(f, (char *)buf, whole) ? 0 : 1;
}

static int on_progress(const char *progress_json, void *user_data)
{
    px_flow *f = user_data;
    if (__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE))
        return 1;
    char *copy = px_strdup(progress_json);
    return copy && push_data(f, copy, strlen(copy)) ? 0 : 1;
}

static void push_end(px_flow *f, plx_status st, char *out, const char *msg)
{
    flow_item *it = calloc(1, sizeof *it);
    if (!it) {
        plx_free(out);
        return;
    }
    *it = (flow_item){.end = true, .st = st, .out = out, .msg = msg ? px_strdup(msg) : NULL};
    push(f, it);
}

static void execute(napi_env env, void *data)
{
    (void)env;
    px_flow *f = data;
    char *out = NULL;
    plx_status st = f->kind == FLOW_CHAT
        ? plx_chat_stream(f->h->ptr, f->arg, on_delta, f, &out)
        : plx_pipeline_run_batch(f->h->ptr, f->arg, on_progress, f, &out);
    /* The message is per thread: take it here. */
    const char *msg = st == PLX_OK ? NULL : plx_errmsg(NULL);
    if (f->npend) {
        unsigned char *rest = malloc(f->npend);
        if (rest) {
            memcpy(rest, f->pend, f->npend);
            push_data(f, (char *)rest, f->npend);
        }
        f->npend = 0;
    }
    push_end(f, st, out, msg);
}

static void complete(napi_env env, napi_status status, void *data)
{
    px_flow *f = data;
    napi_delete_async_work(env, f->work);
    if (status != napi_ok)
        push_end(f, PLX_ECANCELED, NULL, "the call was canceled");
    /* The queue drains first; then tsfn_finalize. */
    napi_release_threadsafe_function(f->tsfn, napi_tsfn_release);
}

static void tsfn_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    px_flow *f = data;
    px_handle_leave(f->h);
    flow_unref(f);
}

/* JS receives fn(text) for a delta or progress line, and at the end
 * fn(null, error | null, resultJson | null). */
static void call_js(napi_env env, napi_value fn, void *context, void *data)
{
    (void)context;
    flow_item *it = data;
    if (env && fn) {
        napi_value argv[3];
        size_t argc = 1;
        if (!it->end) {
            if (napi_create_string_utf8(env, it->data, it->len, &argv[0]) != napi_ok)
                napi_get_null(env, &argv[0]);
        } else {
            napi_get_null(env, &argv[0]);
            if (it->st == PLX_OK)
                napi_get_null(env, &argv[1]);
            else
                argv[1] = px_error(env, it->st, it->msg, it->out);
            argv[2] = px_js_string(env, it->out);
            argc = argv[1] && argv[2] ? 3 : 1;
        }
        px_call_js(env, fn, argc, argv);
    }
    item_free(it);
}

static void control_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    flow_unref(data);
}

/* (handle, arg, fn) -> a control handle for flowStop. */
static napi_value start(napi_env env, napi_callback_info info, px_kind kind, flow_kind fk)
{
    napi_value argv[3], name, control;
    if (!px_args(env, info, 3, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], kind);
    napi_valuetype t;
    if (!h || napi_typeof(env, argv[2], &t) != napi_ok)
        return NULL;
    if (t != napi_function)
        return px_type_error(env, "expected a function");
    bool ok;
    char *arg = px_string(env, argv[1], false, &ok);
    if (!ok)
        return NULL;
    px_flow *f = calloc(1, sizeof *f);
    if (!f) {
        free(arg);
        return px_throw(env, PLX_ENOMEM, "out of memory", NULL);
    }
    *f = (px_flow){.h = h, .kind = fk, .arg = arg, .refs = 1};
    if (napi_create_string_utf8(env, "plexus", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_create_external(env, f, control_finalize, NULL, &control) != napi_ok) {
        flow_unref(f);
        return NULL;
    }
    /* From here the control external owns one ref. */
    if (napi_type_tag_object(env, control, &FLOW_TAG) != napi_ok ||
        napi_create_threadsafe_function(env, argv[2], NULL, name, 0, 1, f, tsfn_finalize, f,
                                        call_js, &f->tsfn) != napi_ok)
        return NULL;
    if (napi_create_async_work(env, NULL, name, execute, complete, f, &f->work) != napi_ok)
        f->work = NULL;
    else if (napi_queue_async_work(env, f->work) != napi_ok) {
        napi_delete_async_work(env, f->work);
        f->work = NULL;
    }
    if (!f->work) {
        /* Never started: its finalizer must not leave a handle it never
         * entered, nor drop a ref it never took. */
        px_handle_enter(h);
        f->refs++;
        push_end(f, PLX_ENOMEM, NULL, "could not start the call");
        napi_release_threadsafe_function(f->tsfn, napi_tsfn_release);
        return control;
    }
    px_handle_enter(h);
    f->refs++;
    return control;
}

static napi_value chat_stream(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_PROVIDER, FLOW_CHAT);
}

static napi_value run_batch(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_PIPELINE, FLOW_BATCH);
}

static napi_value flow_stop(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    bool tagged = false;
    void *data = NULL;
    if (!px_args(env, info, 1, argv))
        return NULL;
    if (napi_check_object_type_tag(env, argv[0], &FLOW_TAG, &tagged) != napi_ok || !tagged ||
        napi_get_value_external(env, argv[0], &data) != napi_ok)
        return px_type_error(env, "expected a stream control handle");
    px_flow *f = data;
    __atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
    return NULL;
}

bool px_flow_init(napi_env env, napi_value exports)
{
    static const px_fn fns[] = {
        {"chatStream", chat_stream}, {"pipelineRunBatch", run_batch}, {"flowStop", flow_stop},
    };
    return px_export(env, exports, fns, sizeof fns / sizeof fns[0]);
}
