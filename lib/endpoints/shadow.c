/* Shadow traffic: a copy of each request (or a sampled share) goes to the
 * shadow variant from a few worker threads with a bounded queue, so the
 * caller never waits for it; the shadow's reply only counts in the stats
 * (calls, errors, latency, and whether its predictions agree with the
 * primary's). A full queue drops the copy and counts it. */
#include "endpoints.h"

#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 16

typedef struct job {
    struct job *next;
    char *request;
    char *primary;                /* the primary's result */
} job;

struct plx_shadow_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    job *head, *tail;
    uint32_t queued;
    bool stop;
    pthread_t threads[MAX_THREADS];
    uint32_t nthreads;
    plx_endpoint *e;
};

static void job_free(job *j)
{
    plx_free(j->request);
    plx_free(j->primary);
    free(j);
}

/* The rows a result predicted: "predictions", else "outputs". */
static const cJSON *answer(const cJSON *result)
{
    if (!result || cJSON_GetObjectItemCaseSensitive(result, "error"))
        return NULL;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(result, "predictions");
    return p ? p : cJSON_GetObjectItemCaseSensitive(result, "outputs");
}

static void compare(plx_variant *v, const char *primary, const char *shadow)
{
    cJSON *a = cJSON_Parse(primary), *b = cJSON_Parse(shadow);
    const cJSON *pa = answer(a), *pb = answer(b);
    if (pa && pb)
        __atomic_add_fetch(cJSON_Compare(pa, pb, true) ? &v->shadow_agree : &v->shadow_disagree,
                           1, __ATOMIC_RELAXED);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void run(plx_endpoint *e, job *j)
{
    plx_variant *v = &e->variants[e->shadow];
    uint64_t start = plx_now_us();
    char *out = NULL;
    plx_status st = plx_call(v->p, "predict", j->request, &out);
    plx_latency_add(&v->shadow_latency, plx_now_us() - start);
    __atomic_add_fetch(&v->shadow_calls, 1, __ATOMIC_RELAXED);
    if (st != PLX_OK)
        __atomic_add_fetch(&v->shadow_errors, 1, __ATOMIC_RELAXED);
    if (out)
        plx_variant_note(e, v, st != PLX_OK && plx_variant_failure(st, plx_result_http_status(out)));
    if (st == PLX_OK)
        compare(v, j->primary, out);
    plx_free(out);
}

static void *worker(void *arg)
{
    plx_shadow_pool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        while (!pool->head && !pool->stop)
            pthread_cond_wait(&pool->cond, &pool->lock);
        job *j = pool->stop ? NULL : pool->head;
        if (j) {
            pool->head = j->next;
            if (!pool->head)
                pool->tail = NULL;
            pool->queued--;
        }
        pthread_mutex_unlock(&pool->lock);
        if (!j)
            return NULL;
        run(pool->e, j);
        job_free(j);
    }
}

plx_status plx_shadow_start(plx_endpoint *e)
{
    plx_shadow_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return PLX_ENOMEM;
    pool->e = e;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->cond, NULL);
    e->pool = pool;
    uint32_t n = e->shadow_threads < MAX_THREADS ? e->shadow_threads : MAX_THREADS;
    for (; pool->nthreads < n; pool->nthreads++)
        if (pthread_create(&pool->threads[pool->nthreads], NULL, worker, pool) != 0)
            return plx_fail(e->ctx, PLX_ENOMEM, "endpoint '%s': cannot start the shadow "
                            "threads", e->name);
    return PLX_OK;
}

void plx_shadow_stop(plx_endpoint *e)
{
    plx_shadow_pool *pool = e->pool;
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stop = true;
    pthread_cond_broadcast(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
    for (uint32_t i = 0; i < pool->nthreads; i++)
        pthread_join(pool->threads[i], NULL);
    for (job *j = pool->head, *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    pthread_cond_destroy(&pool->cond);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
    e->pool = NULL;
}

void plx_shadow_offer(plx_endpoint *e, int primary, void *request, const char *result)
{
    plx_shadow_pool *pool = e->pool;
    if (!pool || primary == e->shadow)
        return;
    if (e->shadow_percent < 100 && plx_endpoint_uniform(e) * 100 >= e->shadow_percent)
        return;
    job *j = calloc(1, sizeof *j);
    if (j) {
        j->request = plx_endpoint_request_text(e, &e->variants[e->shadow], request);
        j->primary = plx_strdup(result);
    }
    bool queued = false;
    if (j && j->request && j->primary) {
        pthread_mutex_lock(&pool->lock);
        if (pool->queued < e->shadow_queue && !pool->stop) {
            if (pool->tail)
                pool->tail->next = j;
            else
                pool->head = j;
            pool->tail = j;
            pool->queued++;
            queued = true;
            pthread_cond_signal(&pool->cond);
        }
        pthread_mutex_unlock(&pool->lock);
    }
    if (!queued) {
        __atomic_add_fetch(&e->shadow_dropped, 1, __ATOMIC_RELAXED);
        if (j)
            job_free(j);
    }
}
