/* Internal resilience layer: retry policy, circuit breaker, token-bucket
 * rate limit, deadlines, redirects, and the exchange: the one state machine
 * that wraps every transport call, driven by a blocking or an async driver. */
#ifndef PLX_RESILIENCE_H
#define PLX_RESILIENCE_H

#include "../auth/auth.h"

/* ---- retry policy (retry.c) ---- */
typedef struct plx_retry_policy {
    uint32_t max_attempts;     /* >= 1; 1 means no retry */
    uint32_t base_delay_ms;
    uint32_t max_delay_ms;     /* caps backoff; a longer Retry-After ends retrying */
} plx_retry_policy;

/* Whether an attempt's outcome may be retried: transport errors and
 * timeouts, and HTTP 408, 429 and 5xx. */
bool plx_retry_is_retryable(plx_status transport_status, int http_status);
/* Full-jitter backoff before retry number `retry` (1 for the first retry):
 * uniform in [0, min(max_delay, base * 2^(retry-1))]. */
uint64_t plx_retry_backoff_ms(const plx_retry_policy *p, uint32_t retry);
/* Delay a response asks for, in ms, from Retry-After (seconds or HTTP-date)
 * or retry-after-ms; -1 when absent or unparsable. now_s is wall time. */
int64_t plx_retry_after_ms(const plx_response *resp, int64_t now_s);

/* ---- circuit breaker (circuit.c) ---- */
typedef enum plx_circuit_state {
    PLX_CIRCUIT_CLOSED,
    PLX_CIRCUIT_OPEN,
    PLX_CIRCUIT_HALF_OPEN
} plx_circuit_state;

typedef struct plx_circuit {
    pthread_mutex_t lock;
    uint32_t failure_threshold;   /* consecutive failures that open it; 0: never */
    uint32_t open_ms;             /* how long it stays open before a trial */
    uint32_t half_open_max;       /* trial calls allowed at once when half open */
    plx_circuit_state state;
    uint32_t failures;
    uint32_t trials;
    uint64_t opened_at_ms;
} plx_circuit;

void plx_circuit_init(plx_circuit *c, uint32_t failure_threshold, uint32_t open_ms,
                      uint32_t half_open_max);
void plx_circuit_destroy(plx_circuit *c);
/* May an attempt start now? A true answer in half-open state takes a trial
 * slot that plx_circuit_record gives back. */
bool plx_circuit_allow(plx_circuit *c, uint64_t now_ms);
/* Records an attempt's outcome: failure = a transport error or a 5xx. */
void plx_circuit_record(plx_circuit *c, bool failure, uint64_t now_ms);
/* Gives back a trial slot taken by allow for an attempt that never ran. */
void plx_circuit_cancel(plx_circuit *c);
plx_circuit_state plx_circuit_get_state(plx_circuit *c, uint64_t now_ms);
const char *plx_circuit_state_name(plx_circuit_state s);

/* ---- token bucket (ratelimit.c) ---- */
typedef struct plx_ratelimit {
    pthread_mutex_t lock;
    double per_second;            /* 0: unlimited */
    double burst;
    double tokens;
    uint64_t last_us;
} plx_ratelimit;

void plx_ratelimit_init(plx_ratelimit *r, double per_second, double burst);
void plx_ratelimit_destroy(plx_ratelimit *r);
/* Reserves one token. Returns how long to wait before using it (0: now).
 * If that wait would pass limit_us, reserves nothing and returns UINT64_MAX. */
uint64_t plx_ratelimit_reserve(plx_ratelimit *r, uint64_t now_us, uint64_t limit_us);

/* ---- the exchange (exchange.c) ---- */
/* Everything the exchange needs from a provider; borrowed. */
typedef struct plx_policy {
    plx_retry_policy retry;
    uint32_t timeout_ms;          /* per attempt; 0: none */
    uint32_t connect_timeout_ms;
    uint32_t deadline_ms;         /* whole call, across attempts; 0: none */
    uint32_t max_redirects;
    plx_circuit *circuit;         /* may be NULL */
    plx_ratelimit *ratelimit;     /* may be NULL */
} plx_policy;

typedef enum plx_step {
    PLX_STEP_SEND,   /* send x->attempt_req into x->resp, then plx_exchange_complete */
    PLX_STEP_WAIT,   /* call plx_exchange_next again at x->wake_at_us */
    PLX_STEP_DONE    /* x->status, x->resp hold the outcome */
} plx_step;

typedef struct plx_exchange {
    plx_ctx *ctx;
    const plx_policy *policy;
    const plx_auth_funcs *auth;   /* may be NULL */
    const char *provider_name;
    plx_request *base_req;        /* as built, unsigned; owned */
    plx_request *attempt_req;     /* signed copy for the current attempt; owned */
    plx_response *resp;           /* of the current attempt; owned */
    uint64_t start_us;
    uint64_t deadline_us;         /* 0: none */
    uint64_t wake_at_us;
    uint32_t attempts;
    uint32_t redirects;
    bool ready;                   /* a rate-limit token or redirect is in hand */
    bool cross_origin;            /* redirected to another origin: no credentials */
    bool finished;
    plx_status status;
    char message[512];            /* detail for the result's error */
    char tag[128];                /* the caller's label (the request's model) */
} plx_exchange;

/* Takes ownership of req. */
plx_status plx_exchange_init(plx_exchange *x, plx_ctx *ctx, const plx_policy *policy,
                             const plx_auth_funcs *auth, const char *provider_name,
                             plx_request *req);
void plx_exchange_cleanup(plx_exchange *x);
plx_step plx_exchange_next(plx_exchange *x, uint64_t now_us);
void plx_exchange_complete(plx_exchange *x, plx_status transport_status,
                           uint64_t now_us);
/* Runs an exchange to the end with blocking sends and sleeps. */
void plx_exchange_run_blocking(plx_exchange *x, const plx_transport_funcs *t);
/* Milliseconds since the exchange started. */
uint64_t plx_exchange_latency_ms(const plx_exchange *x, uint64_t now_us);

#endif
