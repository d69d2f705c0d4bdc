/* plx_notify: one alert, many targets, each on its own thread with
 * blocking calls. Threads rather than the ctx's async engine: plx_ctx_poll
 * has one poller per ctx, and an application may be that poller already;
 * blocking calls on private threads never touch it, work with any
 * transport, and let a target's chain of requests (jira) run as plain
 * sequential code. The calling thread delivers the first target itself. */
#include "notify_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Targets per call; each gets a thread. */
#define TARGETS_MAX 128
/* Thread stacks: deliveries are shallow; curl's TLS state is on the heap. */
#define WORKER_STACK (512 * 1024)

typedef struct target {
    plx_provider *p;
    bool owned;                 /* made for this call: destroy after */
    char *label;
    const char *alert_json;
    const plx_alert *alert;
    plx_notify_outcome out;
    pthread_t thread;
    bool running;
} target;

/* ---- resolving targets ---- */

static plx_status from_name(plx_ctx *ctx, const char *where, const char *name, target *t)
{
    if (plx_ctx_provider(ctx, name, &t->p) != PLX_OK)
        return plx_fail(ctx, PLX_ENOTFOUND, "%s: no provider named '%s' in the ctx config "
                        "(or give a target URL such as pagerduty://KEY)", where, name);
    t->label = plx_strdup(name);
    return t->label ? PLX_OK : PLX_ENOMEM;
}

/* A provider from a config object holding "kind"; name labels it. */
static plx_status create(plx_ctx *ctx, const char *where, const char *name, cJSON *config,
                         target *t)
{
    const char *kind = plx_json_str(config, "kind");
    if (!kind)
        return plx_fail(ctx, PLX_ECONFIG, "%s.kind: missing (slack, teams, jira, pagerduty, "
                        "datadog, webhook, ...)", where);
    t->label = plx_strdup(name ? name : kind);
    if (!t->label)
        return PLX_ENOMEM;
    plx_cfg cfg = {ctx, where};
    plx_status st = plx_provider_create(ctx, t->label, kind, &cfg, config, &t->p);
    t->owned = st == PLX_OK;
    return st;
}

static plx_status from_url(plx_ctx *ctx, const char *where, const char *url, target *t)
{
    cJSON *config = NULL;
    char *label = NULL;
    plx_status st = plx_target_url_parse(ctx, where, url, &config, &label);
    if (st == PLX_OK)
        st = create(ctx, where, label, config, t);
    cJSON_Delete(config);
    free(label);
    return st;
}

static plx_status from_object(plx_ctx *ctx, const char *where, const cJSON *item, target *t)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
    if (name && (!cJSON_IsString(name) || !name->valuestring[0]))
        return plx_fail(ctx, PLX_ECONFIG, "%s.name: expected a non-empty string", where);
    cJSON *config = cJSON_Duplicate(item, true);
    if (!config)
        return PLX_ENOMEM;
    cJSON_DeleteItemFromObjectCaseSensitive(config, "name");
    plx_status st = create(ctx, where, name ? name->valuestring : NULL, config, t);
    cJSON_Delete(config);
    return st;
}

static plx_status resolve(plx_ctx *ctx, int i, const cJSON *item, target *t)
{
    char where[32];
    snprintf(where, sizeof where, "targets[%d]", i);
    if (cJSON_IsString(item) && strstr(item->valuestring, "://"))
        return from_url(ctx, where, item->valuestring, t);
    if (cJSON_IsString(item))
        return from_name(ctx, where, item->valuestring, t);
    if (cJSON_IsObject(item))
        return from_object(ctx, where, item, t);
    return plx_fail(ctx, PLX_ECONFIG, "%s: expected a provider name, a target URL or a "
                    "provider config object", where);
}

static void release_targets(target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].owned)
            plx_provider_destroy(t[i].p);
        free(t[i].label);
        plx_notify_outcome_free(&t[i].out);
    }
    free(t);
}

static plx_status resolve_all(plx_ctx *ctx, const cJSON *targets, target **out, size_t *count)
{
    int n = cJSON_GetArraySize(targets);
    if (!cJSON_IsArray(targets) || n == 0 || n > TARGETS_MAX)
        return plx_fail(ctx, PLX_EINVAL, "targets: expected an array of 1 to %d targets",
                        TARGETS_MAX);
    target *t = calloc((size_t)n, sizeof *t);
    if (!t)
        return PLX_ENOMEM;
    plx_status st = PLX_OK;
    int i = 0;
    for (const cJSON *item = targets->child; item && st == PLX_OK; item = item->next, i++)
        st = resolve(ctx, i, item, &t[i]);
    if (st != PLX_OK) {
        release_targets(t, (size_t)n);
        return st;
    }
    *out = t;
    *count = (size_t)n;
    return PLX_OK;
}

/* ---- fan-out ---- */

static void *deliver(void *arg)
{
    target *t = arg;
    plx_notify_deliver(t->p, t->alert_json, t->alert, &t->out);
    return NULL;
}

