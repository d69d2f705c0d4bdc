/* Kind "aws": any operation of an AWS JSON-1.0/1.1 service, and the
 * REST-JSON operations of aws_services.c, signed with SigV4.
 *   op "call": {"service", "operation", "params"} -> {"output", "request_id"}
 * A pure adapter: builds requests, parses replies, no I/O. The provider's
 * auth is the SigV4 signer, made from the kind's credential keys; each
 * request names its scope (region and signing name) in a header the signer
 * consumes, since the service changes from call to call. */
#include "aws.h"
#include "../auth/sigv4.h"
#include "../crypto/crypto.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXCERPT_MAX 300

typedef plx_aws_endpoint aws_state;

const char *const PLX_AWS_CONFIG_KEYS[] = {"region", "endpoint_url", "access_key_id",
                                           "secret_access_key", "session_token", "profile",
                                           NULL};

void plx_aws_endpoint_clear(plx_aws_endpoint *e)
{
    free(e->region);
    free(e->endpoint_url);
    e->region = e->endpoint_url = NULL;
}

static void aws_release(void *state)
{
    if (state)
        plx_aws_endpoint_clear(state);
    free(state);
}

static plx_status read_endpoint(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                aws_state *s)
{
    const char *url = NULL;
    plx_status st = plx_cfg_string(cfg, config, "endpoint_url", &url);
    if (st != PLX_OK)
        return st;
    if (!url)
        url = p->base_url;
    if (!url)
        return PLX_OK;
    if (!plx_url_is_http(url) || strchr(url, '?') || strchr(url, '#'))
        return plx_cfg_fail(cfg, "endpoint_url", "expected an absolute http:// or https:// "
                            "URL without query");
    size_t len = strlen(url);
    while (len && url[len - 1] == '/')
        len--;
    s->endpoint_url = plx_strndup(url, len);
    return s->endpoint_url ? PLX_OK : PLX_ENOMEM;
}

plx_status plx_aws_setup(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                         plx_aws_endpoint *e)
{
    if (p->auth)
        return plx_cfg_fail(cfg, "auth", "kind '%s' signs with SigV4 itself: give "
                            "region, access_key_id, secret_access_key, session_token or "
                            "profile as provider keys instead", p->kind->name);
    plx_status st = read_endpoint(p, cfg, config, e);
    if (st == PLX_OK)
        st = plx_sigv4_auth_new(p->ctx, cfg, config, &p->auth, &e->region);
    if (st == PLX_OK && !e->region)
        st = plx_cfg_fail(cfg, "region", "not set, and neither AWS_REGION, "
                          "AWS_DEFAULT_REGION nor the profile's config names one");
    if (st != PLX_OK)
        plx_aws_endpoint_clear(e);
    return st;
}

static plx_status aws_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                void **state)
{
    aws_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    plx_status st = plx_aws_setup(p, cfg, config, s);
    if (st != PLX_OK) {
        free(s);
        return st;
    }
    *state = s;
    return PLX_OK;
}

/* ---- building ---------------------------------------------------------- */

static plx_status bad(const plx_provider *p, const char *field, const char *what)
{
    return plx_fail(p->ctx, PLX_EINVAL, "request.%s: %s", field, what);
}

/* A scalar param as text: strings as they are, numbers and booleans
 * printed. false for anything else. */
static bool scalar_text(const cJSON *v, char *num, size_t cap, const char **out)
{
    if (cJSON_IsString(v)) {
        *out = v->valuestring;
    } else if (cJSON_IsBool(v)) {
        *out = cJSON_IsTrue(v) ? "true" : "false";
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == (double)(int64_t)d && d > -9e15 && d < 9e15)
            snprintf(num, cap, "%lld", (long long)d);
        else
            snprintf(num, cap, "%.17g", d);
        *out = num;
    } else {
        return false;
    }
    return true;
}

/* The endpoint: the override, or https://<prefix>.<region>.amazonaws.com. */
static plx_status endpoint(const aws_state *s, const plx_aws_service *svc,
                           const char *region, plx_buf *url)
{
    if (s->endpoint_url)
        return plx_buf_append_str(url, s->endpoint_url);
    bool china = strncmp(region, "cn-", 3) == 0;
    return plx_buf_printf(url, "https://%s.%s.amazonaws.com%s", svc->endpoint_prefix,
                          region, china ? ".cn" : "");
}

