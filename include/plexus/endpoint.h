/* plexus - ML endpoints: one handle over several variants of a model.
 *
 * Include <plexus.h>, not this file directly.
 *
 * An endpoint sends op "predict" to one of its variants (a configured
 * provider of any kind that has op "predict": kserve, tfserving,
 * torchserve, ... plus a model and version). It routes by weight (A/B
 * tests, canaries), or by a request's "routing_key" (the same key always
 * reaches the same variant while the weights stay); it can copy requests
 * to a shadow variant whose replies only go into the stats; it skips
 * variants whose recent calls failed or whose circuit is open, and falls
 * back to a healthy one; it can merge concurrent calls into one batched
 * request. docs/OPERATIONS.md ("predict") and docs/CONFIG.md ("endpoints")
 * describe requests, results and configuration.
 *
 * Thread safety: an endpoint may be used by many threads at once, weight
 * changes included. */
#ifndef PLEXUS_ENDPOINT_H
#define PLEXUS_ENDPOINT_H

#include "provider.h"

PLX_BEGIN_DECLS

typedef struct plx_endpoint plx_endpoint;

/* Creates an endpoint from a JSON config whose variants name providers of
 * ctx:
 *
 *   {"name": "iris",
 *    "variants": [{"name": "blue", "provider": "mlserver", "model": "iris",
 *                  "version": "v1", "weight": 90},
 *                 {"name": "green", "provider": "mlserver", "model": "iris",
 *                  "version": "v2", "weight": 10}],
 *    "shadow": {"variant": "green", "percent": 100},
 *    "health": {"failure_threshold": 3, "cooldown_ms": 10000},
 *    "fallback": true, "seed": 42,
 *    "batching": {"max_batch": 32, "max_delay_us": 2000}}
 *
 * Errors name the key path (PLX_ECONFIG). The endpoint belongs to the
 * caller (plx_endpoint_free) and must not outlive ctx. */
PLX_API plx_status plx_endpoint_new(plx_ctx *ctx, const char *config_json,
                                    plx_endpoint **out);

/* Frees an endpoint made by plx_endpoint_new, after its shadow calls in
 * progress end. NULL is allowed. Endpoints from plx_ctx_endpoint belong to
 * the ctx: freeing them does nothing. */
PLX_API void plx_endpoint_free(plx_endpoint *e);

/* Looks up an endpoint declared in the ctx config's "endpoints". The
 * handle stays valid until plx_ctx_free. PLX_ENOTFOUND if there is none. */
PLX_API plx_status plx_ctx_endpoint(plx_ctx *ctx, const char *name, plx_endpoint **out);

/* Predicts: routes the request to a variant and waits for the result.
 *
 *   {"instances": [[5.1, 3.5, 1.4, 0.2]] | "inputs": ... | "raw": ...,
 *    "routing_key": "user-42"?, "variant": "green"?, ...kind's keys}
 *   -> {"outputs", "predictions", "model", "model_version", "variant",
 *       "endpoint", "provider", "attempts", "latency_ms", "error"?, ...}
 *
 * "routing_key" (a string or number) makes the choice sticky; "variant"
 * forces one. The variant's model and version replace the request's.
 * *response_json is NULL only when the request could not be sent (bad
 * JSON, or a tensor that does not match its shape: PLX_EINVAL). */
PLX_API plx_status plx_predict(plx_endpoint *e, const char *request_json,
                               char **response_json);

/* plx_predict without waiting: done runs from plx_ctx_poll of the
 * endpoint's ctx, like plx_call_async's (fallbacks included; no batching).
 * If the call cannot start, returns an error and done is never called. */
PLX_API plx_status plx_predict_async(plx_endpoint *e, const char *request_json,
                                     plx_call_done_fn done, void *user_data);

/* Changes variant weights at once, for gradual rollouts and instant
 * rollbacks: {"blue": 0, "green": 100}. Variants not named keep their
 * weight; an unknown name, a negative weight, or all weights 0 fail with
 * PLX_EINVAL and change nothing. Safe while other threads predict. */
PLX_API plx_status plx_endpoint_set_weights(plx_endpoint *e, const char *weights_json);

/* The endpoint's counters as JSON (free with plx_free):
 *   {"name", "calls", "errors", "fallbacks", "batching": {...},
 *    "variants": [{"name", "provider", "model", "version", "weight",
 *                  "healthy", "calls", "errors", "failures",
 *                  "latency_ms": {"p50", "p99", "max", "mean"},
 *                  "shadow": {"calls", "errors", "agree", "disagree",
 *                             "dropped", "latency_ms": {...}}?}, ...]} */
PLX_API plx_status plx_endpoint_stats(const plx_endpoint *e, char **stats_json);

PLX_END_DECLS

#endif
