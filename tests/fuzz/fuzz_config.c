/* libFuzzer target: the input is a ctx configuration (JSON text). Any input
 * must give PLX_OK with a ctx, or an error with a message and no ctx; never a
 * crash or a leak. */
#include <plexus.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);   /* the API takes NUL-terminated text */
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    plx_ctx *ctx = NULL;
    plx_status st = plx_ctx_new(&ctx, text);
    if ((st == PLX_OK) != (ctx != NULL))
        abort();
    if (st != PLX_OK && !plx_errmsg(NULL)[0])
        abort();   /* every failure says why */
    plx_ctx_free(ctx);
    free(text);
    return 0;
}
