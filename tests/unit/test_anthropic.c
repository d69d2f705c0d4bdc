/* Kind "anthropic": Messages API bodies (system, tool_use/tool_result
 * blocks, max_tokens), validation, replies, errors, stream events. */
#include "llm_test.h"
#include "scripted.h"

#define LOCAL "{\"base_url\": \"http://127.0.0.1:4015\", \"model\": \"claude-x\"}"

static void test_body(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "anthropic", LOCAL);
    llm_built b = llm_build(p, "chat",
        "{\"messages\": [{\"role\": \"system\", \"content\": \"Be terse.\"},"
        " {\"role\": \"system\", \"content\": \"Use metric.\"},"
        " {\"role\": \"user\", \"content\": \"Weather in Oslo and Bergen?\"},"
        " {\"role\": \"assistant\", \"content\": \"Checking.\", \"tool_calls\": ["
        "   {\"id\": \"toolu_1\", \"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}},"
        "   {\"id\": \"toolu_2\", \"name\": \"get_weather\", \"arguments\": {\"city\": \"Bergen\"}}]},"
        " {\"role\": \"tool\", \"tool_call_id\": \"toolu_1\", \"content\": \"3C\"},"
        " {\"role\": \"tool\", \"tool_call_id\": \"toolu_2\", \"content\": \"\"},"
        " {\"role\": \"user\", \"content\": \"Thanks\"}],"
        " \"temperature\": 0.5, \"top_p\": 0.9, \"stop\": \"END\","
        " \"tools\": [{\"name\": \"get_weather\", \"description\": \"Weather now\","
        "   \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}},"
        "   {\"name\": \"now\"}],"
        " \"tool_choice\": \"required\"}");
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "http://127.0.0.1:4015/v1/messages");
    CHECK_STR(llm_at(b.body, "model"), "\"claude-x\"");
    CHECK_STR(llm_at(b.body, "max_tokens"), "1024");
    CHECK_STR(llm_at(b.body, "system"), "\"Be terse.\\n\\nUse metric.\"");
    CHECK_STR(llm_at(b.body, "messages[0]"),
              "{\"role\":\"user\",\"content\":\"Weather in Oslo and Bergen?\"}");
    CHECK_STR(llm_at(b.body, "messages[1]"),
              "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Checking.\"},"
              "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":"
              "{\"city\":\"Oslo\"}},{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":"
              "\"get_weather\",\"input\":{\"city\":\"Bergen\"}}]}");
    CHECK_STR(llm_at(b.body, "messages[2]"),
              "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
              "\"toolu_1\",\"content\":\"3C\"},{\"type\":\"tool_result\",\"tool_use_id\":"
              "\"toolu_2\"}]}");
    CHECK_STR(llm_at(b.body, "messages[3]"), "{\"role\":\"user\",\"content\":\"Thanks\"}");
    CHECK_STR(llm_at(b.body, "messages[4]"), "(none)");
    CHECK_STR(llm_at(b.body, "stop_sequences"), "[\"END\"]");
    CHECK_STR(llm_at(b.body, "temperature"), "0.5");
    CHECK_STR(llm_at(b.body, "top_p"), "0.9");
    CHECK_STR(llm_at(b.body, "tools[0]"),
              "{\"name\":\"get_weather\",\"description\":\"Weather now\",\"input_schema\":"
              "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}");
    CHECK_STR(llm_at(b.body, "tools[1]"),
              "{\"name\":\"now\",\"input_schema\":{\"type\":\"object\",\"properties\":{}}}");
    CHECK_STR(llm_at(b.body, "tool_choice"), "{\"type\":\"any\"}");
    CHECK_STR(llm_at(b.body, "stream"), "(none)");
    CHECK_STR(llm_header(&b, "content-type"), "application/json");
    llm_built_free(&b);
    llm_free(ctx, p);
}

