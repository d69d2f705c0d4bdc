/* Chat plumbing: streaming through the body sink, the accumulator, retries
 * around streams, usage, pricing, totals and budgets. A test kind stands in
 * for a service so that only the plumbing is under test. */
#include "tap.h"
#include "providers/pricing.h"
#include "providers/stream.h"

#include <stdlib.h>
#include <string.h>

/* ---- a test kind: SSE events "text" (data = delta), "tool", "done", "err" */

static plx_status test_build(const plx_provider *p, const char *op, const cJSON *request,
                             plx_request **out)
{
    (void)request;
    return plx_provider_request(p, "POST", strcmp(op, "chat_stream") == 0 ? "/stream" : "/chat",
                                out);
}

/* Body {"text", "model", "in", "out"}: text and usage. */
static plx_status test_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)p;
    (void)op;
    size_t len;
    const char *body = plx_response_body(r->resp, &len);
    cJSON *j = plx_json_parse_exact(body, len);
    const cJSON *text = cJSON_GetObjectItem(j, "text");
    const cJSON *model = cJSON_GetObjectItem(j, "model");
    if (cJSON_IsString(text))
        plx_jw_string(r->out, "text", text->valuestring, strlen(text->valuestring));
    if (cJSON_IsString(model))
        snprintf(r->usage.model, sizeof r->usage.model, "%s", model->valuestring);
    if (cJSON_GetObjectItem(j, "in")) {
        r->usage.input_tokens = (int64_t)cJSON_GetObjectItem(j, "in")->valuedouble;
        r->usage.output_tokens = (int64_t)cJSON_GetObjectItem(j, "out")->valuedouble;
    }
    if (r->failed && cJSON_IsString(text)) {
        snprintf(r->service_message, sizeof r->service_message, "%s", text->valuestring);
        snprintf(r->service_code, sizeof r->service_code, "test_code");
    }
    cJSON_Delete(j);
    return PLX_OK;
}

static plx_status test_event(const plx_provider *p, plx_stream *s, const char *event,
                             const char *data, size_t len)
{
    (void)p;
    if (strcmp(event, "text") == 0)
        return plx_stream_text(s, data, len);
    if (strcmp(event, "tool") == 0)
        return plx_stream_tool_call(s, 0, "call_1", "lookup", data, len);
    if (strcmp(event, "done") == 0) {
        plx_stream_set_model(s, "gpt-4o-mini");
        plx_stream_set_usage(s, 100, 20);
        plx_stream_end(s);
    } else if (strcmp(event, "err") == 0) {
        plx_stream_fail(s, PLX_ERATELIMIT, "overloaded", "the service is overloaded");
    }
    return PLX_OK;
}

static const plx_kind test_kind = {
    .name = "test",
    .build = test_build,
    .parse = test_parse,
    .stream_framing = PLX_FRAMING_SSE,
    .stream_event = test_event,
};

/* ---- a transport that delivers each reply's body one byte at a time ---- */

typedef struct reply {
    plx_status transport_status;  /* after the body */
    int status;
    const char *body;
} reply;

typedef struct script {
    const reply *replies;
    int count, sent;
} script;

static plx_status bytewise_send(const plx_request *req, plx_response *resp, void *ud)
{
    (void)req;
    script *s = ud;
    const reply *r = &s->replies[s->sent < s->count ? s->sent : s->count - 1];
    s->sent++;
    plx_response_set_status(resp, r->status);
    for (const char *c = r->body; c && *c; c++) {
        plx_status st = plx_response_append_body(resp, c, 1);
        if (st != PLX_OK)
            return st;
    }
    if (r->transport_status != PLX_OK)
        plx_response_set_error_message(resp, "connection reset");
    return r->transport_status;
}

static plx_ctx *ctx;
static plx_provider *prov;
static script scr;

