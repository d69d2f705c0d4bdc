/* Kind "openai" (and openai_wire.c): request bodies, validation, replies,
 * service errors, streamed chunks; a few calls end to end through the
 * scripted transport. */
#include "llm_test.h"
#include "scripted.h"

#define LOCAL "{\"base_url\": \"http://127.0.0.1:8000/v1\", \"model\": \"m1\"}"

static const char *const CHAT =
    "{\"messages\": [{\"role\": \"system\", \"content\": \"Be terse.\"},"
    " {\"role\": \"user\", \"content\": \"Weather in Oslo?\"},"
    " {\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"id\": \"call_1\","
    "   \"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}]},"
    " {\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\": \"{\\\"temp\\\": 3}\"}],"
    " \"max_tokens\": 64, \"temperature\": 0.2, \"top_p\": 0.9, \"stop\": [\"\\n\\n\"],"
    " \"tools\": [{\"name\": \"get_weather\", \"description\": \"Weather now\","
    "   \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}],"
    " \"tool_choice\": {\"name\": \"get_weather\"}}";

static void test_chat_body(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai", LOCAL);
    llm_built b = llm_build(p, "chat", CHAT);
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "http://127.0.0.1:8000/v1/chat/completions");
    CHECK_STR(b.method, "POST");
    CHECK_STR(llm_header(&b, "content-type"), "application/json");
    CHECK_STR(llm_at(b.body, "model"), "\"m1\"");
    CHECK_STR(llm_at(b.body, "messages[0]"), "{\"role\":\"system\",\"content\":\"Be terse.\"}");
    CHECK_STR(llm_at(b.body, "messages[2].tool_calls[0]"),
              "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
              "\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}");
    CHECK_STR(llm_at(b.body, "messages[3]"), "{\"role\":\"tool\",\"content\":\"{\\\"temp\\\": 3}\","
              "\"tool_call_id\":\"call_1\"}");
    CHECK_STR(llm_at(b.body, "max_tokens"), "64");
    CHECK_STR(llm_at(b.body, "max_completion_tokens"), "(none)");
    CHECK_STR(llm_at(b.body, "temperature"), "0.2");
    CHECK_STR(llm_at(b.body, "top_p"), "0.9");
    CHECK_STR(llm_at(b.body, "stop"), "[\"\\n\\n\"]");
    CHECK_STR(llm_at(b.body, "tools[0]"),
              "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
              "\"Weather now\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
              "{\"type\":\"string\"}}}}}");
    CHECK_STR(llm_at(b.body, "tool_choice"),
              "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}");
    CHECK_STR(llm_at(b.body, "stream"), "(none)");
    llm_built_free(&b);
    llm_free(ctx, p);
}

static void test_chat_body_variants(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai",
                                   "{\"api_key\": \"sk-x\", \"model\": \"gpt-4o-mini\"}");
    llm_built b = llm_build(p, "chat_stream", "{\"model\": \"gpt-4.1\", \"messages\": "
                            "[{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 5,"
                            " \"stop\": \"END\", \"tools\": [{\"name\": \"f\"}],"
                            " \"tool_choice\": \"required\"}");
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "https://api.openai.com/v1/chat/completions");
    CHECK_STR(llm_at(b.body, "model"), "\"gpt-4.1\"");
    /* OpenAI itself gets the newer name */
    CHECK_STR(llm_at(b.body, "max_completion_tokens"), "5");
    CHECK_STR(llm_at(b.body, "max_tokens"), "(none)");
    CHECK_STR(llm_at(b.body, "stop"), "\"END\"");
    CHECK_STR(llm_at(b.body, "tools[0]"), "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}");
    CHECK_STR(llm_at(b.body, "tool_choice"), "\"required\"");
    CHECK_STR(llm_at(b.body, "stream"), "true");
    CHECK_STR(llm_at(b.body, "stream_options"), "{\"include_usage\":true}");
    CHECK_STR(llm_header(&b, "accept"), "text/event-stream");
    llm_built_free(&b);
    llm_free(ctx, p);
}

