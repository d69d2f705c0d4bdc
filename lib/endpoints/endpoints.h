/* Internal endpoints layer: ML endpoint handles over variants (a provider
 * with op "predict", a model, a version, a weight): routing, health and
 * fallback, shadow copies, client-side batching, per-variant metrics. */
#ifndef PLX_ENDPOINTS_H
#define PLX_ENDPOINTS_H

#include "../providers/providers.h"

#define PLX_MAX_VARIANTS 64

/* A fixed-size latency histogram: 16 exact buckets below 16 us, then 16
 * buckets per power of two up to 2^36 us (about 19 hours), so any
 * percentile is within 1/32 of the truth. Updated atomically. */
#define PLX_LAT_BUCKETS (16 + 32 * 16)
typedef struct plx_latency {
    uint64_t buckets[PLX_LAT_BUCKETS];
    uint64_t count, sum_us, max_us;
} plx_latency;

void plx_latency_add(plx_latency *l, uint64_t us);
/* The q-quantile (0 < q <= 1) in microseconds; 0 when empty. */
double plx_latency_quantile(const plx_latency *l, double q);
/* Writes {"p50", "p99", "max", "mean"} in milliseconds. */
void plx_latency_write(plx_jw *w, const char *key, const plx_latency *l);

typedef struct plx_batcher plx_batcher;
typedef struct plx_shadow_pool plx_shadow_pool;

typedef struct plx_variant {
    char *name;
    plx_provider *p;
    char *model;                  /* NULL: the request's or provider's */
    char *version;                /* NULL: the request's or provider's */
    double weight;                /* guarded by the endpoint's lock */
    /* health: atomics */
    uint32_t consecutive_failures;
    uint64_t unhealthy_until_ms;
    /* metrics: atomics */
    uint64_t calls, errors, failures, fallbacks;
    plx_latency latency;
    uint64_t shadow_calls, shadow_errors, shadow_agree, shadow_disagree;
    plx_latency shadow_latency;
    plx_batcher *batcher;         /* when batching is on and the kind batches */
} plx_variant;

struct plx_endpoint {
    plx_ctx *ctx;
    char *name;
    bool owned_by_ctx;
    plx_variant *variants;
    size_t count;
    pthread_rwlock_t lock;        /* the weights */
    uint64_t rng;                 /* splitmix64 state, advanced atomically */
    bool fallback;
    uint32_t failure_threshold;
    uint32_t cooldown_ms;
    uint32_t max_batch;           /* <= 1: no batching */
    uint32_t max_delay_us;
    int shadow;                   /* variant index, -1: none */
    double shadow_percent;
    uint32_t shadow_threads;
    uint32_t shadow_queue;
    plx_shadow_pool *pool;
    /* metrics: atomics */
    uint64_t calls, errors, fallbacks;
    uint64_t batches, batch_rows, batch_calls;
    uint64_t shadow_dropped;
};

/* ---- config (config.c) ---- */
/* Reads the ctx config's "endpoints" (after its providers). */
plx_status plx_endpoints_from_config(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *config);
/* Frees the ctx's endpoints. */
void plx_endpoints_free_all(plx_ctx *ctx);
void plx_endpoint_destroy(plx_endpoint *e);

/* ---- routing and health (route.c) ---- */
/* A uniform number in [0, 1) from the endpoint's generator. */
double plx_endpoint_uniform(plx_endpoint *e);
/* A uniform number in [0, 1) from a routing key. */
double plx_routing_point(const char *key, size_t len);
/* The variant for point u among the healthy ones with weight > 0; else a
 * healthy standby (weight 0); else by weight among all. */
int plx_route_pick(plx_endpoint *e, double u);
/* The next variant to try after those in tried failed: a healthy one with
 * weight > 0, else a healthy one with weight 0; -1 if none. */
int plx_route_fallback(plx_endpoint *e, uint64_t tried, double u);
bool plx_variant_healthy(const plx_endpoint *e, plx_variant *v, uint64_t now_ms);
/* Whether a call's outcome says the variant is failing (connect errors,
 * timeouts, 5xx, 404, an open circuit, ...), as opposed to a bad request. */
bool plx_variant_failure(plx_status st, int http_status);
/* Records a call's outcome for the variant's health. */
void plx_variant_note(const plx_endpoint *e, plx_variant *v, bool failure);

/* ---- calls (predict.c) ---- */
/* Writes the text of the request for variant v: request with routing keys
 * removed and the variant's model and version. */
typedef char *(*plx_request_text_fn)(plx_endpoint *e, const plx_variant *v, void *user_data);
/* Calls variant v, then the fallbacks while calls fail; *final is the
 * variant that answered; *out the result with "variant" and "endpoint". */
plx_status plx_endpoint_call(plx_endpoint *e, int v, plx_request_text_fn text, void *user_data,
                             int *final, char **out);
/* The text of request (an object) for variant v. */
char *plx_endpoint_request_text(plx_endpoint *e, const plx_variant *v, void *request);
/* The HTTP status in a result's error, 0 if none. */
int plx_result_http_status(const char *json);
/* json + members (a JSON object's members, without braces). */
char *plx_json_splice(char *json, const char *members, size_t len);
/* Per-caller metrics. */
void plx_endpoint_record(plx_endpoint *e, int v, plx_status st, uint64_t latency_us);

/* ---- batching (batch.c) ---- */
plx_status plx_batcher_new(plx_batcher **out);
void plx_batcher_free(plx_batcher *b);
/* The batch key of a request (NULL: it cannot share a batch) and its rows. */
char *plx_batch_key(cJSON *request, uint32_t max_batch, int64_t *rows);
/* Predicts through variant v's batcher. *alone: the caller must make the
 * call itself (the merged request did not build). */
plx_status plx_batch_predict(plx_endpoint *e, int v, cJSON *request, char *key, int64_t rows,
                             int *final, char **out, bool *alone);

/* ---- shadow copies (shadow.c) ---- */
plx_status plx_shadow_start(plx_endpoint *e);
/* Stops the workers after the calls in progress; drops what is queued. */
void plx_shadow_stop(plx_endpoint *e);
/* Queues a copy of request for the shadow variant, with the primary's
 * result for comparison; never blocks (a full queue drops the copy). */
void plx_shadow_offer(plx_endpoint *e, int primary, void *request, const char *result);

#endif
