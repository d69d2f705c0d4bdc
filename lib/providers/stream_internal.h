/* The streaming accumulator's state, for chat.c (kinds see stream.h). */
#ifndef PLX_STREAM_INTERNAL_H
#define PLX_STREAM_INTERNAL_H

#include "stream.h"

typedef struct plx_stream_tool {
    char *id;
    char *name;
    plx_buf arguments;
} plx_stream_tool;

struct plx_stream {
    plx_chat_delta_fn on_delta;
    void *user_data;
    plx_buf text;
    plx_stream_tool *tools;
    size_t tool_count;
    char finish_reason[32];
    char model[128];
    char id[128];
    int64_t input_tokens, output_tokens;
    bool delivered;               /* the user has seen output: no retry */
    bool ended;                   /* the service said the stream is complete */
    bool canceled;                /* the callback asked to stop */
    plx_status error;             /* an error event in the stream */
    char error_code[96];
    char error_message[512];
    void *kind_state;
};

void plx_stream_init(plx_stream *s, plx_chat_delta_fn on_delta, void *user_data);
void plx_stream_cleanup(plx_stream *s);
/* Writes text, finish_reason, model, id and tool_calls. */
void plx_stream_write_result(const plx_stream *s, plx_jw *w);

#endif
