/* libFuzzer target: the input is a service's reply to an LLM kind's call.
 * Byte 0 picks the kind and op (a table below: chat, embed, or a stream
 * through plx_chat_stream, so the SSE decoder and the kind's stream_event
 * handler see the body); byte 1 the HTTP status; byte 2 the size of the
 * pieces the body arrives in (streams are parsed as they arrive); the rest
 * is the body. Every call must give a result that is valid JSON. */
#include "fuzz_common.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHAT "{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\"," \
             " \"content\": \"u\"}], \"tools\": [{\"name\": \"f\", \"parameters\": {}}]}"
#define PLAIN "{\"messages\": [{\"role\": \"user\", \"content\": \"u\"}]}"
#define EMBED "{\"input\": [\"a\", \"b\"]}"
#define COMMON "\"timeout_ms\": 1000, \"retry\": {\"max_attempts\": 1}, " \
               "\"circuit\": {\"failure_threshold\": 0}, \"model\": \"m\""

enum op { CHAT_OP, EMBED_OP, STREAM_OP };

static const struct mode {
    const char *kind, *config;
    enum op op;
    const char *request;
} MODES[] = {
    {"openai", "{\"base_url\": \"http://fuzz.invalid/v1\", " COMMON "}", CHAT_OP, CHAT},
    {"openai", "{\"base_url\": \"http://fuzz.invalid/v1\", " COMMON "}", EMBED_OP, EMBED},
    {"openai", "{\"base_url\": \"http://fuzz.invalid/v1\", " COMMON "}", STREAM_OP, CHAT},
    {"anthropic", "{\"base_url\": \"http://fuzz.invalid\", " COMMON "}", CHAT_OP, CHAT},
    {"anthropic", "{\"base_url\": \"http://fuzz.invalid\", " COMMON "}", STREAM_OP, CHAT},
    {"azure_openai", "{\"endpoint\": \"http://fuzz.invalid\", \"api_key\": \"k\", " COMMON "}",
     CHAT_OP, CHAT},
    {"azure_openai", "{\"endpoint\": \"http://fuzz.invalid\", \"api_key\": \"k\", " COMMON "}",
     EMBED_OP, EMBED},
    {"huggingface", "{\"api\": \"inference\", \"base_url\": \"http://fuzz.invalid\", " COMMON "}",
     CHAT_OP, PLAIN},
    {"huggingface", "{\"api\": \"inference\", \"base_url\": \"http://fuzz.invalid\", " COMMON "}",
     EMBED_OP, EMBED},
    {"huggingface", "{\"api\": \"tgi\", \"base_url\": \"http://fuzz.invalid\", " COMMON "}",
     STREAM_OP, PLAIN},
};

static const int STATUSES[] = {200, 200, 200, 200, 200, 200, 400, 401, 404, 422, 429, 500,
                               503, 529};

struct reply {
    const uint8_t *data;
    size_t size;
};

/* The body arrives in pieces of 1 to 256 bytes. */
static plx_status send_reply(const plx_request *req, plx_response *resp, void *user_data)
{
    const struct reply *r = user_data;
    fuzz_read_request(req);
    plx_status st = plx_response_set_status(
        resp, STATUSES[r->data[1] % (sizeof STATUSES / sizeof STATUSES[0])]);
    if (st == PLX_OK)
        st = plx_response_add_header(resp, "Content-Type", "application/json");
    size_t piece = (size_t)r->data[2] + 1;
    for (size_t at = 3; st == PLX_OK && at < r->size; at += piece) {
        size_t n = r->size - at < piece ? r->size - at : piece;
        st = plx_response_append_body(resp, r->data + at, n);
    }
    return st;
}

static int on_delta(const char *text, size_t len, void *user_data)
{
    (void)user_data;
    if (len && !text)
        abort();
    return 0;
}

static plx_provider *setup(const struct mode *m, struct reply *reply, plx_ctx **ctx)
{
    plx_transport_funcs *t = NULL;
    plx_provider *p = NULL;
    if (plx_ctx_new(ctx, "{\"log_level\": \"none\"}") != PLX_OK ||
        plx_transport_funcs_new(&t) != PLX_OK ||
        plx_transport_funcs_set_send(t, send_reply, reply, NULL) != PLX_OK ||
        plx_ctx_set_transport(*ctx, t) != PLX_OK ||
        plx_provider_new(*ctx, m->kind, m->config, &p) != PLX_OK)
        abort();   /* the fixed configs must always work */
    plx_transport_funcs_unref(t);
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const struct mode *m = &MODES[data[0] % (sizeof MODES / sizeof MODES[0])];
    struct reply reply = {data, size};
    plx_ctx *ctx = NULL;
    plx_provider *p = setup(m, &reply, &ctx);
    char *response = NULL;
    plx_status st;
    if (m->op == STREAM_OP)
        st = plx_chat_stream(p, m->request, on_delta, NULL, &response);
    else
        st = plx_call(p, m->op == CHAT_OP ? "chat" : "embed", m->request, &response);
    if (!response)
        abort();   /* the requests are valid: there is always a result */
    cJSON *json = cJSON_Parse(response);
    if (!cJSON_IsObject(json))
        abort();   /* results are always valid JSON */
    cJSON_Delete(json);
    fuzz_check_response(st, response);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    return 0;
}