static void test_embed_body(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai", "{\"base_url\": \"http://h:1/v1/\","
                                   " \"model\": \"chat-m\", \"embed_model\": \"emb-m\"}");
    llm_built b = llm_build(p, "embed", "{\"input\": [\"a\", \"b\"]}");
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "http://h:1/v1/embeddings");
    CHECK_STR(llm_at(b.body, ""), "{\"model\":\"emb-m\",\"input\":[\"a\",\"b\"]}");
    llm_built_free(&b);
    b = llm_build(p, "embed", "{\"model\": \"other\", \"input\": \"one\"}");
    CHECK_STR(llm_at(b.body, ""), "{\"model\":\"other\",\"input\":\"one\"}");
    llm_built_free(&b);
    b = llm_build(p, "complete", "{}");
    CHECK_INT(b.status, PLX_EUNSUPPORTED);
    CHECK_CONTAINS(plx_errmsg(ctx), "kind 'openai' has no op 'complete' (ops: chat, "
                   "chat_stream, embed)");
    llm_free(ctx, p);
}

/* Every request check, with the message it gives. */
static void test_validation(void)
{
    static const char *const cases[][2] = {
        {"{}", "request.messages: expected a non-empty array"},
        {"{\"messages\": []}", "request.messages: expected a non-empty array"},
        {"{\"messages\": [1]}", "request.messages[0]: expected an object"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"bot\","
         " \"content\": \"b\"}]}",
         "request.messages[1].role: expected one of system, user, assistant, tool"},
        {"{\"messages\": [{\"content\": \"a\"}]}", "request.messages[0].role: expected one of"},
        {"{\"messages\": [{\"role\": \"user\"}]}", "request.messages[0].content: expected a string"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\"}]}]}",
         "request.messages[0].content: expected a string"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\", \"nme\": 1}]}",
         "request.messages[0].nme: unknown key"},
        {"{\"messages\": [{\"role\": \"tool\", \"content\": \"a\"}]}",
         "request.messages[0].tool_call_id: expected a non-empty string"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\", \"tool_call_id\": \"x\"}]}",
         "request.messages[0].tool_call_id: only tool messages"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\", \"tool_calls\": []}]}",
         "request.messages[0].tool_calls: only assistant messages"},
        {"{\"messages\": [{\"role\": \"assistant\", \"tool_calls\": {}}]}",
         "request.messages[0].tool_calls: expected an array"},
        {"{\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"name\": \"f\"}]}]}",
         "request.messages[0].tool_calls[0].id: expected a non-empty string"},
        {"{\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"c\","
         " \"name\": \"a b\"}]}]}",
         "request.messages[0].tool_calls[0].name: expected 1 to 64 letters"},
        {"{\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"c\","
         " \"name\": \"f\", \"arguments\": \"{}\"}]}]}",
         "request.messages[0].tool_calls[0].arguments: expected a JSON object (not a string)"},
        {"{\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [3]}]}",
         "request.messages[0].tool_calls[0]: expected an object"},
        {"{\"messages\": [{\"role\": \"assistant\", \"tool_calls\": []}]}",
         "request.messages[0].content: expected a string"},
        {"{\"model\": 3, \"messages\": [{\"role\": \"user\", \"content\": \"a\"}]}",
         "request.model: expected a non-empty string"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"max_tokens\": 0}",
         "request.max_tokens: expected an integer from 1 to"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"max_tokens\": 1.5}",
         "request.max_tokens: expected an integer"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"temperature\": 3}",
         "request.temperature: expected a number from 0 to 2"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"temperature\": \"hot\"}",
         "request.temperature: expected a number"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"top_p\": -1}",
         "request.top_p: expected a number from 0 to 1"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"stop\": [1]}",
         "request.stop: expected a string or an array of strings"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tools\": {}}",
         "request.tools: expected an array"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tools\": [{}]}",
         "request.tools[0].name: expected 1 to 64"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tools\": [{\"name\": \"f\","
         " \"parameters\": \"x\"}]}", "request.tools[0].parameters: expected a JSON schema object"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tools\": [{\"name\": \"f\","
         " \"description\": 1}]}", "request.tools[0].description: expected a string"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tools\": [{\"name\": \"f\","
         " \"type\": \"function\"}]}", "request.tools[0].type: unknown key"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tool_choice\": \"auto\"}",
         "request.tool_choice: needs request.tools"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tools\": [{\"name\": \"f\"}],"
         " \"tool_choice\": \"any\"}", "request.tool_choice: expected \"auto\""},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tools\": [{\"name\": \"f\"}],"
         " \"tool_choice\": {\"type\": \"function\"}}", "request.tool_choice.type: unknown key"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"stream\": true}",
         "request.stream: unknown key (known: model, messages"},
    };
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai", LOCAL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llm_built b = llm_build(p, "chat", cases[i][0]);
        CHECK_INT(b.status, PLX_EINVAL);
        CHECK_CONTAINS(plx_errmsg(ctx), cases[i][1]);
        llm_built_free(&b);
    }
    static const char *const embeds[][2] = {
        {"{}", "request.input: expected a string or a non-empty array of strings"},
        {"{\"input\": []}", "request.input: expected a string or a non-empty array"},
        {"{\"input\": [\"a\", 2]}", "request.input[1]: expected a string"},
        {"{\"input\": \"a\", \"dimensions\": 3}", "request.dimensions: unknown key"},
        {"{\"input\": \"a\", \"model\": \"\"}", "request.model: expected a non-empty string"},
    };
    for (size_t i = 0; i < sizeof embeds / sizeof embeds[0]; i++) {
        llm_built b = llm_build(p, "embed", embeds[i][0]);
        CHECK_INT(b.status, PLX_EINVAL);
        CHECK_CONTAINS(plx_errmsg(ctx), embeds[i][1]);
        llm_built_free(&b);
    }
    llm_free(ctx, p);
    /* no model anywhere */
    p = llm_provider(&ctx, "openai", "{\"base_url\": \"http://127.0.0.1:9/v1\"}");
    llm_built b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}]}");
    CHECK_INT(b.status, PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.model: missing, and provider 'openai' has no "
                   "\"model\" key");
    llm_built_free(&b);
    llm_free(ctx, p);
}

