/* libFuzzer target for the notify parsers and builders. Byte 0 picks:
 *   0      the rest is an alert: validated, then built by every notify kind
 *   1      the rest is a short target URL (target_url.c)
 *   2      the rest is a Datadog metrics request
 *   3..    a reply: byte 1 picks the HTTP status, the rest is the body,
 *          parsed by kind (byte 0 - 3) % kinds with each of its ops
 * Nothing may crash or leak; built requests must carry a method and URL. */
#include "providers/notify_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *kind;
    const char *config;
    const char *ops[6];
} KINDS[] = {
    {"slack", "{\"webhook_url\":\"https://hooks.slack.com/services/T/B/X\"}", {"notify"}},
    {"slack", "{\"channel\":\"C1\",\"auth\":{\"type\":\"bearer\",\"token\":\"xoxb-1\"}}",
     {"notify"}},
    {"teams", "{\"webhook_url\":\"https://t.example/w?sig=1\"}", {"notify"}},
    {"pagerduty", "{\"routing_key\":\"rk-fuzz\"}", {"notify"}},
    {"datadog", "{\"api_key\":\"k-fuzz\",\"app_key\":\"a-fuzz\",\"tags\":[\"t:1\"]}",
     {"notify", "metrics"}},
    {"jira", "{\"base_url\":\"https://j.example\",\"project\":\"OPS\",\"labels\":[\"l\"]}",
     {"create", "notify", "search", "comment", "transitions", "transition"}},
    {"webhook", "{\"url\":\"https://w.example/h\",\"secret\":\"s-fuzz\"}", {"notify"}},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

static plx_ctx *ctx;
static plx_provider *providers[NKINDS];

static void setup(void)
{
    if (ctx)
        return;
    if (plx_ctx_new(&ctx, "{\"log_level\":\"none\"}") != PLX_OK)
        abort();
    for (size_t i = 0; i < NKINDS; i++)
        if (plx_provider_new(ctx, KINDS[i].kind, KINDS[i].config, &providers[i]) != PLX_OK)
            abort();
}

/* Like call.c, hands kinds JSON objects only. */
static void build_with(plx_provider *p, const char *op, const cJSON *request)
{
    plx_request *req = NULL;
    if (!cJSON_IsObject(request))
        return;
    if (p->kind->build(p, op, request, &req) != PLX_OK) {
        if (req)
            abort();   /* a failed build leaves nothing behind */
        return;
    }
    if (!plx_request_method(req) || !plx_request_url(req))
        abort();
    plx_request_free(req);
}

static void fuzz_alert(const char *text, size_t len)
{
    cJSON *json = cJSON_ParseWithLength(text, len);
    plx_alert a;
    plx_alert_parse(ctx, "alert", json, &a);
    for (size_t i = 0; i < NKINDS; i++)
        build_with(providers[i], KINDS[i].ops[0], json);
    cJSON *comment = cJSON_CreateObject();
    cJSON_AddStringToObject(comment, "issue", "OPS-1");
    if (json)
        cJSON_AddItemReferenceToObject(comment, "alert", json);
    build_with(providers[5], "comment", comment);
    cJSON_Delete(comment);
    cJSON_Delete(json);
}

/* A ctx of its own: each URL registers its secrets, and a shared ctx would
 * collect them without end. */
static void fuzz_url(const char *text, size_t len)
{
    char *url = plx_strndup(text, len);
    plx_ctx *c = NULL;
    cJSON *config = NULL;
    char *label = NULL;
    if (!url || plx_ctx_new(&c, "{\"log_level\":\"none\"}") != PLX_OK)
        abort();
    if (plx_target_url_parse(c, "targets[0]", url, &config, &label) == PLX_OK &&
        (!config || !label))
        abort();
    cJSON_Delete(config);
    free(label);
    free(url);
    plx_ctx_free(c);
}

static void fuzz_metrics(const char *text, size_t len)
{
    cJSON *json = cJSON_ParseWithLength(text, len);
    if (json)
        build_with(providers[4], "metrics", json);
    cJSON_Delete(json);
}

static void fuzz_reply(size_t k, int status, const char *body, size_t len)
{
    plx_request *req = NULL;
    plx_response *resp = NULL;
    if (plx_request_create("POST", "https://fuzz.invalid/x", &req) != PLX_OK ||
        plx_response_create(req, &resp) != PLX_OK)
        abort();
    plx_response_set_status(resp, status);
    plx_response_add_header(resp, "Content-Type", "application/json");
    plx_response_append_body(resp, body, len);
    for (int i = 0; i < 6 && KINDS[k].ops[i]; i++) {
        plx_jw w = {0};
        plx_reply r = {.resp = resp, .failed = status >= 300, .out = &w};
        plx_jw_begin(&w, NULL);
        (void)providers[k]->kind->parse(providers[k], KINDS[k].ops[i], &r);
        plx_jw_end(&w);
        free(plx_jw_finish(&w));
    }
    plx_response_free(resp);
    plx_request_free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {200, 201, 202, 204, 400, 401, 403, 404, 422, 429, 500};
    setup();
    if (size < 2)
        return 0;
    const char *rest = (const char *)data + 1;
    switch (data[0]) {
    case 0: fuzz_alert(rest, size - 1); break;
    case 1: fuzz_url(rest, size - 1); break;
    case 2: fuzz_metrics(rest, size - 1); break;
    default:
        fuzz_reply((size_t)(data[0] - 3) % NKINDS,
                   statuses[data[1] % (sizeof statuses / sizeof statuses[0])], rest + 1,
                   size - 2);
    }
    return 0;
}
