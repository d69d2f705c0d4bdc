/* Kind "azure_openai": deployment URLs, api-version, api-key or bearer
 * auth, OpenAI's body without "model", Azure's content filter results. */
#include "llm_test.h"
#include "scripted.h"

#define CONFIG "{\"endpoint\": \"https://res.openai.azure.com/\", \"deployment\": \"gpt4o-prod\"," \
               " \"api_key\": \"azure-key-1\"}"

static const char *const HELLO = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}";

static void test_urls_and_bodies(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "azure_openai", CONFIG);
    llm_built b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                            " \"max_tokens\": 9, \"tools\": [{\"name\": \"f\"}]}");
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "https://res.openai.azure.com/openai/deployments/gpt4o-prod/chat/"
              "completions?api-version=2024-10-21");
    CHECK_STR(llm_at(b.body, ""), "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
              "\"max_tokens\":9,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}");
    llm_built_free(&b);
    /* the request's model names the deployment (encoded) */
    b = llm_build(p, "chat_stream", "{\"model\": \"my dep/2\", \"messages\": [{\"role\": "
                  "\"user\", \"content\": \"Hi\"}]}");
    CHECK_STR(b.url, "https://res.openai.azure.com/openai/deployments/my%20dep%2F2/chat/"
              "completions?api-version=2024-10-21");
    CHECK_STR(llm_at(b.body, "stream_options"), "{\"include_usage\":true}");
    CHECK_STR(llm_at(b.body, "model"), "(none)");
    CHECK_STR(llm_header(&b, "accept"), "text/event-stream");
    llm_built_free(&b);
    b = llm_build(p, "embed", "{\"input\": [\"a\"]}");
    CHECK_STR(b.url, "https://res.openai.azure.com/openai/deployments/gpt4o-prod/embeddings"
              "?api-version=2024-10-21");
    CHECK_STR(llm_at(b.body, ""), "{\"input\":[\"a\"]}");
    llm_built_free(&b);
    b = llm_build(p, "moderate", "{}");
    CHECK_INT(b.status, PLX_EUNSUPPORTED);
    CHECK_CONTAINS(plx_errmsg(ctx), "kind 'azure_openai' has no op 'moderate'");
    b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}],"
                  " \"top_p\": 2}");
    CHECK_INT(b.status, PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.top_p: expected a number from 0 to 1");
    llm_free(ctx, p);

    p = llm_provider(&ctx, "azure_openai", "{\"base_url\": \"http://127.0.0.1:9\", "
                     "\"api_key\": \"k\", \"model\": \"chat-dep\", \"embed_deployment\": \"emb-dep\","
                     " \"api_version\": \"2025-01-01-preview\"}");
    b = llm_build(p, "embed", "{\"input\": \"a\"}");
    CHECK_STR(b.url, "http://127.0.0.1:9/openai/deployments/emb-dep/embeddings"
              "?api-version=2025-01-01-preview");
    llm_built_free(&b);
    b = llm_build(p, "chat", HELLO);
    CHECK_STR(b.url, "http://127.0.0.1:9/openai/deployments/chat-dep/chat/completions"
              "?api-version=2025-01-01-preview");
    llm_built_free(&b);
    llm_free(ctx, p);

    p = llm_provider(&ctx, "azure_openai", "{\"endpoint\": \"https://r.openai.azure.com\","
                     " \"api_key\": \"k\"}");
    b = llm_build(p, "chat", HELLO);
    CHECK_INT(b.status, PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.model: missing, and provider 'azure_openai' has "
                   "no \"deployment\" key");
    llm_free(ctx, p);
}

