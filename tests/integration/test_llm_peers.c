/* The LLM kinds against the peers of ../shared/peers: prism with OpenAI's
 * and Anthropic's OpenAPI specs (every request must validate: a 422 fails),
 * mock-llm (OpenAI-style JSON and SSE), and the Anthropic SSE transcript
 * and JSON servers. Skips, saying why, when the peers are absent. */
#include "../tap.h"

#include <plexus.h>
#include <stdlib.h>

static const char *openai_url, *openai_key, *anthropic_url, *anthropic_key, *mock_llm_url,
    *sse_anthropic_url, *mockttp_url;

#define QUIET "\"log_level\": \"error\""
#define ONE_ATTEMPT "\"retry\": {\"max_attempts\": 1}"

/* A whole conversation in the canonical form: system prompt, a tool call
 * and its result, tools and sampling options. */
static const char *const CONVERSATION =
    "{\"messages\": ["
    "  {\"role\": \"system\", \"content\": \"You are terse.\"},"
    "  {\"role\": \"user\", \"content\": \"Weather in Oslo?\"},"
    "  {\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"id\": \"toolu_01\","
    "    \"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"units\": \"metric\"}}]},"
    "  {\"role\": \"tool\", \"tool_call_id\": \"toolu_01\", \"content\": \"{\\\"temp\\\": 3}\"},"
    "  {\"role\": \"user\", \"content\": \"And tomorrow?\"}],"
    " \"max_tokens\": 64, \"temperature\": 0.2, \"top_p\": 0.9, \"stop\": [\"\\n\\n\"],"
    " \"tools\": [{\"name\": \"get_weather\", \"description\": \"Current weather\","
    "   \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"},"
    "     \"units\": {\"type\": \"string\", \"enum\": [\"metric\", \"imperial\"]}},"
    "     \"required\": [\"city\"]}}],"
    " \"tool_choice\": \"required\"}";

static plx_provider *provider(plx_ctx **ctx, const char *kind, const char *config)
{
    plx_provider *p = NULL;
    *ctx = NULL;
    plx_ctx_new(ctx, "{" QUIET "}");
    if (plx_provider_new(*ctx, kind, config, &p) != PLX_OK)
        fprintf(stderr, "plx_provider_new(%s): %s\n", kind, plx_errmsg(*ctx));
    return p;
}

/* A call that must succeed; shows the result when it does not (a 422 from
 * prism names the request member that broke the spec). */
static void must(plx_ctx *ctx, plx_status st, const char *out)
{
    if (st != PLX_OK)
        fprintf(stderr, "call failed: %s\n  result: %s\n", plx_errmsg(ctx),
                out ? out : "(none)");
    CHECK_INT(st, PLX_OK);
}

static void test_openai_chat_prism(void)
{
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", \"api_key\": \"%s\", \"model\": "
             "\"gpt-4o-mini\", " ONE_ATTEMPT "}", openai_url, openai_key);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "openai", config);
    char *out = NULL;
    plx_status st = plx_chat(p, CONVERSATION, &out);
    must(ctx, st, out);
    CHECK_CONTAINS(out, "\"text\":");
    CHECK_CONTAINS(out, "\"finish_reason\":\"stop\"");
    /* prism's example has a tool call whose arguments are not JSON */
    CHECK_CONTAINS(out, "\"tool_calls\":[{\"id\":\"string\",\"name\":\"string\",\"arguments\":{},"
                   "\"arguments_text\":\"string\"}]");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}");
    plx_free(out);
    st = plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                             " \"tools\": [{\"name\": \"now\"}], \"tool_choice\": {\"name\": "
                             "\"now\"}, \"stop\": \"END\"}", &out);
    must(ctx, st, out);
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void test_openai_embed_prism(void)
{
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", \"api_key\": \"%s\", \"embed_model\":"
             " \"text-embedding-3-small\", " ONE_ATTEMPT "}", openai_url, openai_key);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "openai", config);
    char *out = NULL;
    plx_status st = plx_embed(p, "{\"input\": [\"first\", \"second\"]}", &out);
    must(ctx, st, out);
    CHECK_CONTAINS(out, "{\"vectors\":[[");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}");
    plx_free(out);
    st = plx_embed(p, "{\"input\": \"alone\"}", &out);
    must(ctx, st, out);
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

