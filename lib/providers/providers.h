/* Internal providers layer: provider kinds (pure request builders and reply
 * parsers), provider objects, calls (blocking and async), ctx from config. */
#ifndef PLX_PROVIDERS_H
#define PLX_PROVIDERS_H

#include "../resilience/resilience.h"

typedef struct plx_kind plx_kind;
typedef struct plx_stream plx_stream;

/* How a streamed reply is framed. */
typedef enum plx_framing {
    PLX_FRAMING_NONE = 0,       /* the kind does not stream */
    PLX_FRAMING_SSE,            /* text/event-stream */
    PLX_FRAMING_AWS_EVENTSTREAM /* application/vnd.amazon.eventstream */
} plx_framing;

/* Token usage a reply reports; -1 where unknown. */
typedef struct plx_usage {
    char model[128];            /* the model that answered, "" if unknown */
    int64_t input_tokens;
    int64_t output_tokens;
} plx_usage;

/* What a kind's parse reads and reports. */
typedef struct plx_reply {
    const plx_response *resp;
    const plx_request *req;     /* the request as built (its URL names the
                                   model and version for the ML kinds) */
    bool failed;                /* the HTTP exchange failed: describe the error */
    plx_jw *out;                /* the result object, opened by the caller */
    /* On failure, the service's own error message and code, if it sent
     * them (e.g. "context_length_exceeded"); they go into result.error. */
    char service_message[512];
    char service_code[96];
    /* On failure, a status the service's error code names more precisely
     * than the HTTP status does (an AWS ThrottlingException comes as HTTP
     * 400: PLX_ERATELIMIT); PLX_OK keeps the one from the HTTP status. */
    plx_status status;
    plx_usage usage;            /* for cost tracking; the caller writes "usage" */
} plx_reply;

/* What a kind needs to build and parse. Adapters do no I/O. */
struct plx_kind {
    const char *name;
    /* Keys this kind accepts in a provider config beyond the common ones. */
    const char *const *config_keys;
    /* Reads the kind's own config keys into *state (may stay NULL). */
    plx_status (*configure)(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                            void **state);
    void (*release)(void *state);
    /* Builds the HTTP request for op. Unknown op: PLX_EUNSUPPORTED; a bad
     * request: PLX_EINVAL with a message naming the field. */
    plx_status (*build)(const plx_provider *p, const char *op, const cJSON *request,
                        plx_request **out);
    /* Writes the members of the result object into r->out (the caller
     * opened it and adds provider, attempts, latency_ms, usage, cost_usd
     * and error). Called on success and on HTTP failure (r->failed). Returns
     * PLX_EPROTOCOL with a message when the reply is not what the protocol
     * says, after writing complete members only. Fills r->usage when the
     * reply reports tokens, and r->service_message/code on failure. */
    plx_status (*parse)(const plx_provider *p, const char *op, plx_reply *r);
    /* Streaming chat. build is called with op "chat_stream" and must ask
     * the service to stream; each decoded event of a 2xx reply goes to
     * stream_event (event: the SSE event name, "message" when absent, or
     * the event-stream ":event-type"; data: the SSE data / the message
     * payload). A failed reply goes to parse (op "chat", r->failed). */
    plx_framing stream_framing;
    plx_status (*stream_event)(const plx_provider *p, plx_stream *s, const char *event,
                               const char *data, size_t len);
    /* Optional: a stream's first bytes arrived for req (the request as
     * built); e.g. to note the model a request named in its URL. */
    void (*stream_begin)(const plx_provider *p, plx_stream *s, const plx_request *req);
    /* Op "predict" takes a batch of rows ("instances", or tensors whose
     * first dimension is the batch) and answers row for row, so an
     * endpoint may merge concurrent calls into one (lib/endpoints). */
    bool predict_batches;
    /* The kind computes in-process (local): its usage costs nothing, so
     * cost_usd is 0 rather than an unknown price. */
    bool no_cost;
};

/* Built-in kinds, by name (kinds.c); NULL if unknown. */
const plx_kind *plx_kind_find(const char *name);
/* "http, ..." for messages. */
const char *plx_kind_names(void);

