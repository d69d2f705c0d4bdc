/* Kind "bedrock": Amazon Bedrock's Converse API, signed with SigV4.
 *   chat         POST {endpoint}/model/{modelId}/converse
 *   chat_stream  POST {endpoint}/model/{modelId}/converse-stream (AWS
 *                event-stream framing, decoded with CRC checks below us)
 * System messages become "system" blocks, tool calls toolUse blocks of the
 * assistant, tool results toolResult blocks of a user turn. A pure adapter:
 * the endpoint and signing come from the aws kind's helpers. */
#include "aws.h"
#include "llm.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GET cJSON_GetObjectItemCaseSensitive
#define EMPTY_SCHEMA "{\"type\":\"object\",\"properties\":{}}"

typedef struct bedrock_state {
    plx_aws_endpoint endpoint;
    plx_llm_config *llm;          /* model, max_tokens */
} bedrock_state;

static const char *const KEYS[] = {"region", "endpoint_url", "access_key_id",
                                   "secret_access_key", "session_token", "profile",
                                   "model", "max_tokens", NULL};

static void jw_str(plx_jw *w, const char *key, const char *s)
{
    plx_jw_string(w, key, s, strlen(s));
}

static void bedrock_release(void *state)
{
    bedrock_state *s = state;
    if (!s)
        return;
    plx_aws_endpoint_clear(&s->endpoint);
    plx_llm_release(s->llm);
    free(s);
}

static plx_status bedrock_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                    void **state)
{
    bedrock_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    plx_status st = plx_llm_read_config(cfg, config, &s->llm);
    if (st == PLX_OK)
        st = plx_aws_setup(p, cfg, config, &s->endpoint);
    if (st != PLX_OK) {
        bedrock_release(s);
        return st;
    }
    *state = s;
    return PLX_OK;
}

/* ---- request ---- */

static bool is_role(const cJSON *m, const char *role)
{
    return strcmp(plx_llm_str(m, "role"), role) == 0;
}

static void text_block(plx_jw *w, const char *text)
{
    plx_jw_begin(w, NULL);
    jw_str(w, "text", text);
    plx_jw_end(w);
}

static void write_system(plx_jw *w, const cJSON *messages)
{
    const cJSON *m;
    bool any = false;
    cJSON_ArrayForEach(m, messages) {
        if (!is_role(m, "system"))
            continue;
        if (!any)
            plx_jw_begin_array(w, "system");
        any = true;
        text_block(w, plx_llm_str(m, "content"));
    }
    if (any)
        plx_jw_end_array(w);
}

static void write_tool_use(plx_jw *w, const cJSON *call)
{
    const cJSON *args = GET(call, "arguments");
    plx_jw_begin(w, NULL);
    plx_jw_begin(w, "toolUse");
    jw_str(w, "toolUseId", plx_llm_str(call, "id"));
    jw_str(w, "name", plx_llm_str(call, "name"));
    if (args)
        plx_llm_jw_json(w, "input", args);
    else
        plx_jw_raw(w, "input", "{}", 2);
    plx_jw_end(w);
    plx_jw_end(w);
}

static void write_tool_result(plx_jw *w, const cJSON *m)
{
    plx_jw_begin(w, NULL);
    plx_jw_begin(w, "toolResult");
    jw_str(w, "toolUseId", plx_llm_str(m, "tool_call_id"));
    plx_jw_begin_array(w, "content");
    text_block(w, plx_llm_str(m, "content"));
    plx_jw_end_array(w);
    plx_jw_end(w);
    plx_jw_end(w);
}

/* One turn: its text (Bedrock rejects empty text blocks) and tool calls. */
static void write_turn(plx_jw *w, const cJSON *m)
{
    const char *text = plx_llm_str(m, "content");
    const cJSON *call;
    plx_jw_begin(w, NULL);
    jw_str(w, "role", plx_llm_str(m, "role"));
    plx_jw_begin_array(w, "content");
    if (text && *text)
        text_block(w, text);
    cJSON_ArrayForEach(call, GET(m, "tool_calls"))
        write_tool_use(w, call);
    plx_jw_end_array(w);
    plx_jw_end(w);
}

/* Consecutive tool messages become the toolResult blocks of one user turn. */
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
        if (tool)
            write_tool_result(w, m);
        else if (!is_role(m, "system"))
            write_turn(w, m);
    }
    if (in_results) {
        plx_jw_end_array(w);
        plx_jw_end(w);
    }
    plx_jw_end_array(w);
}