/* The checks below mean something only if prism does reject bad bodies. */
static void test_prism_does_validate(void)
{
    char config[256], request[256];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", " ONE_ATTEMPT "}", openai_url);
    snprintf(request, sizeof request, "{\"method\": \"POST\", \"path\": \"/chat/completions\","
             " \"headers\": {\"Authorization\": \"Bearer %s\"}, \"body\": {\"model\": \"m\","
             " \"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}}", openai_key);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "http", config);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", request, &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"status\":422");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    /* Anthropic's: max_tokens is required */
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", " ONE_ATTEMPT "}", anthropic_url);
    p = provider(&ctx, "http", config);
    CHECK_INT(plx_call(p, "request", "{\"method\": \"POST\", \"path\": \"/v1/messages\","
                       " \"headers\": {\"x-api-key\": \"k\"}, \"body\": {\"model\": \"m\","
                       " \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}}", &out),
              PLX_EHTTP);
    CHECK_CONTAINS(out, "\"status\":422");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void test_huggingface_router_prism(void)
{
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", \"api_key\": \"%s\", \"model\": "
             "\"meta-llama/Llama-3.1-8B-Instruct\", " ONE_ATTEMPT "}", openai_url, openai_key);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "huggingface", config);
    char *out = NULL;
    plx_status st = plx_chat(p, CONVERSATION, &out);
    must(ctx, st, out);
    CHECK_CONTAINS(out, "\"text\":");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void test_anthropic_chat_prism(void)
{
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", \"api_key\": \"%s\", \"model\": "
             "\"claude-3-5-sonnet-20241022\", " ONE_ATTEMPT "}", anthropic_url, anthropic_key);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "anthropic", config);
    char *out = NULL;
    plx_status st = plx_chat(p, CONVERSATION, &out);
    must(ctx, st, out);
    CHECK_CONTAINS(out, "\"text\":\"Hi! My name is Claude.\",\"finish_reason\":\"stop\","
                   "\"model\":\"claude-3-5-sonnet-20241022\"");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":2095,\"output_tokens\":503}");
    plx_free(out);
    st = plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                             " \"tools\": [{\"name\": \"now\"}], \"tool_choice\": {\"name\": "
                             "\"now\"}, \"stop\": \"END\", \"max_tokens\": 5}", &out);
    must(ctx, st, out);
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void test_mock_llm_chat(void)
{
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", \"model\": \"mock-model\", "
             ONE_ATTEMPT "}", mock_llm_url);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "openai", config);
    char *out = NULL;
    plx_status st = plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": "
                             "\"echo me\"}]}", &out);
    must(ctx, st, out);
    CHECK_CONTAINS(out, "{\"text\":\"echo me\",\"finish_reason\":\"stop\",\"model\":"
                   "\"mock-model\",\"id\":\"chatcmpl-");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":3,\"output_tokens\":3}");
    plx_free(out);
    /* the service's rate limit, with its code */
    CHECK_INT(plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"error-429\"}]}",
                       &out), PLX_ERATELIMIT);
    CHECK_CONTAINS(out, "\"service_code\":\"rate_limit_exceeded\"");
    CHECK_CONTAINS(out, "\"service_message\":\"Rate limit reached\"");
    CHECK_CONTAINS(out, "\"http_status\":429");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

typedef struct deltas {
    char text[256];
    size_t len;
    int count;
} deltas;

static int on_delta(const char *text, size_t len, void *ud)
{
    deltas *d = ud;
    if (d->len + len < sizeof d->text) {
        memcpy(d->text + d->len, text, len);
        d->len += len;
        d->text[d->len] = '\0';
    }
    d->count++;
    return 0;
}