extern const plx_kind plx_kind_http;
extern const plx_kind plx_kind_bedrock;
extern const plx_kind plx_kind_sagemaker;
extern const plx_kind plx_kind_aws;
extern const plx_kind plx_kind_openai;
extern const plx_kind plx_kind_azure_openai;
extern const plx_kind plx_kind_anthropic;
extern const plx_kind plx_kind_huggingface;
extern const plx_kind plx_kind_local;
extern const plx_kind plx_kind_file;
/* Notify kinds (op "notify", the canonical alert of alert.h). */
extern const plx_kind plx_kind_slack;
extern const plx_kind plx_kind_teams;
extern const plx_kind plx_kind_jira;
extern const plx_kind plx_kind_pagerduty;
extern const plx_kind plx_kind_datadog;
extern const plx_kind plx_kind_webhook;
extern const plx_kind plx_kind_tfserving;
extern const plx_kind plx_kind_torchserve;
extern const plx_kind plx_kind_kserve;
extern const plx_kind plx_kind_s3;

typedef struct plx_provider_stats_counters {
    uint64_t calls, succeeded, failed, attempts, retries;
} plx_provider_stats_counters;

struct plx_provider {
    plx_ctx *ctx;
    char *name;
    const plx_kind *kind;
    void *kind_state;
    bool owned_by_ctx;
    char *base_url;               /* without a trailing '/'; may be NULL */
    plx_headers headers;          /* sent with every request */
    plx_policy policy;
    plx_circuit circuit;
    plx_ratelimit ratelimit;
    plx_tls_options tls;
    char *ca_file;
    char *ca_dir;
    size_t max_reply_bytes;
    bool compression;             /* ask for compressed replies */
    plx_auth_funcs *auth;         /* configured or set; may be NULL */
    plx_transport_funcs *transport; /* set by the user; NULL: the kind's or ctx's */
    plx_transport_funcs *kind_transport; /* an in-process transport a kind's
                                           configure may install (kinds that
                                           compute locally); NULL: the ctx's */
    plx_provider_stats_counters stats; /* updated atomically */
    double max_cost_usd;          /* budget; 0: none */
    double spent_usd;             /* guarded by the ctx's costs lock */
};

/* Creates a provider from its config object (cfg->path names it). */
plx_status plx_provider_create(plx_ctx *ctx, const char *name, const char *kind_name,
                               const plx_cfg *cfg, const cJSON *config,
                               plx_provider **out);
void plx_provider_destroy(plx_provider *p);

/* A request to base_url + path (path may carry a query string; an absolute
 * URL is used as is) with the provider's headers, TLS options and reply cap. */
plx_status plx_provider_request(const plx_provider *p, const char *method,
                                const char *path, plx_request **out);

/* The transport calls of p use. NULL with a message on failure. */
const plx_transport_funcs *plx_provider_transport(plx_provider *p);

/* Parses request_json and builds the exchange for a call (call.c). */
plx_status plx_call_prepare(plx_provider *p, const char *op, const char *request_json,
                            plx_exchange *x);
/* Turns a finished exchange into the result JSON and its status; cleans up x. */
plx_status plx_call_finish(plx_provider *p, const char *op, plx_exchange *x,
                           char **response_json);

/* Writes a result's members instead of the kind's parse, for replies that
 * are not HTTP errors (also when the transport failed: r->resp may be NULL
 * and r->failed set). Returns the call's status. */
typedef struct plx_reply_writer {
    plx_status (*write)(plx_provider *p, plx_reply *r, void *user_data);
    void *user_data;
} plx_reply_writer;

/* plx_call_finish with a writer (NULL: the kind's parse). */
plx_status plx_call_finish_with(plx_provider *p, const char *op, plx_exchange *x,
                                const plx_reply_writer *writer, char **response_json);

/* Writes "usage" and "cost_usd" for a reply that reported tokens, and adds
 * them to the ctx's totals (call.c). model: the request's, if any. */
void plx_call_write_usage(plx_provider *p, plx_jw *w, plx_usage *u, const char *model);

/* Async engine (async.c). */
void plx_async_free(plx_ctx *ctx);

#endif