/* inferenceConfig, when the request sets any of its members. */
static void write_inference(plx_jw *w, const cJSON *request, int64_t default_max)
{
    const cJSON *max = GET(request, "max_tokens"), *temp = GET(request, "temperature");
    const cJSON *top_p = GET(request, "top_p"), *stop = GET(request, "stop");
    if (!max && !default_max && !temp && !top_p && !stop)
        return;
    plx_jw_begin(w, "inferenceConfig");
    if (max || default_max)
        plx_jw_int(w, "maxTokens", max ? (int64_t)max->valuedouble : default_max);
    if (temp)
        plx_jw_double(w, "temperature", temp->valuedouble);
    if (top_p)
        plx_jw_double(w, "topP", top_p->valuedouble);
    if (cJSON_IsString(stop)) {
        plx_jw_begin_array(w, "stopSequences");
        jw_str(w, NULL, stop->valuestring);
        plx_jw_end_array(w);
    } else if (stop) {
        plx_llm_jw_json(w, "stopSequences", stop);
    }
    plx_jw_end(w);
}

static void write_tool_choice(plx_jw *w, const cJSON *choice)
{
    if (cJSON_IsString(choice) && strcmp(choice->valuestring, "none") == 0)
        return; /* Converse has no "none": the model may still call tools */
    plx_jw_begin(w, "toolChoice");
    if (cJSON_IsObject(choice)) {
        plx_jw_begin(w, "tool");
        jw_str(w, "name", plx_llm_str(choice, "name"));
        plx_jw_end(w);
    } else {
        bool any = strcmp(choice->valuestring, "required") == 0;
        plx_jw_raw(w, any ? "any" : "auto", "{}", 2);
    }
    plx_jw_end(w);
}

static void write_tool_config(plx_jw *w, const cJSON *tools, const cJSON *choice)
{
    const cJSON *t;
    plx_jw_begin(w, "toolConfig");
    plx_jw_begin_array(w, "tools");
    cJSON_ArrayForEach(t, tools) {
        const char *description = plx_llm_str(t, "description");
        const cJSON *params = GET(t, "parameters");
        plx_jw_begin(w, NULL);
        plx_jw_begin(w, "toolSpec");
        jw_str(w, "name", plx_llm_str(t, "name"));
        if (description)
            jw_str(w, "description", description);
        plx_jw_begin(w, "inputSchema");
        if (params)
            plx_llm_jw_json(w, "json", params);
        else
            plx_jw_raw(w, "json", EMPTY_SCHEMA, strlen(EMPTY_SCHEMA));
        plx_jw_end(w);
        plx_jw_end(w);
        plx_jw_end(w);
    }
    plx_jw_end_array(w);
    if (choice)
        write_tool_choice(w, choice);
    plx_jw_end(w);
}

static void write_body(plx_jw *w, const bedrock_state *s, const cJSON *request)
{
    const cJSON *messages = GET(request, "messages"), *tools = GET(request, "tools");
    plx_jw_begin(w, NULL);
    write_messages(w, messages);
    write_system(w, messages);
    write_inference(w, request, s->llm->max_tokens);
    if (cJSON_GetArraySize(tools) > 0)
        write_tool_config(w, tools, GET(request, "tool_choice"));
    plx_jw_end(w);
}

static plx_status bedrock_build(const plx_provider *p, const char *op, const cJSON *request,
                                plx_request **out)
{
    const bedrock_state *s = p->kind_state;
    if (!plx_llm_is_chat(op))
        return plx_llm_no_op(p, op, "chat, chat_stream; for embeddings call InvokeModel "
                             "through the aws kind");
    const char *model = NULL;
    plx_status st = plx_llm_check_chat(p, request);
    if (st == PLX_OK)
        st = plx_llm_model(p, request, s->llm->model, &model);
    if (st != PLX_OK)
        return st;
    bool stream = strcmp(op, "chat_stream") == 0;
    plx_buf path = {0};
    plx_jw w = {0};
    st = plx_buf_append_str(&path, "/model/");
    if (st == PLX_OK)
        st = plx_url_encode(&path, model, strlen(model), false);
    if (st == PLX_OK)
        st = plx_buf_append_str(&path, stream ? "/converse-stream" : "/converse");
    if (st == PLX_OK)
        st = plx_aws_request(p, &s->endpoint, plx_aws_service_find("bedrock-runtime"), "POST",
                             path.data, out);
    plx_buf_free(&path);
    if (st != PLX_OK)
        return st;
    write_body(&w, s, request);
    char *body = plx_jw_finish(&w);
    if (!body) {
        plx_request_free(*out);
        *out = NULL;
        return PLX_ENOMEM;
    }
    plx_request_take_body(*out, body, strlen(body));
    st = plx_request_set_header(*out, "Content-Type", "application/json");
    if (st == PLX_OK && stream)
        st = plx_request_set_header(*out, "Accept", "application/vnd.amazon.eventstream");
    return st;
}