static void setup(const char *ctx_config, const char *provider_config, const reply *replies,
                  int count)
{
    plx_provider_free(prov);
    plx_ctx_free(ctx);
    CHECK_INT(plx_ctx_new(&ctx, ctx_config), PLX_OK);
    plx_ctx_set_log(ctx, NULL, NULL, PLX_LOG_NONE);
    CHECK_INT(plx_provider_new(ctx, "http", provider_config, &prov), PLX_OK);
    prov->kind = &test_kind;
    scr = (script){replies, count, 0};
    plx_transport_funcs *t = NULL;
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, bytewise_send, &scr, NULL);
    plx_provider_set_transport(prov, t);
    plx_transport_funcs_unref(t);
}

typedef struct deltas {
    char text[512];
    int calls;
    int stop_after;
} deltas;

static int on_delta(const char *text, size_t len, void *ud)
{
    deltas *d = ud;
    strncat(d->text, text, len);
    d->calls++;
    return d->stop_after && d->calls >= d->stop_after;
}

static const char *const BASE = "{\"base_url\": \"http://test.invalid\", "
                                "\"retry\": {\"base_delay_ms\": 1}}";

static void test_stream_deltas_and_result(void)
{
    static const reply replies[] = {{PLX_OK, 200,
        ": comment\r\nevent: text\r\ndata: Hel\r\n\r\nevent: text\ndata: lo \xc3\xa9t\xc3\xa9\n\n"
        "event: done\ndata: {}\n\n"}};
    setup(NULL, BASE, replies, 1);
    deltas d = {0};
    char *out = NULL;
    CHECK_INT(plx_chat_stream(prov, "{\"messages\": []}", on_delta, &d, &out), PLX_OK);
    CHECK_STR(d.text, "Hello \xc3\xa9t\xc3\xa9");
    CHECK_INT(d.calls, 2);
    CHECK_CONTAINS(out, "\"text\":\"Hello \xc3\xa9t\xc3\xa9\"");
    CHECK_CONTAINS(out, "\"finish_reason\":\"stop\"");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":100,\"output_tokens\":20}");
    /* gpt-4o-mini: 0.15 and 0.60 USD per million tokens. */
    CHECK_CONTAINS(out, "\"cost_usd\":2.7e-05");
    CHECK_CONTAINS(out, "\"attempts\":1");
    plx_free(out);
}

static void test_stream_tool_call(void)
{
    static const reply replies[] = {{PLX_OK, 200,
        "event: tool\ndata: {\"q\":\n\nevent: tool\ndata:  1}\n\nevent: done\ndata: x\n\n"}};
    setup(NULL, BASE, replies, 1);
    deltas d = {0};
    char *out = NULL;
    CHECK_INT(plx_chat_stream(prov, "{}", on_delta, &d, &out), PLX_OK);
    CHECK_CONTAINS(out, "\"tool_calls\":[{\"id\":\"call_1\",\"name\":\"lookup\","
                        "\"arguments\":{\"q\": 1}}]");
    CHECK_CONTAINS(out, "\"finish_reason\":\"tool_calls\"");
    CHECK_INT(d.calls, 0);
    plx_free(out);
}

static void test_stream_cancel(void)
{
    static const reply replies[] = {{PLX_OK, 200,
        "event: text\ndata: a\n\nevent: text\ndata: b\n\nevent: text\ndata: c\n\n"
        "event: done\ndata: x\n\n"}};
    setup(NULL, BASE, replies, 1);
    deltas d = {.stop_after = 2};
    char *out = NULL;
    CHECK_INT(plx_chat_stream(prov, "{}", on_delta, &d, &out), PLX_ECANCELED);
    CHECK_STR(d.text, "ab");
    CHECK_CONTAINS(out, "\"text\":\"ab\"");
    CHECK_CONTAINS(out, "\"code\":\"PLX_ECANCELED\"");
    CHECK_INT(scr.sent, 1);
    plx_free(out);
}

static void test_stream_cut_short(void)
{
    static const reply replies[] = {{PLX_OK, 200, "event: text\ndata: partial\n\nevent: te"}};
    setup(NULL, BASE, replies, 1);
    deltas d = {0};
    char *out = NULL;
    CHECK_INT(plx_chat_stream(prov, "{}", on_delta, &d, &out), PLX_EPROTOCOL);
    CHECK_CONTAINS(out, "\"text\":\"partial\"");
    CHECK_CONTAINS(out, "before its end event, in the middle of an event");
    plx_free(out);
}

