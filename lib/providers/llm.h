/* Shared by the LLM kinds (openai, azure_openai, anthropic, huggingface):
 * the canonical chat and embed requests (docs/OPERATIONS.md) checked once,
 * the kinds' config state, API keys, service error bodies, and the result
 * members every kind writes the same way. Pure: no I/O. */
#ifndef PLX_LLM_H
#define PLX_LLM_H

#include "providers.h"
#include "stream.h"

/* A kind's own config keys, read by plx_llm_read_config. */
typedef struct plx_llm_config {
    char *model;              /* default model ("model") */
    char *embed_model;        /* default model of embed ("embed_model") */
    char *deployment;         /* azure_openai: "deployment" */
    char *embed_deployment;   /* azure_openai: "embed_deployment" */
    char *api_version;        /* azure_openai, anthropic: "api_version" */
    char *api;                /* huggingface: "api" */
    int64_t max_tokens;       /* anthropic: "max_tokens" (0: unset) */
    bool official;            /* base_url is the service's own host */
} plx_llm_config;

/* Reads the string keys above that appear in config (any of them) into a
 * new *out; plx_llm_release frees it. */
plx_status plx_llm_read_config(const plx_cfg *cfg, const cJSON *config, plx_llm_config **out);
void plx_llm_release(void *state);

/* Sets p->base_url to default_url when the config gave none. */
plx_status plx_llm_default_base_url(plx_provider *p, const char *default_url);
/* true when p's base_url host is host, or ends with host when host starts
 * with '.' (".huggingface.co"). */
bool plx_llm_host_is(const plx_provider *p, const char *host);

/* How a kind sends its API key. */
typedef struct plx_llm_key {
    const char *header;       /* "Authorization", "api-key", "x-api-key" */
    const char *prefix;       /* "Bearer " or "" */
    const char *default_env;  /* read when "api_key" is absent; NULL: none */
    bool required;            /* no key and no "auth": PLX_ECONFIG */
} plx_llm_key;
/* Installs the "api_key" secret (or default_env) as p's auth unless the
 * config has "auth" (both: PLX_ECONFIG) or "headers" has key->header. */
plx_status plx_llm_api_key(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                           const plx_llm_key *key);

/* ---- requests ---- */
/* Checks a canonical chat request; PLX_EINVAL naming the path. */
plx_status plx_llm_check_chat(const plx_provider *p, const cJSON *request);
/* Checks a canonical embed request ({"model"?, "input": string or
 * non-empty array of strings}). */
plx_status plx_llm_check_embed(const plx_provider *p, const cJSON *request);
/* request.model, else fallback; PLX_EINVAL when neither. */
plx_status plx_llm_model(const plx_provider *p, const cJSON *request, const char *fallback,
                         const char **out);
/* The string member key of obj, or NULL. */
const char *plx_llm_str(const cJSON *obj, const char *key);
/* "kind 'K' has no op 'X' (ops: ...)" as PLX_EUNSUPPORTED. */
plx_status plx_llm_no_op(const plx_provider *p, const char *op, const char *ops);
/* true for "chat" and "chat_stream". */
bool plx_llm_is_chat(const char *op);

/* A POST of the JSON the writer holds (consumed) to path, asking for
 * text/event-stream when stream. */
plx_status plx_llm_post(const plx_provider *p, const char *path, plx_jw *body, bool stream,
                        plx_request **out);
/* Writes item as compact JSON under key. */
void plx_llm_jw_json(plx_jw *w, const char *key, const cJSON *item);

/* ---- replies ---- */
/* PLX_EPROTOCOL with "<path>: <what>" (the path formatted only here). */
plx_status plx_llm_proto(const plx_provider *p, const char *what, const char *path_fmt, ...)
    PLX_PRINTF(3, 4);
/* The reply body as JSON; PLX_EPROTOCOL "reply: ..." when it is not. */
plx_status plx_llm_reply_json(const plx_provider *p, const plx_reply *r, cJSON **out);
/* Fills r->service_message and r->service_code from an error reply's body
 * ({"error": {"message", "type", "code"}}, {"error": "..."}, {"message"},
 * {"detail"}, or text), with registered secrets redacted. */
void plx_llm_service_error(const plx_provider *p, plx_reply *r);
/* A 2xx reply that holds an error object: fills the service fields from
 * body and returns PLX_EPROTOCOL. */
plx_status plx_llm_error_instead(const plx_provider *p, plx_reply *r, const cJSON *body);
/* An error event inside a stream: plx_stream_fail with the service's code
 * and message, and a status for its kind (rate limit, auth, else
 * PLX_EHTTP). */
plx_status plx_llm_stream_error(const plx_provider *p, plx_stream *s, const cJSON *body);
/* A stream event's data as a JSON object; PLX_EPROTOCOL when it is not. */
plx_status plx_llm_event_json(const plx_provider *p, const char *data, size_t len,
                              cJSON **out);
/* Streamed tool calls of services that number every content block
 * (Anthropic's "index", Bedrock's "contentBlockIndex"): tool calls are
 * numbered among the tool blocks only. block is the key's value in json. */
int plx_llm_block_index(const cJSON *json, const char *key);
/* A tool block starts at block. */
plx_status plx_llm_stream_tool_start(plx_stream *s, int block, const char *id,
                                     const char *name);
/* Argument text for block; ignored unless block is the current tool block. */
plx_status plx_llm_stream_tool_delta(plx_stream *s, int block, const char *arguments,
                                     size_t len);
/* Copies model into r->usage.model. */
void plx_llm_usage_model(plx_reply *r, const char *model);
/* true when item is a number that is a whole, non-negative count. */
bool plx_llm_count(const cJSON *item, int64_t *out);

/* One canonical tool call: "arguments" is the object args_json holds; when
 * the model's text is not a JSON object it is {} and the text goes into
 * "arguments_text" (as the streaming accumulator does). */
void plx_llm_write_tool_call(plx_jw *w, const char *id, const char *name,
                             const char *args_json, size_t len);
void plx_llm_write_tool_call_object(plx_jw *w, const char *id, const char *name,
                                    const cJSON *arguments);

#endif