static void test_body_variants(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "anthropic", "{\"api_key\": \"sk-ant-1\","
                                   " \"model\": \"claude-x\", \"max_tokens\": 300}");
    llm_built b = llm_build(p, "chat_stream", "{\"model\": \"claude-y\", \"messages\": "
                            "[{\"role\": \"user\", \"content\": \"hi\"}], \"stop\": [\"a\", \"b\"],"
                            " \"tools\": [{\"name\": \"f\"}], \"tool_choice\": {\"name\": \"f\"}}");
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "https://api.anthropic.com/v1/messages");
    CHECK_STR(llm_at(b.body, "model"), "\"claude-y\"");
    CHECK_STR(llm_at(b.body, "max_tokens"), "300");
    CHECK_STR(llm_at(b.body, "system"), "(none)");
    CHECK_STR(llm_at(b.body, "stop_sequences"), "[\"a\",\"b\"]");
    CHECK_STR(llm_at(b.body, "tool_choice"), "{\"type\":\"tool\",\"name\":\"f\"}");
    CHECK_STR(llm_at(b.body, "stream"), "true");
    CHECK_STR(llm_header(&b, "accept"), "text/event-stream");
    llm_built_free(&b);
    static const char *const choices[][2] = {{"\"auto\"", "{\"type\":\"auto\"}"},
                                             {"\"none\"", "{\"type\":\"none\"}"}};
    for (size_t i = 0; i < 2; i++) {
        char req[256];
        snprintf(req, sizeof req, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                 " \"max_tokens\": 7, \"tools\": [{\"name\": \"f\"}], \"tool_choice\": %s}",
                 choices[i][0]);
        b = llm_build(p, "chat", req);
        CHECK_STR(llm_at(b.body, "tool_choice"), choices[i][1]);
        CHECK_STR(llm_at(b.body, "max_tokens"), "7");
        llm_built_free(&b);
    }
    b = llm_build(p, "embed", "{\"input\": \"x\"}");
    CHECK_INT(b.status, PLX_EUNSUPPORTED);
    CHECK_CONTAINS(plx_errmsg(ctx), "kind 'anthropic' has no op 'embed' (ops: chat, "
                   "chat_stream; Anthropic has no embeddings API)");
    b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"system\", \"content\": \"x\"}]}");
    CHECK_INT(b.status, PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.messages: needs a user message besides the "
                   "system ones");
    b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                  " \"top_k\": 3}");
    CHECK_INT(b.status, PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.top_k: unknown key");
    b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"user\", \"content\": 1}]}");
    CHECK_INT(b.status, PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.messages[0].content: expected a string");
    llm_free(ctx, p);
}

