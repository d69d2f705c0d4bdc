/* A fake service for pipeline tests: an in-process asynchronous transport
 * (submit + poll) that answers by host and path, and counts what it saw.
 *
 *   host down.test       503 to everything
 *   /echo                200 {"body": <request body: JSON, or text>, "host": HOST}
 *   /label               200 {"label": "negative" if body.text has "bad", else "positive"}
 *   /status/NNN          NNN {"error": {"message": "status NNN"}}
 *   /flaky               503 for the first `flaky` requests, then 200 {"ok": true}
 *   /embed               200 {"vectors": [[len(text)], ...]} for body.input
 *   /delay/MS            200 {"ok": true}, MS milliseconds later
 *   /fail-if-bad         500 when body.text has "bad", else 200 {"text": body.text}
 *   .../infer            200, an open inference protocol v2 reply: output
 *                        "predict" = the number of rows sent
 */
#ifndef PLX_TEST_PIPELINE_SERVICE_H
#define PLX_TEST_PIPELINE_SERVICE_H

#include <plexus.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SVC_MAX_PENDING 4096

typedef struct svc_pending {
    plx_response *resp;
    plx_transport_done_fn done;
    void *done_data;
    long long due_ms;
} svc_pending;

typedef struct service {
    int requests;
    int down_requests;
    int embed_requests;
    int embed_items;
    int flaky;                  /* failures /flaky still has to give */
    int max_pending;            /* most requests in flight at once */
    char hosts[8192];           /* "host path\n" per request, in order */
    svc_pending pending[SVC_MAX_PENDING];
    int npending;
} service;

static long long svc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void svc_reply(plx_response *resp, int status, cJSON *body)
{
    char *text = cJSON_PrintUnformatted(body);
    plx_response_set_status(resp, status);
    plx_response_add_header(resp, "Content-Type", "application/json");
    plx_response_append_body(resp, text, strlen(text));
    free(text);
    cJSON_Delete(body);
}

static const char *svc_text(const cJSON *body)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "text");
    return cJSON_IsString(t) ? t->valuestring : "";
}

static cJSON *svc_embed(service *s, const cJSON *body)
{
    cJSON *out = cJSON_CreateObject(), *vectors = cJSON_AddArrayToObject(out, "vectors");
    const cJSON *item;
    s->embed_requests++;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(body, "input")) {
        cJSON *v = cJSON_CreateArray();
        cJSON_AddItemToArray(v, cJSON_CreateNumber(cJSON_IsString(item)
                                                   ? (double)strlen(item->valuestring) : -1));
        cJSON_AddItemToArray(vectors, v);
        s->embed_items++;
    }
    return out;
}

static cJSON *svc_infer(const cJSON *body)
{
    const cJSON *in = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(body, "inputs"), 0);
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(in, "shape");
    int rows = cJSON_IsArray(shape) ? cJSON_GetArrayItem(shape, 0)->valueint : 0;
    char text[256];
    snprintf(text, sizeof text, "{\"model_name\":\"iris\",\"model_version\":\"v1\","
             "\"outputs\":[{\"name\":\"predict\",\"shape\":[1,1],\"datatype\":\"INT64\","
             "\"data\":[%d]}]}", rows);
    return cJSON_Parse(text);
}

