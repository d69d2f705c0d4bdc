/* The provider kinds built into the loaded library.
 *
 * The ABI has no call that lists them (yet); plx_provider_new with a kind
 * that cannot exist fails with a message that ends "(known: a, b, c)", and
 * that list is read here. Kept in this one file so that a listing call can
 * replace it. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

char *cli_kind_names(plx_ctx *ctx)
{
    plx_provider *p = NULL;
    if (plx_provider_new(ctx, "", NULL, &p) == PLX_OK) {
        plx_provider_free(p);
        return NULL;
    }
    const char *msg = plx_errmsg(ctx);
    const char *start = strstr(msg, "(known: ");
    const char *end = start ? strrchr(start, ')') : NULL;
    if (!start || !end)
        return NULL;
    start += strlen("(known: ");
    return strndup(start, (size_t)(end - start));
}

bool cli_kind_known(const char *names, const char *name)
{
    size_t n = strlen(name);
    for (const char *at = names; n && at && *at;) {
        const char *comma = strchr(at, ',');
        size_t len = comma ? (size_t)(comma - at) : strlen(at);
        if (len == n && memcmp(at, name, n) == 0)
            return true;
        at = comma ? comma + 1 : NULL;
        while (at && *at == ' ')
            at++;
    }
    return false;
}
