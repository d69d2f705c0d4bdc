/* The OpenAI chat completions and embeddings wire format, shared by the
 * kinds that speak it: openai (and compatible servers), azure_openai, and
 * huggingface's router. Pure: bodies in, results out. */
#ifndef PLX_OPENAI_WIRE_H
#define PLX_OPENAI_WIRE_H

#include "llm.h"

typedef struct plx_oai_chat_options {
    const char *model;            /* the "model" member; NULL: none (Azure) */
    bool stream;                  /* "stream": true with usage in the last chunk */
    bool max_completion_tokens;   /* send max_tokens under its newer name */
} plx_oai_chat_options;

/* Writes the body of a chat request checked with plx_llm_check_chat. */
void plx_oai_chat_body(plx_jw *w, const cJSON *request, const plx_oai_chat_options *o);
/* Writes the body of an embed request checked with plx_llm_check_embed;
 * model may be NULL (Azure). */
void plx_oai_embed_body(plx_jw *w, const cJSON *request, const char *model);

/* A kind's parse for ops chat, chat_stream (a failed stream) and embed.
 * default_model names the result when the reply does not. */
plx_status plx_oai_parse(const plx_provider *p, const char *op, plx_reply *r,
                         const char *default_model);

/* A kind's stream_event for chat completion chunks. */
plx_status plx_oai_stream_event(const plx_provider *p, plx_stream *s, const char *event,
                                const char *data, size_t len);

/* The canonical finish reason for an OpenAI-style one. */
const char *plx_oai_finish_reason(const char *reason);

#endif
