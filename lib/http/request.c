/* The opaque request and its public accessors. */
#include "http_internal.h"

#include <stdlib.h>
#include <string.h>

static bool method_valid(const char *method)
{
    return plx_header_name_valid(method);
}

plx_status plx_request_create(const char *method, const char *url, plx_request **out)
{
    *out = NULL;
    if (!method_valid(method) || !plx_url_is_http(url))
        return PLX_EINVAL;
    plx_request *req = calloc(1, sizeof *req);
    if (!req)
        return PLX_ENOMEM;
    req->method = plx_strdup(method);
    req->url = plx_strdup(url);
    req->max_reply_bytes = SIZE_MAX;
    if (!req->method || !req->url) {
        plx_request_free(req);
        return PLX_ENOMEM;
    }
    *out = req;
    return PLX_OK;
}

void plx_request_free(plx_request *req)
{
    if (!req)
        return;
    free(req->method);
    free(req->url);
    plx_headers_free(&req->headers);
    free(req->body);
    free(req);
}

plx_status plx_request_clone(const plx_request *req, plx_request **out)
{
    plx_request *copy;
    plx_status st = plx_request_create(req->method, req->url, &copy);
    if (st != PLX_OK)
        return st;
    copy->timeout_ms = req->timeout_ms;
    copy->connect_timeout_ms = req->connect_timeout_ms;
    copy->max_reply_bytes = req->max_reply_bytes;
    copy->tls = req->tls;
    copy->accept_compressed = req->accept_compressed;
    copy->sink = req->sink;
    copy->sink_data = req->sink_data;
    st = plx_headers_copy(&copy->headers, &req->headers);
    if (st == PLX_OK)
        st = plx_request_set_body(copy, req->body, req->body_len);
    if (st != PLX_OK) {
        plx_request_free(copy);
        return st;
    }
    *out = copy;
    return PLX_OK;
}

plx_status plx_request_set_method(plx_request *req, const char *method)
{
    if (!method_valid(method))
        return PLX_EINVAL;
    char *copy = plx_strdup(method);
    if (!copy)
        return PLX_ENOMEM;
    free(req->method);
    req->method = copy;
    return PLX_OK;
}

plx_status plx_request_set_body(plx_request *req, const void *data, size_t len)
{
    void *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return PLX_ENOMEM;
        memcpy(copy, data, len);
    }
    plx_request_take_body(req, copy, len);
    return PLX_OK;
}

void plx_request_take_body(plx_request *req, void *data, size_t len)
{
    free(req->body);
    req->body = data;
    req->body_len = data ? len : 0;
}

PLX_API const char *plx_request_method(const plx_request *req)
{
    return req ? req->method : NULL;
}

PLX_API const char *plx_request_url(const plx_request *req)
{
    return req ? req->url : NULL;
}

PLX_API plx_status plx_request_set_url(plx_request *req, const char *url)
{
    if (!req || !plx_url_is_http(url))
        return PLX_EINVAL;
    char *copy = plx_strdup(url);
    if (!copy)
        return PLX_ENOMEM;
    free(req->url);
    req->url = copy;
    return PLX_OK;
}

PLX_API size_t plx_request_header_count(const plx_request *req)
{
    return req ? req->headers.count : 0;
}

PLX_API plx_status plx_request_header_at(const plx_request *req, size_t i,
                                         const char **name, const char **value)
{
    if (!req || i >= req->headers.count)
        return PLX_EINVAL;
    if (name)
        *name = req->headers.items[i].name;
    if (value)
        *value = req->headers.items[i].value;
    return PLX_OK;
}

PLX_API const char *plx_request_header(const plx_request *req, const char *name)
{
    return req && name ? plx_headers_get(&req->headers, name) : NULL;
}

PLX_API plx_status plx_request_set_header(plx_request *req, const char *name,
                                          const char *value)
{
    if (!req)
        return PLX_EINVAL;
    return plx_headers_set(&req->headers, name, value);
}

PLX_API plx_status plx_request_remove_header(plx_request *req, const char *name)
{
    if (!req || !name)
        return PLX_EINVAL;
    plx_headers_remove(&req->headers, name);
    return PLX_OK;
}

PLX_API const void *plx_request_body(const plx_request *req, size_t *len)
{
    if (len)
        *len = req ? req->body_len : 0;
    return req ? req->body : NULL;
}

PLX_API uint32_t plx_request_timeout_ms(const plx_request *req)
{
    return req ? req->timeout_ms : 0;
}

PLX_API uint32_t plx_request_connect_timeout_ms(const plx_request *req)
{
    return req ? req->connect_timeout_ms : 0;
}

PLX_API size_t plx_request_max_reply_bytes(const plx_request *req)
{
    return req ? req->max_reply_bytes : 0;
}
