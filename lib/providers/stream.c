/* The streaming accumulator: deltas go to the user as they arrive, and the
 * final result is assembled from them. */
#include "stream_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOOL_CALLS 128

void plx_stream_init(plx_stream *s, plx_chat_delta_fn on_delta, void *user_data)
{
    *s = (plx_stream){.on_delta = on_delta, .user_data = user_data,
                      .input_tokens = -1, .output_tokens = -1};
}

void plx_stream_cleanup(plx_stream *s)
{
    plx_buf_free(&s->text);
    for (size_t i = 0; i < s->tool_count; i++) {
        free(s->tools[i].id);
        free(s->tools[i].name);
        plx_buf_free(&s->tools[i].arguments);
    }
    free(s->tools);
    free(s->kind_state);
    s->tools = NULL;
    s->kind_state = NULL;
}

plx_status plx_stream_text(plx_stream *s, const char *text, size_t len)
{
    if (len == 0)
        return PLX_OK;
    if (plx_buf_append(&s->text, text, len) != PLX_OK)
        return PLX_ENOMEM;
    s->delivered = true;
    if (s->on_delta && s->on_delta(text, len, s->user_data) != 0) {
        s->canceled = true;
        return PLX_ECANCELED;
    }
    return PLX_OK;
}

static void set_string(char **dst, const char *src)
{
    if (!src || (*dst && strcmp(*dst, src) == 0))
        return;
    free(*dst);
    *dst = plx_strdup(src);
}

plx_status plx_stream_tool_call(plx_stream *s, int index, const char *id, const char *name,
                                const char *arguments, size_t arguments_len)
{
    if (index < 0 || index >= MAX_TOOL_CALLS)
        return PLX_EPROTOCOL;
    if ((size_t)index >= s->tool_count) {
        plx_stream_tool *tools = realloc(s->tools, ((size_t)index + 1) * sizeof *tools);
        if (!tools)
            return PLX_ENOMEM;
        memset(tools + s->tool_count, 0, ((size_t)index + 1 - s->tool_count) * sizeof *tools);
        s->tools = tools;
        s->tool_count = (size_t)index + 1;
    }
    plx_stream_tool *t = &s->tools[index];
    set_string(&t->id, id);
    set_string(&t->name, name);
    s->delivered = true;
    return plx_buf_append(&t->arguments, arguments, arguments_len);
}

void plx_stream_set_finish_reason(plx_stream *s, const char *reason)
{
    if (reason)
        snprintf(s->finish_reason, sizeof s->finish_reason, "%s", reason);
}

void plx_stream_set_model(plx_stream *s, const char *model)
{
    if (model)
        snprintf(s->model, sizeof s->model, "%s", model);
}

void plx_stream_set_id(plx_stream *s, const char *id)
{
    if (id)
        snprintf(s->id, sizeof s->id, "%s", id);
}

void plx_stream_set_usage(plx_stream *s, int64_t input_tokens, int64_t output_tokens)
{
    if (input_tokens >= 0)
        s->input_tokens = input_tokens;
    if (output_tokens >= 0)
        s->output_tokens = output_tokens;
}

void plx_stream_end(plx_stream *s)
{
    s->ended = true;
}

void plx_stream_fail(plx_stream *s, plx_status status, const char *code, const char *message)
{
    if (s->error != PLX_OK)
        return; /* keep the first */
    s->error = status == PLX_OK ? PLX_EPROTOCOL : status;
    snprintf(s->error_code, sizeof s->error_code, "%s", code ? code : "");
    snprintf(s->error_message, sizeof s->error_message, "%s", message ? message : "");
}

void **plx_stream_kind_state(plx_stream *s)
{
    return &s->kind_state;
}

/* Arguments as a JSON object; text that does not parse (a stream cut short)
 * is kept as "arguments_text". */
static void write_tool(plx_jw *w, const plx_stream_tool *t)
{
    plx_jw_begin(w, NULL);
    plx_jw_string(w, "id", t->id ? t->id : "", t->id ? strlen(t->id) : 0);
    plx_jw_string(w, "name", t->name ? t->name : "", t->name ? strlen(t->name) : 0);
    const char *args = t->arguments.data ? t->arguments.data : "";
    cJSON *parsed = t->arguments.len ? plx_json_parse_exact(args, t->arguments.len) : NULL;
    if (t->arguments.len == 0)
        plx_jw_raw(w, "arguments", "{}", 2);
    else if (cJSON_IsObject(parsed))
        plx_jw_raw(w, "arguments", args, t->arguments.len);
    else {
        plx_jw_raw(w, "arguments", "{}", 2);
        plx_jw_string(w, "arguments_text", args, t->arguments.len);
    }
    cJSON_Delete(parsed);
    plx_jw_end(w);
}

void plx_stream_write_result(const plx_stream *s, plx_jw *w)
{
    plx_jw_string(w, "text", s->text.data ? s->text.data : "", s->text.len);
    const char *reason = s->finish_reason[0] ? s->finish_reason
                                             : (s->tool_count ? "tool_calls" : "stop");
    plx_jw_string(w, "finish_reason", reason, strlen(reason));
    plx_jw_string(w, "model", s->model, strlen(s->model));
    if (s->id[0])
        plx_jw_string(w, "id", s->id, strlen(s->id));
    if (s->tool_count) {
        plx_jw_begin_array(w, "tool_calls");
        for (size_t i = 0; i < s->tool_count; i++)
            write_tool(w, &s->tools[i]);
        plx_jw_end_array(w);
    }
}