/* The model id a built request names in its path (/model/{id}/...). */
static void model_of_request(const plx_request *req, char *dst, size_t cap)
{
    dst[0] = '\0';
    const char *at = req ? strstr(req->url, "/model/") : NULL;
    if (!at)
        return;
    at += 7;
    size_t n = 0;
    for (; *at && *at != '/' && n + 1 < cap; at++) {
        if (at[0] == '%' && isxdigit((unsigned char)at[1]) && isxdigit((unsigned char)at[2])) {
            char hex[3] = {at[1], at[2], 0};
            dst[n++] = (char)strtol(hex, NULL, 16);
            at += 2;
        } else {
            dst[n++] = *at;
        }
    }
    dst[n] = '\0';
}

/* ---- reply ---- */

static const char *finish_reason(const char *stop_reason)
{
    static const char *const map[][2] = {
        {"end_turn", "stop"}, {"stop_sequence", "stop"}, {"max_tokens", "length"},
        {"tool_use", "tool_calls"}, {"guardrail_intervened", "content_filter"},
        {"content_filtered", "content_filter"}};
    for (size_t i = 0; i < PLX_ARRAY_LEN(map); i++)
        if (strcmp(stop_reason, map[i][0]) == 0)
            return map[i][1];
    return stop_reason;
}

/* Checks the blocks the result uses; other block types are skipped. */
static plx_status check_blocks(const plx_provider *p, const cJSON *content, int *tools)
{
    int i = 0;
    const cJSON *b;
    if (!cJSON_IsArray(content))
        return plx_llm_proto(p, "expected an array of content blocks",
                             "reply.output.message.content");
    cJSON_ArrayForEach(b, content) {
        const cJSON *text = GET(b, "text"), *use = GET(b, "toolUse");
        int at = i++;
        if (!cJSON_IsObject(b) || (text && !cJSON_IsString(text)))
            return plx_llm_proto(p, "expected a content block",
                                 "reply.output.message.content[%d]", at);
        if (!use)
            continue;
        const cJSON *input = GET(use, "input");
        if (!plx_llm_str(use, "toolUseId") || !plx_llm_str(use, "name") ||
            (input && !cJSON_IsObject(input)))
            return plx_llm_proto(p, "a toolUse block needs toolUseId, name and an input "
                                 "object", "reply.output.message.content[%d]", at);
        (*tools)++;
    }
    return PLX_OK;
}

static void write_text(plx_jw *w, const cJSON *content)
{
    plx_buf text = {0};
    const cJSON *b;
    cJSON_ArrayForEach(b, content) {
        const char *t = plx_llm_str(b, "text");
        if (t && plx_buf_append_str(&text, t) != PLX_OK)
            w->status = PLX_ENOMEM;
    }
    plx_jw_string(w, "text", text.data ? text.data : "", text.len);
    plx_buf_free(&text);
}

static void write_tool_calls(plx_jw *w, const cJSON *content)
{
    const cJSON *b;
    plx_jw_begin_array(w, "tool_calls");
    cJSON_ArrayForEach(b, content) {
        const cJSON *use = GET(b, "toolUse");
        if (use)
            plx_llm_write_tool_call_object(w, plx_llm_str(use, "toolUseId"),
                                           plx_llm_str(use, "name"), GET(use, "input"));
    }
    plx_jw_end_array(w);
}

static plx_status parse_converse(const plx_provider *p, plx_reply *r, const cJSON *json)
{
    const cJSON *content = GET(GET(GET(json, "output"), "message"), "content");
    int tools = 0;
    plx_status st = check_blocks(p, content, &tools);
    if (st != PLX_OK)
        return st;
    const char *stop = plx_llm_str(json, "stopReason");
    char model[128];
    model_of_request(r->req, model, sizeof model);
    write_text(r->out, content);
    jw_str(r->out, "finish_reason", stop ? finish_reason(stop) : tools ? "tool_calls" : "stop");
    if (model[0])
        jw_str(r->out, "model", model);
    if (tools)
        write_tool_calls(r->out, content);
    const cJSON *usage = GET(json, "usage");
    plx_llm_count(GET(usage, "inputTokens"), &r->usage.input_tokens);
    plx_llm_count(GET(usage, "outputTokens"), &r->usage.output_tokens);
    plx_llm_usage_model(r, model);
    return PLX_OK;
}