plx_status plx_aws_request(const plx_provider *p, const plx_aws_endpoint *s,
                           const plx_aws_service *svc, const char *method, const char *path,
                           plx_request **out)
{
    const char *region = svc->global_region ? svc->global_region : s->region;
    plx_buf url = {0}, scope = {0};
    plx_status st = endpoint(s, svc, region, &url);
    if (st == PLX_OK)
        st = plx_buf_append_str(&url, path);
    if (st == PLX_OK)
        st = plx_buf_printf(&scope, "%s/%s", region, svc->signing_name);
    if (st == PLX_OK)
        st = plx_provider_request(p, method, url.data, out);
    if (st == PLX_OK)
        st = plx_request_set_header(*out, PLX_SIGV4_SCOPE_HEADER, scope.data);
    plx_buf_free(&url);
    plx_buf_free(&scope);
    return st;
}

static plx_status build_json(const plx_provider *p, const plx_aws_service *svc,
                             const char *operation, const cJSON *params, plx_request **out)
{
    char *body = params ? plx_json_print(params) : plx_strdup("{}");
    char type[40], target[160];
    snprintf(type, sizeof type, "application/x-amz-json-%s", svc->json_version);
    snprintf(target, sizeof target, "%s.%s", svc->target_prefix, operation);
    plx_status st = body ? plx_aws_request(p, p->kind_state, svc, "POST", "/", out) : PLX_ENOMEM;
    if (st != PLX_OK) {
        plx_free(body);
        return st;
    }
    plx_request_take_body(*out, body, strlen(body));
    st = plx_request_set_header(*out, "Content-Type", type);
    if (st == PLX_OK)
        st = plx_request_set_header(*out, "X-Amz-Target", target);
    return st;
}

static const plx_aws_binding *binding_of(const plx_aws_binding *list, const char *member)
{
    for (; list && list->member; list++)
        if (strcmp(list->member, member) == 0)
            return list;
    return NULL;
}

static const plx_aws_binding *payload_of(const plx_aws_binding *list)
{
    for (; list && list->member; list++)
        if (list->where == PLX_AWS_PAYLOAD)
            return list;
    return NULL;
}

/* Expands the path template with the label params, encoded. */
static plx_status expand_path(const plx_provider *p, const plx_aws_rest_op *op,
                              const cJSON *params, plx_buf *path)
{
    for (const char *t = op->path; *t;) {
        if (*t != '{') {
            size_t n = strcspn(t, "{");
            plx_status st = plx_buf_append(path, t, n);
            if (st != PLX_OK)
                return st;
            t += n;
            continue;
        }
        const char *close = strchr(t, '}');
        bool greedy = close[-1] == '+';
        char name[64], num[64], field[96];
        snprintf(name, sizeof name, "%.*s", (int)(close - t - 1 - greedy), t + 1);
        snprintf(field, sizeof field, "params.%s", name);
        const char *text = NULL;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, name);
        if (!v || !scalar_text(v, num, sizeof num, &text) || !*text)
            return plx_fail(p->ctx, PLX_EINVAL, "request.%s: missing or not a non-empty "
                            "string (it goes into the path of %s)", field, op->name);
        plx_status st = plx_url_encode(path, text, strlen(text), greedy);
        if (st != PLX_OK)
            return st;
        t = close + 1;
    }
    return PLX_OK;
}

/* Query params bound to the query string. */
static plx_status add_query(const plx_provider *p, const plx_aws_rest_op *op,
                            const cJSON *params, plx_buf *path)
{
    bool first = true;
    for (const plx_aws_binding *b = op->input; b->member; b++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, b->member);
        if (b->where != PLX_AWS_QUERY || !v)
            continue;
        char num[64], field[96];
        const char *text;
        snprintf(field, sizeof field, "params.%s", b->member);
        if (!scalar_text(v, num, sizeof num, &text))
            return bad(p, field, "expected a string, number or boolean");
        plx_status st = plx_buf_append(path, first ? "?" : "&", 1);
        if (st == PLX_OK)
            st = plx_url_encode(path, b->wire, strlen(b->wire), false);
        if (st == PLX_OK)
            st = plx_buf_append(path, "=", 1);
        if (st == PLX_OK)
            st = plx_url_encode(path, text, strlen(text), false);
        if (st != PLX_OK)
            return st;
        first = false;
    }
    return PLX_OK;
}

