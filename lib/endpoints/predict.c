/* plx_predict and plx_predict_async: route a request to a variant, call
 * its provider's op "predict", fall back to a healthy variant when the
 * call fails, name the variant in the result, record metrics, and offer a
 * copy to the shadow variant. */
#include "endpoints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- request and result text ------------------------------------------- */

static plx_status set_string(cJSON *obj, const char *key, const char *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    return cJSON_AddStringToObject(obj, key, value) ? PLX_OK : PLX_ENOMEM;
}

char *plx_endpoint_request_text(plx_endpoint *e, const plx_variant *v, void *request)
{
    (void)e;
    cJSON *r = request;
    if (v->model && set_string(r, "model", v->model) != PLX_OK)
        return NULL;
    if (v->version) {
        cJSON_DeleteItemFromObjectCaseSensitive(r, "label");
        if (set_string(r, "version", v->version) != PLX_OK)
            return NULL;
    }
    return plx_json_print(r);
}

int plx_result_http_status(const char *json)
{
    /* The call's error object is the result's last member. */
    static const char mark[] = "\"error\":{\"code\":\"PLX_";
    const char *at = NULL;
    for (const char *p = json; p && (p = strstr(p, mark)); p++)
        at = p;
    const char *h = at ? strstr(at, "\"http_status\":") : NULL;
    return h ? atoi(h + 14) : 0;
}

char *plx_json_splice(char *json, const char *members, size_t len)
{
    size_t n = strlen(json);
    if (n < 2 || json[n - 1] != '}' || len == 0)
        return json;
    char *grown = realloc(json, n + len + 2);
    if (!grown)
        return json;
    bool empty = n == 2;
    grown[n - 1] = empty ? '\0' : ',';
    memcpy(grown + n - (empty ? 1 : 0), members, len);
    size_t end = n - (empty ? 1 : 0) + len;
    grown[end] = '}';
    grown[end + 1] = '\0';
    return grown;
}

/* Adds "variant", "endpoint" and "fallback_from" to a result. */
static char *name_variant(plx_endpoint *e, int v, const int *failed, size_t nfailed, char *json)
{
    if (!json)
        return NULL;
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    const char *name = e->variants[v].name;
    plx_jw_string(&w, "variant", name, strlen(name));
    plx_jw_string(&w, "endpoint", e->name, strlen(e->name));
    if (nfailed) {
        plx_jw_begin_array(&w, "fallback_from");
        for (size_t i = 0; i < nfailed; i++)
            plx_jw_string(&w, NULL, e->variants[failed[i]].name,
                          strlen(e->variants[failed[i]].name));
        plx_jw_end_array(&w);
    }
    plx_jw_end(&w);
    char *members = plx_jw_finish(&w);
    if (members)
        json = plx_json_splice(json, members + 1, strlen(members) - 2);
    plx_free(members);
    return json;
}

void plx_endpoint_record(plx_endpoint *e, int v, plx_status st, uint64_t latency_us)
{
    plx_variant *var = &e->variants[v];
    __atomic_add_fetch(&e->calls, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&var->calls, 1, __ATOMIC_RELAXED);
    if (st != PLX_OK) {
        __atomic_add_fetch(&e->errors, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&var->errors, 1, __ATOMIC_RELAXED);
    }
    plx_latency_add(&var->latency, latency_us);
}

/* Notes a call's outcome; returns the variant to fall back to, or -1. */
static int after_call(plx_endpoint *e, int v, plx_status st, const char *json, uint64_t tried)
{
    plx_variant *var = &e->variants[v];
    bool failure = st != PLX_OK && plx_variant_failure(st, plx_result_http_status(json));
    plx_variant_note(e, var, failure);
    if (!failure || !e->fallback)
        return -1;
    int next = plx_route_fallback(e, tried, plx_endpoint_uniform(e));
    if (next >= 0) {
        __atomic_add_fetch(&e->fallbacks, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&var->fallbacks, 1, __ATOMIC_RELAXED);
        plx_log(e->ctx, PLX_LOG_INFO, "endpoint '%s': variant '%s' failed (%s); falling back "
                "to '%s'", e->name, var->name, plx_status_name(st), e->variants[next].name);
    }
    return next;
}

