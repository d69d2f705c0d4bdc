/* plx_ctx_set_log with a JS function: plexus logs from whichever thread
 * makes a call, so each line is queued to the JS thread through a
 * threadsafe function (unref'd: logging never keeps the process alive).
 *
 * Once set, the C logger of the ctx stays this file's trampoline with the
 * same user_data until plx_ctx_free; changing or removing the JS function
 * only changes what the trampoline reaches, and the level. */
#include "addon.h"

#include <stdlib.h>

/* Owned by the ctx and by the threadsafe function: at exit Node may
 * finalize the latter first (its cleanup), so each lets go of its own
 * share, and the ctx never touches a threadsafe function that is gone. */
struct px_log {
    napi_threadsafe_function tsfn;
    napi_ref fn;                /* the JS function, or NULL */
    int gone;                   /* the threadsafe function was finalized */
    unsigned refs;              /* JS thread: the ctx, the tsfn */
};

typedef struct log_line {
    plx_log_level level;
    char *message;
} log_line;

static void trampoline(plx_log_level level, const char *message, void *user_data)
{
    px_log *l = user_data;
    if (!l || __atomic_load_n(&l->gone, __ATOMIC_ACQUIRE))
        return;
    log_line *line = malloc(sizeof *line);
    if (!line)
        return;
    *line = (log_line){level, px_strdup(message)};
    if (!line->message ||
        napi_call_threadsafe_function(l->tsfn, line, napi_tsfn_nonblocking) != napi_ok) {
        free(line->message);
        free(line);
    }
}

static void call_js(napi_env env, napi_value unused, void *context, void *data)
{
    (void)unused;
    px_log *l = context;
    log_line *line = data;
    napi_value fn, argv[2];
    if (env && l->fn && napi_get_reference_value(env, l->fn, &fn) == napi_ok && fn &&
        napi_create_int32(env, (int32_t)line->level, &argv[0]) == napi_ok &&
        (argv[1] = px_js_string(env, line->message)))
        px_call_js(env, fn, 2, argv);
    free(line->message);
    free(line);
}

static void log_unref(px_log *l)
{
    if (--l->refs == 0)
        free(l);
}

static void log_finalize(napi_env env, void *data, void *hint)
{
    (void)hint;
    px_log *l = data;
    __atomic_store_n(&l->gone, 1, __ATOMIC_RELEASE);
    if (l->fn)
        napi_delete_reference(env, l->fn);
    l->fn = NULL;
    log_unref(l);
}

void px_log_free(px_log *l)
{
    if (!__atomic_load_n(&l->gone, __ATOMIC_ACQUIRE))
        napi_release_threadsafe_function(l->tsfn, napi_tsfn_release);
    log_unref(l);
}

static px_log *log_new(napi_env env)
{
    px_log *l = calloc(1, sizeof *l);
    napi_value name;
    if (!l)
        return NULL;
    l->refs = 2;
    if (napi_create_string_utf8(env, "plexus log", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, l, log_finalize, l,
                                        call_js, &l->tsfn) != napi_ok) {
        free(l);
        return NULL;
    }
    napi_unref_threadsafe_function(env, l->tsfn);
    return l;
}

/* (ctx, fn | null, level) */
static napi_value set_log(napi_env env, napi_callback_info info)
{
    napi_value argv[3];
    int32_t level;
    napi_valuetype t;
    if (!px_args(env, info, 3, argv))
        return NULL;
    px_handle *h = px_handle_get(env, argv[0], PX_CTX);
    if (!h || napi_typeof(env, argv[1], &t) != napi_ok)
        return NULL;
    if (t != napi_function && t != napi_null)
        return px_type_error(env, "expected a function or null");
    if (napi_get_value_int32(env, argv[2], &level) != napi_ok)
        return px_type_error(env, "expected a level number");
    if (h->busy)
        return px_throw(env, PLX_EBUSY, "set the logger before calls are made: "
                        "calls are in flight on this Context", NULL);
    if (!h->log && !(h->log = log_new(env)))
        return px_throw(env, PLX_ENOMEM, "could not make the logger", NULL);
    plx_status st = plx_ctx_set_log(h->ptr, trampoline, h->log,
                                    t == napi_null ? PLX_LOG_NONE : (plx_log_level)level);
    if (st != PLX_OK)
        return px_throw_status(env, st);
    if (h->log->fn)
        napi_delete_reference(env, h->log->fn);
    h->log->fn = NULL;
    if (t == napi_function && !h->log->gone)
        napi_create_reference(env, argv[1], 1, &h->log->fn);
    return NULL;
}

bool px_log_init(napi_env env, napi_value exports)
{
    static const px_fn fns[] = {{"ctxSetLog", set_log}};
    return px_export(env, exports, fns, sizeof fns / sizeof fns[0]);
}