static plx_status set_bound_headers(const plx_provider *p, const plx_aws_rest_op *op,
                                    const cJSON *params, plx_request *req)
{
    for (const plx_aws_binding *b = op->input; b->member; b++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, b->member);
        if ((b->where != PLX_AWS_HEADER && b->where != PLX_AWS_HEADER_INT) || !v)
            continue;
        char num[64];
        const char *text;
        if (!scalar_text(v, num, sizeof num, &text) ||
            plx_request_set_header(req, b->wire, text) != PLX_OK)
            return plx_fail(p->ctx, PLX_EINVAL, "request.params.%s: expected a string, "
                            "number or boolean without CR, LF or control bytes", b->member);
    }
    return PLX_OK;
}

/* A blob payload: a string as its bytes, {"base64": S} decoded, any other
 * JSON value as its JSON text (with a JSON content type by default). */
static plx_status set_payload(const plx_provider *p, const plx_aws_binding *b,
                              const cJSON *params, plx_request *req)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, b->member);
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(v, "base64");
    plx_buf body = {0};
    plx_status st = PLX_OK;
    const char *type = NULL;
    if (!v)
        return PLX_OK;
    if (cJSON_IsString(v)) {
        st = plx_buf_append(&body, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 && cJSON_IsString(b64)) {
        st = plx_base64_decode(&body, b64->valuestring, strlen(b64->valuestring));
        if (st == PLX_EINVAL) {
            char field[96];
            snprintf(field, sizeof field, "params.%s.base64", b->member);
            return bad(p, field, "not valid base64");
        }
    } else {
        char *json = plx_json_print(v);
        st = json ? plx_buf_append_str(&body, json) : PLX_ENOMEM;
        plx_free(json);
        type = "application/json";
    }
    if (st == PLX_OK)
        plx_request_take_body(req, plx_buf_steal(&body), body.len);
    plx_buf_free(&body);
    if (st == PLX_OK && type && !plx_request_header(req, "content-type"))
        st = plx_request_set_header(req, "Content-Type", type);
    return st;
}

/* Unbound params become the JSON body; with a blob payload there must be
 * none. */
static plx_status set_json_body(const plx_provider *p, const plx_aws_rest_op *op,
                                const cJSON *params, plx_request *req)
{
    cJSON *body = cJSON_CreateObject();
    const cJSON *item;
    bool blob = payload_of(op->input) != NULL;
    cJSON_ArrayForEach(item, params) {
        if (binding_of(op->input, item->string))
            continue;
        if (blob) {
            cJSON_Delete(body);
            return plx_fail(p->ctx, PLX_EINVAL, "request.params.%s: not a parameter of %s",
                            item->string, op->name);
        }
        cJSON_AddItemReferenceToObject(body, item->string, (cJSON *)item);
    }
    plx_status st = PLX_OK;
    bool get = strcmp(op->method, "GET") == 0;
    if (!blob && !(get && !body->child)) {
        char *text = plx_json_print(body);
        st = text ? PLX_OK : PLX_ENOMEM;
        if (text)
            plx_request_take_body(req, text, strlen(text));
        if (st == PLX_OK)
            st = plx_request_set_header(req, "Content-Type", "application/json");
    }
    cJSON_Delete(body);
    return st;
}

static plx_status build_rest(const plx_provider *p, const plx_aws_service *svc,
                             const char *operation, const cJSON *params, plx_request **out)
{
    const plx_aws_rest_op *op = plx_aws_rest_op_find(svc, operation);
    if (!op) {
        plx_buf known = {0};
        for (const plx_aws_rest_op *o = svc->ops; o->name; o++)
            plx_buf_printf(&known, "%s%s", known.len ? ", " : "", o->name);
        plx_status st = plx_fail(p->ctx, PLX_EINVAL, "request.operation: '%s' is not an "
                                 "operation plexus knows for %s (known: %s)", operation,
                                 svc->name, known.data ? known.data : "none");
        plx_buf_free(&known);
        return st;
    }
    plx_buf path = {0};
    plx_status st = expand_path(p, op, params, &path);
    if (st == PLX_OK)
        st = add_query(p, op, params, &path);
    if (st == PLX_OK)
        st = plx_aws_request(p, p->kind_state, svc, op->method, path.data, out);
    plx_buf_free(&path);
    if (st == PLX_OK)
        st = set_bound_headers(p, op, params, *out);
    if (st == PLX_OK && payload_of(op->input))
        st = set_payload(p, payload_of(op->input), params, *out);
    if (st == PLX_OK)
        st = set_json_body(p, op, params, *out);
    return st;
}

