/* libFuzzer target: the input is the service's reply to {"path": "/x"} of an
 * "http" provider. Byte 0 picks the HTTP status from a table, byte 1 the
 * content type (low 2 bits) and extra headers (bit 2: a Location, so
 * redirects are followed; bit 3: a request id, echoed in errors); the rest is
 * the body. */
#include "fuzz_common.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int STATUSES[] = {200, 201, 202, 204, 206, 301, 302, 303, 304, 307,
                               308, 400, 401, 403, 404, 408, 409, 413, 422, 429,
                               500, 502, 503, 504, 100, 299, 599, 999};
static const char *const TYPES[] = {"application/json", "text/plain; charset=utf-8",
                                    NULL, "application/problem+json"};

struct reply {
    const uint8_t *data;
    size_t size;
};

static plx_status send_reply(const plx_request *req, plx_response *resp, void *user_data)
{
    const struct reply *r = user_data;
    fuzz_read_request(req);
    uint8_t status = r->size > 0 ? r->data[0] : 0;
    uint8_t flags = r->size > 1 ? r->data[1] : 0;
    plx_status st = plx_response_set_status(
        resp, STATUSES[status % (sizeof STATUSES / sizeof STATUSES[0])]);
    if (st == PLX_OK && TYPES[flags & 3])
        st = plx_response_add_header(resp, "Content-Type", TYPES[flags & 3]);
    if (st == PLX_OK && (flags & 4))
        st = plx_response_add_header(resp, "Location", "/next");
    if (st == PLX_OK && (flags & 8))
        st = plx_response_add_header(resp, "X-Request-Id", "fuzz-req-1");
    if (st == PLX_OK && r->size > 2)
        st = plx_response_append_body(resp, r->data + 2, r->size - 2);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reply reply = {data, size};
    plx_ctx *ctx = NULL;
    plx_provider *p = NULL;
    fuzz_setup(send_reply, &reply, &ctx, &p);
    char *response = NULL;
    plx_status st = plx_call(p, "request", "{\"path\": \"/x\"}", &response);
    if (!response)
        abort();   /* the request is valid: there is always a result */
    fuzz_check_response(st, response);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    return 0;
}