static void test_config(void)
{
    unsetenv("ANTHROPIC_API_KEY");
    CHECK_INT(llm_configure("anthropic", "{}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api_key: missing: give api_key");
    CHECK_CONTAINS(plx_errmsg(NULL), "ANTHROPIC_API_KEY");
    setenv("ANTHROPIC_API_KEY", "sk-ant-env", 1);
    CHECK_INT(llm_configure("anthropic", "{}"), PLX_OK);
    unsetenv("ANTHROPIC_API_KEY");
    CHECK_INT(llm_configure("anthropic", "{\"base_url\": \"http://127.0.0.1:1\"}"), PLX_OK);
    CHECK_INT(llm_configure("anthropic", "{\"api_key\": \"k\", \"max_tokens\": 0}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "max_tokens: expected an integer from 1 to");
    CHECK_INT(llm_configure("anthropic", "{\"api_key\": \"k\", \"api_version\": 2023}"),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api_version: expected a string");
    CHECK_INT(llm_configure("anthropic", "{\"api_key\": \"k\", \"api_version\": \"a\\nb\"}"),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api_version: contains CR, LF");
    CHECK_INT(llm_configure("anthropic", "{\"api_key\": \"k\", \"deployment\": \"d\"}"),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "deployment: unknown key");
}

static plx_ctx *scripted_ctx(const char *provider_config, scripted *s,
                             const scripted_reply *r, int n, plx_provider **p)
{
    char config[1024];
    snprintf(config, sizeof config, "{\"log_level\": \"none\", \"providers\": {\"claude\": %s}}",
             provider_config);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK) {
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
        return NULL;
    }
    plx_transport_funcs *t = scripted_funcs(s, r, n);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_ctx_provider(ctx, "claude", p);
    return ctx;
}

static void test_call_headers_and_result(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, "Content-Type: application/json\n"
        "request-id: req_011",
        "{\"id\": \"msg_01\", \"type\": \"message\", \"role\": \"assistant\", \"model\": "
        "\"claude-sonnet-4-20250514\", \"content\": [{\"type\": \"text\", \"text\": \"Hi \"},"
        " {\"type\": \"thinking\", \"thinking\": \"...\"}, {\"type\": \"text\", \"text\": \"there.\"}],"
        " \"stop_reason\": \"end_turn\", \"stop_sequence\": null,"
        " \"usage\": {\"input_tokens\": 10, \"output_tokens\": 4}}"}};
    scripted s;
    plx_provider *p = NULL;
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"anthropic\", \"api_key\": \"sk-ant-secret\","
                                " \"model\": \"claude-sonnet-4\"}", &s, r, 1, &p);
    char *out = NULL;
    CHECK_INT(plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}", &out),
              PLX_OK);
    CHECK_CONTAINS(out, "{\"text\":\"Hi there.\",\"finish_reason\":\"stop\",\"model\":"
                   "\"claude-sonnet-4-20250514\",\"id\":\"msg_01\",");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":10,\"output_tokens\":4}");
    CHECK_CONTAINS(s.last_headers, "x-api-key: sk-ant-secret");
    CHECK_CONTAINS(s.last_headers, "anthropic-version: 2023-06-01");
    CHECK_STR(s.last_auth, "");
    CHECK_STR(s.last_body, "{\"model\":\"claude-sonnet-4\",\"max_tokens\":1024,\"messages\":"
              "[{\"role\":\"user\",\"content\":\"Hello\"}]}");
    plx_free(out);
    plx_ctx_free(ctx);
    /* api_version; a version in "headers" is kept when api_version is absent */
    ctx = scripted_ctx("{\"kind\": \"anthropic\", \"api_key\": \"k\", \"model\": \"m\","
                       " \"api_version\": \"2024-01-01\"}", &s, r, 1, &p);
    plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}", &out);
    CHECK_CONTAINS(s.last_headers, "anthropic-version: 2024-01-01");
    plx_free(out);
    plx_ctx_free(ctx);
    ctx = scripted_ctx("{\"kind\": \"anthropic\", \"api_key\": \"k\", \"model\": \"m\","
                       " \"headers\": {\"anthropic-version\": \"2099-01-01\"}}", &s, r, 1, &p);
    plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}", &out);
    CHECK_CONTAINS(s.last_headers, "anthropic-version: 2099-01-01");
    CHECK(!strstr(s.last_headers, "2023-06-01"));
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_call_error(void)
{
    static const scripted_reply r[] = {{PLX_OK, 529, "Content-Type: application/json",
        "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": "
        "\"Overloaded\"}}"}};
    scripted s;
    plx_provider *p = NULL;
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"anthropic\", \"api_key\": \"k\", \"model\": \"m\","
                                " \"retry\": {\"max_attempts\": 1}}", &s, r, 1, &p);
    char *out = NULL;
    CHECK_INT(plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", &out),
              PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_code\":\"overloaded_error\"");
    CHECK_CONTAINS(out, "\"service_message\":\"Overloaded\"");
    CHECK_CONTAINS(out, "\"retryable\":true");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_parse_tool_use(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "anthropic", LOCAL);
    plx_status st;
    plx_reply r;
    char *out = llm_parse_full(p, "chat", 200,
        "{\"id\": \"msg_2\", \"type\": \"message\", \"model\": \"claude-z\", \"content\": ["
        "{\"type\": \"text\", \"text\": \"Let me check.\"},"
        "{\"type\": \"tool_use\", \"id\": \"toolu_9\", \"name\": \"get_weather\", \"input\": "
        "{\"city\": \"Oslo\"}}, {\"type\": \"tool_use\", \"id\": \"toolu_10\", \"name\": \"now\"}],"
        " \"stop_reason\": \"tool_use\", \"usage\": {\"input_tokens\": 20}}", &st, &r);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"text\":\"Let me check.\",\"finish_reason\":\"tool_calls\",\"model\":"
              "\"claude-z\",\"id\":\"msg_2\",\"tool_calls\":[{\"id\":\"toolu_9\",\"name\":"
              "\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}},{\"id\":\"toolu_10\","
              "\"name\":\"now\",\"arguments\":{}}]}");
    CHECK_INT(r.usage.input_tokens, 20);
    CHECK_INT(r.usage.output_tokens, -1);
    CHECK_STR(r.usage.model, "claude-z");
    plx_free(out);
    static const char *const reasons[][2] = {
        {"end_turn", "stop"}, {"stop_sequence", "stop"}, {"max_tokens", "length"},
        {"refusal", "content_filter"}, {"pause_turn", "pause_turn"}};
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        char body[256], want[96];
        snprintf(body, sizeof body, "{\"content\": [], \"stop_reason\": \"%s\"}", reasons[i][0]);
        out = llm_parse(p, "chat", 200, body, &st);
        snprintf(want, sizeof want, "{\"text\":\"\",\"finish_reason\":\"%s\",\"model\":"
                 "\"claude-x\"}", reasons[i][1]);
        CHECK_STR(out, want);
        plx_free(out);
    }
    llm_free(ctx, p);
}

