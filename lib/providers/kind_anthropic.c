/* Kind "anthropic": the Messages API.
 *   chat, chat_stream  POST {base_url}/v1/messages
 * System messages become "system"; tool calls become tool_use blocks of
 * the assistant, tool results tool_result blocks of a user turn; the reply's
 * blocks come back as text and canonical tool calls. A pure adapter. */
#include "llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BASE_URL "https://api.anthropic.com"
#define DEFAULT_VERSION "2023-06-01"
#define DEFAULT_MAX_TOKENS 1024   /* the API requires max_tokens */

#define GET cJSON_GetObjectItemCaseSensitive
#define EMPTY_SCHEMA "{\"type\":\"object\",\"properties\":{}}"

static const char *const KEYS[] = {"model", "api_key", "api_version", "max_tokens", NULL};

static void jw_str(plx_jw *w, const char *key, const char *s)
{
    plx_jw_string(w, key, s, strlen(s));
}

static plx_status anthropic_configure(plx_provider *p, const plx_cfg *cfg,
                                      const cJSON *config, void **state)
{
    plx_llm_config *c = NULL;
    plx_status st = plx_llm_default_base_url(p, DEFAULT_BASE_URL);
    if (st == PLX_OK)
        st = plx_llm_read_config(cfg, config, &c);
    if (st != PLX_OK)
        return st;
    *state = c;
    c->official = plx_llm_host_is(p, "api.anthropic.com");
    plx_llm_key key = {"x-api-key", "", c->official ? "ANTHROPIC_API_KEY" : NULL,
                       c->official};
    st = plx_llm_api_key(p, cfg, config, &key);
    /* api_version wins over a version in "headers"; the default does not */
    if (st == PLX_OK && (c->api_version || !plx_headers_get(&p->headers, "anthropic-version")))
        st = plx_headers_set(&p->headers, "anthropic-version",
                             c->api_version ? c->api_version : DEFAULT_VERSION);
    if (st == PLX_EINVAL)
        return plx_cfg_fail(cfg, "api_version", "contains CR, LF or control bytes");
    return st;
}

/* ---- request ---- */

static bool is_role(const cJSON *m, const char *role)
{
    return strcmp(plx_llm_str(m, "role"), role) == 0;
}

/* The system messages joined by blank lines; false when there are none. */
static bool write_system(plx_jw *w, const cJSON *messages)
{
    plx_buf text = {0};
    const cJSON *m;
    bool any = false;
    cJSON_ArrayForEach(m, messages) {
        if (!is_role(m, "system"))
            continue;
        if (any && plx_buf_append_str(&text, "\n\n") != PLX_OK)
            w->status = PLX_ENOMEM;
        if (plx_buf_append_str(&text, plx_llm_str(m, "content")) != PLX_OK)
            w->status = PLX_ENOMEM;
        any = true;
    }
    if (any)
        plx_jw_string(w, "system", text.data ? text.data : "", text.len);
    plx_buf_free(&text);
    return any;
}

static void write_tool_use(plx_jw *w, const cJSON *call)
{
    const cJSON *args = GET(call, "arguments");
    plx_jw_begin(w, NULL);
    jw_str(w, "type", "tool_use");
    jw_str(w, "id", plx_llm_str(call, "id"));
    jw_str(w, "name", plx_llm_str(call, "name"));
    if (args)
        plx_llm_jw_json(w, "input", args);
    else
        plx_jw_raw(w, "input", "{}", 2);
    plx_jw_end(w);
}

/* An assistant turn with tool calls: its text (if any), then tool_use blocks. */
static void write_assistant_calls(plx_jw *w, const cJSON *m)
{
    const char *text = plx_llm_str(m, "content");
    const cJSON *call;
    plx_jw_begin(w, NULL);
    jw_str(w, "role", "assistant");
    plx_jw_begin_array(w, "content");
    if (text && *text) { /* the API rejects empty text blocks */
        plx_jw_begin(w, NULL);
        jw_str(w, "type", "text");
        jw_str(w, "text", text);
        plx_jw_end(w);
    }
    cJSON_ArrayForEach(call, GET(m, "tool_calls"))
        write_tool_use(w, call);
    plx_jw_end_array(w);
    plx_jw_end(w);
}

static void write_tool_result(plx_jw *w, const cJSON *m)
{
    const char *content = plx_llm_str(m, "content");
    plx_jw_begin(w, NULL);
    jw_str(w, "type", "tool_result");
    jw_str(w, "tool_use_id", plx_llm_str(m, "tool_call_id"));
    if (*content)
        jw_str(w, "content", content);
    plx_jw_end(w);
}