static void test_mock_llm_stream(void)
{
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", \"model\": \"mock-model\", "
             ONE_ATTEMPT "}", mock_llm_url);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "openai", config);
    deltas d = {0};
    char *out = NULL;
    plx_status st = plx_chat_stream(p, "{\"messages\": [{\"role\": \"user\", \"content\": "
                                    "\"a streamed answer\"}]}", on_delta, &d, &out);
    must(ctx, st, out);
    CHECK_STR(d.text, "a streamed answer");
    CHECK(d.count >= 3); /* 5-character chunks */
    CHECK_CONTAINS(out, "{\"text\":\"a streamed answer\",\"finish_reason\":\"stop\",\"model\":"
                   "\"mock-model\"");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void test_anthropic_stream(void)
{
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", \"api_key\": \"k\", \"model\": "
             "\"claude-test\", " ONE_ATTEMPT "}", sse_anthropic_url);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "anthropic", config);
    deltas d = {0};
    char *out = NULL;
    plx_status st = plx_chat_stream(p, "{\"messages\": [{\"role\": \"user\", \"content\": "
                                    "\"hi\"}]}", on_delta, &d, &out);
    must(ctx, st, out);
    CHECK_STR(d.text, "Hello \xe2\x9c\x93");
    CHECK_INT(d.count, 2);
    CHECK_CONTAINS(out, "{\"text\":\"Hello \xe2\x9c\x93\",\"finish_reason\":\"stop\",\"model\":"
                   "\"claude-test\",\"id\":\"msg_01\"");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":5,\"output_tokens\":3}");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void test_anthropic_mockttp_json(void)
{
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", \"api_key\": \"k\", \"model\": "
             "\"claude-test\", " ONE_ATTEMPT "}", mockttp_url);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "anthropic", config);
    char *out = NULL;
    plx_status st = plx_chat(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
                             &out);
    must(ctx, st, out);
    CHECK_CONTAINS(out, "{\"text\":\"Hello\",\"finish_reason\":\"stop\",\"model\":\"claude-test\"");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        TAP_SKIP("%s unset: start ../shared/peers (scripts/start.sh prism-openai "
                 "prism-anthropic mock-llm sse-anthropic) and eval scripts/env.sh", name);
    return v;
}

/* Skips when a peer does not answer at all. */
static void probe(const char *name, const char *url)
{
    char config[256];
    snprintf(config, sizeof config, "{\"base_url\": \"%s\", \"timeout_ms\": 3000, "
             ONE_ATTEMPT "}", url);
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "http", config);
    char *out = NULL;
    plx_status st = plx_call(p, "request", "{\"path\": \"/\"}", &out);
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    if (st == PLX_ETRANSPORT || st == PLX_ETIMEOUT)
        TAP_SKIP("peer %s at %s is not running (scripts/start.sh %s)", name, url, name);
}

static void test_setup(void)
{
    openai_url = need("PEER_OPENAI_URL");
    openai_key = need("PEER_OPENAI_API_KEY");
    anthropic_url = need("PEER_ANTHROPIC_URL");
    anthropic_key = need("PEER_ANTHROPIC_API_KEY");
    mock_llm_url = need("PEER_MOCK_LLM_URL");
    sse_anthropic_url = need("PEER_SSE_ANTHROPIC_URL");
    mockttp_url = need("PEER_MOCKTTP_URL");
    probe("prism-openai", openai_url);
    probe("prism-anthropic", anthropic_url);
    probe("mock-llm", mock_llm_url);
    probe("sse-anthropic", mockttp_url);
}

TEST_MAIN(test_setup, test_prism_does_validate, test_openai_chat_prism, test_openai_embed_prism,
          test_huggingface_router_prism, test_anthropic_chat_prism, test_mock_llm_chat,
          test_mock_llm_stream, test_anthropic_stream, test_anthropic_mockttp_json)
