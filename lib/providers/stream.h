/* Streaming chat: a kind's stream_event handler turns each decoded event
 * (an SSE event, or an AWS event-stream message) into calls on plx_stream,
 * which delivers text deltas to the user's callback and accumulates the
 * final result that plx_chat_stream returns (the same shape as plx_chat's). */
#ifndef PLX_STREAM_H
#define PLX_STREAM_H

#include "providers.h"

typedef struct plx_stream plx_stream;

/* Delivers a text delta to the user and appends it to the final text. */
plx_status plx_stream_text(plx_stream *s, const char *text, size_t len);

/* A tool call delta: the call at index (0-based, in order of appearance);
 * id and name when the service sends them (NULL otherwise); a fragment of
 * the arguments' JSON text (may be empty). Fragments are concatenated and
 * parsed once at the end. */
plx_status plx_stream_tool_call(plx_stream *s, int index, const char *id, const char *name,
                                const char *arguments, size_t arguments_len);

/* Canonical finish reason: "stop", "length", "tool_calls", "content_filter". */
void plx_stream_set_finish_reason(plx_stream *s, const char *reason);
void plx_stream_set_model(plx_stream *s, const char *model);
void plx_stream_set_id(plx_stream *s, const char *id);
/* Token counts; a negative value leaves the count as it is. */
void plx_stream_set_usage(plx_stream *s, int64_t input_tokens, int64_t output_tokens);

/* The stream ended normally ([DONE], message_stop, messageStop+metadata). */
void plx_stream_end(plx_stream *s);

/* The service reported an error inside the stream (an "error" event, an
 * event-stream exception). status is the plx_status it maps to; code and
 * message are the service's own (message goes into the result's error). */
void plx_stream_fail(plx_stream *s, plx_status status, const char *code, const char *message);

/* Per-stream scratch for the kind (freed with free() at the end). */
void **plx_stream_kind_state(plx_stream *s);

#endif