static bool operation_name_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isalnum((unsigned char)s[n]))
            return false;
    return n > 0 && n < 100 && isupper((unsigned char)s[0]);
}

static plx_status aws_build(const plx_provider *p, const char *op, const cJSON *request,
                            plx_request **out)
{
    static const char *const keys[] = {"service", "operation", "params", NULL};
    if (strcmp(op, "call") != 0)
        return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'aws' has no op '%s' (ops: call)",
                        op);
    plx_cfg cfg = {p->ctx, "request"};
    const char *service = NULL, *operation = NULL;
    const cJSON *params = NULL;
    if (plx_cfg_check_keys(&cfg, request, keys) != PLX_OK ||
        plx_cfg_string(&cfg, request, "service", &service) != PLX_OK ||
        plx_cfg_string(&cfg, request, "operation", &operation) != PLX_OK ||
        plx_cfg_object(&cfg, request, "params", &params) != PLX_OK)
        return PLX_EINVAL;
    if (!service)
        return bad(p, "service", "missing (e.g. \"comprehend\")");
    const plx_aws_service *svc = plx_aws_service_find(service);
    if (!svc)
        return plx_fail(p->ctx, PLX_EINVAL, "request.service: unknown AWS service '%s' "
                        "(known: %s)", service, plx_aws_service_names());
    if (!operation || !operation_name_valid(operation))
        return bad(p, "operation", "missing or not an AWS operation name (e.g. "
                   "\"DetectSentiment\")");
    plx_status st = svc->protocol == PLX_AWS_JSON ? build_json(p, svc, operation, params, out)
                                                  : build_rest(p, svc, operation, params, out);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}

/* ---- parsing ----------------------------------------------------------- */

static bool is_json_type(const char *type)
{
    return type && (strncasecmp(type, "application/json", 16) == 0 ||
                    strncasecmp(type, "application/x-amz-json", 22) == 0 ||
                    strstr(type, "+json"));
}

