/* The core part of a ctx: allocation and the fields core owns. Creation from
 * config lives in the providers layer, which knows provider kinds. */
#include "core.h"

#include <stdlib.h>

plx_status plx_ctx_alloc(plx_ctx **out)
{
    plx_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return PLX_ENOMEM;
    if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
        free(ctx);
        return PLX_ENOMEM;
    }
    ctx->log_level = PLX_LOG_WARN;
    ctx->log_to_stderr = true;
    *out = ctx;
    return PLX_OK;
}

void plx_ctx_release_core(plx_ctx *ctx)
{
    for (size_t i = 0; i < ctx->secret_count; i++)
        free(ctx->secrets[i]);
    free(ctx->secrets);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}