/* Consecutive tool messages become the blocks of one user turn. */
static void write_messages(plx_jw *w, const cJSON *messages)
{
    bool in_results = false;
    const cJSON *m;
    plx_jw_begin_array(w, "messages");
    cJSON_ArrayForEach(m, messages) {
        bool tool = is_role(m, "tool");
        if (in_results && !tool) {
            plx_jw_end_array(w);
            plx_jw_end(w);
            in_results = false;
        }
        if (tool && !in_results) {
            plx_jw_begin(w, NULL);
            jw_str(w, "role", "user");
            plx_jw_begin_array(w, "content");
            in_results = true;
        }
        if (tool) {
            write_tool_result(w, m);
        } else if (is_role(m, "assistant") && cJSON_GetArraySize(GET(m, "tool_calls")) > 0) {
            write_assistant_calls(w, m);
        } else if (!is_role(m, "system")) {
            plx_jw_begin(w, NULL);
            jw_str(w, "role", plx_llm_str(m, "role"));
            jw_str(w, "content", plx_llm_str(m, "content"));
            plx_jw_end(w);
        }
    }
    if (in_results) {
        plx_jw_end_array(w);
        plx_jw_end(w);
    }
    plx_jw_end_array(w);
}

static void write_tools(plx_jw *w, const cJSON *tools)
{
    const cJSON *t;
    plx_jw_begin_array(w, "tools");
    cJSON_ArrayForEach(t, tools) {
        const char *description = plx_llm_str(t, "description");
        const cJSON *params = GET(t, "parameters");
        plx_jw_begin(w, NULL);
        jw_str(w, "name", plx_llm_str(t, "name"));
        if (description)
            jw_str(w, "description", description);
        if (params)
            plx_llm_jw_json(w, "input_schema", params);
        else /* required by the API */
            plx_jw_raw(w, "input_schema", EMPTY_SCHEMA, strlen(EMPTY_SCHEMA));
        plx_jw_end(w);
    }
    plx_jw_end_array(w);
}

static void write_tool_choice(plx_jw *w, const cJSON *choice)
{
    static const char *const modes[][2] = {{"auto", "auto"}, {"required", "any"},
                                           {"none", "none"}};
    plx_jw_begin(w, "tool_choice");
    for (size_t i = 0; cJSON_IsString(choice) && i < PLX_ARRAY_LEN(modes); i++)
        if (strcmp(choice->valuestring, modes[i][0]) == 0)
            jw_str(w, "type", modes[i][1]);
    if (cJSON_IsObject(choice)) {
        jw_str(w, "type", "tool");
        jw_str(w, "name", plx_llm_str(choice, "name"));
    }
    plx_jw_end(w);
}

static void write_stop(plx_jw *w, const cJSON *stop)
{
    if (cJSON_IsString(stop)) {
        plx_jw_begin_array(w, "stop_sequences");
        jw_str(w, NULL, stop->valuestring);
        plx_jw_end_array(w);
    } else {
        plx_llm_jw_json(w, "stop_sequences", stop);
    }
}

static void write_body(plx_jw *w, const plx_llm_config *c, const cJSON *request,
                       const char *model, bool stream)
{
    const cJSON *messages = GET(request, "messages"), *item;
    const cJSON *max = GET(request, "max_tokens");
    plx_jw_begin(w, NULL);
    jw_str(w, "model", model);
    plx_jw_int(w, "max_tokens", max ? (int64_t)max->valuedouble
                                    : c->max_tokens ? c->max_tokens : DEFAULT_MAX_TOKENS);
    write_system(w, messages);
    write_messages(w, messages);
    if ((item = GET(request, "stop")))
        write_stop(w, item);
    if ((item = GET(request, "temperature")))
        plx_jw_double(w, "temperature", item->valuedouble);
    if ((item = GET(request, "top_p")))
        plx_jw_double(w, "top_p", item->valuedouble);
    if ((item = GET(request, "tools")))
        write_tools(w, item);
    if ((item = GET(request, "tool_choice")))
        write_tool_choice(w, item);
    if (stream)
        plx_jw_bool(w, "stream", true);
    plx_jw_end(w);
}

static plx_status check_turns(const plx_provider *p, const cJSON *request)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, GET(request, "messages"))
        if (!is_role(m, "system"))
            return PLX_OK;
    return plx_fail(p->ctx, PLX_EINVAL, "request.messages: needs a user message besides the "
                    "system ones");
}

