/* custom_transport: your own transport, in-process.
 *
 * A transport is a plx_transport_funcs object; the only required slot is
 * `send` (a blocking exchange: read the request, fill the response). This
 * one records every request it sees and answers with canned replies, which
 * is how to test code that uses plexus without a network: here an
 * OpenAI-compatible chat provider and a plain HTTP provider run against it.
 * The same slot could carry requests over a message bus, a Unix socket or
 * a company proxy library. Retries, circuit breakers, auth and parsing
 * all stay plexus' job.
 *
 * Run: build/examples/custom_transport */
#include <plexus.h>
#include <stdio.h>
#include <string.h>

typedef struct recorder {
    int requests;
} recorder;

static const char CHAT_REPLY[] =
    "{\"id\": \"chatcmpl-1\", \"object\": \"chat.completion\", \"model\": \"gpt-4o-mini\","
    " \"choices\": [{\"index\": 0, \"finish_reason\": \"stop\","
    "   \"message\": {\"role\": \"assistant\", \"content\": \"Canned: all systems nominal.\"}}],"
    " \"usage\": {\"prompt_tokens\": 12, \"completion_tokens\": 5, \"total_tokens\": 17}}";

static plx_status reply(plx_response *resp, int status, const char *body)
{
    plx_response_set_status(resp, status);
    plx_response_add_header(resp, "Content-Type", "application/json");
    return plx_response_append_body(resp, body, strlen(body));
}

/* The send slot: called once per attempt, possibly from several threads at
 * once (this demo is single-threaded). Return PLX_OK with a response (any
 * HTTP status), or PLX_ETRANSPORT / PLX_ETIMEOUT when no reply came. */
static plx_status recording_send(const plx_request *req, plx_response *resp, void *user_data)
{
    recorder *rec = user_data;
    rec->requests++;
    size_t len = 0;
    const char *body = plx_request_body(req, &len);
    printf("  -> %s %s (%zu headers, %zu body bytes)\n", plx_request_method(req),
           plx_request_url(req), plx_request_header_count(req), len);
    /* Headers are there to inspect (auth has signed the request by now). */
    const char *auth = plx_request_header(req, "Authorization");
    printf("     Authorization: %s\n", auth ? "present (not printed)" : "none");
    if (len)
        printf("     body: %.*s\n", (int)(len > 160 ? 160 : len), body);

    if (strstr(plx_request_url(req), "/chat/completions"))
        return reply(resp, 200, CHAT_REPLY);
    if (strstr(plx_request_url(req), "/status"))
        return reply(resp, 200, "{\"ok\": true, \"region\": \"canned-1\"}");
    return reply(resp, 404, "{\"error\": \"no canned reply for this path\"}");
}

static const char CONFIG[] =
    "{\"providers\": {"
    " \"llm\": {\"kind\": \"openai\", \"base_url\": \"https://llm.example/v1\","
    "          \"model\": \"gpt-4o-mini\","
    "          \"auth\": {\"type\": \"bearer\", \"token\": \"sk-demo-not-a-real-key\"}},"
    " \"api\": {\"kind\": \"http\", \"base_url\": \"https://api.example\","
    "          \"retry\": {\"max_attempts\": 1}}}}";

static void show(const char *what, plx_status st, char *result)
{
    printf("%s: %s\n  %s\n\n", what, plx_status_name(st), result ? result : "(none)");
    plx_free(result);
}

int main(void)
{
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, CONFIG) != PLX_OK) {
        fprintf(stderr, "custom_transport: %s\n", plx_errmsg(NULL));
        return 1;
    }

    /* Make the funcs object, fill the send slot, hand it to the ctx (which
     * takes its own reference and makes it immutable), drop ours. */
    recorder rec = {0};
    plx_transport_funcs *funcs = NULL;
    plx_transport_funcs_new(&funcs);
    plx_transport_funcs_set_send(funcs, recording_send, &rec, NULL);
    plx_ctx_set_transport(ctx, funcs);
    plx_transport_funcs_unref(funcs);

    plx_provider *llm = NULL, *api = NULL;
    plx_ctx_provider(ctx, "llm", &llm);
    plx_ctx_provider(ctx, "api", &api);

    char *result = NULL;
    plx_status chat = plx_chat(llm, "{\"messages\": [{\"role\": \"user\", \"content\":"
                                    " \"Status report, please.\"}]}", &result);
    show("chat through the canned transport", chat, result);

    result = NULL;
    plx_status get = plx_call(api, "request", "{\"method\": \"GET\", \"path\": \"/status\"}",
                              &result);
    show("GET /status", get, result);

    /* A 404 is a reply, not a transport failure: the result's error says so. */
    result = NULL;
    plx_status missing = plx_call(api, "request", "{\"path\": \"/nowhere\"}", &result);
    show("GET /nowhere", missing, result);

    printf("the transport saw %d requests\n", rec.requests);
    plx_ctx_free(ctx);
    return chat == PLX_OK && get == PLX_OK && missing == PLX_EHTTP && rec.requests == 3 ? 0 : 1;
}