/* Answers req into resp; returns the delay in ms. */
static int svc_handle(service *s, const plx_request *req, plx_response *resp)
{
    const char *url = plx_request_url(req);
    const char *host = strstr(url, "://") ? strstr(url, "://") + 3 : url;
    const char *path = strchr(host, '/') ? strchr(host, '/') : "/";
    size_t hlen = (size_t)(path - host), len = 0;
    const char *raw = plx_request_body(req, &len);
    char *copy = strndup(raw ? raw : "", len);
    cJSON *body = cJSON_Parse(copy);
    if (!body && len)
        body = cJSON_CreateString(copy); /* a text body */
    free(copy);
    s->requests++;
    size_t used = strlen(s->hosts);
    if (used + 200 < sizeof s->hosts)
        snprintf(s->hosts + used, sizeof s->hosts - used, "%.*s %s\n", (int)hlen, host, path);
    int delay = 0;
    cJSON *out = cJSON_CreateObject();
    int status = 200;
    if (strncmp(host, "down.test", 9) == 0) {
        s->down_requests++;
        status = 503;
    } else if (strcmp(path, "/echo") == 0) {
        cJSON_AddItemToObject(out, "body", body ? cJSON_Duplicate(body, 1) : cJSON_CreateNull());
        char h[128];
        snprintf(h, sizeof h, "%.*s", (int)hlen, host);
        cJSON_AddStringToObject(out, "host", h);
    } else if (strcmp(path, "/label") == 0) {
        cJSON_AddStringToObject(out, "label", strstr(svc_text(body), "bad") ? "negative"
                                                                           : "positive");
    } else if (strncmp(path, "/status/", 8) == 0) {
        status = atoi(path + 8);
        cJSON_AddItemToObject(out, "error", cJSON_CreateObject());
        cJSON_AddStringToObject(cJSON_GetObjectItem(out, "error"), "message", "status");
    } else if (strcmp(path, "/flaky") == 0) {
        status = s->flaky > 0 ? 503 : 200;
        s->flaky--;
        cJSON_AddBoolToObject(out, "ok", status == 200);
    } else if (strcmp(path, "/embed") == 0) {
        cJSON_Delete(out);
        out = svc_embed(s, body);
    } else if (strncmp(path, "/delay/", 7) == 0) {
        delay = atoi(path + 7);
        cJSON_AddBoolToObject(out, "ok", 1);
    } else if (strcmp(path, "/fail-if-bad") == 0) {
        status = strstr(svc_text(body), "bad") ? 500 : 200;
        cJSON_AddStringToObject(out, "text", svc_text(body));
    } else if (strstr(path, "/infer")) {
        cJSON_Delete(out);
        out = svc_infer(body);
    } else {
        status = 404;
    }
    cJSON_Delete(body);
    svc_reply(resp, status, out);
    return delay;
}

static plx_status svc_submit(const plx_request *req, plx_response *resp,
                             plx_transport_done_fn done, void *done_data, void *ud)
{
    service *s = ud;
    if (s->npending == SVC_MAX_PENDING)
        return PLX_ETRANSPORT;
    int delay = svc_handle(s, req, resp);
    s->pending[s->npending++] = (svc_pending){resp, done, done_data, svc_now_ms() + delay};
    if (s->npending > s->max_pending)
        s->max_pending = s->npending;
    return PLX_OK;
}

static plx_status svc_poll(int timeout_ms, void *ud)
{
    service *s = ud;
    long long now = svc_now_ms(), first = -1;
    for (int i = 0; i < s->npending; i++)
        if (first < 0 || s->pending[i].due_ms < first)
            first = s->pending[i].due_ms;
    if (first > now) {
        long long wait = first - now < timeout_ms ? first - now : timeout_ms;
        struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    now = svc_now_ms();
    /* Oldest first, like a server answering in order. */
    for (int i = 0; i < s->npending;) {
        if (s->pending[i].due_ms > now) {
            i++;
            continue;
        }
        svc_pending p = s->pending[i];
        memmove(&s->pending[i], &s->pending[i + 1],
                (size_t)(s->npending - i - 1) * sizeof *s->pending);
        s->npending--;
        p.done(p.resp, PLX_OK, p.done_data);
    }
    return PLX_OK;
}

static plx_status svc_send(const plx_request *req, plx_response *resp, void *ud)
{
    svc_handle(ud, req, resp);
    return PLX_OK;
}

/* Attaches the service to every provider of ctx. */
static void svc_attach(service *s, plx_ctx *ctx)
{
    memset(s, 0, sizeof *s);
    plx_transport_funcs *t = NULL;
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, svc_send, s, NULL);
    plx_transport_funcs_set_submit(t, svc_submit, s, NULL);
    plx_transport_funcs_set_poll(t, svc_poll, s, NULL);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
}

/* A ctx with http providers "ok" (ok.test), "other" (other.test), "down"
 * (down.test, circuit opens after 2 failures), no retries inside providers. */
static plx_ctx *svc_ctx(service *s)
{
    plx_ctx *ctx = NULL;
    plx_status st = plx_ctx_new(&ctx,
        "{\"log_level\":\"none\",\"providers\":{"
        "\"ok\":{\"kind\":\"http\",\"base_url\":\"http://ok.test\","
        "\"retry\":{\"max_attempts\":1}},"
        "\"other\":{\"kind\":\"http\",\"base_url\":\"http://other.test\","
        "\"retry\":{\"max_attempts\":1}},"
        "\"down\":{\"kind\":\"http\",\"base_url\":\"http://down.test\","
        "\"retry\":{\"max_attempts\":1},\"circuit\":{\"failure_threshold\":2,\"open_ms\":60000}}}}");
    if (st != PLX_OK) {
        fprintf(stderr, "svc_ctx: %s\n", plx_errmsg(NULL));
        exit(1);
    }
    svc_attach(s, ctx);
    return ctx;
}

#endif