static void test_config(void)
{
    unsetenv("OPENAI_API_KEY");
    CHECK_INT(llm_configure("openai", "{\"base_url\": \"https://eu.api.openai.com/v1\"}"),
              PLX_ECONFIG);
    CHECK_INT(llm_configure("openai", "{}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api_key: missing: give api_key (a string, {\"env\": "
                   "NAME} or {\"file\": PATH}) or auth, or set the environment variable "
                   "OPENAI_API_KEY");
    setenv("OPENAI_API_KEY", "sk-from-env", 1);
    CHECK_INT(llm_configure("openai", "{}"), PLX_OK);
    unsetenv("OPENAI_API_KEY");
    /* a key in "headers" will do */
    CHECK_INT(llm_configure("openai", "{\"headers\": {\"authorization\": \"Bearer k\"}}"), PLX_OK);
    /* a local server needs no key */
    CHECK_INT(llm_configure("openai", "{\"base_url\": \"http://localhost:11434/v1\"}"), PLX_OK);
    CHECK_INT(llm_configure("openai", "{\"api_key\": {\"env\": \"PLX_NO_SUCH_VAR\"}}"),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api_key: environment variable PLX_NO_SUCH_VAR is not set");
    CHECK_INT(llm_configure("openai", "{\"api_key\": \"k\", \"auth\": {\"type\": \"none\"}}"),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api_key: give api_key or auth, not both");
    CHECK_INT(llm_configure("openai", "{\"api_key\": \"k\", \"modle\": \"x\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "modle: unknown key");
    CHECK_INT(llm_configure("openai", "{\"api_key\": \"k\", \"model\": \"\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "model: expected a non-empty string");
    CHECK_INT(llm_configure("openai", "{\"api_key\": \"k\", \"organization\": \"a\\nb\"}"),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "organization: contains CR, LF");
    CHECK_INT(llm_configure("openai", "{\"api_key\": \"k\\r\\nX: y\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api_key: contains CR, LF or control bytes");
}

static plx_ctx *scripted_ctx(const char *provider_config, scripted *s,
                             const scripted_reply *r, int n, plx_provider **p)
{
    char config[1024];
    snprintf(config, sizeof config, "{\"log_level\": \"none\", \"providers\": {\"ai\": %s}}",
             provider_config);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK) {
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
        return NULL;
    }
    plx_transport_funcs *t = scripted_funcs(s, r, n);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_ctx_provider(ctx, "ai", p);
    return ctx;
}

static void test_call_end_to_end(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, "Content-Type: application/json",
        "{\"id\": \"chatcmpl-1\", \"object\": \"chat.completion\", \"model\": \"gpt-4o-mini-2024-07-18\","
        " \"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"Hi.\"},"
        " \"finish_reason\": \"stop\"}], \"usage\": {\"prompt_tokens\": 12, \"completion_tokens\": 3}}"}};
    scripted s;
    plx_provider *p = NULL;
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"openai\", \"api_key\": \"sk-secret-1\","
                                " \"organization\": \"org-1\", \"project\": \"proj-1\","
                                " \"model\": \"gpt-4o-mini\"}", &s, r, 1, &p);
    char *out = NULL;
    CHECK_INT(plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}", &out),
              PLX_OK);
    CHECK_CONTAINS(out, "\"text\":\"Hi.\",\"finish_reason\":\"stop\",\"model\":"
                   "\"gpt-4o-mini-2024-07-18\",\"id\":\"chatcmpl-1\"");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":12,\"output_tokens\":3}");
    CHECK_CONTAINS(out, "\"provider\":\"ai\"");
    CHECK_STR(s.last_url, "https://api.openai.com/v1/chat/completions");
    CHECK_STR(s.last_auth, "Bearer sk-secret-1");
    CHECK_CONTAINS(s.last_headers, "OpenAI-Organization: org-1");
    CHECK_CONTAINS(s.last_headers, "OpenAI-Project: proj-1");
    CHECK_STR(s.last_body, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
              "\"content\":\"Hello\"}]}");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_call_local_server_no_auth(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, NULL,
        "{\"choices\": [{\"message\": {\"content\": \"ok\"}}]}"}};
    scripted s;
    plx_provider *p = NULL;
    setenv("OPENAI_API_KEY", "sk-must-not-leak", 1);
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"openai\", \"base_url\": \"http://127.0.0.1:8080/v1\","
                                " \"model\": \"llama\"}", &s, r, 1, &p);
    unsetenv("OPENAI_API_KEY");
    char *out = NULL;
    CHECK_INT(plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", &out),
              PLX_OK);
    CHECK_STR(s.last_auth, "");
    /* lenient: no id, usage or finish_reason; the model is the configured one */
    CHECK_CONTAINS(out, "{\"text\":\"ok\",\"finish_reason\":\"stop\",\"model\":\"llama\",");
    CHECK(!strstr(out, "\"usage\""));
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_call_service_error(void)
{
    static const scripted_reply r[] = {{PLX_OK, 400, "Content-Type: application/json\n"
        "x-request-id: req_9",
        "{\"error\": {\"message\": \"This model's maximum context length is 8192 tokens.\","
        " \"type\": \"invalid_request_error\", \"param\": \"messages\","
        " \"code\": \"context_length_exceeded\"}}"}};
    scripted s;
    plx_provider *p = NULL;
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"openai\", \"api_key\": \"sk-2\", \"model\": \"m\"}",
                                &s, r, 1, &p);
    char *out = NULL;
    CHECK_INT(plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", &out),
              PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_code\":\"context_length_exceeded\"");
    CHECK_CONTAINS(out, "\"service_message\":\"This model's maximum context length is 8192 "
                   "tokens.\"");
    CHECK_CONTAINS(out, "\"http_status\":400");
    CHECK_CONTAINS(out, "\"request_id\":\"req_9\"");
    CHECK_CONTAINS(plx_errmsg(ctx), "maximum context length");
    CHECK_INT(s.sent, 1);
    plx_free(out);
    plx_ctx_free(ctx);
}

