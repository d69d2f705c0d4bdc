/* Logging: a user callback, or stderr (warnings and errors) by default. */
#include "core.h"

#include <stdio.h>

#define LOG_LINE_CAP 2048

static const char *level_name(plx_log_level level)
{
    switch (level) {
    case PLX_LOG_ERROR: return "error";
    case PLX_LOG_WARN: return "warn";
    case PLX_LOG_INFO: return "info";
    case PLX_LOG_DEBUG: return "debug";
    default: return "log";
    }
}

bool plx_log_enabled(const plx_ctx *ctx, plx_log_level level)
{
    if (!ctx || level == PLX_LOG_NONE || level > ctx->log_level)
        return false;
    return ctx->log_fn != NULL || ctx->log_to_stderr;
}

void plx_log(const plx_ctx *ctx, plx_log_level level, const char *fmt, ...)
{
    if (!plx_log_enabled(ctx, level))
        return;
    char raw[LOG_LINE_CAP];
    char clean[LOG_LINE_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    plx_redact(ctx, raw, clean, sizeof clean);
    if (ctx->log_fn)
        ctx->log_fn(level, clean, ctx->log_user_data);
    else
        fprintf(stderr, "plexus %s: %s\n", level_name(level), clean);
}

PLX_API plx_status plx_ctx_set_log(plx_ctx *ctx, plx_log_fn fn, void *user_data,
                                   plx_log_level max_level)
{
    if (!ctx)
        return plx_fail(NULL, PLX_EINVAL, "plx_ctx_set_log: ctx is NULL");
    if ((int)max_level < PLX_LOG_NONE || max_level > PLX_LOG_DEBUG)
        return plx_fail(ctx, PLX_EINVAL, "plx_ctx_set_log: unknown level %d",
                        (int)max_level);
    ctx->log_fn = fn;
    ctx->log_user_data = user_data;
    ctx->log_level = fn ? max_level : PLX_LOG_NONE;
    ctx->log_to_stderr = false;
    return PLX_OK;
}
