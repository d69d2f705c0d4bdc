/* A compact JSON writer into a buffer: results are written once, in order,
 * instead of built as a cJSON tree and printed (several times cheaper). */
#include "core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(plx_jw *w, const char *s, size_t n)
{
    if (w->status == PLX_OK)
        w->status = plx_buf_append(&w->buf, s, n);
}

static void separator(plx_jw *w)
{
    if (w->need_comma)
        put(w, ",", 1);
    w->need_comma = true;
}

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
    size_t n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
    if (p[0] < 0xc2 || p[0] > 0xf4 || n > left)
        return 0;
    return plx_utf8_valid(p, n) ? n : 0;
}

/* Bytes that end a plain run: controls, '"', '\\', and non-ASCII (checked
 * for valid UTF-8). */
static bool special(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

static void put_escape(plx_jw *w, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    switch (c) {
    case '"': put(w, "\\\"", 2); break;
    case '\\': put(w, "\\\\", 2); break;
    case '\n': put(w, "\\n", 2); break;
    case '\t': put(w, "\\t", 2); break;
    case '\r': put(w, "\\r", 2); break;
    default: put(w, esc, 6);
    }
}

/* Appends s as a quoted JSON string. Bytes that are not valid UTF-8 are
 * written as \u00XX so that the output always is. */
static void put_string(plx_jw *w, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    if (w->status == PLX_OK)
        w->status = plx_buf_reserve(&w->buf, len + 2);
    put(w, "\"", 1);
    size_t run = 0, i = 0;
    while (i < len) {
        while (i < len && !special(p[i]))
            i++;
        if (i == len)
            break;
        size_t n = p[i] >= 0x80 ? utf8_len(p + i, len - i) : 0;
        if (n) {
            i += n;
            continue;
        }
        put(w, s + run, i - run);
        put_escape(w, p[i]);
        run = ++i;
    }
    put(w, s + run, len - run);
    put(w, "\"", 1);
}

static void put_key(plx_jw *w, const char *key)
{
    separator(w);
    if (key) {
        put_string(w, key, strlen(key));
        put(w, ":", 1);
    }
}

void plx_jw_begin(plx_jw *w, const char *key)
{
    put_key(w, key);
    put(w, "{", 1);
    w->need_comma = false;
}

void plx_jw_end(plx_jw *w)
{
    put(w, "}", 1);
    w->need_comma = true;
}

void plx_jw_begin_array(plx_jw *w, const char *key)
{
    put_key(w, key);
    put(w, "[", 1);
    w->need_comma = false;
}

void plx_jw_end_array(plx_jw *w)
{
    put(w, "]", 1);
    w->need_comma = true;
}

void plx_jw_string(plx_jw *w, const char *key, const char *s, size_t len)
{
    put_key(w, key);
    put_string(w, s, len);
}

void plx_jw_int(plx_jw *w, const char *key, int64_t v)
{
    char digits[24];
    char *p = digits + sizeof digits;
    uint64_t u = v < 0 ? (uint64_t)-(v + 1) + 1 : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    put_key(w, key);
    put(w, p, (size_t)(digits + sizeof digits - p));
}

void plx_jw_double(plx_jw *w, const char *key, double v)
{
    if (!isfinite(v)) {
        plx_jw_null(w, key);
        return;
    }
    /* Whole numbers as integers; else %.15g when it reads back the same
     * (0.2, not 0.20000000000000001), else the exact %.17g. */
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        plx_jw_int(w, key, (int64_t)v);
        return;
    }
    char text[32];
    int n = snprintf(text, sizeof text, "%.15g", v);
    if (strtod(text, NULL) != v)
        n = snprintf(text, sizeof text, "%.17g", v);
    put_key(w, key);
    put(w, text, (size_t)n);
}

void plx_jw_null(plx_jw *w, const char *key)
{
    put_key(w, key);
    put(w, "null", 4);
}

void plx_jw_bool(plx_jw *w, const char *key, bool v)
{
    put_key(w, key);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void plx_jw_raw(plx_jw *w, const char *key, const char *json, size_t len)
{
    put_key(w, key);
    put(w, json, len);
}

char *plx_jw_finish(plx_jw *w)
{
    if (w->status != PLX_OK) {
        plx_buf_free(&w->buf);
        return NULL;
    }
    return plx_buf_steal(&w->buf);
}
