/* Header lists with validation: no CR, LF or NUL can reach the wire. */
#include "http_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 token characters. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool plx_header_name_valid(const char *name)
{
    if (!name || !*name)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (!is_tchar(*p))
            return false;
    return true;
}

bool plx_header_value_valid(const char *value)
{
    if (!value)
        return false;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (*p == '\r' || *p == '\n' || (*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return true;
}

/* name and value share one allocation: "name\0value\0". */
plx_status plx_headers_add_n(plx_headers *h, const char *name, size_t name_len,
                             const char *value, size_t value_len)
{
    if (h->count == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 8;
        plx_header *items = realloc(h->items, cap * sizeof *items);
        if (!items)
            return PLX_ENOMEM;
        h->items = items;
        h->cap = cap;
    }
    char *block = malloc(name_len + value_len + 2);
    if (!block)
        return PLX_ENOMEM;
    memcpy(block, name, name_len);
    block[name_len] = '\0';
    memcpy(block + name_len + 1, value, value_len);
    block[name_len + 1 + value_len] = '\0';
    if (!plx_header_name_valid(block) || !plx_header_value_valid(block + name_len + 1) ||
        strlen(block) != name_len || strlen(block + name_len + 1) != value_len) {
        free(block);
        return PLX_EINVAL;
    }
    h->items[h->count++] = (plx_header){block, block + name_len + 1};
    return PLX_OK;
}

plx_status plx_headers_add(plx_headers *h, const char *name, const char *value)
{
    if (!name || !value)
        return PLX_EINVAL;
    return plx_headers_add_n(h, name, strlen(name), value, strlen(value));
}

void plx_headers_remove(plx_headers *h, const char *name)
{
    size_t kept = 0;
    for (size_t i = 0; i < h->count; i++) {
        if (strcasecmp(h->items[i].name, name) == 0)
            free(h->items[i].name); /* the value shares its allocation */
        else
            h->items[kept++] = h->items[i];
    }
    h->count = kept;
}

plx_status plx_headers_set(plx_headers *h, const char *name, const char *value)
{
    if (!plx_header_name_valid(name) || !plx_header_value_valid(value))
        return PLX_EINVAL;
    plx_headers_remove(h, name);
    return plx_headers_add(h, name, value);
}

const char *plx_headers_get(const plx_headers *h, const char *name)
{
    for (size_t i = 0; i < h->count; i++)
        if (strcasecmp(h->items[i].name, name) == 0)
            return h->items[i].value;
    return NULL;
}

plx_status plx_headers_copy(plx_headers *dst, const plx_headers *src)
{
    for (size_t i = 0; i < src->count; i++) {
        plx_status st = plx_headers_add(dst, src->items[i].name, src->items[i].value);
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

void plx_headers_free(plx_headers *h)
{
    for (size_t i = 0; i < h->count; i++)
        free(h->items[i].name); /* the value shares its allocation */
    free(h->items);
    *h = (plx_headers){0};
}
