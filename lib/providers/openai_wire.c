/* The OpenAI wire format: chat completions (plain and streamed) and
 * embeddings. Compatible servers (vLLM, llama.cpp, Ollama, LiteLLM) omit
 * optional members, so only what the canonical result needs is required. */
#include "openai_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GET cJSON_GetObjectItemCaseSensitive

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void jw_str(plx_jw *w, const char *key, const char *s)
{
    plx_jw_string(w, key, s, strlen(s));
}

/* ---- request bodies ---- */

/* OpenAI wants a tool call's arguments as a string of JSON text. */
static void write_tool_call(plx_jw *w, const cJSON *call)
{
    const cJSON *args = GET(call, "arguments");
    char *text = args ? plx_json_print(args) : NULL;
    if (args && !text)
        w->status = PLX_ENOMEM;
    plx_jw_begin(w, NULL);
    jw_str(w, "id", plx_llm_str(call, "id"));
    jw_str(w, "type", "function");
    plx_jw_begin(w, "function");
    jw_str(w, "name", plx_llm_str(call, "name"));
    jw_str(w, "arguments", text ? text : "{}");
    plx_jw_end(w);
    plx_jw_end(w);
    free(text);
}

static void write_message(plx_jw *w, const cJSON *m)
{
    const cJSON *content = GET(m, "content");
    const cJSON *calls = GET(m, "tool_calls");
    const char *call_id = plx_llm_str(m, "tool_call_id");
    plx_jw_begin(w, NULL);
    jw_str(w, "role", plx_llm_str(m, "role"));
    if (cJSON_IsString(content))
        jw_str(w, "content", content->valuestring);
    else
        plx_jw_null(w, "content");
    if (call_id)
        jw_str(w, "tool_call_id", call_id);
    if (cJSON_GetArraySize(calls) > 0) {
        const cJSON *call;
        plx_jw_begin_array(w, "tool_calls");
        cJSON_ArrayForEach(call, calls)
            write_tool_call(w, call);
        plx_jw_end_array(w);
    }
    plx_jw_end(w);
}

static void write_tools(plx_jw *w, const cJSON *tools)
{
    const cJSON *t;
    plx_jw_begin_array(w, "tools");
    cJSON_ArrayForEach(t, tools) {
        const char *description = plx_llm_str(t, "description");
        const cJSON *params = GET(t, "parameters");
        plx_jw_begin(w, NULL);
        jw_str(w, "type", "function");
        plx_jw_begin(w, "function");
        jw_str(w, "name", plx_llm_str(t, "name"));
        if (description)
            jw_str(w, "description", description);
        if (params)
            plx_llm_jw_json(w, "parameters", params);
        plx_jw_end(w);
        plx_jw_end(w);
    }
    plx_jw_end_array(w);
}

static void write_tool_choice(plx_jw *w, const cJSON *choice)
{
    if (cJSON_IsString(choice)) {
        jw_str(w, "tool_choice", choice->valuestring);
        return;
    }
    plx_jw_begin(w, "tool_choice");
    jw_str(w, "type", "function");
    plx_jw_begin(w, "function");
    jw_str(w, "name", plx_llm_str(choice, "name"));
    plx_jw_end(w);
    plx_jw_end(w);
}

void plx_oai_chat_body(plx_jw *w, const cJSON *request, const plx_oai_chat_options *o)
{
    const cJSON *m, *item;
    plx_jw_begin(w, NULL);
    if (o->model)
        jw_str(w, "model", o->model);
    plx_jw_begin_array(w, "messages");
    cJSON_ArrayForEach(m, GET(request, "messages"))
        write_message(w, m);
    plx_jw_end_array(w);
    if ((item = GET(request, "max_tokens")))
        plx_jw_int(w, o->max_completion_tokens ? "max_completion_tokens" : "max_tokens",
                   (int64_t)item->valuedouble);
    if ((item = GET(request, "temperature")))
        plx_jw_double(w, "temperature", item->valuedouble);
    if ((item = GET(request, "top_p")))
        plx_jw_double(w, "top_p", item->valuedouble);
    if ((item = GET(request, "stop")))
        plx_llm_jw_json(w, "stop", item);
    if ((item = GET(request, "tools")))
        write_tools(w, item);
    if ((item = GET(request, "tool_choice")))
        write_tool_choice(w, item);
    if (o->stream) {
        plx_jw_bool(w, "stream", true);
        plx_jw_begin(w, "stream_options");
        plx_jw_bool(w, "include_usage", true);
        plx_jw_end(w);
    }
    plx_jw_end(w);
}

