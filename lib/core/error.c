/* Per-thread error detail. Every message passes through plx_redact. */
#include "core.h"

#include <stdio.h>
#include <string.h>

#define ERRMSG_CAP 1024

static _Thread_local struct {
    const plx_ctx *ctx;
    char msg[ERRMSG_CAP];
} last_error;

static void set_message(const plx_ctx *ctx, const char *raw)
{
    plx_redact(ctx, raw, last_error.msg, sizeof last_error.msg);
    last_error.ctx = ctx;
}

plx_status plx_fail(const plx_ctx *ctx, plx_status status, const char *fmt, ...)
{
    char raw[ERRMSG_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    set_message(ctx, raw);
    plx_log(ctx, PLX_LOG_DEBUG, "%s: %s", plx_status_name(status), last_error.msg);
    return status;
}

void plx_errmsg_prefix(const plx_ctx *ctx, const char *fmt, ...)
{
    char prefix[ERRMSG_CAP / 2];
    char raw[ERRMSG_CAP * 2]; /* room for both; set_message truncates */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(raw, sizeof raw, "%s: %s", prefix, last_error.msg);
    set_message(ctx, raw);
}

void plx_errmsg_clear(void)
{
    last_error.ctx = NULL;
    last_error.msg[0] = '\0';
}

const char *plx_errmsg_current(void)
{
    return last_error.msg;
}

PLX_API const char *plx_errmsg(const plx_ctx *ctx)
{
    if (ctx && last_error.ctx && last_error.ctx != ctx)
        return "";
    return last_error.msg;
}
