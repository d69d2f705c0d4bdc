/* Calls that report as they go: plx_chat_stream (text deltas),
 * plx_pipeline_run_batch (progress) and plx_object_get (the object's
 * bytes), on a worker thread of Node's pool.
 *
 * Each piece is queued to the JS thread through a threadsafe function, and
 * so is the end (status, message, result): one queue, so JS sees every
 * piece before the end. JS stops a run by setting its stop flag (flowStop):
 * the next callback then returns non-zero and the C call ends with
 * PLX_ECANCELED. An object's bytes are paced by JS: the worker waits while
 * more than HIGH_WATER bytes are delivered but not yet taken (flowAck), so
 * memory stays bounded whatever the object's size. */
#include "addon.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define HIGH_WATER (1u << 20)

typedef enum flow_kind { FLOW_CHAT, FLOW_BATCH, FLOW_GET } flow_kind;

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
    pthread_mutex_t mu;         /* FLOW_GET: guards unacked */
    pthread_cond_t cv;
    size_t unacked;             /* bytes sent to JS and not yet taken */
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
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f->arg);
    free(f);
}

/* Sets the stop flag and wakes a worker waiting for JS to take bytes. */
static void flow_set_stop(px_flow *f)
{
    __atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&f->mu);
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
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

/* The object's bytes: copied to JS, then waits while JS is behind. */
static int on_data(const void *data, size_t len, void *user_data)
{
    px_flow *f = user_data;
    if (__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE))
        return 1;
    char *copy = malloc(len);
    if (!copy)
        return 1;
    memcpy(copy, data, len);
    pthread_mutex_lock(&f->mu);
    f->unacked += len;
    pthread_mutex_unlock(&f->mu);
    if (!push_data(f, copy, len))
        return 1;
    pthread_mutex_lock(&f->mu);
    while (f->unacked > HIGH_WATER && !__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE))
        pthread_cond_wait(&f->cv, &f->mu);
    pthread_mutex_unlock(&f->mu);
    return __atomic_load_n(&f->stop, __ATOMIC_ACQUIRE) ? 1 : 0;
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
    plx_status st;
    switch (f->kind) {
    case FLOW_CHAT: st = plx_chat_stream(f->h->ptr, f->arg, on_delta, f, &out); break;
    case FLOW_BATCH: st = plx_pipeline_run_batch(f->h->ptr, f->arg, on_progress, f, &out); break;
    default: st = plx_object_get(f->h->ptr, f->arg, on_data, f, &out); break;
    }
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

/* JS receives fn(piece) for a delta or progress line (a string) or an
 * object's bytes (a Buffer), and at the end fn(null, error | null,
 * resultJson | null). */
static void call_js(napi_env env, napi_value fn, void *context, void *data)
{
    px_flow *f = context;
    flow_item *it = data;
    napi_value argv[3];
    if (!env || !fn) {
        item_free(it);
        return;
    }
    if (!it->end) {
        napi_status made = f->kind == FLOW_GET
            ? napi_create_buffer_copy(env, it->len, it->data, NULL, &argv[0])
            : napi_create_string_utf8(env, it->data, it->len, &argv[0]);
        if (made == napi_ok)
            px_call_js(env, fn, 1, argv);
        else
            flow_set_stop(f);   /* a piece JS never saw: the rest is no use */
    } else {
        napi_get_null(env, &argv[0]);
        if (it->st == PLX_OK)
            napi_get_null(env, &argv[1]);
        else
            argv[1] = px_error(env, it->st, it->msg, it->out);
        argv[2] = px_js_string(env, it->out);
        if (argv[1] && argv[2])
            px_call_js(env, fn, 3, argv);
    }
    item_free(it);
}

/* An object stream that JS dropped stops, so that its worker does not wait
 * for ever for bytes to be taken (index.js holds those streams weakly). */
static void control_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    px_flow *f = data;
    if (f->kind == FLOW_GET)
        flow_set_stop(f);
    flow_unref(f);
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
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
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

static napi_value object_stream(napi_env env, napi_callback_info info)
{
    return start(env, info, PX_PROVIDER, FLOW_GET);
}

static px_flow *control(napi_env env, napi_value value)
{
    bool tagged = false;
    void *data = NULL;
    if (napi_check_object_type_tag(env, value, &FLOW_TAG, &tagged) != napi_ok || !tagged ||
        napi_get_value_external(env, value, &data) != napi_ok || !data) {
        px_type_error(env, "expected a stream control handle");
        return NULL;
    }
    return data;
}

/* (control) */
static napi_value flow_stop(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    px_flow *f;
    if (px_args(env, info, 1, argv) && (f = control(env, argv[0])))
        flow_set_stop(f);
    return NULL;
}

/* (control, bytes): JS took that many bytes of an object. */
static napi_value flow_ack(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    px_flow *f;
    int64_t n;
    if (!px_args(env, info, 2, argv) || !(f = control(env, argv[0])))
        return NULL;
    if (napi_get_value_int64(env, argv[1], &n) != napi_ok || n < 0)
        return px_type_error(env, "expected a byte count");
    pthread_mutex_lock(&f->mu);
    f->unacked = (size_t)n > f->unacked ? 0 : f->unacked - (size_t)n;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

bool px_flow_init(napi_env env, napi_value exports)
{
    static const px_fn fns[] = {
        {"chatStream", chat_stream}, {"pipelineRunBatch", run_batch},
        {"objectStream", object_stream}, {"flowStop", flow_stop}, {"flowAck", flow_ack},
    };
    return px_export(env, exports, fns, sizeof fns / sizeof fns[0]);
}
