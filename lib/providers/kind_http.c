/* Kind "http": generic JSON or text over HTTP, op "request".
 *   {"method", "path", "query", "headers", "body"} -> {"status", "headers", "body"}
 * A pure adapter: it builds requests and reads replies, and does no I/O. */
#include "providers.h"
#include "../crypto/crypto.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define EXCERPT_MAX 200

static plx_status bad_request(const plx_provider *p, const char *field, const char *what)
{
    return plx_fail(p->ctx, PLX_EINVAL, "request.%s: %s", field, what);
}

/* Appends one query pair; value is a string, number or bool. */
static plx_status add_query_value(plx_buf *url, const char *key, const cJSON *v,
                                  bool *first)
{
    char number[64];
    const char *text;
    if (cJSON_IsString(v))
        text = v->valuestring;
    else if (cJSON_IsBool(v))
        text = cJSON_IsTrue(v) ? "true" : "false";
    else if (cJSON_IsNumber(v)) {
        snprintf(number, sizeof number, "%.17g", v->valuedouble);
        text = number;
    } else
        return PLX_EINVAL;
    plx_status st = plx_buf_append_str(url, *first ? "" : "&");
    *first = false;
    if (st == PLX_OK)
        st = plx_url_encode(url, key, strlen(key), false);
    if (st == PLX_OK)
        st = plx_buf_append_str(url, "=");
    if (st == PLX_OK)
        st = plx_url_encode(url, text, strlen(text), false);
    return st;
}

static plx_status build_path(const plx_provider *p, const cJSON *request, plx_buf *url)
{
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(request, "path");
    const cJSON *query = cJSON_GetObjectItemCaseSensitive(request, "query");
    if (path && !cJSON_IsString(path))
        return bad_request(p, "path", "expected a string");
    if (query && !cJSON_IsObject(query))
        return bad_request(p, "query", "expected an object");
    const char *text = path ? path->valuestring : "";
    plx_status st = plx_buf_append_str(url, text);
    bool first = true;
    const cJSON *item;
    cJSON_ArrayForEach(item, query) {
        if (first && st == PLX_OK)
            st = plx_buf_append_str(url, strchr(text, '?') ? "&" : "?");
        const cJSON *v = item;
        bool many = cJSON_IsArray(item);
        for (v = many ? item->child : item; v && st == PLX_OK; v = many ? v->next : NULL)
            st = add_query_value(url, item->string, v, &first);
        if (st == PLX_EINVAL)
            return bad_request(p, "query", "values must be strings, numbers, booleans or arrays of them");
    }
    return st;
}

static plx_status set_headers(const plx_provider *p, const cJSON *request, plx_request *req)
{
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(request, "headers");
    if (headers && !cJSON_IsObject(headers))
        return bad_request(p, "headers", "expected an object");
    const cJSON *h;
    cJSON_ArrayForEach(h, headers) {
        if (!cJSON_IsString(h) || plx_request_set_header(req, h->string, h->valuestring) != PLX_OK)
            return plx_fail(p->ctx, PLX_EINVAL, "request.headers.%s: expected a valid header "
                            "name and a string value without CR, LF or control bytes",
                            h->string);
    }
    return PLX_OK;
}

static plx_status set_body(const cJSON *request, plx_request *req)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(request, "body");
    if (!body)
        return PLX_OK;
    const char *type = "application/json";
    char *data;
    if (cJSON_IsString(body)) {
        data = plx_strdup(body->valuestring);
        type = "text/plain; charset=utf-8";
    } else {
        data = plx_json_print(body);
    }
    if (!data)
        return PLX_ENOMEM;
    plx_request_take_body(req, data, strlen(data));
    if (!plx_request_header(req, "content-type"))
        return plx_request_set_header(req, "Content-Type", type);
    return PLX_OK;
}

static plx_status http_build(const plx_provider *p, const char *op, const cJSON *request,
                             plx_request **out)
{
    static const char *const keys[] = {"method", "path", "query", "headers", "body", NULL};
    if (strcmp(op, "request") != 0)
        return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'http' has no op '%s' (ops: request)", op);
    plx_cfg cfg = {p->ctx, "request"};
    plx_status st = plx_cfg_check_keys(&cfg, request, keys);
    if (st != PLX_OK)
        return PLX_EINVAL;
    const char *method = "GET";
    if (plx_cfg_string(&cfg, request, "method", &method) != PLX_OK)
        return PLX_EINVAL;
    char upper[32];
    size_t n = strlen(method);
    if (n == 0 || n >= sizeof upper)
        return bad_request(p, "method", "expected an HTTP method such as GET or POST");
    for (size_t i = 0; i <= n; i++)
        upper[i] = (char)toupper((unsigned char)method[i]);
    plx_buf url = {0};
    st = build_path(p, request, &url);
    plx_request *req = NULL;
    if (st == PLX_OK)
        st = plx_provider_request(p, upper, url.data ? url.data : "", &req);
    plx_buf_free(&url);
    if (st == PLX_OK)
        st = set_headers(p, request, req);
    if (st == PLX_OK)
        st = set_body(request, req);
    if (st != PLX_OK) {
        plx_request_free(req);
        return st;
    }
    *out = req;
    return PLX_OK;
}