plx_status plx_endpoint_call(plx_endpoint *e, int v, plx_request_text_fn text, void *user_data,
                             int *final, char **out)
{
    int failed[PLX_MAX_VARIANTS];
    size_t nfailed = 0;
    uint64_t tried = 0;
    char *result = NULL;
    plx_status st = PLX_OK;
    *final = v;
    for (;;) {
        tried |= 1ull << v;
        plx_variant *var = &e->variants[v];
        char *req = text(e, var, user_data);
        char *json = NULL;
        plx_status cst = req ? plx_call(var->p, "predict", req, &json) : PLX_ENOMEM;
        plx_free(req);
        if (!json) {
            /* Could not even start (a bad request): no fallback from here;
             * after a fallback, the previous failure stands. */
            if (!result) {
                st = cst;
                plx_errmsg_prefix(e->ctx, "endpoint '%s', variant '%s'", e->name, var->name);
            }
            break;
        }
        plx_free(result);
        result = json;
        st = cst;
        *final = v;
        int next = after_call(e, v, cst, json, tried);
        if (next < 0)
            break;
        failed[nfailed++] = v;
        v = next;
    }
    if (st != PLX_OK && result)
        plx_errmsg_prefix(e->ctx, "endpoint '%s', variant '%s'", e->name,
                          e->variants[*final].name);
    if (result && nfailed && failed[nfailed - 1] == *final)
        nfailed--;
    *out = name_variant(e, *final, failed, nfailed, result);
    return st;
}

/* ---- plx_predict --------------------------------------------------------- */