static void test_parse_malformed(void)
{
    static const char *const cases[][2] = {
        {"", "reply: expected JSON, got an empty body"},
        {"[]", "reply: expected a JSON object"},
        {"{}", "reply.content: expected an array of content blocks"},
        {"{\"content\": \"text\"}", "reply.content: expected an array"},
        {"{\"content\": [1]}", "reply.content[0]: expected an object with a \"type\""},
        {"{\"content\": [{\"text\": \"a\"}]}", "reply.content[0]: expected an object with a"},
        {"{\"content\": [{\"type\": \"text\"}]}", "reply.content[0].text: expected a string"},
        {"{\"content\": [{\"type\": \"text\", \"text\": \"a\"}, {\"type\": \"tool_use\","
         " \"id\": \"t\"}]}", "reply.content[1]: a tool_use block needs id, name and an input"},
        {"{\"content\": [{\"type\": \"tool_use\", \"id\": \"t\", \"name\": \"f\", \"input\": "
         "\"{}\"}]}", "reply.content[0]: a tool_use block needs"},
        {"{\"type\": \"error\", \"error\": {\"type\": \"api_error\", \"message\": \"Internal\"}}",
         "reply: the service sent an error instead of a result"},
    };
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "anthropic", LOCAL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plx_status st;
        char *out = llm_parse(p, "chat", 200, cases[i][0], &st);
        CHECK_INT(st, PLX_EPROTOCOL);
        CHECK_CONTAINS(plx_errmsg(ctx), cases[i][1]);
        CHECK_STR(out, "{}");
        plx_free(out);
    }
    plx_status st;
    plx_reply r;
    char *out = llm_parse_full(p, "chat", 400, "{\"type\": \"error\", \"error\": {\"type\": "
                               "\"invalid_request_error\", \"message\": \"max_tokens: Field "
                               "required\"}}", &st, &r);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{}");
    CHECK_STR(r.service_code, "invalid_request_error");
    CHECK_STR(r.service_message, "max_tokens: Field required");
    plx_free(out);
    llm_free(ctx, p);
}

static void test_stream_events(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "anthropic", LOCAL);
    llm_stream ls;
    llm_stream_init(&ls);
    llm_event(p, &ls, "message_start", "{\"type\": \"message_start\", \"message\": {\"id\": "
              "\"msg_5\", \"type\": \"message\", \"role\": \"assistant\", \"content\": [], "
              "\"model\": \"claude-3-5\", \"stop_reason\": null, \"usage\": {\"input_tokens\": 25,"
              " \"output_tokens\": 1}}}");
    llm_event(p, &ls, "content_block_start", "{\"type\": \"content_block_start\", \"index\": 0,"
              " \"content_block\": {\"type\": \"text\", \"text\": \"\"}}");
    llm_event(p, &ls, "ping", "{\"type\": \"ping\"}");
    llm_event(p, &ls, "content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0,"
              " \"delta\": {\"type\": \"text_delta\", \"text\": \"Checking\"}}");
    llm_event(p, &ls, "content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0,"
              " \"delta\": {\"type\": \"text_delta\", \"text\": \" now.\"}}");
    llm_event(p, &ls, "content_block_stop", "{\"type\": \"content_block_stop\", \"index\": 0}");
    llm_event(p, &ls, "content_block_start", "{\"type\": \"content_block_start\", \"index\": 1,"
              " \"content_block\": {\"type\": \"tool_use\", \"id\": \"toolu_1\", \"name\": "
              "\"get_weather\", \"input\": {}}}");
    llm_event(p, &ls, "content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 1,"
              " \"delta\": {\"type\": \"input_json_delta\", \"partial_json\": \"\"}}");
    llm_event(p, &ls, "content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 1,"
              " \"delta\": {\"type\": \"input_json_delta\", \"partial_json\": \"{\\\"city\\\": \"}}");
    llm_event(p, &ls, "content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 1,"
              " \"delta\": {\"type\": \"input_json_delta\", \"partial_json\": \"\\\"Oslo\\\"}\"}}");
    llm_event(p, &ls, "content_block_stop", "{\"type\": \"content_block_stop\", \"index\": 1}");
    llm_event(p, &ls, "content_block_start", "{\"type\": \"content_block_start\", \"index\": 2,"
              " \"content_block\": {\"type\": \"tool_use\", \"id\": \"toolu_2\", \"name\": "
              "\"now\", \"input\": {}}}");
    /* a delta for a block that is not the current tool block is ignored */
    llm_event(p, &ls, "content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 7,"
              " \"delta\": {\"type\": \"input_json_delta\", \"partial_json\": \"garbage\"}}");
    llm_event(p, &ls, "some_future_event", "{\"type\": \"some_future_event\"}");
    llm_event(p, &ls, "content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0,"
              " \"delta\": {\"type\": \"thinking_delta\", \"thinking\": \"hmm\"}}");
    llm_event(p, &ls, "message_delta", "{\"type\": \"message_delta\", \"delta\": {\"stop_reason\":"
              " \"tool_use\", \"stop_sequence\": null}, \"usage\": {\"output_tokens\": 42}}");
    CHECK(!ls.s.ended);
    llm_event(p, &ls, "message_stop", "{\"type\": \"message_stop\"}");
    CHECK_INT(ls.status, PLX_OK);
    CHECK(ls.s.ended);
    CHECK_INT(ls.s.input_tokens, 25);
    CHECK_INT(ls.s.output_tokens, 42);
    CHECK_STR(ls.deltas.data, "Checking now.");
    char *out = llm_stream_result(&ls);
    CHECK_STR(out, "{\"text\":\"Checking now.\",\"finish_reason\":\"tool_calls\",\"model\":"
              "\"claude-3-5\",\"id\":\"msg_5\",\"tool_calls\":[{\"id\":\"toolu_1\",\"name\":"
              "\"get_weather\",\"arguments\":{\"city\": \"Oslo\"}},{\"id\":\"toolu_2\",\"name\":"
              "\"now\",\"arguments\":{}}]}");
    plx_free(out);
    llm_stream_free(&ls);
    llm_free(ctx, p);
}

