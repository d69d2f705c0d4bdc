/* Kind "huggingface": the OpenAI-compatible router, the Inference API
 * (text generation, feature extraction) and text-generation-inference. */
#include "llm_test.h"
#include "scripted.h"

#define INFERENCE "{\"api\": \"inference\", \"api_key\": \"hf_x\", \"model\": \"org/model-7b\"}"
#define TGI "{\"api\": \"tgi\", \"base_url\": \"http://127.0.0.1:8080\"}"

static const char *const HELLO = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}";

static void test_router(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "huggingface", "{\"api_key\": \"hf_tok\", \"model\":"
                                   " \"meta-llama/Llama-3.1-8B-Instruct\"}");
    llm_built b = llm_build(p, "chat_stream", "{\"messages\": [{\"role\": \"user\", \"content\":"
                            " \"Hi\"}], \"max_tokens\": 3, \"tools\": [{\"name\": \"f\"}]}");
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "https://router.huggingface.co/v1/chat/completions");
    CHECK_STR(llm_at(b.body, "model"), "\"meta-llama/Llama-3.1-8B-Instruct\"");
    CHECK_STR(llm_at(b.body, "max_tokens"), "3");
    CHECK_STR(llm_at(b.body, "tools[0].function.name"), "\"f\"");
    CHECK_STR(llm_at(b.body, "stream"), "true");
    llm_built_free(&b);
    b = llm_build(p, "embed", "{\"input\": \"x\", \"model\": \"BAAI/bge-small\"}");
    CHECK_STR(b.url, "https://router.huggingface.co/v1/embeddings");
    CHECK_STR(llm_at(b.body, ""), "{\"model\":\"BAAI/bge-small\",\"input\":\"x\"}");
    llm_built_free(&b);
    plx_status st;
    char *out = llm_parse(p, "chat", 200, "{\"choices\": [{\"message\": {\"content\": \"yo\"},"
                          " \"finish_reason\": \"stop\"}], \"model\": \"llama\"}", &st);
    CHECK_STR(out, "{\"text\":\"yo\",\"finish_reason\":\"stop\",\"model\":\"llama\"}");
    plx_free(out);
    llm_stream ls;
    llm_stream_init(&ls);
    llm_event(p, &ls, "message", "{\"choices\": [{\"delta\": {\"content\": \"a\"}}]}");
    llm_event(p, &ls, "message", "[DONE]");
    CHECK(ls.s.ended);
    CHECK_STR(ls.deltas.data, "a");
    llm_stream_free(&ls);
    llm_free(ctx, p);
}

