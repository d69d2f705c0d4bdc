/* The opaque response and its public accessors. */
#include "http_internal.h"

#include <stdlib.h>
#include <string.h>

plx_status plx_response_create(const plx_request *req, plx_response **out)
{
    plx_response *resp = calloc(1, sizeof *resp);
    if (!resp)
        return PLX_ENOMEM;
    resp->max_body = req ? req->max_reply_bytes : SIZE_MAX;
    resp->sink = req ? req->sink : NULL;
    resp->sink_data = req ? req->sink_data : NULL;
    *out = resp;
    return PLX_OK;
}

void plx_response_clear(plx_response *resp)
{
    resp->status = 0;
    resp->received = 0;
    plx_headers_free(&resp->headers);
    plx_buf_reset(&resp->body);
    free(resp->error);
    resp->error = NULL;
}

void plx_response_free(plx_response *resp)
{
    if (!resp)
        return;
    plx_response_clear(resp);
    plx_buf_free(&resp->body);
    free(resp);
}

const char *plx_response_error(const plx_response *resp)
{
    return resp ? resp->error : NULL;
}

PLX_API plx_status plx_response_set_error_message(plx_response *resp,
                                                  const char *message)
{
    if (!resp || !message)
        return PLX_EINVAL;
    char *copy = plx_strdup(message);
    if (!copy)
        return PLX_ENOMEM;
    free(resp->error);
    resp->error = copy;
    return PLX_OK;
}

PLX_API int plx_response_status(const plx_response *resp)
{
    return resp ? resp->status : 0;
}

PLX_API plx_status plx_response_set_status(plx_response *resp, int http_status)
{
    if (!resp || http_status < 100 || http_status > 999)
        return PLX_EINVAL;
    resp->status = http_status;
    return PLX_OK;
}

PLX_API size_t plx_response_header_count(const plx_response *resp)
{
    return resp ? resp->headers.count : 0;
}

PLX_API plx_status plx_response_header_at(const plx_response *resp, size_t i,
                                          const char **name, const char **value)
{
    if (!resp || i >= resp->headers.count)
        return PLX_EINVAL;
    if (name)
        *name = resp->headers.items[i].name;
    if (value)
        *value = resp->headers.items[i].value;
    return PLX_OK;
}

PLX_API const char *plx_response_header(const plx_response *resp, const char *name)
{
    return resp && name ? plx_headers_get(&resp->headers, name) : NULL;
}

PLX_API plx_status plx_response_add_header(plx_response *resp, const char *name,
                                           const char *value)
{
    if (!resp)
        return PLX_EINVAL;
    return plx_headers_add(&resp->headers, name, value);
}

PLX_API const void *plx_response_body(const plx_response *resp, size_t *len)
{
    if (len)
        *len = resp ? resp->body.len : 0;
    return resp ? (resp->body.data ? resp->body.data : "") : NULL;
}

PLX_API plx_status plx_response_append_body(plx_response *resp, const void *data,
                                            size_t len)
{
    if (!resp || (!data && len))
        return PLX_EINVAL;
    if (len > resp->max_body - resp->received)
        return PLX_ETOOBIG;
    resp->received += len;
    if (resp->sink)
        return resp->sink(resp, data, len, resp->sink_data);
    return plx_buf_append(&resp->body, data, len);
}
