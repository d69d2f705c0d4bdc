/* The one place where secrets are removed from text that leaves plexus:
 * log lines and error messages (and, through them, result JSON). */
#include "core.h"

#include <stdlib.h>
#include <string.h>

#define REDACTED "[REDACTED]"
#define MIN_SECRET_LEN 4

plx_status plx_secret_register(plx_ctx *ctx, const char *secret)
{
    if (!ctx || !secret || strlen(secret) < MIN_SECRET_LEN)
        return PLX_OK;
    plx_status st = PLX_OK;
    pthread_mutex_lock(&ctx->lock);
    for (size_t i = 0; i < ctx->secret_count; i++)
        if (strcmp(ctx->secrets[i], secret) == 0)
            goto out;
    char **grown = realloc(ctx->secrets, (ctx->secret_count + 1) * sizeof *grown);
    char *copy = plx_strdup(secret);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            ctx->secrets = grown;
        st = PLX_ENOMEM;
        goto out;
    }
    ctx->secrets = grown;
    ctx->secrets[ctx->secret_count++] = copy;
out:
    pthread_mutex_unlock(&ctx->lock);
    return st;
}

PLX_API plx_status plx_ctx_add_secret(plx_ctx *ctx, const char *secret)
{
    if (!ctx || !secret)
        return plx_fail(ctx, PLX_EINVAL, "plx_ctx_add_secret: NULL argument");
    return plx_secret_register(ctx, secret);
}

/* Earliest occurrence of any secret in s; sets *len to its length. */
static const char *find_secret(const plx_ctx *ctx, const char *s, size_t *len)
{
    const char *best = NULL;
    for (size_t i = 0; i < ctx->secret_count; i++) {
        const char *hit = strstr(s, ctx->secrets[i]);
        if (hit && (!best || hit < best || (hit == best && strlen(ctx->secrets[i]) > *len))) {
            best = hit;
            *len = strlen(ctx->secrets[i]);
        }
    }
    return best;
}

static size_t copy_bounded(char *dst, size_t used, size_t cap, const char *src, size_t n)
{
    size_t room = cap - 1 - used;
    if (n > room)
        n = room;
    memcpy(dst + used, src, n);
    return used + n;
}

void plx_redact(const plx_ctx *ctx, const char *src, char *dst, size_t cap)
{
    if (cap == 0)
        return;
    size_t used = 0;
    if (ctx)
        pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
    while (ctx && *src) {
        size_t len = 0;
        const char *hit = find_secret(ctx, src, &len);
        if (!hit)
            break;
        used = copy_bounded(dst, used, cap, src, (size_t)(hit - src));
        used = copy_bounded(dst, used, cap, REDACTED, strlen(REDACTED));
        src = hit + len;
    }
    if (ctx)
        pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
    used = copy_bounded(dst, used, cap, src, strlen(src));
    dst[used] = '\0';
}

bool plx_contains_secret(const plx_ctx *ctx, const char *s)
{
    if (!ctx || !s)
        return false;
    size_t len = 0;
    pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
    bool found = find_secret(ctx, s, &len) != NULL;
    pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
    return found;
}