void plx_oai_embed_body(plx_jw *w, const cJSON *request, const char *model)
{
    plx_jw_begin(w, NULL);
    if (model)
        jw_str(w, "model", model);
    plx_llm_jw_json(w, "input", GET(request, "input"));
    plx_jw_end(w);
}

/* ---- replies ---- */

const char *plx_oai_finish_reason(const char *reason)
{
    static const char *const map[][2] = {
        {"function_call", "tool_calls"}, {"eos", "stop"}, {"eos_token", "stop"},
        {"stop_sequence", "stop"}, {"max_tokens", "length"}, {"model_length", "length"}};
    for (size_t i = 0; i < PLX_ARRAY_LEN(map); i++)
        if (strcmp(reason, map[i][0]) == 0)
            return map[i][1];
    return reason;
}

/* The members of a chat completion that the result needs. */
typedef struct chat_reply {
    const char *text, *finish, *model, *id;
    const cJSON *tool_calls;   /* checked array, or NULL */
    const cJSON *usage;
} chat_reply;

static bool string_or_absent(const cJSON *item)
{
    return !item || cJSON_IsNull(item) || cJSON_IsString(item);
}

static plx_status check_reply_call(const plx_provider *p, int i, const cJSON *call)
{
    const char *at = "reply.choices[0].message.tool_calls[%d]%s";
    const cJSON *fn = GET(call, "function");
    if (!cJSON_IsObject(call) || !cJSON_IsObject(fn))
        return plx_llm_proto(p, "expected an object with a \"function\" object", at, i, "");
    const cJSON *args = GET(fn, "arguments");
    if (!plx_llm_str(fn, "name"))
        return plx_llm_proto(p, "expected a string", at, i, ".function.name");
    if (!string_or_absent(args) && !cJSON_IsObject(args))
        return plx_llm_proto(p, "expected a string of JSON", at, i, ".function.arguments");
    if (!string_or_absent(GET(call, "id")))
        return plx_llm_proto(p, "expected a string", at, i, ".id");
    return PLX_OK;
}

static plx_status read_message(const plx_provider *p, const cJSON *message, chat_reply *c)
{
    const cJSON *content = GET(message, "content");
    const cJSON *calls = GET(message, "tool_calls");
    if (!string_or_absent(content))
        return plx_llm_proto(p, "expected a string or null", "reply.choices[0].message.content");
    c->text = cJSON_IsString(content) ? content->valuestring : "";
    if (!calls || cJSON_IsNull(calls))
        return PLX_OK;
    if (!cJSON_IsArray(calls))
        return plx_llm_proto(p, "expected an array", "reply.choices[0].message.tool_calls");
    int i = 0;
    const cJSON *call;
    cJSON_ArrayForEach(call, calls) {
        plx_status st = check_reply_call(p, i++, call);
        if (st != PLX_OK)
            return st;
    }
    c->tool_calls = i ? calls : NULL;
    return PLX_OK;
}

static plx_status read_chat(const plx_provider *p, const cJSON *json, chat_reply *c)
{
    const cJSON *choices = GET(json, "choices");
    if (!cJSON_IsArray(choices) || !choices->child)
        return plx_llm_proto(p, "expected a non-empty array", "reply.choices");
    const cJSON *choice = choices->child;
    const cJSON *message = GET(choice, "message");
    if (!cJSON_IsObject(message))
        return plx_llm_proto(p, "expected an object", "reply.choices[0].message");
    const cJSON *finish = GET(choice, "finish_reason");
    if (!string_or_absent(finish))
        return plx_llm_proto(p, "expected a string or null", "reply.choices[0].finish_reason");
    c->finish = plx_llm_str(choice, "finish_reason");
    c->model = plx_llm_str(json, "model");
    c->id = plx_llm_str(json, "id");
    const cJSON *usage = GET(json, "usage");
    c->usage = cJSON_IsObject(usage) ? usage : NULL;
    return read_message(p, message, c);
}

