/* plexus - providers and calls.
 *
 * Include <plexus.h>, not this file directly.
 *
 * A provider is one configured service (an OpenAI account, an S3 bucket, a
 * generic HTTP API). Every call goes through the same resilient path: rate
 * limit, circuit breaker, auth, transport, redirects, retries with backoff. */
#ifndef PLEXUS_PROVIDER_H
#define PLEXUS_PROVIDER_H

#include "http.h"

PLX_BEGIN_DECLS

/* Thread safety: a provider may be used by many threads at once. */
typedef struct plx_provider plx_provider;

/* Creates a provider of a kind ("http", ...) from a JSON config:
 *
 *   {"base_url": "https://api.example.com/v1",
 *    "auth": {"type": "bearer", "token": {"env": "API_TOKEN"}},
 *    "headers": {"User-Agent": "my-app/1.0"},
 *    "timeout_ms": 30000, "connect_timeout_ms": 10000, "deadline_ms": 120000,
 *    "retry": {"max_attempts": 3, "base_delay_ms": 200, "max_delay_ms": 20000},
 *    "circuit": {"failure_threshold": 5, "open_ms": 30000},
 *    "rate_limit": {"per_second": 10, "burst": 10},
 *    "tls": {"verify": true, "ca_file": PATH, "ca_dir": PATH},
 *    "max_reply_bytes": 67108864, "max_redirects": 5}
 *
 * docs/CONFIG.md lists every key and default. The new provider is named
 * after its kind; it belongs to the caller (plx_provider_free) and must not
 * outlive ctx. */
PLX_API plx_status plx_provider_new(plx_ctx *ctx, const char *kind,
                                    const char *config_json, plx_provider **out);

/* Frees a provider made by plx_provider_new. NULL is allowed. Providers
 * returned by plx_ctx_provider belong to the ctx: do not free them. */
PLX_API void plx_provider_free(plx_provider *p);

/* Looks up a provider declared in the ctx config's "providers". The handle
 * stays valid until plx_ctx_free. PLX_ENOTFOUND if there is none. */
PLX_API plx_status plx_ctx_provider(plx_ctx *ctx, const char *name,
                                    plx_provider **out);

/* The provider's name and kind. Static for the provider's lifetime. */
PLX_API const char *plx_provider_name(const plx_provider *p);
PLX_API const char *plx_provider_kind(const plx_provider *p);

/* Per-provider transport or auth, overriding the ctx's transport and the
 * configured auth. NULL restores the default. Set before calls are made.
 * Takes a reference and makes funcs immutable. */
PLX_API plx_status plx_provider_set_transport(plx_provider *p,
                                              plx_transport_funcs *funcs);
PLX_API plx_status plx_provider_set_auth(plx_provider *p, plx_auth_funcs *funcs);

/* Calls operation op with a JSON request and waits for the result.
 *
 * *response_json receives a JSON object (free it with plx_free) whenever the
 * request was valid, on failure too: it always has "provider", "attempts"
 * and "latency_ms"; on failure also "error": {"code", "message",
 * "http_status"?, "retryable", "request_id"?}. It is NULL only when the call
 * could not start (PLX_EINVAL, PLX_ENOTFOUND, PLX_ENOMEM).
 *
 * Kind "http", op "request":
 *   {"method": "POST", "path": "/v1/items", "query": {"q": "x"},
 *    "headers": {"X-Trace": "1"}, "body": {...} | "text"}
 *   -> {"status": 200, "headers": {...}, "body": {...} | "text"} */
PLX_API plx_status plx_call(plx_provider *p, const char *op,
                            const char *request_json, char **response_json);

/* Receives the outcome of an asynchronous call: the same status and JSON
 * plx_call would give. response_json (possibly NULL) is valid only during
 * the callback. */
typedef void (*plx_call_done_fn)(plx_status status, const char *response_json,
                                 void *user_data);

/* Starts a call and returns at once; done runs later from plx_ctx_poll on
 * the polling thread. May be called from any thread, and from inside done.
 * If the call cannot start, returns an error and done is never called. */
PLX_API plx_status plx_call_async(plx_provider *p, const char *op,
                                  const char *request_json,
                                  plx_call_done_fn done, void *user_data);

/* Drives the ctx's asynchronous calls and runs the done callbacks of those
 * that finish. Returns as soon as at least one call finished, when none is
 * in flight, or after timeout_ms (0: do not wait; -1: no time limit).
 * *in_flight (may be NULL) receives the number of calls still running. One
 * thread polls at a time; a second gets PLX_EBUSY. */
PLX_API plx_status plx_ctx_poll(plx_ctx *ctx, int timeout_ms, size_t *in_flight);

/* Counters and state of the provider as a JSON object (free with plx_free):
 *   {"name", "kind", "calls", "succeeded", "failed", "attempts", "retries",
 *    "circuit": "closed"|"open"|"half_open"} */
PLX_API plx_status plx_provider_stats(const plx_provider *p, char **stats_json);

PLX_END_DECLS

#endif