static void test_config(void)
{
    unsetenv("HF_TOKEN");
    CHECK_INT(llm_configure("huggingface", "{}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api_key: missing: give api_key");
    CHECK_CONTAINS(plx_errmsg(NULL), "HF_TOKEN");
    CHECK_INT(llm_configure("huggingface", "{\"api\": \"inference\"}"), PLX_ECONFIG);
    setenv("HF_TOKEN", "hf_env", 1);
    CHECK_INT(llm_configure("huggingface", "{}"), PLX_OK);
    CHECK_INT(llm_configure("huggingface", "{\"base_url\": \"https://x.endpoints.huggingface.cloud\"}"),
              PLX_OK);
    unsetenv("HF_TOKEN");
    CHECK_INT(llm_configure("huggingface", "{\"base_url\": \"https://x.endpoints.huggingface.cloud\"}"),
              PLX_ECONFIG);
    /* a local server needs no token */
    CHECK_INT(llm_configure("huggingface", TGI), PLX_OK);
    CHECK_INT(llm_configure("huggingface", "{\"api\": \"tgi\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "base_url: missing (the server, e.g. http://127.0.0.1:8080)");
    CHECK_INT(llm_configure("huggingface", "{\"api\": \"serverless\", \"api_key\": \"k\"}"),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api: expected \"openai\", \"inference\" or \"tgi\"");
    CHECK_INT(llm_configure("huggingface", "{\"api\": 1, \"api_key\": \"k\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api: expected a string");
}

static void test_inference_bodies(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "huggingface", INFERENCE);
    llm_built b = llm_build(p, "chat", HELLO);
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "https://router.huggingface.co/hf-inference/models/org/model-7b");
    CHECK_STR(llm_at(b.body, ""), "{\"inputs\":\"Hello\",\"parameters\":{\"return_full_text\":false}}");
    llm_built_free(&b);
    b = llm_build(p, "chat_stream", "{\"model\": \"gpt2\", \"messages\": ["
                  "{\"role\": \"system\", \"content\": \"Be brief.\"},"
                  "{\"role\": \"user\", \"content\": \"Hi\"},"
                  "{\"role\": \"assistant\", \"content\": \"Hello!\"},"
                  "{\"role\": \"user\", \"content\": \"Name a color\"}],"
                  " \"max_tokens\": 20, \"temperature\": 0.7, \"top_p\": 0.95, \"stop\": \"\\n\"}");
    CHECK_STR(b.url, "https://router.huggingface.co/hf-inference/models/gpt2");
    CHECK_STR(llm_at(b.body, "inputs"), "\"System: Be brief.\\n\\nUser: Hi\\n\\nAssistant: "
              "Hello!\\n\\nUser: Name a color\\n\\nAssistant:\"");
    CHECK_STR(llm_at(b.body, "parameters"), "{\"max_new_tokens\":20,\"temperature\":0.7,"
              "\"top_p\":0.95,\"stop\":[\"\\n\"],\"return_full_text\":false}");
    CHECK_STR(llm_at(b.body, "stream"), "true");
    llm_built_free(&b);
    /* 0 and 1 are the defaults; the servers reject them as values */
    b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                  " \"temperature\": 0, \"top_p\": 1, \"stop\": [\"a\", \"b\"]}");
    CHECK_STR(llm_at(b.body, "parameters"), "{\"stop\":[\"a\",\"b\"],\"return_full_text\":false}");
    llm_built_free(&b);
    b = llm_build(p, "embed", "{\"input\": [\"a\", \"b\"], \"model\": "
                  "\"sentence-transformers/all-MiniLM-L6-v2\"}");
    CHECK_STR(b.url, "https://router.huggingface.co/hf-inference/models/sentence-transformers/"
              "all-MiniLM-L6-v2/pipeline/feature-extraction");
    CHECK_STR(llm_at(b.body, ""), "{\"inputs\":[\"a\",\"b\"]}");
    llm_built_free(&b);
    b = llm_build(p, "embed", "{\"input\": \"one\"}");
    CHECK_STR(llm_at(b.body, ""), "{\"inputs\":[\"one\"]}");
    llm_built_free(&b);
    b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                  " \"tools\": [{\"name\": \"f\"}]}");
    CHECK_INT(b.status, PLX_EUNSUPPORTED);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.tools: tools need api \"openai\"");
    b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"},"
                  " {\"role\": \"tool\", \"tool_call_id\": \"c\", \"content\": \"r\"}]}");
    CHECK_INT(b.status, PLX_EUNSUPPORTED);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.messages[1]: tools need api \"openai\"");
    b = llm_build(p, "chat", "{\"messages\": []}");
    CHECK_INT(b.status, PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.messages: expected a non-empty array");
    b = llm_build(p, "classify", "{}");
    CHECK_INT(b.status, PLX_EUNSUPPORTED);
    llm_free(ctx, p);
}

static void test_tgi_bodies(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "huggingface", TGI);
    llm_built b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"user\", \"content\": "
                            "\"Hi\"}], \"max_tokens\": 5}");
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "http://127.0.0.1:8080/generate");
    CHECK_STR(llm_at(b.body, ""), "{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":5,"
              "\"return_full_text\":false,\"details\":true}}");
    llm_built_free(&b);
    b = llm_build(p, "chat_stream", HELLO);
    CHECK_STR(b.url, "http://127.0.0.1:8080/generate_stream");
    CHECK_STR(llm_at(b.body, "stream"), "(none)");
    llm_built_free(&b);
    b = llm_build(p, "embed", "{\"input\": [\"a\"]}");
    CHECK_STR(b.url, "http://127.0.0.1:8080/embed");
    llm_built_free(&b);
    llm_free(ctx, p);
}

