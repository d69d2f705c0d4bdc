/* Small string helpers. */
#include "core.h"

#include <stdlib.h>
#include <string.h>

char *plx_strdup(const char *s)
{
    return s ? plx_strndup(s, strlen(s)) : NULL;
}

char *plx_strndup(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

void plx_excerpt(const void *data, size_t len, size_t max, char *dst, size_t cap)
{
    const unsigned char *p = data;
    size_t n = len < max ? len : max;
    size_t used = 0;
    for (size_t i = 0; i < n && used + 4 < cap; i++) {
        unsigned char c = p[i];
        dst[used++] = (c >= 0x20 && c != 0x7f) || c >= 0x80 ? (char)c : ' ';
    }
    if (len > n && used + 4 < cap) {
        memcpy(dst + used, "...", 3);
        used += 3;
    }
    if (cap)
        dst[used < cap ? used : cap - 1] = '\0';
}

/* Length of a valid UTF-8 sequence starting at p (at most n bytes), or 0. */
static size_t utf8_sequence(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if ((p[0] & 0xe0) == 0xc0) { len = 2; cp = p[0] & 0x1f; }
    else if ((p[0] & 0xf0) == 0xe0) { len = 3; cp = p[0] & 0x0f; }
    else if ((p[0] & 0xf8) == 0xf0) { len = 4; cp = p[0] & 0x07; }
    else return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

bool plx_utf8_valid(const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_sequence(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}