static void run_all(target *t, size_t n)
{
    pthread_attr_t attr;
    bool attr_ok = pthread_attr_init(&attr) == 0;
    if (attr_ok)
        pthread_attr_setstacksize(&attr, WORKER_STACK);
    for (size_t i = 1; i < n; i++)
        t[i].running = pthread_create(&t[i].thread, attr_ok ? &attr : NULL, deliver,
                                      &t[i]) == 0;
    if (attr_ok)
        pthread_attr_destroy(&attr);
    deliver(&t[0]);
    /* Out of threads: the rest run here, one after another. */
    for (size_t i = 1; i < n; i++)
        if (!t[i].running)
            deliver(&t[i]);
    for (size_t i = 1; i < n; i++)
        if (t[i].running)
            pthread_join(t[i].thread, NULL);
}

/* ---- report ---- */

static void write_result(plx_jw *w, const target *t)
{
    const plx_notify_outcome *o = &t->out;
    const char *kind = t->p->kind->name;
    plx_jw_begin(w, NULL);
    plx_jw_string(w, "target", t->label, strlen(t->label));
    plx_jw_string(w, "kind", kind, strlen(kind));
    plx_jw_bool(w, "ok", o->status == PLX_OK);
    plx_jw_int(w, "status", o->http_status);
    if (o->id)
        plx_jw_string(w, "id", o->id, strlen(o->id));
    if (o->action)
        plx_jw_string(w, "action", o->action, strlen(o->action));
    plx_jw_int(w, "attempts", o->attempts);
    plx_jw_int(w, "latency_ms", o->latency_ms);
    if (o->status != PLX_OK && o->error_json)
        plx_jw_raw(w, "error", o->error_json, strlen(o->error_json));
    plx_jw_end(w);
}

static char *report(const target *t, size_t n, size_t failed, uint64_t start_ms)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_bool(&w, "ok", failed == 0);
    plx_jw_int(&w, "delivered", (int64_t)(n - failed));
    plx_jw_int(&w, "failed", (int64_t)failed);
    plx_jw_int(&w, "latency_ms", (int64_t)(plx_now_ms() - start_ms));
    plx_jw_begin_array(&w, "results");
    for (size_t i = 0; i < n; i++)
        write_result(&w, &t[i]);
    plx_jw_end_array(&w);
    plx_jw_end(&w);
    return plx_jw_finish(&w);
}

/* PLX_OK, or the first failure's status with a message naming it. */
static plx_status summarize(plx_ctx *ctx, const target *t, size_t n, size_t *failed)
{
    const target *first = NULL;
    *failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].out.status == PLX_OK)
            continue;
        first = first ? first : &t[i];
        ++*failed;
        plx_log(ctx, PLX_LOG_INFO, "notify: target '%s' failed: %s", t[i].label,
                t[i].out.message);
    }
    if (!first)
        return PLX_OK;
    return plx_fail(ctx, first->out.status, "plx_notify: %zu of %zu target(s) failed; "
                    "first '%s': %s", *failed, n, first->label, first->out.message);
}

static plx_status parse_inputs(plx_ctx *ctx, const char *targets_json, const char *alert_json,
                               cJSON **targets, cJSON **alert_obj, plx_alert *alert)
{
    plx_status st = plx_json_parse(ctx, alert_json, "alert", PLX_EINVAL, alert_obj);
    if (st == PLX_OK)
        st = plx_alert_parse(ctx, "alert", *alert_obj, alert);
    if (st == PLX_OK)
        st = plx_json_parse(ctx, targets_json, "targets", PLX_EINVAL, targets);
    return st;
}

PLX_API plx_status plx_notify(plx_ctx *ctx, const char *targets_json, const char *alert_json,
                              char **report_json)
{
    if (report_json)
        *report_json = NULL;
    if (!ctx || !targets_json || !alert_json || !report_json)
        return plx_fail(ctx, PLX_EINVAL, "plx_notify: ctx, targets, alert and report must "
                        "not be NULL");
    uint64_t start = plx_now_ms();
    cJSON *targets = NULL, *alert_obj = NULL;
    plx_alert alert;
    target *t = NULL;
    size_t n = 0, failed = 0;
    plx_status st = parse_inputs(ctx, targets_json, alert_json, &targets, &alert_obj, &alert);
    if (st == PLX_OK)
        st = resolve_all(ctx, targets, &t, &n);
    if (st == PLX_OK) {
        for (size_t i = 0; i < n; i++)
            t[i].alert_json = alert_json, t[i].alert = &alert;
        run_all(t, n);
        st = summarize(ctx, t, n, &failed);
        *report_json = report(t, n, failed, start);
        if (!*report_json)
            st = plx_fail(ctx, PLX_ENOMEM, "plx_notify: out of memory writing the report");
        release_targets(t, n);
    }
    cJSON_Delete(targets);
    cJSON_Delete(alert_obj);
    return st;
}
