/* plx_endpoint_stats: the endpoint's and each variant's counters, health
 * and latency percentiles as JSON. */
#include "endpoints.h"

#include <string.h>

static int64_t load(const uint64_t *v)
{
    return (int64_t)__atomic_load_n(v, __ATOMIC_RELAXED);
}

static void write_optional(plx_jw *w, const char *key, const char *s)
{
    if (s)
        plx_jw_string(w, key, s, strlen(s));
    else
        plx_jw_null(w, key);
}

static void write_shadow(plx_jw *w, const plx_endpoint *e, const plx_variant *v)
{
    plx_jw_begin(w, "shadow");
    plx_jw_int(w, "calls", load(&v->shadow_calls));
    plx_jw_int(w, "errors", load(&v->shadow_errors));
    plx_jw_int(w, "agree", load(&v->shadow_agree));
    plx_jw_int(w, "disagree", load(&v->shadow_disagree));
    plx_jw_int(w, "dropped", load(&e->shadow_dropped));
    plx_jw_double(w, "percent", e->shadow_percent);
    plx_latency_write(w, "latency_ms", &v->shadow_latency);
    plx_jw_end(w);
}

static void write_variant(plx_jw *w, plx_endpoint *e, size_t i, double weight, uint64_t now)
{
    plx_variant *v = &e->variants[i];
    plx_jw_begin(w, NULL);
    plx_jw_string(w, "name", v->name, strlen(v->name));
    plx_jw_string(w, "provider", v->p->name, strlen(v->p->name));
    write_optional(w, "model", v->model);
    write_optional(w, "version", v->version);
    plx_jw_double(w, "weight", weight);
    plx_jw_bool(w, "healthy", plx_variant_healthy(e, v, now));
    plx_jw_int(w, "calls", load(&v->calls));
    plx_jw_int(w, "errors", load(&v->errors));
    plx_jw_int(w, "failures", load(&v->failures));
    plx_jw_int(w, "fallbacks", load(&v->fallbacks));
    plx_latency_write(w, "latency_ms", &v->latency);
    if ((int)i == e->shadow)
        write_shadow(w, e, v);
    plx_jw_end(w);
}

static void write_batching(plx_jw *w, const plx_endpoint *e)
{
    int64_t batches = load(&e->batches);
    plx_jw_begin(w, "batching");
    plx_jw_bool(w, "enabled", e->max_batch > 1);
    plx_jw_int(w, "max_batch", e->max_batch);
    plx_jw_int(w, "max_delay_us", e->max_delay_us);
    plx_jw_int(w, "batches", batches);
    plx_jw_int(w, "calls", load(&e->batch_calls));
    plx_jw_int(w, "rows", load(&e->batch_rows));
    plx_jw_double(w, "mean_rows", batches ? (double)load(&e->batch_rows) / (double)batches : 0);
    plx_jw_end(w);
}

PLX_API plx_status plx_endpoint_stats(const plx_endpoint *ce, char **stats_json)
{
    if (stats_json)
        *stats_json = NULL;
    if (!ce || !stats_json)
        return plx_fail(ce ? ce->ctx : NULL, PLX_EINVAL, "plx_endpoint_stats: NULL argument");
    plx_endpoint *e = (plx_endpoint *)ce;
    double weights[PLX_MAX_VARIANTS];
    pthread_rwlock_rdlock(&e->lock);
    for (size_t i = 0; i < e->count; i++)
        weights[i] = e->variants[i].weight;
    pthread_rwlock_unlock(&e->lock);
    uint64_t now = plx_now_ms();
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_string(&w, "name", e->name, strlen(e->name));
    plx_jw_int(&w, "calls", load(&e->calls));
    plx_jw_int(&w, "errors", load(&e->errors));
    plx_jw_int(&w, "fallbacks", load(&e->fallbacks));
    write_batching(&w, e);
    plx_jw_begin_array(&w, "variants");
    for (size_t i = 0; i < e->count; i++)
        write_variant(&w, e, i, weights[i], now);
    plx_jw_end_array(&w);
    plx_jw_end(&w);
    *stats_json = plx_jw_finish(&w);
    return *stats_json ? PLX_OK : PLX_ENOMEM;
}