static plx_status anthropic_build(const plx_provider *p, const char *op, const cJSON *request,
                                  plx_request **out)
{
    const plx_llm_config *c = p->kind_state;
    if (!plx_llm_is_chat(op))
        return plx_llm_no_op(p, op, "chat, chat_stream; Anthropic has no embeddings API");
    const char *model = NULL;
    plx_status st = plx_llm_check_chat(p, request);
    if (st == PLX_OK)
        st = check_turns(p, request);
    if (st == PLX_OK)
        st = plx_llm_model(p, request, c->model, &model);
    if (st != PLX_OK)
        return st;
    bool stream = strcmp(op, "chat_stream") == 0;
    plx_jw w = {0};
    write_body(&w, c, request, model, stream);
    return plx_llm_post(p, "/v1/messages", &w, stream, out);
}

/* ---- reply ---- */

static const char *finish_reason(const char *stop_reason)
{
    static const char *const map[][2] = {
        {"end_turn", "stop"}, {"stop_sequence", "stop"}, {"max_tokens", "length"},
        {"tool_use", "tool_calls"}, {"refusal", "content_filter"}};
    for (size_t i = 0; i < PLX_ARRAY_LEN(map); i++)
        if (strcmp(stop_reason, map[i][0]) == 0)
            return map[i][1];
    return stop_reason;
}

/* Checks the blocks the result uses; other block types are skipped. */
static plx_status check_blocks(const plx_provider *p, const cJSON *content, int *tool_count)
{
    int i = 0;
    const cJSON *b;
    if (!cJSON_IsArray(content))
        return plx_llm_proto(p, "expected an array of content blocks", "reply.content");
    cJSON_ArrayForEach(b, content) {
        const char *type = plx_llm_str(b, "type");
        const cJSON *input = GET(b, "input");
        int at = i++;
        if (!type)
            return plx_llm_proto(p, "expected an object with a \"type\"", "reply.content[%d]",
                                 at);
        if (strcmp(type, "text") == 0 && !plx_llm_str(b, "text"))
            return plx_llm_proto(p, "expected a string", "reply.content[%d].text", at);
        if (strcmp(type, "tool_use") != 0)
            continue;
        if (!plx_llm_str(b, "id") || !plx_llm_str(b, "name") ||
            (input && !cJSON_IsObject(input)))
            return plx_llm_proto(p, "a tool_use block needs id, name and an input object",
                                 "reply.content[%d]", at);
        (*tool_count)++;
    }
    return PLX_OK;
}

static void write_text(plx_jw *w, const cJSON *content)
{
    plx_buf text = {0};
    const cJSON *b;
    cJSON_ArrayForEach(b, content)
        if (strcmp(plx_llm_str(b, "type"), "text") == 0 &&
            plx_buf_append_str(&text, plx_llm_str(b, "text")) != PLX_OK)
            w->status = PLX_ENOMEM;
    plx_jw_string(w, "text", text.data ? text.data : "", text.len);
    plx_buf_free(&text);
}

static void write_tool_calls(plx_jw *w, const cJSON *content)
{
    const cJSON *b;
    plx_jw_begin_array(w, "tool_calls");
    cJSON_ArrayForEach(b, content)
        if (strcmp(plx_llm_str(b, "type"), "tool_use") == 0)
            plx_llm_write_tool_call_object(w, plx_llm_str(b, "id"), plx_llm_str(b, "name"),
                                           GET(b, "input"));
    plx_jw_end_array(w);
}

static void read_usage(plx_reply *r, const cJSON *usage)
{
    plx_llm_count(GET(usage, "input_tokens"), &r->usage.input_tokens);
    plx_llm_count(GET(usage, "output_tokens"), &r->usage.output_tokens);
}

static plx_status parse_message(const plx_provider *p, plx_reply *r, const cJSON *json)
{
    const plx_llm_config *c = p->kind_state;
    const cJSON *content = GET(json, "content");
    int tools = 0;
    plx_status st = check_blocks(p, content, &tools);
    if (st != PLX_OK)
        return st;
    const char *stop = plx_llm_str(json, "stop_reason");
    const char *finish = stop ? finish_reason(stop) : tools ? "tool_calls" : "stop";
    const char *model = plx_llm_str(json, "model");
    const char *id = plx_llm_str(json, "id");
    model = model ? model : c->model;
    write_text(r->out, content);
    jw_str(r->out, "finish_reason", finish);
    if (model)
        jw_str(r->out, "model", model);
    if (id)
        jw_str(r->out, "id", id);
    if (tools)
        write_tool_calls(r->out, content);
    read_usage(r, GET(json, "usage"));
    plx_llm_usage_model(r, model);
    return PLX_OK;
}

