/* Growable byte buffer, always NUL-terminated. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

plx_status plx_buf_reserve(plx_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return PLX_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return PLX_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *data = realloc(b->data, cap);
    if (!data)
        return PLX_ENOMEM;
    b->data = data;
    b->cap = cap;
    return PLX_OK;
}

plx_status plx_buf_append(plx_buf *b, const void *data, size_t len)
{
    if (plx_buf_reserve(b, len) != PLX_OK)
        return PLX_ENOMEM;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return PLX_OK;
}

plx_status plx_buf_append_str(plx_buf *b, const char *s)
{
    return plx_buf_append(b, s, strlen(s));
}

plx_status plx_buf_printf(plx_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || plx_buf_reserve(b, (size_t)n) != PLX_OK)
        return PLX_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return PLX_OK;
}

void plx_buf_reset(plx_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void plx_buf_free(plx_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *plx_buf_steal(plx_buf *b)
{
    char *data = b->data;
    if (!data)
        data = plx_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}