/* A service that echoes the key must not get it into the result. */
static void test_call_secret_echoed(void)
{
    static const scripted_reply r[] = {{PLX_OK, 401, "Content-Type: application/json",
        "{\"error\": {\"message\": \"Incorrect API key provided: sk-echo-me-123.\","
        " \"type\": \"invalid_request_error\", \"code\": \"invalid_api_key\"}}"}};
    scripted s;
    plx_provider *p = NULL;
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"openai\", \"api_key\": \"sk-echo-me-123\","
                                " \"model\": \"m\"}", &s, r, 1, &p);
    char *out = NULL;
    CHECK_INT(plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", &out),
              PLX_EAUTH);
    CHECK(!strstr(out, "sk-echo-me-123"));
    CHECK_CONTAINS(out, "\"service_message\":\"Incorrect API key provided: [REDACTED].\"");
    CHECK_CONTAINS(out, "\"service_code\":\"invalid_api_key\"");
    CHECK(!strstr(plx_errmsg(ctx), "sk-echo-me-123"));
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_parse_chat_tool_calls(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai", LOCAL);
    plx_status st;
    plx_reply r;
    char *out = llm_parse_full(p, "chat", 200,
        "{\"id\": \"c1\", \"model\": \"m2\", \"choices\": [{\"index\": 0, \"finish_reason\":"
        " \"tool_calls\", \"message\": {\"role\": \"assistant\", \"content\": null, \"tool_calls\": ["
        "{\"id\": \"call_a\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\","
        " \"arguments\": \"{\\\"city\\\": \\\"Oslo\\\"}\"}},"
        "{\"type\": \"function\", \"function\": {\"name\": \"now\", \"arguments\": \"\"}},"
        "{\"id\": \"call_c\", \"function\": {\"name\": \"bad\", \"arguments\": \"{\\\"x\\\": \"}},"
        "{\"id\": \"call_d\", \"function\": {\"name\": \"obj\", \"arguments\": {\"k\": 1}}}]}}],"
        " \"usage\": {\"prompt_tokens\": 5, \"completion_tokens\": 7, \"total_tokens\": 12}}",
        &st, &r);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"text\":\"\",\"finish_reason\":\"tool_calls\",\"model\":\"m2\",\"id\":\"c1\","
              "\"tool_calls\":[{\"id\":\"call_a\",\"name\":\"get_weather\",\"arguments\":"
              "{\"city\":\"Oslo\"}},{\"id\":\"call_1\",\"name\":\"now\",\"arguments\":{}},"
              "{\"id\":\"call_c\",\"name\":\"bad\",\"arguments\":{},\"arguments_text\":"
              "\"{\\\"x\\\": \"},{\"id\":\"call_d\",\"name\":\"obj\",\"arguments\":{\"k\":1}}]}");
    CHECK_INT(r.usage.input_tokens, 5);
    CHECK_INT(r.usage.output_tokens, 7);
    CHECK_STR(r.usage.model, "m2");
    plx_free(out);
    /* finish reasons */
    static const char *const reasons[][2] = {
        {"length", "length"}, {"content_filter", "content_filter"},
        {"function_call", "tool_calls"}, {"eos", "stop"}, {"something_new", "something_new"}};
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"choices\": [{\"message\": {\"content\": \"t\"}, "
                 "\"finish_reason\": \"%s\"}]}", reasons[i][0]);
        out = llm_parse(p, "chat", 200, body, &st);
        char want[96];
        snprintf(want, sizeof want, "\"finish_reason\":\"%s\"", reasons[i][1]);
        CHECK_CONTAINS(out, want);
        plx_free(out);
    }
    llm_free(ctx, p);
}