static void test_config(void)
{
    unsetenv("AZURE_OPENAI_API_KEY");
    CHECK_INT(llm_configure("azure_openai", "{\"api_key\": \"k\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "endpoint: missing (https://RESOURCE.openai.azure.com)");
    CHECK_INT(llm_configure("azure_openai", "{\"endpoint\": \"https://a\", \"base_url\": "
                            "\"https://b\", \"api_key\": \"k\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "endpoint: give endpoint or base_url, not both");
    CHECK_INT(llm_configure("azure_openai", "{\"endpoint\": \"res.openai.azure.com\","
                            " \"api_key\": \"k\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "endpoint: expected an absolute http:// or https:// URL");
    /* Azure always needs a credential */
    CHECK_INT(llm_configure("azure_openai", "{\"endpoint\": \"http://127.0.0.1:1\"}"),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "api_key: missing");
    CHECK_CONTAINS(plx_errmsg(NULL), "AZURE_OPENAI_API_KEY");
    setenv("AZURE_OPENAI_API_KEY", "from-env", 1);
    CHECK_INT(llm_configure("azure_openai", "{\"endpoint\": \"http://127.0.0.1:1\"}"), PLX_OK);
    unsetenv("AZURE_OPENAI_API_KEY");
    CHECK_INT(llm_configure("azure_openai", "{\"endpoint\": \"http://127.0.0.1:1\", \"auth\":"
                            " {\"type\": \"bearer\", \"token\": \"entra-token\"}}"), PLX_OK);
    CHECK_INT(llm_configure("azure_openai", "{\"endpoint\": \"http://127.0.0.1:1\", "
                            "\"api_key\": \"k\", \"deployment\": 5}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "deployment: expected a string");
    CHECK_INT(llm_configure("azure_openai", "{\"endpoint\": \"http://127.0.0.1:1\", "
                            "\"api_key\": \"k\", \"organization\": \"o\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "organization: unknown key");
}

static plx_ctx *scripted_ctx(const char *provider_config, scripted *s,
                             const scripted_reply *r, int n, plx_provider **p)
{
    char config[1024];
    snprintf(config, sizeof config, "{\"log_level\": \"none\", \"providers\": {\"az\": %s}}",
             provider_config);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK) {
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
        return NULL;
    }
    plx_transport_funcs *t = scripted_funcs(s, r, n);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_ctx_provider(ctx, "az", p);
    return ctx;
}

static void test_call_auth(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, "Content-Type: application/json\n"
        "apim-request-id: apim-1",
        "{\"id\": \"chatcmpl-az\", \"model\": \"gpt-4o-2024-08-06\", \"prompt_filter_results\": "
        "[{\"prompt_index\": 0, \"content_filter_results\": {}}], \"choices\": [{\"index\": 0,"
        " \"finish_reason\": \"content_filter\", \"message\": {\"role\": \"assistant\", "
        "\"content\": null}, \"content_filter_results\": {\"hate\": {\"filtered\": true}}}],"
        " \"usage\": {\"prompt_tokens\": 8, \"completion_tokens\": 0}}"}};
    scripted s;
    plx_provider *p = NULL;
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"azure_openai\", \"endpoint\": "
                                "\"https://res.openai.azure.com\", \"deployment\": \"d1\","
                                " \"api_key\": \"azure-secret\"}", &s, r, 1, &p);
    char *out = NULL;
    CHECK_INT(plx_chat(p, HELLO, &out), PLX_OK);
    CHECK_CONTAINS(out, "{\"text\":\"\",\"finish_reason\":\"content_filter\",\"model\":"
                   "\"gpt-4o-2024-08-06\",\"id\":\"chatcmpl-az\"");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":8,\"output_tokens\":0}");
    CHECK_CONTAINS(s.last_headers, "api-key: azure-secret");
    CHECK_STR(s.last_auth, "");
    CHECK_STR(s.last_body, "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
    plx_free(out);
    plx_ctx_free(ctx);
    ctx = scripted_ctx("{\"kind\": \"azure_openai\", \"endpoint\": \"https://res.openai.azure.com\","
                       " \"deployment\": \"d1\", \"auth\": {\"type\": \"bearer\", \"token\": "
                       "\"entra-tok\"}}", &s, r, 1, &p);
    CHECK_INT(plx_chat(p, HELLO, &out), PLX_OK);
    CHECK_STR(s.last_auth, "Bearer entra-tok");
    CHECK(!strstr(s.last_headers, "api-key"));
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_call_content_filter_error(void)
{
    static const scripted_reply r[] = {{PLX_OK, 400, "Content-Type: application/json",
        "{\"error\": {\"message\": \"The response was filtered due to the prompt triggering "
        "Azure OpenAI's content management policy.\", \"type\": null, \"param\": \"prompt\","
        " \"code\": \"content_filter\", \"status\": 400, \"innererror\": {\"code\": "
        "\"ResponsibleAIPolicyViolation\"}}}"}};
    scripted s;
    plx_provider *p = NULL;
    plx_ctx *ctx = scripted_ctx("{\"kind\": \"azure_openai\", \"endpoint\": \"http://127.0.0.1:1\","
                                " \"deployment\": \"d\", \"api_key\": \"k\"}", &s, r, 1, &p);
    char *out = NULL;
    CHECK_INT(plx_chat(p, HELLO, &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_code\":\"content_filter\"");
    CHECK_CONTAINS(out, "\"service_message\":\"The response was filtered");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_parse_and_stream(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "azure_openai", CONFIG);
    plx_status st;
    /* no model in the reply: the deployment names the result */
    char *out = llm_parse(p, "chat", 200, "{\"choices\": [{\"message\": {\"content\": \"x\"},"
                          " \"finish_reason\": \"stop\"}]}", &st);
    CHECK_STR(out, "{\"text\":\"x\",\"finish_reason\":\"stop\",\"model\":\"gpt4o-prod\"}");
    plx_free(out);
    out = llm_parse(p, "embed", 200, "{\"data\": [{\"embedding\": [0.5], \"index\": 0}]}", &st);
    CHECK_STR(out, "{\"vectors\":[[0.5]],\"model\":\"gpt4o-prod\"}");
    plx_free(out);
    out = llm_parse(p, "chat", 200, "{\"choices\": null}", &st);
    CHECK_INT(st, PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ctx), "reply.choices: expected a non-empty array");
    plx_free(out);
    /* Azure's first chunk has no choices, only the prompt's filter results */
    llm_stream ls;
    llm_stream_init(&ls);
    llm_event(p, &ls, "message", "{\"choices\": [], \"created\": 0, \"id\": \"\", \"model\": \"\","
              " \"prompt_filter_results\": [{\"prompt_index\": 0}]}");
    llm_event(p, &ls, "message", "{\"choices\": [{\"index\": 0, \"delta\": {\"content\": \"ok\"},"
              " \"content_filter_results\": {}}], \"model\": \"gpt-4o\"}");
    llm_event(p, &ls, "message", "{\"choices\": [{\"index\": 0, \"delta\": {}, "
              "\"finish_reason\": \"stop\"}]}");
    llm_event(p, &ls, "message", "[DONE]");
    CHECK_INT(ls.status, PLX_OK);
    CHECK(ls.s.ended);
    char *res = llm_stream_result(&ls);
    CHECK_STR(res, "{\"text\":\"ok\",\"finish_reason\":\"stop\",\"model\":\"gpt-4o\"}");
    plx_free(res);
    llm_stream_free(&ls);
    llm_free(ctx, p);
}

TEST_MAIN(test_urls_and_bodies, test_config, test_call_auth, test_call_content_filter_error,
          test_parse_and_stream)