static plx_status bedrock_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)op;
    if (r->failed) {
        plx_aws_parse_error(r->resp, r);
        return PLX_OK;
    }
    cJSON *json = NULL;
    plx_status st = plx_llm_reply_json(p, r, &json);
    if (st != PLX_OK)
        return st;
    st = cJSON_IsObject(json) ? parse_converse(p, r, json)
                              : plx_llm_proto(p, "expected a JSON object", "reply");
    cJSON_Delete(json);
    return st;
}

/* ---- stream: ConverseStream events ---- */

static plx_status on_block_start(plx_stream *s, const cJSON *json)
{
    const cJSON *use = GET(GET(json, "start"), "toolUse");
    if (!use)
        return PLX_OK;
    return plx_llm_stream_tool_start(s, plx_llm_block_index(json, "contentBlockIndex"),
                                     plx_llm_str(use, "toolUseId"), plx_llm_str(use, "name"));
}

static plx_status on_block_delta(plx_stream *s, const cJSON *json)
{
    const cJSON *delta = GET(json, "delta");
    const char *text = plx_llm_str(delta, "text");
    const char *input = plx_llm_str(GET(delta, "toolUse"), "input");
    if (text)
        return plx_stream_text(s, text, strlen(text));
    if (!input)
        return PLX_OK; /* reasoning, citations: not part of the result */
    return plx_llm_stream_tool_delta(s, plx_llm_block_index(json, "contentBlockIndex"), input,
                                     strlen(input));
}

static void on_metadata(plx_stream *s, const cJSON *json)
{
    const cJSON *usage = GET(json, "usage");
    int64_t in = -1, out = -1;
    plx_llm_count(GET(usage, "inputTokens"), &in);
    plx_llm_count(GET(usage, "outputTokens"), &out);
    plx_stream_set_usage(s, in, out);
}

/* "exception:throttlingException" with {"message"}: the stream's error. */
static plx_status on_exception(const plx_provider *p, plx_stream *s, const char *type,
                               const cJSON *json)
{
    char code[96];
    snprintf(code, sizeof code, "%s", type);
    code[0] = (char)toupper((unsigned char)code[0]);
    plx_status st = plx_aws_error_status(code);
    const char *message = plx_llm_str(json, "message");
    if (!message)
        message = plx_llm_str(json, "Message");
    plx_stream_fail(s, st == PLX_OK ? PLX_EHTTP : st, code, message ? message : "");
    (void)p;
    return PLX_OK;
}

static plx_status dispatch(const plx_provider *p, plx_stream *s, const char *event,
                           const cJSON *json)
{
    if (strncmp(event, "exception:", 10) == 0 || strncmp(event, "error:", 6) == 0)
        return on_exception(p, s, strchr(event, ':') + 1, json);
    if (strcmp(event, "contentBlockStart") == 0)
        return on_block_start(s, json);
    if (strcmp(event, "contentBlockDelta") == 0)
        return on_block_delta(s, json);
    if (strcmp(event, "messageStop") == 0) {
        const char *stop = plx_llm_str(json, "stopReason");
        if (stop)
            plx_stream_set_finish_reason(s, finish_reason(stop));
        plx_stream_end(s);
    } else if (strcmp(event, "metadata") == 0) {
        on_metadata(s, json);
    }
    return PLX_OK; /* messageStart, contentBlockStop, and types added later */
}

static plx_status bedrock_stream_event(const plx_provider *p, plx_stream *s,
                                       const char *event, const char *data, size_t len)
{
    cJSON *json = NULL;
    plx_status st;
    if (strncmp(event, "error:", 6) == 0) /* data is the :error-message text */
        json = cJSON_CreateObject(), cJSON_AddStringToObject(json, "message", "");
    else if ((st = plx_llm_event_json(p, data, len, &json)) != PLX_OK)
        return st;
    if (!json)
        return PLX_ENOMEM;
    st = dispatch(p, s, event, json);
    if (st == PLX_EPROTOCOL)
        st = plx_fail(p->ctx, st, "stream: too many tool calls");
    cJSON_Delete(json);
    return st;
}

static void bedrock_stream_begin(const plx_provider *p, plx_stream *s, const plx_request *req)
{
    (void)p;
    char model[128];
    model_of_request(req, model, sizeof model);
    plx_stream_set_model(s, model);
}

const plx_kind plx_kind_bedrock = {
    .name = "bedrock",
    .config_keys = KEYS,
    .configure = bedrock_configure,
    .release = bedrock_release,
    .build = bedrock_build,
    .parse = bedrock_parse,
    .stream_framing = PLX_FRAMING_AWS_EVENTSTREAM,
    .stream_event = bedrock_stream_event,
    .stream_begin = bedrock_stream_begin,
};