/* Replies that are not what the protocol says: PLX_EPROTOCOL, nothing
 * half-written. */
static void test_parse_malformed(void)
{
    static const char *const cases[][2] = {
        {"", "reply: expected JSON, got an empty body"},
        {"<html>busy</html>", "reply: expected JSON, got '<html>busy</html>'"},
        {"[1]", "reply: expected a JSON object"},
        {"{}", "reply.choices: expected a non-empty array"},
        {"{\"choices\": []}", "reply.choices: expected a non-empty array"},
        {"{\"choices\": {}}", "reply.choices: expected a non-empty array"},
        {"{\"choices\": [{\"text\": \"legacy\"}]}", "reply.choices[0].message: expected an object"},
        {"{\"choices\": [{\"message\": {\"content\": 3}}]}",
         "reply.choices[0].message.content: expected a string or null"},
        {"{\"choices\": [{\"message\": {\"content\": \"a\", \"tool_calls\": {}}}]}",
         "reply.choices[0].message.tool_calls: expected an array"},
        {"{\"choices\": [{\"message\": {\"tool_calls\": [{\"id\": \"x\"}]}}]}",
         "reply.choices[0].message.tool_calls[0]: expected an object with a \"function\""},
        {"{\"choices\": [{\"message\": {\"tool_calls\": [{\"function\": {}}]}}]}",
         "reply.choices[0].message.tool_calls[0].function.name: expected a string"},
        {"{\"choices\": [{\"message\": {\"tool_calls\": [{\"function\": {\"name\": \"f\","
         " \"arguments\": 5}}]}}]}", "tool_calls[0].function.arguments: expected a string of JSON"},
        {"{\"choices\": [{\"message\": {\"tool_calls\": [{\"id\": 5, \"function\": "
         "{\"name\": \"f\"}}]}}]}", "tool_calls[0].id: expected a string"},
        {"{\"choices\": [{\"message\": {}, \"finish_reason\": 1}]}",
         "reply.choices[0].finish_reason: expected a string or null"},
        {"{\"error\": {\"message\": \"upstream failed\", \"code\": \"server_error\"}}",
         "reply: the service sent an error instead of a result"},
    };
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai", LOCAL);
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
    char *out = llm_parse_full(p, "chat", 200, cases[14][0], &st, &r);
    CHECK_STR(r.service_message, "upstream failed");
    CHECK_STR(r.service_code, "server_error");
    plx_free(out);
    llm_free(ctx, p);
}