/* Copies name in lower case into dst (cap > 0). */
static void lower_copy(const char *name, char *dst, size_t cap)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++)
        dst[i] = (char)tolower((unsigned char)name[i]);
    dst[i] = '\0';
}

/* "headers": {lower-case name: value}; repeated headers joined with ", ". */
static void write_headers(plx_jw *w, const plx_response *resp)
{
    const plx_headers *h = &resp->headers;
    plx_jw_begin(w, "headers");
    for (size_t i = 0; i < h->count; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcasecmp(h->items[j].name, h->items[i].name) == 0;
        if (seen)
            continue;
        char name[128];
        lower_copy(h->items[i].name, name, sizeof name);
        plx_buf joined = {0};
        const char *value = h->items[i].value;
        for (size_t j = i + 1; j < h->count; j++) {
            if (strcasecmp(h->items[j].name, h->items[i].name) != 0)
                continue;
            if (!joined.data)
                plx_buf_append_str(&joined, value);
            plx_buf_append_str(&joined, ", ");
            plx_buf_append_str(&joined, h->items[j].value);
        }
        if (joined.data)
            value = joined.data;
        plx_jw_string(w, name, value, strlen(value));
        plx_buf_free(&joined);
    }
    plx_jw_end(w);
}

static bool is_json_type(const char *type)
{
    return type && (strncasecmp(type, "application/json", 16) == 0 || strstr(type, "+json"));
}

/* The error message a JSON error body carries, if any. */
static void json_error_message(const cJSON *body, char *dst, size_t cap)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(body, "error");
    const cJSON *msg = cJSON_IsObject(err) ? cJSON_GetObjectItemCaseSensitive(err, "message")
                                           : err;
    if (!cJSON_IsString(msg))
        msg = cJSON_GetObjectItemCaseSensitive(body, "message");
    if (cJSON_IsString(msg))
        plx_excerpt(msg->valuestring, strlen(msg->valuestring), EXCERPT_MAX, dst, cap);
}

/* Writes validated JSON text as is, without the whitespace around it. */
static void write_raw_trimmed(plx_jw *w, const char *key, const char *text, size_t len)
{
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    while (len && isspace((unsigned char)*text))
        text++, len--;
    plx_jw_raw(w, key, text, len);
}

static plx_status write_body(const plx_provider *p, plx_reply *r)
{
    const plx_response *resp = r->resp;
    bool failed = r->failed;
    plx_jw *w = r->out;
    char *service_message = r->service_message;
    size_t cap = sizeof r->service_message;
    size_t len = 0;
    const char *body = plx_response_body(resp, &len);
    if (failed)
        plx_excerpt(body, len, EXCERPT_MAX, service_message, cap);
    if (len == 0)
        return PLX_OK;
    bool says_json = is_json_type(plx_response_header(resp, "content-type"));
    if (says_json) {
        cJSON *json = plx_json_parse_exact(body, len);
        if (json) {
            if (failed)
                json_error_message(json, service_message, cap);
            cJSON_Delete(json);
            write_raw_trimmed(w, "body", body, len);
            return PLX_OK;
        }
    }
    if (plx_utf8_valid(body, len) && !memchr(body, '\0', len))
        plx_jw_string(w, "body", body, len);
    else {
        plx_buf b64 = {0};
        if (plx_base64_encode(&b64, body, len) != PLX_OK)
            return PLX_ENOMEM;
        plx_jw_string(w, "body_base64", b64.data, b64.len);
        plx_buf_free(&b64);
    }
    if (says_json && !failed) {
        char excerpt[EXCERPT_MAX + 8];
        plx_excerpt(body, len, 80, excerpt, sizeof excerpt);
        return plx_fail(p->ctx, PLX_EPROTOCOL, "reply says JSON but is not: '%s'", excerpt);
    }
    return PLX_OK;
}

static plx_status http_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)op;
    plx_jw_int(r->out, "status", r->resp->status);
    write_headers(r->out, r->resp);
    return write_body(p, r);
}

const plx_kind plx_kind_http = {
    .name = "http",
    .config_keys = NULL,
    .build = http_build,
    .parse = http_parse,
};