static plx_status anthropic_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)op;
    if (r->failed) {
        plx_llm_service_error(p, r);
        return PLX_OK;
    }
    cJSON *json = NULL;
    plx_status st = plx_llm_reply_json(p, r, &json);
    if (st != PLX_OK)
        return st;
    const char *type = plx_llm_str(json, "type");
    if (!cJSON_IsObject(json)) {
        st = plx_llm_proto(p, "expected a JSON object", "reply");
    } else if (type && strcmp(type, "error") == 0) {
        st = plx_llm_error_instead(p, r, json);
    } else {
        st = parse_message(p, r, json);
    }
    cJSON_Delete(json);
    return st;
}

/* ---- stream ---- */

static plx_status on_message_start(plx_stream *s, const cJSON *json)
{
    const cJSON *message = GET(json, "message");
    const cJSON *usage = GET(message, "usage");
    int64_t in = -1, out = -1;
    plx_llm_count(GET(usage, "input_tokens"), &in);
    plx_llm_count(GET(usage, "output_tokens"), &out);
    plx_stream_set_usage(s, in, out);
    plx_stream_set_model(s, plx_llm_str(message, "model"));
    plx_stream_set_id(s, plx_llm_str(message, "id"));
    return PLX_OK;
}

static plx_status on_block_start(plx_stream *s, const cJSON *json)
{
    const cJSON *block = GET(json, "content_block");
    const char *type = plx_llm_str(block, "type");
    if (type && strcmp(type, "text") == 0) {
        const char *text = plx_llm_str(block, "text");
        return text ? plx_stream_text(s, text, strlen(text)) : PLX_OK;
    }
    if (!type || strcmp(type, "tool_use") != 0)
        return PLX_OK;
    return plx_llm_stream_tool_start(s, plx_llm_block_index(json, "index"),
                                     plx_llm_str(block, "id"), plx_llm_str(block, "name"));
}

static plx_status on_block_delta(plx_stream *s, const cJSON *json)
{
    const cJSON *delta = GET(json, "delta");
    const char *type = plx_llm_str(delta, "type");
    const char *text = plx_llm_str(delta, "text");
    const char *partial = plx_llm_str(delta, "partial_json");
    if (type && strcmp(type, "text_delta") == 0 && text)
        return plx_stream_text(s, text, strlen(text));
    if (!type || strcmp(type, "input_json_delta") != 0 || !partial)
        return PLX_OK; /* thinking, citations, ...: not part of the result */
    return plx_llm_stream_tool_delta(s, plx_llm_block_index(json, "index"), partial,
                                     strlen(partial));
}

static plx_status on_message_delta(plx_stream *s, const cJSON *json)
{
    const char *stop = plx_llm_str(GET(json, "delta"), "stop_reason");
    const cJSON *usage = GET(json, "usage");
    int64_t in = -1, out = -1;
    plx_llm_count(GET(usage, "input_tokens"), &in);
    plx_llm_count(GET(usage, "output_tokens"), &out);
    plx_stream_set_usage(s, in, out);
    if (stop)
        plx_stream_set_finish_reason(s, finish_reason(stop));
    return PLX_OK;
}

static plx_status dispatch(const plx_provider *p, plx_stream *s, const char *type,
                           const cJSON *json)
{
    if (strcmp(type, "message_start") == 0)
        return on_message_start(s, json);
    if (strcmp(type, "content_block_start") == 0)
        return on_block_start(s, json);
    if (strcmp(type, "content_block_delta") == 0)
        return on_block_delta(s, json);
    if (strcmp(type, "message_delta") == 0)
        return on_message_delta(s, json);
    if (strcmp(type, "error") == 0)
        return plx_llm_stream_error(p, s, json);
    if (strcmp(type, "message_stop") == 0)
        plx_stream_end(s);
    return PLX_OK; /* ping, content_block_stop, and types added later */
}

static plx_status anthropic_stream_event(const plx_provider *p, plx_stream *s,
                                         const char *event, const char *data, size_t len)
{
    cJSON *json = NULL;
    plx_status st = plx_llm_event_json(p, data, len, &json);
    if (st != PLX_OK)
        return st;
    /* The event name, or the data's type when the event has no name. */
    const char *type = event && strcmp(event, "message") != 0 ? event
                                                              : plx_llm_str(json, "type");
    st = type ? dispatch(p, s, type, json) : PLX_OK;
    if (st == PLX_EPROTOCOL)
        st = plx_fail(p->ctx, st, "stream: too many tool calls");
    cJSON_Delete(json);
    return st;
}

const plx_kind plx_kind_anthropic = {
    .name = "anthropic",
    .config_keys = KEYS,
    .configure = anthropic_configure,
    .release = plx_llm_release,
    .build = anthropic_build,
    .parse = anthropic_parse,
    .stream_framing = PLX_FRAMING_SSE,
    .stream_event = anthropic_stream_event,
};
