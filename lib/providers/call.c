/* A call: request JSON -> kind build -> exchange -> kind parse -> result JSON.
 * Shared by the blocking plx_call and the async engine. */
#include "providers.h"

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
    plx_request *req = NULL;
    if (st == PLX_OK)
        st = p->kind->build(p, op, request, &req);
    cJSON_Delete(request);
    if (st != PLX_OK) {
        plx_errmsg_prefix(p->ctx, "provider '%s', op '%s'", p->name, op);
        return st;
    }
    count(&p->stats.calls, 1);
    return plx_exchange_init(x, p->ctx, &p->policy, p->auth, p->name, req);
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

static void add_error(cJSON *result, plx_status st, const char *message, int http,
                      const plx_response *resp)
{
    cJSON *err = cJSON_AddObjectToObject(result, "error");
    if (!err)
        return;
    cJSON_AddStringToObject(err, "code", plx_status_name(st));
    cJSON_AddStringToObject(err, "message", message);
    if (http)
        plx_json_add_int(err, "http_status", http);
    cJSON_AddBoolToObject(err, "retryable", failure_retryable(st, http));
    const char *rid = request_id(resp);
    if (rid)
        cJSON_AddStringToObject(err, "request_id", rid);
}

/* Lets the kind read the reply. Updates *st when the reply does not parse. */
static cJSON *parse_reply(plx_provider *p, const char *op, plx_exchange *x,
                          plx_status *st, char *service_message, size_t cap)
{
    cJSON *result = NULL;
    if (!x->resp || x->resp->status == 0 || (*st != PLX_OK && x->resp->status < 300))
        return NULL;
    plx_status ps = p->kind->parse(p, op, x->resp, *st != PLX_OK, &result,
                                   service_message, cap);
    if (ps != PLX_OK && *st == PLX_OK) {
        *st = ps;
        snprintf(x->message, sizeof x->message, "%s", plx_errmsg_current());
    }
    return result;
}

plx_status plx_call_finish(plx_provider *p, const char *op, plx_exchange *x,
                           char **response_json)
{
    plx_status st = x->status;
    char service_message[512] = "";
    cJSON *result = parse_reply(p, op, x, &st, service_message, sizeof service_message);
    if (!result)
        result = cJSON_CreateObject();
    int http = x->resp ? x->resp->status : 0;
    cJSON_AddStringToObject(result, "provider", p->name);
    plx_json_add_int(result, "attempts", x->attempts);
    plx_json_add_int(result, "latency_ms", (int64_t)plx_exchange_latency_ms(x, plx_now_us()));
    count(&p->stats.attempts, x->attempts);
    count(&p->stats.retries, x->attempts > 1 ? x->attempts - 1 : 0);
    count(st == PLX_OK ? &p->stats.succeeded : &p->stats.failed, 1);
    if (st != PLX_OK) {
        plx_fail(p->ctx, st, "provider '%s', op '%s': %s%s%s", p->name, op, x->message,
                 service_message[0] ? ": " : "", service_message);
        add_error(result, st, plx_errmsg_current(), http, x->resp);
    }
    plx_exchange_cleanup(x);
    *response_json = result ? plx_json_print(result) : NULL;
    cJSON_Delete(result);
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
