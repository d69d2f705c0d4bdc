/* Shared by the call fuzz targets: a ctx whose only transport is an in-process
 * send function (no sockets), and one "http" provider that never sleeps
 * (one attempt, no circuit breaker), so every input runs the whole call path:
 * request JSON -> kind build -> exchange -> transport -> kind parse -> JSON. */
#ifndef PLX_FUZZ_COMMON_H
#define PLX_FUZZ_COMMON_H

#include <plexus.h>

#include <stdlib.h>

#define FUZZ_PROVIDER_CONFIG                                                   \
    "{\"base_url\": \"http://fuzz.invalid/api\", \"timeout_ms\": 1000,"        \
    " \"retry\": {\"max_attempts\": 1}, \"circuit\": {\"failure_threshold\": 0}}"

/* Reads everything a transport can see of the request, as a real one would. */
static inline void fuzz_read_request(const plx_request *req)
{
    size_t len = 0;
    const char *name, *value;
    if (!plx_request_method(req) || !plx_request_url(req))
        abort();
    for (size_t i = 0; i < plx_request_header_count(req); i++)
        if (plx_request_header_at(req, i, &name, &value) != PLX_OK || !name || !value)
            abort();
    const void *body = plx_request_body(req, &len);
    if (len && !body)
        abort();
}

/* Makes ctx + provider with send as the ctx's transport; aborts on failure
 * (the fixed config must always work). */
static inline void fuzz_setup(plx_transport_send_fn send, void *user_data, plx_ctx **ctx,
                              plx_provider **p)
{
    plx_transport_funcs *t = NULL;
    if (plx_ctx_new(ctx, "{\"log_level\": \"none\"}") != PLX_OK ||
        plx_transport_funcs_new(&t) != PLX_OK ||
        plx_transport_funcs_set_send(t, send, user_data, NULL) != PLX_OK ||
        plx_ctx_set_transport(*ctx, t) != PLX_OK ||
        plx_provider_new(*ctx, "http", FUZZ_PROVIDER_CONFIG, p) != PLX_OK)
        abort();
    plx_transport_funcs_unref(t);   /* the ctx holds its own reference */
}

/* Checks the plx_call contract and frees the response. */
static inline void fuzz_check_response(plx_status st, char *response)
{
    /* NULL only when the call could not start; else a JSON object */
    if (!response && st != PLX_EINVAL && st != PLX_ENOTFOUND && st != PLX_ENOMEM)
        abort();
    if (response && response[0] != '{')
        abort();
    plx_free(response);
}

#endif
