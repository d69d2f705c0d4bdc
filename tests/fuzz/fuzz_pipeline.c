/* libFuzzer target: the input is a pipeline definition (JSON text). It must
 * load, or fail with a message; a loaded one runs on a fixed record against
 * an in-process service that answers every request with a fixed JSON reply,
 * which exercises templates, conditions, routing and micro-batching. Never a
 * crash, a hang or a leak. Internal API: step retries and timeouts are cut
 * to one attempt and none, so that no input makes the run sleep. The same
 * input also goes through the partial result parser (members.c). */
#include <plexus.h>
#include "pipeline/pipeline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char REPLY[] = "{\"label\":\"negative\",\"vectors\":[[1],[2]],\"items\":[1,2,3]}";

static plx_status answer(const plx_request *req, plx_response *resp, void *ud)
{
    (void)req;
    (void)ud;
    plx_response_set_status(resp, 200);
    plx_response_add_header(resp, "Content-Type", "application/json");
    return plx_response_append_body(resp, REPLY, sizeof REPLY - 1);
}

static plx_ctx *make_ctx(void)
{
    static const char config[] =
        "{\"log_level\":\"none\",\"providers\":{"
        "\"a\":{\"kind\":\"http\",\"base_url\":\"http://a.invalid\",\"retry\":{\"max_attempts\":1}},"
        "\"b\":{\"kind\":\"http\",\"base_url\":\"http://b.invalid\",\"retry\":{\"max_attempts\":1},"
        "\"circuit\":{\"failure_threshold\":1}}}}";
    plx_ctx *ctx = NULL;
    plx_transport_funcs *t = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK || plx_transport_funcs_new(&t) != PLX_OK ||
        plx_transport_funcs_set_send(t, answer, NULL, NULL) != PLX_OK ||
        plx_ctx_set_transport(ctx, t) != PLX_OK)
        abort();
    plx_transport_funcs_unref(t);
    return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    plx_ctx *ctx = make_ctx();
    plx_pipeline *pl = NULL;
    plx_status st = plx_pipeline_new(ctx, text, &pl);
    if ((st == PLX_OK) != (pl != NULL))
        abort();
    if (st != PLX_OK && !plx_errmsg(ctx)[0])
        abort(); /* every failure says why */
    for (size_t i = 0; pl && i < pl->nsteps; i++) {
        pl->steps[i].retry.max_attempts = 1;
        pl->steps[i].timeout_ms = 0;
        pl->steps[i].batch_wait_ms = 0;
    }
    char *result = NULL;
    if (pl) {
        st = plx_pipeline_run(pl, "{\"text\":\"a bad day\",\"n\":3,\"list\":[\"x\",{\"y\":1}]}",
                              &result);
        if (!result && st != PLX_ENOMEM)
            abort(); /* a run that started always has a result */
    }
    plx_free(result);
    static const char *const keys[] = {"body", "steps"};
    pl_step d = {.out_keys = (char **)keys, .nout_keys = 2};
    cJSON_Delete(pl_parse_members(text, &d));
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
    free(text);
    return 0;
}