static void write_reply_calls(plx_jw *w, const cJSON *calls)
{
    int i = 0;
    const cJSON *call;
    plx_jw_begin_array(w, "tool_calls");
    cJSON_ArrayForEach(call, calls) {
        const cJSON *fn = GET(call, "function");
        const cJSON *args = GET(fn, "arguments");
        const char *id = plx_llm_str(call, "id");
        char made_up[32];
        if (!id) { /* some compatible servers leave it out */
            snprintf(made_up, sizeof made_up, "call_%d", i);
            id = made_up;
        }
        const char *name = plx_llm_str(fn, "name");
        if (cJSON_IsString(args))
            plx_llm_write_tool_call(w, id, name, args->valuestring, strlen(args->valuestring));
        else
            plx_llm_write_tool_call_object(w, id, name, args);
        i++;
    }
    plx_jw_end_array(w);
}

static void read_usage(plx_reply *r, const cJSON *usage, bool embed)
{
    if (!usage)
        return;
    plx_llm_count(GET(usage, "prompt_tokens"), &r->usage.input_tokens);
    if (embed && r->usage.input_tokens >= 0)
        r->usage.output_tokens = 0;
    else
        plx_llm_count(GET(usage, "completion_tokens"), &r->usage.output_tokens);
}

static plx_status parse_chat(const plx_provider *p, plx_reply *r, const cJSON *json,
                             const char *default_model)
{
    chat_reply c = {0};
    plx_status st = read_chat(p, json, &c);
    if (st != PLX_OK)
        return st;
    plx_jw *w = r->out;
    const char *finish = c.finish ? plx_oai_finish_reason(c.finish)
                                  : (c.tool_calls ? "tool_calls" : "stop");
    const char *model = c.model ? c.model : default_model;
    jw_str(w, "text", c.text);
    jw_str(w, "finish_reason", finish);
    if (model)
        jw_str(w, "model", model);
    if (c.id)
        jw_str(w, "id", c.id);
    if (c.tool_calls)
        write_reply_calls(w, c.tool_calls);
    read_usage(r, c.usage, false);
    plx_llm_usage_model(r, model);
    return PLX_OK;
}

/* data[i] in input order: order[index] = item. */
static plx_status order_vectors(const plx_provider *p, const cJSON *data, const cJSON **order,
                                int n)
{
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, data) {
        const cJSON *vector = GET(item, "embedding");
        const cJSON *index = GET(item, "index");
        bool numbers = cJSON_IsArray(vector);
        const cJSON *v;
        cJSON_ArrayForEach(v, vector) numbers = numbers && cJSON_IsNumber(v);
        if (!numbers)
            return plx_llm_proto(p, "expected an array of numbers", "reply.data[%d].embedding", i);
        double at = index ? index->valuedouble : i;
        if ((index && !cJSON_IsNumber(index)) || at < 0 || at >= n || at != (int)at ||
            order[(int)at])
            return plx_llm_proto(p, "expected distinct integers from 0 to the count - 1",
                                 "reply.data[%d].index", i);
        order[(int)at] = vector;
        i++;
    }
    return PLX_OK;
}

static void write_vector(plx_jw *w, const cJSON *vector)
{
    const cJSON *v;
    plx_jw_begin_array(w, NULL);
    cJSON_ArrayForEach(v, vector)
        plx_jw_double(w, NULL, v->valuedouble);
    plx_jw_end_array(w);
}

static plx_status parse_embed(const plx_provider *p, plx_reply *r, const cJSON *json,
                              const char *default_model)
{
    const cJSON *data = GET(json, "data");
    int n = cJSON_GetArraySize(data);
    if (!cJSON_IsArray(data) || n == 0)
        return plx_llm_proto(p, "expected a non-empty array", "reply.data");
    const cJSON **order = calloc((size_t)n, sizeof *order);
    if (!order)
        return PLX_ENOMEM;
    plx_status st = order_vectors(p, data, order, n);
    if (st == PLX_OK) {
        const char *model = plx_llm_str(json, "model");
        model = model ? model : default_model;
        plx_jw_begin_array(r->out, "vectors");
        for (int i = 0; i < n; i++)
            write_vector(r->out, order[i]);
        plx_jw_end_array(r->out);
        if (model)
            jw_str(r->out, "model", model);
        const cJSON *usage = GET(json, "usage");
        read_usage(r, cJSON_IsObject(usage) ? usage : NULL, true);
        plx_llm_usage_model(r, model);
    }
    free(order);
    return st;
}