static void test_parse_errors(void)
{
    static const char *const cases[][3] = {
        {"{\"error\": {\"message\": \"Rate limit reached\", \"type\": \"requests\","
         " \"param\": null, \"code\": \"rate_limit_exceeded\"}}",
         "Rate limit reached", "rate_limit_exceeded"},
        {"{\"error\": {\"message\": \"Incorrect API key\", \"type\": \"invalid_request_error\","
         " \"code\": null}}", "Incorrect API key", "invalid_request_error"},
        /* vLLM */
        {"{\"object\": \"error\", \"message\": \"max_tokens is too large\", \"type\":"
         " \"BadRequestError\", \"param\": null, \"code\": 400}",
         "max_tokens is too large", "BadRequestError"},
        /* Ollama, llama.cpp */
        {"{\"error\": \"model 'x' not found\"}", "model 'x' not found", ""},
        /* FastAPI */
        {"{\"detail\": [{\"loc\": [\"body\"], \"msg\": \"field required\", \"type\": "
         "\"missing\"}]}", "field required", ""},
        {"upstream connect error", "upstream connect error", ""},
        {"{\"weird\": true}", "{\"weird\": true}", ""},
    };
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai", LOCAL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plx_status st;
        plx_reply r;
        char *out = llm_parse_full(p, "chat", 429, cases[i][0], &st, &r);
        CHECK_INT(st, PLX_OK);
        CHECK_STR(out, "{}");
        CHECK_STR(r.service_message, cases[i][1]);
        CHECK_STR(r.service_code, cases[i][2]);
        plx_free(out);
    }
    llm_free(ctx, p);
}