static void test_parse_generation(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "huggingface", INFERENCE);
    plx_status st;
    plx_reply r;
    char *out = llm_parse_full(p, "chat", 200, "[{\"generated_text\": \" Blue.\"}]", &st, &r);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"text\":\" Blue.\",\"finish_reason\":\"stop\",\"model\":\"org/model-7b\"}");
    CHECK_STR(r.usage.model, "org/model-7b");
    plx_free(out);
    out = llm_parse_full(p, "chat", 200, "{\"generated_text\": \"Red\", \"details\": "
                         "{\"finish_reason\": \"length\", \"generated_tokens\": 5}}", &st, &r);
    CHECK_STR(out, "{\"text\":\"Red\",\"finish_reason\":\"length\",\"model\":\"org/model-7b\"}");
    CHECK_INT(r.usage.output_tokens, 5);
    plx_free(out);
    out = llm_parse(p, "chat", 200, "[{\"generated_text\": \"x\", \"details\": "
                    "{\"finish_reason\": \"eos_token\"}}]", &st);
    CHECK_CONTAINS(out, "\"finish_reason\":\"stop\"");
    plx_free(out);
    static const char *const bad[][2] = {
        {"[]", "reply[0].generated_text: expected a string"},
        {"[{\"text\": \"x\"}]", "reply[0].generated_text: expected a string"},
        {"{\"generated_text\": 5}", "reply.generated_text: expected a string"},
        {"\"text\"", "reply.generated_text: expected a string"},
        {"not json", "reply: expected JSON"},
        {"{\"error\": \"Model too busy\", \"error_type\": \"overloaded\"}",
         "reply: the service sent an error instead of a result"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = llm_parse(p, "chat", 200, bad[i][0], &st);
        CHECK_INT(st, PLX_EPROTOCOL);
        CHECK_CONTAINS(plx_errmsg(ctx), bad[i][1]);
        CHECK_STR(out, "{}");
        plx_free(out);
    }
    out = llm_parse_full(p, "chat", 503, "{\"error\": \"Model org/model-7b is currently loading\","
                         " \"estimated_time\": 20.0}", &st, &r);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(r.service_message, "Model org/model-7b is currently loading");
    plx_free(out);
    out = llm_parse_full(p, "chat", 422, "{\"error\": \"Input validation error: `inputs` tokens "
                         "+ `max_new_tokens` must be <= 4096\", \"error_type\": \"validation\"}",
                         &st, &r);
    CHECK_STR(r.service_code, "validation");
    plx_free(out);
    out = llm_parse_full(p, "chat", 400, "{\"error\": [\"Error in `parameters`: bad\"]}", &st, &r);
    CHECK_STR(r.service_message, "Error in `parameters`: bad");
    plx_free(out);
    llm_free(ctx, p);
}