static void test_stream_error_event(void)
{
    static const reply replies[] = {{PLX_OK, 200, "event: err\ndata: x\n\n"}};
    setup(NULL, BASE, replies, 1);
    deltas d = {0};
    char *out = NULL;
    CHECK_INT(plx_chat_stream(prov, "{}", on_delta, &d, &out), PLX_ERATELIMIT);
    CHECK_CONTAINS(out, "\"service_code\":\"overloaded\"");
    CHECK_CONTAINS(out, "the service is overloaded");
    plx_free(out);
}

static void test_stream_retries_before_output_only(void)
{
    /* A 503 and a reset before any text: retried. */
    static const reply retried[] = {
        {PLX_OK, 503, "{\"text\": \"busy\"}"},
        {PLX_ETRANSPORT, 200, ": nothing yet\n"},
        {PLX_OK, 200, "event: text\ndata: ok\n\nevent: done\ndata: x\n\n"}};
    setup(NULL, BASE, retried, 3);
    deltas d = {0};
    char *out = NULL;
    CHECK_INT(plx_chat_stream(prov, "{}", on_delta, &d, &out), PLX_OK);
    CHECK_STR(d.text, "ok");
    CHECK_CONTAINS(out, "\"attempts\":3");
    plx_free(out);
    /* A reset after text was delivered: not retried, nothing delivered twice. */
    static const reply cut[] = {
        {PLX_ETRANSPORT, 200, "event: text\ndata: once\n\n"},
        {PLX_OK, 200, "event: text\ndata: twice\n\nevent: done\ndata: x\n\n"}};
    setup(NULL, BASE, cut, 2);
    memset(&d, 0, sizeof d);
    CHECK_INT(plx_chat_stream(prov, "{}", on_delta, &d, &out), PLX_ETRANSPORT);
    CHECK_STR(d.text, "once");
    CHECK_INT(scr.sent, 1);
    CHECK_CONTAINS(out, "\"text\":\"once\"");
    plx_free(out);
}