static void test_parse_embed(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai", LOCAL);
    plx_status st;
    plx_reply r;
    char *out = llm_parse_full(p, "embed", 200,
        "{\"object\": \"list\", \"model\": \"text-embedding-3-small\", \"data\": ["
        "{\"object\": \"embedding\", \"index\": 1, \"embedding\": [0.5, -1]},"
        "{\"object\": \"embedding\", \"index\": 0, \"embedding\": [0.25, 2e-3]}],"
        " \"usage\": {\"prompt_tokens\": 4, \"total_tokens\": 4}}", &st, &r);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"vectors\":[[0.25,0.002],[0.5,-1]],\"model\":\"text-embedding-3-small\"}");
    CHECK_INT(r.usage.input_tokens, 4);
    CHECK_INT(r.usage.output_tokens, 0);
    plx_free(out);
    /* no index, no usage, no model: input order, the configured model */
    out = llm_parse_full(p, "embed", 200, "{\"data\": [{\"embedding\": [1]}, {\"embedding\": [2]}]}",
                         &st, &r);
    CHECK_STR(out, "{\"vectors\":[[1],[2]],\"model\":\"m1\"}");
    CHECK_INT(r.usage.input_tokens, -1);
    plx_free(out);
    static const char *const bad[][2] = {
        {"{\"data\": []}", "reply.data: expected a non-empty array"},
        {"{\"data\": [{\"embedding\": \"AAAA\"}]}",
         "reply.data[0].embedding: expected an array of numbers"},
        {"{\"data\": [{\"embedding\": [1, \"x\"]}]}", "reply.data[0].embedding: expected"},
        {"{\"data\": [{\"embedding\": [1], \"index\": 0}, {\"embedding\": [1], \"index\": 0}]}",
         "reply.data[1].index: expected distinct integers"},
        {"{\"data\": [{\"embedding\": [1], \"index\": 5}]}", "reply.data[0].index"},
        {"{\"data\": [{\"embedding\": [1], \"index\": 0.5}]}", "reply.data[0].index"},
        {"{\"data\": [{\"embedding\": [1], \"index\": \"0\"}]}", "reply.data[0].index"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = llm_parse(p, "embed", 200, bad[i][0], &st);
        CHECK_INT(st, PLX_EPROTOCOL);
        CHECK_CONTAINS(plx_errmsg(ctx), bad[i][1]);
        CHECK_STR(out, "{}");
        plx_free(out);
    }
    llm_free(ctx, p);
}

static void test_stream_chunks(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai", LOCAL);
    llm_stream ls;
    llm_stream_init(&ls);
    llm_event(p, &ls, "message", "{\"id\": \"chatcmpl-7\", \"model\": \"m-2024\", \"choices\": "
              "[{\"index\": 0, \"delta\": {\"role\": \"assistant\", \"content\": \"\"}}]}");
    llm_event(p, &ls, "message", "{\"choices\": [{\"index\": 0, \"delta\": {\"content\": \"Hel\"}}]}");
    llm_event(p, &ls, "message", "{\"choices\": [{\"index\": 1, \"delta\": {\"content\": \"NO\"}},"
              " {\"index\": 0, \"delta\": {\"content\": \"lo\"}}]}");
    llm_event(p, &ls, "message", "{\"choices\": [{\"index\": 0, \"delta\": {\"tool_calls\": "
              "[{\"index\": 0, \"id\": \"call_1\", \"type\": \"function\", \"function\": "
              "{\"name\": \"get_weather\", \"arguments\": \"\"}}]}}]}");
    llm_event(p, &ls, "message", "{\"choices\": [{\"index\": 0, \"delta\": {\"tool_calls\": "
              "[{\"index\": 0, \"function\": {\"arguments\": \"{\\\"city\\\":\"}}]}}]}");
    llm_event(p, &ls, "message", "{\"choices\": [{\"index\": 0, \"delta\": {\"tool_calls\": "
              "[{\"index\": 0, \"function\": {\"arguments\": \" \\\"Oslo\\\"}\"}}]}}]}");
    llm_event(p, &ls, "message", "{\"choices\": [{\"index\": 0, \"delta\": {}, "
              "\"finish_reason\": \"tool_calls\"}], \"usage\": null, \"x_new_field\": 1}");
    llm_event(p, &ls, "message", "{\"choices\": [], \"usage\": {\"prompt_tokens\": 9, "
              "\"completion_tokens\": 4}}");
    CHECK(!ls.s.ended);
    llm_event(p, &ls, "message", "[DONE]\n");
    CHECK_INT(ls.status, PLX_OK);
    CHECK(ls.s.ended);
    CHECK_INT(ls.s.error, PLX_OK);
    CHECK_INT(ls.s.input_tokens, 9);
    CHECK_INT(ls.s.output_tokens, 4);
    CHECK_STR(ls.deltas.data, "Hello");
    CHECK_INT(ls.delta_count, 2);
    char *out = llm_stream_result(&ls);
    CHECK_STR(out, "{\"text\":\"Hello\",\"finish_reason\":\"tool_calls\",\"model\":\"m-2024\","
              "\"id\":\"chatcmpl-7\",\"tool_calls\":[{\"id\":\"call_1\",\"name\":\"get_weather\","
              "\"arguments\":{\"city\": \"Oslo\"}}]}");
    plx_free(out);
    llm_stream_free(&ls);
    llm_free(ctx, p);
}