static void test_parse_vectors(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "huggingface", "{\"api\": \"inference\", \"api_key\": "
                                   "\"k\", \"model\": \"gen\", \"embed_model\": \"emb\"}");
    plx_status st;
    char *out = llm_parse(p, "embed", 200, "[[0.5, -1], [2, 0.125]]", &st);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"vectors\":[[0.5,-1],[2,0.125]],\"model\":\"emb\"}");
    plx_free(out);
    out = llm_parse(p, "embed", 200, "[0.5, 1]", &st);
    CHECK_STR(out, "{\"vectors\":[[0.5,1]],\"model\":\"emb\"}");
    plx_free(out);
    static const char *const bad[][2] = {
        {"[[[0.1], [0.2]]]", "reply[0]: expected a vector, got one per token: use a "
         "sentence-embedding model"},
        {"[[1], [\"x\"]]", "reply[1]: expected an array of numbers"},
        {"[[1], []]", "reply[1]: expected an array of numbers"},
        {"[]", "reply: expected an array of vectors"},
        {"{\"a\": [1]}", "reply: expected an array of vectors"},
        {"[1, \"a\"]", "reply[0]: expected an array of numbers"},
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

static void test_tgi_stream(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "huggingface", "{\"api\": \"tgi\", \"base_url\": "
                                   "\"http://127.0.0.1:8080\", \"model\": \"local-tgi\"}");
    llm_stream ls;
    llm_stream_init(&ls);
    llm_event(p, &ls, "message", "{\"index\": 1, \"token\": {\"id\": 1, \"text\": \"Hel\", "
              "\"logprob\": -0.1, \"special\": false}, \"generated_text\": null, \"details\": null}");
    llm_event(p, &ls, "message", "{\"index\": 2, \"token\": {\"id\": 2, \"text\": \"lo\", "
              "\"special\": false}, \"generated_text\": null, \"details\": null}");
    CHECK(!ls.s.ended);
    llm_event(p, &ls, "message", "{\"index\": 3, \"token\": {\"id\": 0, \"text\": \"</s>\", "
              "\"special\": true}, \"generated_text\": \"Hello\", \"details\": {\"finish_reason\":"
              " \"eos_token\", \"generated_tokens\": 3, \"seed\": null}}");
    CHECK_INT(ls.status, PLX_OK);
    CHECK(ls.s.ended);
    CHECK_INT(ls.s.output_tokens, 3);
    char *out = llm_stream_result(&ls);
    CHECK_STR(out, "{\"text\":\"Hello\",\"finish_reason\":\"stop\",\"model\":\"local-tgi\"}");
    plx_free(out);
    llm_stream_free(&ls);

    llm_stream_init(&ls);
    llm_event(p, &ls, "error", "{\"error\": \"Request failed during generation: Server error: "
              "CUDA out of memory\", \"error_type\": \"generation\"}");
    CHECK_INT(ls.status, PLX_OK);
    CHECK_INT(ls.s.error, PLX_EHTTP);
    CHECK_STR(ls.s.error_code, "generation");
    CHECK_CONTAINS(ls.s.error_message, "CUDA out of memory");
    llm_stream_free(&ls);

    llm_stream_init(&ls);
    llm_event(p, &ls, "message", "{\"token\": \"oops\", \"details\": {\"finish_reason\": 3}}");
    CHECK_INT(ls.status, PLX_OK);
    llm_event(p, &ls, "message", "[DONE]");
    CHECK(ls.s.ended);
    llm_event(p, &ls, "message", "tok");
    CHECK_INT(ls.status, PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ctx), "stream: expected a JSON object in each event, got 'tok'");
    llm_stream_free(&ls);
    llm_free(ctx, p);
}

static plx_ctx *scripted_ctx(const char *provider_config, scripted *s,
                             const scripted_reply *r, int n, plx_provider **p)
{
    char config[1024];
    snprintf(config, sizeof config, "{\"log_level\": \"none\", \"providers\": {\"hf\": %s}}",
             provider_config);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK) {
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
        return NULL;
    }
    plx_transport_funcs *t = scripted_funcs(s, r, n);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_ctx_provider(ctx, "hf", p);
    return ctx;
}

static void test_call_token(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, "Content-Type: application/json",
                                        "[{\"generated_text\": \"ok\"}]"}};
    scripted s;
    plx_provider *p = NULL;
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"huggingface\", \"api\": \"inference\", "
                                "\"api_key\": \"hf_secret\", \"model\": \"gpt2\"}", &s, r, 1, &p);
    char *out = NULL;
    CHECK_INT(plx_chat(p, HELLO, &out), PLX_OK);
    CHECK_STR(s.last_auth, "Bearer hf_secret");
    CHECK_STR(s.last_url, "https://router.huggingface.co/hf-inference/models/gpt2");
    CHECK_CONTAINS(out, "\"text\":\"ok\"");
    plx_free(out);
    plx_ctx_free(ctx);
}

TEST_MAIN(test_router, test_config, test_inference_bodies, test_tgi_bodies,
          test_parse_generation, test_parse_vectors, test_tgi_stream, test_call_token)