plx_status plx_oai_parse(const plx_provider *p, const char *op, plx_reply *r,
                         const char *default_model)
{
    if (r->failed) {
        plx_llm_service_error(p, r);
        return PLX_OK;
    }
    cJSON *json = NULL;
    plx_status st = plx_llm_reply_json(p, r, &json);
    if (st != PLX_OK)
        return st;
    const cJSON *error = GET(json, "error");
    bool embed = strcmp(op, "embed") == 0;
    if (!cJSON_IsObject(json)) {
        st = plx_llm_proto(p, "expected a JSON object", "reply");
    } else if (error && !cJSON_IsNull(error) && !GET(json, embed ? "data" : "choices")) {
        st = plx_llm_error_instead(p, r, json);
    } else {
        st = embed ? parse_embed(p, r, json, default_model)
                   : parse_chat(p, r, json, default_model);
    }
    cJSON_Delete(json);
    return st;
}

/* ---- streams ---- */

static plx_status stream_tool_calls(const plx_provider *p, plx_stream *s, const cJSON *calls)
{
    int position = 0;
    const cJSON *call;
    cJSON_ArrayForEach(call, calls) {
        const cJSON *index = GET(call, "index");
        const cJSON *fn = GET(call, "function");
        const char *args = plx_llm_str(fn, "arguments");
        int at = position;
        if (cJSON_IsNumber(index)) /* range first: the cast of a huge double is undefined */
            at = index->valuedouble < 0 || index->valuedouble > 1e6 ? -1
                                                                     : (int)index->valuedouble;
        plx_status st = plx_stream_tool_call(s, at, plx_llm_str(call, "id"),
                                             plx_llm_str(fn, "name"), args ? args : "",
                                             args ? strlen(args) : 0);
        if (st == PLX_EPROTOCOL)
            return plx_fail(p->ctx, st, "stream: delta.tool_calls[%d].index: %g is out of "
                            "range", position, cJSON_IsNumber(index) ? index->valuedouble : at);
        if (st != PLX_OK)
            return st;
        position++;
    }
    return PLX_OK;
}

/* The choice with index 0 (other choices, from "n" > 1, are ignored). */
static const cJSON *first_choice(const cJSON *choices)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, choices) {
        const cJSON *index = GET(c, "index");
        if (!index || (cJSON_IsNumber(index) && index->valuedouble == 0))
            return c;
    }
    return NULL;
}

static plx_status stream_chunk(const plx_provider *p, plx_stream *s, const cJSON *json)
{
    const cJSON *usage = GET(json, "usage");
    if (cJSON_IsObject(usage)) {
        int64_t in = -1, out = -1;
        plx_llm_count(GET(usage, "prompt_tokens"), &in);
        plx_llm_count(GET(usage, "completion_tokens"), &out);
        plx_stream_set_usage(s, in, out);
    }
    /* Azure's first chunk has "" for both */
    const char *model = plx_llm_str(json, "model"), *id = plx_llm_str(json, "id");
    if (model && *model)
        plx_stream_set_model(s, model);
    if (id && *id)
        plx_stream_set_id(s, id);
    const cJSON *choice = first_choice(GET(json, "choices"));
    const cJSON *delta = GET(choice, "delta");
    const char *text = plx_llm_str(delta, "content");
    const char *finish = plx_llm_str(choice, "finish_reason");
    plx_status st = text ? plx_stream_text(s, text, strlen(text)) : PLX_OK;
    const cJSON *calls = GET(delta, "tool_calls");
    if (st == PLX_OK && cJSON_IsArray(calls))
        st = stream_tool_calls(p, s, calls);
    if (finish)
        plx_stream_set_finish_reason(s, plx_oai_finish_reason(finish));
    return st;
}

plx_status plx_oai_stream_event(const plx_provider *p, plx_stream *s, const char *event,
                                const char *data, size_t len)
{
    while (len && blank(data[len - 1]))
        len--;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        plx_stream_end(s);
        return PLX_OK;
    }
    cJSON *json = NULL;
    plx_status st = plx_llm_event_json(p, data, len, &json);
    if (st != PLX_OK)
        return st;
    const cJSON *error = GET(json, "error");
    if ((error && !cJSON_IsNull(error)) || (event && strcmp(event, "error") == 0))
        st = plx_llm_stream_error(p, s, json);
    else
        st = stream_chunk(p, s, json);
    cJSON_Delete(json);
    return st;
}