static void test_stream_http_error_parsed(void)
{
    static const reply replies[] = {{PLX_OK, 400, "{\"text\": \"context too long\"}"}};
    setup(NULL, BASE, replies, 1);
    deltas d = {0};
    char *out = NULL;
    CHECK_INT(plx_chat_stream(prov, "{}", on_delta, &d, &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_message\":\"context too long\"");
    CHECK_CONTAINS(out, "\"service_code\":\"test_code\"");
    CHECK_CONTAINS(out, "\"http_status\":400");
    CHECK_INT(d.calls, 0);
    plx_free(out);
}

static void test_pricing_lookup(void)
{
    plx_price pr;
    CHECK(plx_pricing_lookup(NULL, "openai", "gpt-4o-mini", &pr));
    CHECK(pr.input_per_token > 1.49e-7 && pr.input_per_token < 1.51e-7);
    CHECK(plx_pricing_lookup(NULL, "openai", "gpt-4o-mini-2024-07-18", &pr));
    CHECK(plx_pricing_lookup(NULL, "bedrock", "us.anthropic.claude-3-haiku-20240307-v1:0", &pr));
    CHECK(!plx_pricing_lookup(NULL, "openai", "my-finetune", &pr));
    CHECK(!plx_pricing_lookup(NULL, "openai", "", &pr));
    CHECK(!plx_pricing_lookup(NULL, "openai", "x-1234-56-78", &pr));
}

static void test_pricing_config(void)
{
    /* An inline LiteLLM-format table overrides the built-in prices; entries
     * without per-token prices are skipped. */
    static const reply replies[] = {{PLX_OK, 200,
        "{\"text\": \"hi\", \"model\": \"gpt-4o-mini\", \"in\": 1000, \"out\": 10}"}};
    setup("{\"pricing\": {\"gpt-4o-mini\": {\"input_cost_per_token\": 1e-6, "
          "\"output_cost_per_token\": 2e-6, \"mode\": \"chat\"}, "
          "\"dall-e-3\": {\"output_cost_per_image\": 0.04}, \"sample_spec\": {}}}",
          BASE, replies, 1);
    char *out = NULL;
    CHECK_INT(plx_chat(prov, "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"cost_usd\":0.00102");
    plx_free(out);
    /* Bad pricing configs fail with the key named. */
    plx_ctx *bad = NULL;
    CHECK_INT(plx_ctx_new(&bad, "{\"pricing\": 5}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "pricing");
    CHECK_INT(plx_ctx_new(&bad, "{\"pricing\": \"/nonexistent/prices.json\"}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "/nonexistent/prices.json");
    CHECK_INT(plx_ctx_new(&bad, "{\"max_cost_usd\": -1}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "max_cost_usd");
}

static void test_unknown_model_costs_null(void)
{
    static const reply replies[] = {{PLX_OK, 200,
        "{\"text\": \"hi\", \"model\": \"my-finetune\", \"in\": 5, \"out\": 5}"}};
    setup(NULL, BASE, replies, 1);
    char *out = NULL;
    CHECK_INT(plx_chat(prov, "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"cost_usd\":null");
    plx_free(out);
    CHECK_INT(plx_ctx_usage(ctx, &out), PLX_OK);
    CHECK_CONTAINS(out, "\"model\":\"my-finetune\"");
    CHECK_CONTAINS(out, "\"unpriced_calls\":1");
    plx_free(out);
}

static void test_totals_and_budgets(void)
{
    static const reply replies[] = {{PLX_OK, 200,
        "{\"text\": \"hi\", \"model\": \"gpt-4o\", \"in\": 1000000, \"out\": 0}"}};
    /* Each call costs 2.50 USD; the provider may spend 4. */
    char config[256];
    snprintf(config, sizeof config, "{\"base_url\": \"http://test.invalid\", "
             "\"max_cost_usd\": 4}");
    setup(NULL, config, replies, 1);
    char *out = NULL;
    CHECK_INT(plx_chat(prov, "{}", &out), PLX_OK);
    plx_free(out);
    CHECK_INT(plx_chat(prov, "{}", &out), PLX_OK);
    plx_free(out);
    CHECK_INT(plx_chat(prov, "{}", &out), PLX_EBUDGET);
    CHECK(out == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), "budget max_cost_usd 4 is spent (5 USD so far)");
    CHECK_INT(scr.sent, 2);
    CHECK_INT(plx_ctx_usage(ctx, &out), PLX_OK);
    CHECK_CONTAINS(out, "{\"cost_usd\":5,\"by_model\":[{\"provider\":\"http\",\"model\":"
                        "\"gpt-4o\",\"calls\":2,\"input_tokens\":2000000");
    plx_free(out);
    /* The ctx budget applies to every provider. */
    setup("{\"max_cost_usd\": 2}", BASE, replies, 1);
    CHECK_INT(plx_chat(prov, "{}", &out), PLX_OK);
    plx_free(out);
    CHECK_INT(plx_chat(prov, "{}", &out), PLX_EBUDGET);
    CHECK_CONTAINS(plx_errmsg(ctx), "ctx budget");
}

static void test_model_from_request(void)
{
    static const reply replies[] = {{PLX_OK, 200, "{\"text\": \"hi\", \"in\": 1, \"out\": 1}"}};
    setup(NULL, BASE, replies, 1);
    char *out = NULL;
    CHECK_INT(plx_chat(prov, "{\"model\": \"gpt-4o\"}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"cost_usd\":1.25e-05");
    plx_free(out);
}

static void cleanup(void)
{
    plx_provider_free(prov);
    plx_ctx_free(ctx);
}

TEST_MAIN(test_stream_deltas_and_result, test_stream_tool_call, test_stream_cancel,
          test_stream_cut_short, test_stream_error_event,
          test_stream_retries_before_output_only, test_stream_http_error_parsed,
          test_pricing_lookup, test_pricing_config, test_unknown_model_costs_null,
          test_totals_and_budgets, test_model_from_request, cleanup)
