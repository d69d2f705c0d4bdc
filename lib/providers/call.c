/* A call: request JSON -> kind build -> exchange -> kind parse -> result JSON.
 * Shared by the blocking plx_call and the async engine. */
#include "pricing.h"

#include <stdio.h>
#include <string.h>

#define MESSAGE_CAP 1024

static void count(uint64_t *counter, uint64_t n)
{
    __atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

plx_status plx_call_prepare(plx_provider *p, const char *op, const char *request_json,
                            plx_exchange *x)
{
    cJSON *request = NULL;
    plx_status st = plx_json_parse(p->ctx, request_json, "request", PLX_EINVAL, &request);
    if (st == PLX_OK && !cJSON_IsObject(request))
        st = plx_fail(p->ctx, PLX_EINVAL, "request: expected a JSON object");
    if (st == PLX_OK)
        st = plx_costs_admit(p);
    plx_request *req = NULL;
    if (st == PLX_OK)
        st = p->kind->build(p, op, request, &req);
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(request, "model");
    char tag[sizeof x->tag] = "";
    if (cJSON_IsString(model))
        snprintf(tag, sizeof tag, "%s", model->valuestring);
    cJSON_Delete(request);
    if (st != PLX_OK) {
        plx_errmsg_prefix(p->ctx, "provider '%s', op '%s'", p->name, op);
        return st;
    }
    count(&p->stats.calls, 1);
    st = plx_exchange_init(x, p->ctx, &p->policy, p->auth, p->name, req);
    memcpy(x->tag, tag, sizeof tag);
    return st;
}

/* The first request-id header a service sent, or NULL. */
static const char *request_id(const plx_response *resp)
{
    static const char *const names[] = {"x-request-id", "request-id", "x-amzn-requestid",
                                        "x-amz-request-id", "x-ms-request-id",
                                        "apim-request-id", "x-datadog-trace-id"};
    for (size_t i = 0; resp && i < PLX_ARRAY_LEN(names); i++) {
        const char *v = plx_response_header(resp, names[i]);
        if (v)
            return v;
    }
    return NULL;
}

static bool failure_retryable(plx_status st, int http)
{
    return st == PLX_ETRANSPORT || st == PLX_ETIMEOUT || st == PLX_ECIRCUIT ||
           plx_retry_is_retryable(PLX_OK, http);
}

static void write_error(plx_jw *w, plx_status st, const char *message, int http,
                        const plx_response *resp, const plx_reply *r)
{
    plx_jw_begin(w, "error");
    plx_jw_string(w, "code", plx_status_name(st), strlen(plx_status_name(st)));
    plx_jw_string(w, "message", message, strlen(message));
    if (http)
        plx_jw_int(w, "http_status", http);
    plx_jw_bool(w, "retryable", failure_retryable(st, http));
    const char *rid = request_id(resp);
    if (rid)
        plx_jw_string(w, "request_id", rid, strlen(rid));
    if (r->service_code[0])
        plx_jw_string(w, "service_code", r->service_code, strlen(r->service_code));
    if (r->service_message[0])
        plx_jw_string(w, "service_message", r->service_message, strlen(r->service_message));
    plx_jw_end(w);
}

/* "usage" and "cost_usd" (null when the model has no known price) when the
 * reply reported tokens; the model defaults to the one the request named. */
void plx_call_write_usage(plx_provider *p, plx_jw *w, plx_usage *u, const char *model)
{
    if (u->input_tokens < 0 && u->output_tokens < 0)
        return;
    if (!u->model[0] && model)
        snprintf(u->model, sizeof u->model, "%s", model);
    plx_jw_begin(w, "usage");
    plx_jw_int(w, "input_tokens", u->input_tokens < 0 ? 0 : u->input_tokens);
    plx_jw_int(w, "output_tokens", u->output_tokens < 0 ? 0 : u->output_tokens);
    plx_jw_end(w);
    double cost = 0;
    if (plx_costs_record(p, u, &cost))
        plx_jw_double(w, "cost_usd", cost);
    else
        plx_jw_null(w, "cost_usd");
}

/* Lets the kind (or a stream's writer, for anything but an HTTP error
 * reply) write the reply's members. Updates *st when the reply does not
 * parse. */
static void parse_reply(plx_provider *p, const char *op, plx_exchange *x, plx_status *st,
                        plx_reply *r, const plx_reply_writer *writer)
{
    bool http_error = x->resp && x->resp->status >= 300;
    r->resp = x->resp;
    r->req = x->base_req;
    r->failed = *st != PLX_OK;
    plx_status ps;
    if (writer && !http_error)
        ps = writer->write(p, r, writer->user_data);
    else if (!x->resp || x->resp->status == 0 || (*st != PLX_OK && x->resp->status < 300))
        return;
    else
        ps = p->kind->parse(p, op, r);
    if (r->failed && r->status != PLX_OK)
        *st = r->status;        /* the kind read a more precise one from the reply */
    if (ps != PLX_OK && *st == PLX_OK) {
        *st = ps;
        snprintf(x->message, sizeof x->message, "%s", plx_errmsg_current());
    }
}

plx_status plx_call_finish(plx_provider *p, const char *op, plx_exchange *x,
                           char **response_json)
{
    return plx_call_finish_with(p, op, x, NULL, response_json);
}

plx_status plx_call_finish_with(plx_provider *p, const char *op, plx_exchange *x,
                                const plx_reply_writer *writer, char **response_json)
{
    plx_status st = x->status;
    plx_jw w = {0};
    plx_reply r = {.out = &w, .usage = {.input_tokens = -1, .output_tokens = -1}};
    plx_jw_begin(&w, NULL);
    parse_reply(p, op, x, &st, &r, writer);
    plx_call_write_usage(p, &w, &r.usage, x->tag);
    int http = x->resp ? x->resp->status : 0;
    plx_jw_string(&w, "provider", p->name, strlen(p->name));
    plx_jw_int(&w, "attempts", x->attempts);
    plx_jw_int(&w, "latency_ms", (int64_t)plx_exchange_latency_ms(x, plx_now_us()));
    count(&p->stats.attempts, x->attempts);
    count(&p->stats.retries, x->attempts > 1 ? x->attempts - 1 : 0);
    count(st == PLX_OK ? &p->stats.succeeded : &p->stats.failed, 1);
    if (st != PLX_OK) {
        plx_fail(p->ctx, st, "provider '%s', op '%s': %s%s%s", p->name, op, x->message,
                 r.service_message[0] ? ": " : "", r.service_message);
        write_error(&w, st, plx_errmsg_current(), http, x->resp, &r);
    }
    plx_jw_end(&w);
    plx_exchange_cleanup(x);
    *response_json = plx_jw_finish(&w);
    if (!*response_json)
        return PLX_ENOMEM;
    return st;
}

PLX_API plx_status plx_call(plx_provider *p, const char *op, const char *request_json,
                            char **response_json)
{
    if (response_json)
        *response_json = NULL;
    if (!p || !op || !request_json || !response_json)
        return plx_fail(p ? p->ctx : NULL, PLX_EINVAL,
                        "plx_call: provider, op, request and response must not be NULL");
    const plx_transport_funcs *t = plx_provider_transport(p);
    if (!t)
        return PLX_ENOMEM;
    plx_exchange x;
    plx_status st = plx_call_prepare(p, op, request_json, &x);
    if (st != PLX_OK)
        return st;
    plx_exchange_run_blocking(&x, t);
    return plx_call_finish(p, op, &x, response_json);
}