static int variant_index(const plx_endpoint *e, const char *name)
{
    for (size_t i = 0; i < e->count; i++)
        if (strcmp(e->variants[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Parses the request, takes out "routing_key" and "variant", and picks the
 * variant. */
static plx_status prepare(plx_endpoint *e, const char *request_json, cJSON **request, int *v)
{
    plx_status st = plx_json_parse(e->ctx, request_json, "request", PLX_EINVAL, request);
    if (st == PLX_OK && !cJSON_IsObject(*request))
        st = plx_fail(e->ctx, PLX_EINVAL, "request: expected a JSON object");
    cJSON *key = st == PLX_OK ? cJSON_DetachItemFromObjectCaseSensitive(*request, "routing_key")
                              : NULL;
    cJSON *forced = st == PLX_OK ? cJSON_DetachItemFromObjectCaseSensitive(*request, "variant")
                                 : NULL;
    char text[64];
    const char *k = NULL;
    if (cJSON_IsString(key)) {
        k = key->valuestring;
    } else if (cJSON_IsNumber(key)) {
        snprintf(text, sizeof text, "%.17g", key->valuedouble);
        k = text;
    } else if (key)
        st = plx_fail(e->ctx, PLX_EINVAL, "request.routing_key: expected a string or a number");
    if (st == PLX_OK && forced) {
        *v = cJSON_IsString(forced) ? variant_index(e, forced->valuestring) : -1;
        if (*v < 0)
            st = plx_fail(e->ctx, PLX_EINVAL, "request.variant: endpoint '%s' has no such "
                          "variant", e->name);
    } else if (st == PLX_OK) {
        *v = plx_route_pick(e, k ? plx_routing_point(k, strlen(k)) : plx_endpoint_uniform(e));
    }
    cJSON_Delete(key);
    cJSON_Delete(forced);
    if (st != PLX_OK) {
        cJSON_Delete(*request);
        *request = NULL;
    }
    return st;
}

static void finish(plx_endpoint *e, int v, plx_status st, cJSON *request, const char *out,
                   uint64_t start)
{
    if (out) {
        plx_endpoint_record(e, v, st, plx_now_us() - start);
        plx_shadow_offer(e, v, request, out);
    }
    cJSON_Delete(request);
}

PLX_API plx_status plx_predict(plx_endpoint *e, const char *request_json, char **response_json)
{
    if (response_json)
        *response_json = NULL;
    if (!e || !request_json || !response_json)
        return plx_fail(e ? e->ctx : NULL, PLX_EINVAL,
                        "plx_predict: endpoint, request and response must not be NULL");
    uint64_t start = plx_now_us();
    cJSON *request = NULL;
    int v = 0, final = 0;
    plx_status st = prepare(e, request_json, &request, &v);
    if (st != PLX_OK)
        return st;
    char *out = NULL, *key = NULL;
    int64_t rows = 0;
    bool alone = true;
    if (e->variants[v].batcher && (key = plx_batch_key(request, e->max_batch, &rows)))
        st = plx_batch_predict(e, v, request, key, rows, &final, &out, &alone);
    if (alone)
        st = plx_endpoint_call(e, v, plx_endpoint_request_text, request, &final, &out);
    finish(e, final, st, request, out, start);
    *response_json = out;
    return st;
}

/* ---- plx_predict_async -------------------------------------------------- */

typedef struct pending {
    plx_endpoint *e;
    cJSON *request;
    int v;
    uint64_t tried;
    int failed[PLX_MAX_VARIANTS];
    size_t nfailed;
    uint64_t start;
    plx_call_done_fn done;
    void *user_data;
} pending;

static void async_done(plx_status st, const char *json, void *user_data);

static plx_status start_async(pending *pd)
{
    plx_variant *var = &pd->e->variants[pd->v];
    pd->tried |= 1ull << pd->v;
    char *text = plx_endpoint_request_text(pd->e, var, pd->request);
    plx_status st = text ? plx_call_async(var->p, "predict", text, async_done, pd)
                         : PLX_ENOMEM;
    plx_free(text);
    return st;
}

static void async_done(plx_status st, const char *json, void *user_data)
{
    pending *pd = user_data;
    plx_endpoint *e = pd->e;
    int v = pd->v;
    int next = after_call(e, v, st, json, pd->tried);
    if (next >= 0) {
        pd->failed[pd->nfailed++] = v;
        pd->v = next;
        if (start_async(pd) == PLX_OK)
            return;
        pd->nfailed--;
        pd->v = v;
    }
    char *out = json ? plx_strdup(json) : NULL;
    out = name_variant(e, v, pd->failed, pd->nfailed, out);
    if (st != PLX_OK)
        plx_errmsg_prefix(e->ctx, "endpoint '%s', variant '%s'", e->name, e->variants[v].name);
    finish(e, v, st, pd->request, out, pd->start);
    pd->done(st, out, pd->user_data);
    plx_free(out);
    free(pd);
}

PLX_API plx_status plx_predict_async(plx_endpoint *e, const char *request_json,
                                     plx_call_done_fn done, void *user_data)
{
    if (!e || !request_json || !done)
        return plx_fail(e ? e->ctx : NULL, PLX_EINVAL,
                        "plx_predict_async: endpoint, request and done must not be NULL");
    pending *pd = calloc(1, sizeof *pd);
    if (!pd)
        return plx_fail(e->ctx, PLX_ENOMEM, "plx_predict_async: out of memory");
    *pd = (pending){.e = e, .start = plx_now_us(), .done = done, .user_data = user_data};
    plx_status st = prepare(e, request_json, &pd->request, &pd->v);
    if (st == PLX_OK && (st = start_async(pd)) != PLX_OK)
        plx_errmsg_prefix(e->ctx, "endpoint '%s', variant '%s'", e->name,
                          e->variants[pd->v].name);
    if (st != PLX_OK) {
        cJSON_Delete(pd->request);
        free(pd);
    }
    return st;
}