static void test_stream_errors(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "openai", LOCAL);
    llm_stream ls;
    llm_stream_init(&ls);
    llm_event(p, &ls, "message", "{\"choices\": [{\"delta\": {\"content\": \"a\"}}]}");
    llm_event(p, &ls, "message", "{\"error\": {\"message\": \"Rate limit\", \"type\": "
              "\"rate_limit_error\", \"code\": \"rate_limit_exceeded\"}}");
    CHECK_INT(ls.status, PLX_OK);
    CHECK_INT(ls.s.error, PLX_ERATELIMIT);
    CHECK_STR(ls.s.error_code, "rate_limit_exceeded");
    CHECK_STR(ls.s.error_message, "Rate limit");
    llm_stream_free(&ls);

    llm_stream_init(&ls);
    llm_event(p, &ls, "error", "{\"message\": \"boom\"}");
    CHECK_INT(ls.s.error, PLX_EHTTP);
    CHECK_STR(ls.s.error_message, "boom");
    llm_stream_free(&ls);

    static const char *const bad[][2] = {
        {"not json", "stream: expected a JSON object in each event, got 'not json'"},
        {"[1,2]", "stream: expected a JSON object"},
        {"", "stream: expected a JSON object"},
        {"{\"choices\": [{\"delta\": {\"tool_calls\": [{\"index\": 500}]}}]}",
         "stream: delta.tool_calls[0].index: 500 is out of range"},
        {"{\"choices\": [{\"delta\": {\"tool_calls\": [{\"index\": -1}]}}]}",
         "stream: delta.tool_calls[0].index: -1 is out of range"},
        {"{\"choices\": [{\"delta\": {\"tool_calls\": [{\"index\": 5e300}]}}]}",
         "stream: delta.tool_calls[0].index: 5e+300 is out of range"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        llm_stream_init(&ls);
        llm_event(p, &ls, "message", bad[i][0]);
        CHECK_INT(ls.status, PLX_EPROTOCOL);
        CHECK_CONTAINS(plx_errmsg(ctx), bad[i][1]);
        llm_stream_free(&ls);
    }
    /* members of the wrong type are skipped, not trusted */
    llm_stream_init(&ls);
    llm_event(p, &ls, "message", "{\"model\": 1, \"choices\": [{\"delta\": {\"content\": 2, "
              "\"tool_calls\": {}}, \"finish_reason\": 3}], \"usage\": {\"prompt_tokens\": -4}}");
    CHECK_INT(ls.status, PLX_OK);
    CHECK_INT(ls.s.input_tokens, -1);
    CHECK_STR(ls.s.model, "");
    llm_stream_free(&ls);
    llm_free(ctx, p);
}

static int collect(const char *text, size_t len, void *ud)
{
    plx_buf_append(ud, text, len);
    return 0;
}

static void test_chat_stream_end_to_end(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, "Content-Type: text/event-stream",
        "data: {\"model\":\"m9\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"},"
        "\"finish_reason\":\"length\"}]}\n\n"
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":2}}\n\n"
        "data: [DONE]\n\n"}};
    scripted s;
    plx_provider *p = NULL;
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"openai\", \"base_url\": \"http://127.0.0.1:1/v1\","
                                " \"model\": \"m9\"}", &s, r, 1, &p);
    plx_buf text = {0};
    char *out = NULL;
    CHECK_INT(plx_chat_stream(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}",
                              collect, &text, &out), PLX_OK);
    CHECK_STR(text.data, "Hi there");
    CHECK_CONTAINS(out, "\"text\":\"Hi there\",\"finish_reason\":\"length\",\"model\":\"m9\"");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":2,\"output_tokens\":2}");
    CHECK_CONTAINS(s.last_body, "\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    plx_free(out);
    plx_buf_free(&text);
    plx_ctx_free(ctx);
}

TEST_MAIN(test_chat_body, test_chat_body_variants, test_embed_body, test_validation,
          test_config, test_call_end_to_end, test_call_local_server_no_auth,
          test_call_service_error, test_call_secret_echoed, test_parse_chat_tool_calls, test_parse_malformed,
          test_parse_errors, test_parse_embed, test_stream_chunks, test_stream_errors,
          test_chat_stream_end_to_end)