static bool is_binary_type(const char *type)
{
    static const char *const prefixes[] = {"audio/", "image/", "video/",
                                           "application/octet-stream",
                                           "application/x-image", "application/x-npy"};
    for (size_t i = 0; type && i < PLX_ARRAY_LEN(prefixes); i++)
        if (strncasecmp(type, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/* A blob: JSON as JSON, text as a string, bytes as base64 in <key>_base64. */
static plx_status write_blob(plx_jw *w, const char *key, const plx_response *resp)
{
    size_t len = 0;
    const char *body = plx_response_body(resp, &len);
    const char *type = plx_response_header(resp, "content-type");
    if (is_json_type(type)) {
        cJSON *json = plx_json_parse_exact(body, len);
        if (json) {
            cJSON_Delete(json);
            plx_jw_raw(w, key, body, len);
            return PLX_OK;
        }
    }
    if (!is_binary_type(type) && plx_utf8_valid(body, len) && !memchr(body, '\0', len)) {
        plx_jw_string(w, key, body ? body : "", len);
        return PLX_OK;
    }
    plx_buf b64 = {0}, name = {0};
    plx_status st = plx_base64_encode(&b64, body, len);
    if (st == PLX_OK)
        st = plx_buf_printf(&name, "%s_base64", key);
    if (st == PLX_OK)
        plx_jw_string(w, name.data, b64.data ? b64.data : "", b64.len);
    plx_buf_free(&b64);
    plx_buf_free(&name);
    return st;
}

static plx_status not_json(const plx_provider *p, const char *body, size_t len)
{
    char excerpt[EXCERPT_MAX + 8];
    plx_excerpt(body, len, 80, excerpt, sizeof excerpt);
    return plx_fail(p->ctx, PLX_EPROTOCOL, "AWS reply is not a JSON object: '%s'", excerpt);
}

/* Members of the JSON body object, one by one (to sit beside header members). */
static plx_status write_json_members(const plx_provider *p, plx_jw *w,
                                     const plx_response *resp)
{
    size_t len = 0;
    const char *body = plx_response_body(resp, &len);
    if (len == 0)
        return PLX_OK;
    cJSON *json = plx_json_parse_exact(body, len);
    if (!cJSON_IsObject(json)) {
        cJSON_Delete(json);
        return not_json(p, body, len);
    }
    const cJSON *item;
    plx_status st = PLX_OK;
    cJSON_ArrayForEach(item, json) {
        char *text = plx_json_print(item);
        if (!text) {
            st = PLX_ENOMEM;
            break;
        }
        plx_jw_raw(w, item->string, text, strlen(text));
        plx_free(text);
    }
    cJSON_Delete(json);
    return st;
}

static plx_status write_rest_output(const plx_provider *p, const plx_aws_rest_op *op,
                                    plx_jw *w, const plx_response *resp)
{
    plx_status st = PLX_OK;
    plx_jw_begin(w, "output");
    for (const plx_aws_binding *b = op->output; b->member && st == PLX_OK; b++) {
        const char *v = b->wire ? plx_response_header(resp, b->wire) : NULL;
        if (b->where == PLX_AWS_STATUS)
            plx_jw_int(w, b->member, resp->status);
        else if (b->where == PLX_AWS_HEADER && v)
            plx_jw_string(w, b->member, v, strlen(v));
        else if (b->where == PLX_AWS_HEADER_INT && v)
            plx_jw_int(w, b->member, strtoll(v, NULL, 10));
        else if (b->where == PLX_AWS_PAYLOAD)
            st = write_blob(w, b->member, resp);
    }
    if (st == PLX_OK && !payload_of(op->output))
        st = write_json_members(p, w, resp);
    plx_jw_end(w);
    return st;
}

static plx_status write_json_output(const plx_provider *p, plx_jw *w,
                                    const plx_response *resp)
{
    size_t len = 0;
    const char *body = plx_response_body(resp, &len);
    if (len == 0) {
        plx_jw_raw(w, "output", "{}", 2);
        return PLX_OK;
    }
    cJSON *json = plx_json_parse_exact(body, len);
    bool object = cJSON_IsObject(json);
    cJSON_Delete(json);
    if (!object)
        return not_json(p, body, len);
    while (len && isspace((unsigned char)body[len - 1]))
        len--;
    while (len && isspace((unsigned char)*body))
        body++, len--;
    plx_jw_raw(w, "output", body, len);
    return PLX_OK;
}

/* The REST-JSON operation a built request was for (from its scope header
 * and its method and path, the endpoint's own path removed). */
static const plx_aws_rest_op *op_of_request(const aws_state *s, const plx_request *req)
{
    const char *scope = req ? plx_headers_get(&req->headers, PLX_SIGV4_SCOPE_HEADER) : NULL;
    const char *slash = scope ? strchr(scope, '/') : NULL;
    char host[256];
    const char *path, *query;
    size_t path_len, query_len;
    if (!slash || !plx_sigv4_split_url(req->url, host, sizeof host, &path, &path_len, &query,
                                       &query_len))
        return NULL;
    if (s->endpoint_url) {
        char h2[256];
        const char *base;
        size_t base_len, q2len;
        const char *q2;
        if (plx_sigv4_split_url(s->endpoint_url, h2, sizeof h2, &base, &base_len, &q2,
                                &q2len) && base_len <= path_len &&
            strncmp(path, base, base_len) == 0) {
            path += base_len;
            path_len -= base_len;
        }
    }
    return plx_aws_rest_op_match(slash + 1, req->method, path, path_len);
}

static plx_status aws_parse(const plx_provider *p, const char *op, plx_reply *r);

const plx_kind plx_kind_aws = {
    .name = "aws",
    .config_keys = PLX_AWS_CONFIG_KEYS,
    .configure = aws_configure,
    .release = aws_release,
    .build = aws_build,
    .parse = aws_parse,
};

static void write_request_id(plx_jw *w, const plx_response *resp)
{
    const char *id = plx_response_header(resp, "x-amzn-requestid");
    if (!id)
        id = plx_response_header(resp, "x-amz-request-id");
    if (id)
        plx_jw_string(w, "request_id", id, strlen(id));
}

static plx_status aws_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)op;
    if (r->failed) {
        plx_aws_parse_error(r->resp, r);
        return PLX_OK;
    }
    const plx_request *req = r->req;
    bool json = req && plx_headers_get(&req->headers, "x-amz-target");
    plx_status st;
    if (json) {
        st = write_json_output(p, r->out, r->resp);
    } else {
        const plx_aws_rest_op *rest = op_of_request(p->kind_state, req);
        st = rest ? write_rest_output(p, rest, r->out, r->resp)
                  : write_json_output(p, r->out, r->resp);
    }
    if (st == PLX_OK)
        write_request_id(r->out, r->resp);
    return st;
}
