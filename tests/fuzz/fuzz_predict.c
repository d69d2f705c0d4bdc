/* libFuzzer target for the ML kinds (kserve, tfserving, torchserve) and the
 * tensor checks. Byte 0: bits 0-1 pick the kind, bit 2 what the rest is:
 * 0 = a predict request (answered with a fixed valid reply), 1 = the reply
 * body to a fixed request, with byte 1 picking the HTTP status. */
#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const KINDS[] = {"kserve", "tfserving", "torchserve", "kserve"};
#define KSERVE_REPLY \
    "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"y\",\"shape\":[1],\"datatype\":\"FP32\"," \
    "\"data\":[1]}]}"
#define TENSOR_REQUEST \
    "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"INT32\",\"data\":[1,2]}]}"
static const char *const FIXED_REPLY[] = {KSERVE_REPLY, "{\"predictions\":[1]}", "[1]",
                                          KSERVE_REPLY};
static const char *const FIXED_REQUEST[] = {"{\"instances\":[[1,2]]}", "{\"instances\":[[1,2]]}",
                                            "{\"raw\":[1,2]}", TENSOR_REQUEST};
static const int STATUSES[] = {200, 400, 404, 500, 503, 201};

struct input {
    const uint8_t *data;
    size_t size;
    int kind;
    bool reply_mode;
};

static plx_status send_reply(const plx_request *req, plx_response *resp, void *user_data)
{
    const struct input *in = user_data;
    fuzz_read_request(req);
    plx_response_add_header(resp, "Content-Type", "application/json");
    if (!in->reply_mode) {
        plx_response_set_status(resp, 200);
        return plx_response_append_body(resp, FIXED_REPLY[in->kind],
                                        strlen(FIXED_REPLY[in->kind]));
    }
    uint8_t status = in->size > 1 ? in->data[1] : 0;
    plx_response_set_status(resp, STATUSES[status % (sizeof STATUSES / sizeof STATUSES[0])]);
    return in->size > 2 ? plx_response_append_body(resp, in->data + 2, in->size - 2) : PLX_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct input in = {data, size, data[0] & 3, (data[0] & 4) != 0};
    plx_ctx *ctx = NULL;
    plx_provider *p = NULL;
    plx_transport_funcs *t = NULL;
    char config[256];
    snprintf(config, sizeof config, "{\"base_url\":\"http://fuzz.invalid\",\"model\":\"m\","
             "\"retry\":{\"max_attempts\":1},\"circuit\":{\"failure_threshold\":0}}");
    if (plx_ctx_new(&ctx, "{\"log_level\": \"none\"}") != PLX_OK ||
        plx_transport_funcs_new(&t) != PLX_OK ||
        plx_transport_funcs_set_send(t, send_reply, &in, NULL) != PLX_OK ||
        plx_ctx_set_transport(ctx, t) != PLX_OK ||
        plx_provider_new(ctx, KINDS[in.kind], config, &p) != PLX_OK)
        abort();
    plx_transport_funcs_unref(t);
    char *request = NULL;
    if (in.reply_mode) {
        request = strdup(FIXED_REQUEST[in.kind]);
    } else {
        request = malloc(size);
        memcpy(request, data + 1, size - 1);
        request[size - 1] = '\0';
    }
    char *response = NULL;
    plx_status st = plx_call(p, "predict", request, &response);
    if (in.reply_mode && !response)
        abort(); /* the request is valid: there is always a result */
    fuzz_check_response(st, response);
    free(request);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    return 0;
}