static void test_stream_errors(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "anthropic", LOCAL);
    llm_stream ls;
    llm_stream_init(&ls);
    llm_event(p, &ls, "error", "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\","
              " \"message\": \"Overloaded\"}}");
    CHECK_INT(ls.status, PLX_OK);
    CHECK_INT(ls.s.error, PLX_EHTTP);
    CHECK_STR(ls.s.error_code, "overloaded_error");
    CHECK_STR(ls.s.error_message, "Overloaded");
    llm_stream_free(&ls);
    /* the event name may be absent: the data's type decides */
    llm_stream_init(&ls);
    llm_event(p, &ls, "message", "{\"type\": \"error\", \"error\": {\"type\": "
              "\"rate_limit_error\", \"message\": \"slow down\"}}");
    CHECK_INT(ls.s.error, PLX_ERATELIMIT);
    llm_event(p, &ls, "message", "{\"type\": \"message_stop\"}");
    CHECK(ls.s.ended);
    llm_event(p, &ls, "message", "{\"no_type\": 1}");
    CHECK_INT(ls.status, PLX_OK);
    llm_stream_free(&ls);
    static const char *const bad[] = {"", "{", "\"str\"", "event: x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        llm_stream_init(&ls);
        llm_event(p, &ls, "content_block_delta", bad[i]);
        CHECK_INT(ls.status, PLX_EPROTOCOL);
        CHECK_CONTAINS(plx_errmsg(ctx), "stream: expected a JSON object in each event");
        llm_stream_free(&ls);
    }
    /* members of the wrong type are skipped */
    llm_stream_init(&ls);
    llm_event(p, &ls, "message_start", "{\"message\": {\"model\": 3, \"usage\": []}}");
    llm_event(p, &ls, "content_block_start", "{\"index\": \"x\", \"content_block\": "
              "{\"type\": \"tool_use\"}}");
    llm_event(p, &ls, "content_block_delta", "{\"index\": -1, \"delta\": {\"type\": "
              "\"input_json_delta\", \"partial_json\": 5}}");
    llm_event(p, &ls, "message_delta", "{\"delta\": 1, \"usage\": {\"output_tokens\": \"9\"}}");
    CHECK_INT(ls.status, PLX_OK);
    CHECK_INT(ls.s.output_tokens, -1);
    llm_stream_free(&ls);
    llm_free(ctx, p);
}

TEST_MAIN(test_body, test_body_variants, test_config, test_call_headers_and_result,
          test_call_error, test_parse_tool_use, test_parse_malformed, test_stream_events,
          test_stream_errors)
