/* libFuzzer target: the input is the request JSON of op "request" of an
 * "http" provider; the in-process transport always answers 200 with a small
 * JSON body. */
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static plx_status send_ok(const plx_request *req, plx_response *resp, void *user_data)
{
    static const char body[] = "{\"ok\": true, \"items\": [1, 2, 3]}";
    (void)user_data;
    fuzz_read_request(req);
    plx_status st = plx_response_set_status(resp, 200);
    if (st == PLX_OK)
        st = plx_response_add_header(resp, "Content-Type", "application/json");
    if (st == PLX_OK)
        st = plx_response_append_body(resp, body, sizeof body - 1);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *request = malloc(size + 1);
    if (!request)
        return 0;
    memcpy(request, data, size);
    request[size] = '\0';

    plx_ctx *ctx = NULL;
    plx_provider *p = NULL;
    fuzz_setup(send_ok, NULL, &ctx, &p);
    char *response = NULL;
    plx_status st = plx_call(p, "request", request, &response);
    fuzz_check_response(st, response);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    free(request);
    return 0;
}
