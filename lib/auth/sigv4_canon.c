/* SigV4 canonical forms: URI path, query string and headers, and the parts
 * of a URL that signing needs. Pure string work, no crypto. */
#include "sigv4.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SMALL 32   /* headers or query parameters handled without malloc */

static bool is_unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool is_escape(const char *s, size_t i, size_t len)
{
    return s[i] == '%' && i + 2 < len && hex_value((unsigned char)s[i + 1]) >= 0 &&
           hex_value((unsigned char)s[i + 2]) >= 0;
}

/* Percent-decodes s into b ('+' stays '+'; a '%' without two hex digits
 * stays as it is). */
static plx_status decode(plx_buf *b, const char *s, size_t len)
{
    if (plx_buf_reserve(b, len) != PLX_OK)
        return PLX_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        if (is_escape(s, i, len)) {
            b->data[b->len++] = (char)(hex_value((unsigned char)s[i + 1]) * 16 +
                                       hex_value((unsigned char)s[i + 2]));
            i += 2;
        } else {
            b->data[b->len++] = s[i];
        }
    }
    b->data[b->len] = '\0';
    return PLX_OK;
}

/* S3: keeps escapes and what needs none, encodes the rest. */
static plx_status encode_keeping_escapes(plx_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (plx_buf_reserve(b, len * 3) != PLX_OK)
        return PLX_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || c == '/' || (c == '%' && is_escape(s, i, len))) {
            b->data[b->len++] = (char)c;
        } else {
            b->data[b->len++] = '%';
            b->data[b->len++] = hex[c >> 4];
            b->data[b->len++] = hex[c & 15];
        }
    }
    b->data[b->len] = '\0';
    return PLX_OK;
}

/* RFC 3986 5.2.4 remove_dot_segments, and empty segments dropped, as AWS
 * services do: "//a/./b/../c/" -> "/a/c/". */
static plx_status normalize(plx_buf *out, const char *path, size_t len)
{
    if (plx_buf_reserve(out, len + 1) != PLX_OK)
        return PLX_ENOMEM;
    size_t start = out->len;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        size_t n = j - i;
        if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
            while (out->len > start && out->data[out->len - 1] != '/')
                out->len--;
            if (out->len > start)
                out->len--;       /* the '/' before the dropped segment */
        } else if (n > 0 && !(n == 1 && path[i] == '.')) {
            out->data[out->len++] = '/';
            memcpy(out->data + out->len, path + i, n);
            out->len += n;
        }
        i = j + 1;
    }
    bool any = out->len > start;
    if (len && path[len - 1] == '/' && any)
        out->data[out->len++] = '/';
    if (!any && (len == 0 || path[0] == '/'))
        out->data[out->len++] = '/';
    if (any && path[0] != '/') {   /* relative input: no leading '/' */
        memmove(out->data + start, out->data + start + 1, out->len - start - 1);
        out->len--;
    }
    out->data[out->len] = '\0';
    return PLX_OK;
}

plx_status plx_sigv4_canonical_path(plx_buf *b, const char *path, size_t len,
                                    bool normalize_path, bool double_encode)
{
    if (len == 0)
        return plx_buf_append(b, "/", 1);
    if (!double_encode && !normalize_path)
        return encode_keeping_escapes(b, path, len);
    plx_buf tmp = {0};
    plx_status st = PLX_OK;
    if (normalize_path) {
        st = normalize(&tmp, path, len);
        path = tmp.data;
        len = tmp.len;
    }
    if (st == PLX_OK)
        st = double_encode ? plx_url_encode(b, path, len, true)
                           : encode_keeping_escapes(b, path, len);
    plx_buf_free(&tmp);
    return st;
}

/* One query parameter: offsets of its encoded name and value in a buffer. */
typedef struct param {
    size_t name, name_len, value, value_len;
} param;

static int param_cmp(const char *base, const param *a, const param *b)
{
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(base + a->name, base + b->name, n);
    if (c || a->name_len != b->name_len)
        return c ? c : (a->name_len < b->name_len ? -1 : 1);
    n = a->value_len < b->value_len ? a->value_len : b->value_len;
    c = memcmp(base + a->value, base + b->value, n);
    if (c || a->value_len == b->value_len)
        return c;
    return a->value_len < b->value_len ? -1 : 1;
}

/* Decodes then encodes s into enc; records where it went. */
static plx_status recode(plx_buf *enc, plx_buf *tmp, const char *s, size_t len,
                         size_t *at, size_t *n)
{
    plx_buf_reset(tmp);
    plx_status st = decode(tmp, s, len);
    *at = enc->len;
    if (st == PLX_OK)
        st = plx_url_encode(enc, tmp->data, tmp->len, false);
    *n = enc->len - *at;
    return st;
}

static size_t count_params(const char *q, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += q[i] == '&';
    return n;
}

static void sort_params(const char *base, param *p, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        param x = p[i];
        size_t j = i;
        for (; j > 0 && param_cmp(base, &p[j - 1], &x) > 0; j--)
            p[j] = p[j - 1];
        p[j] = x;
    }
}

static plx_status parse_params(const char *q, size_t len, plx_buf *enc, param *params,
                               size_t *count)
{
    plx_buf tmp = {0};
    plx_status st = PLX_OK;
    size_t n = 0;
    for (size_t i = 0; i <= len && st == PLX_OK;) {
        size_t end = i;
        while (end < len && q[end] != '&')
            end++;
        if (end > i) {           /* "a=1&&b=2": empty pieces are not parameters */
            const char *eq = memchr(q + i, '=', end - i);
            size_t name_end = eq ? (size_t)(eq - q) : end;
            param *p = &params[n++];
            st = recode(enc, &tmp, q + i, name_end - i, &p->name, &p->name_len);
            if (st == PLX_OK)
                st = eq ? recode(enc, &tmp, eq + 1, end - name_end - 1, &p->value,
                                 &p->value_len)
                        : PLX_OK;
            if (!eq)
                p->value = p->value_len = 0;
        }
        i = end + 1;
    }
    plx_buf_free(&tmp);
    *count = n;
    return st;
}

plx_status plx_sigv4_canonical_query(plx_buf *b, const char *query, size_t len)
{
    if (len == 0)
        return PLX_OK;
    size_t max = count_params(query, len);
    param small[SMALL];
    param *params = max <= SMALL ? small : malloc(max * sizeof *params);
    if (!params)
        return PLX_ENOMEM;
    plx_buf enc = {0};
    size_t n = 0;
    plx_status st = parse_params(query, len, &enc, params, &n);
    if (st == PLX_OK)
        sort_params(enc.data, params, n);
    for (size_t i = 0; i < n && st == PLX_OK; i++) {
        if (i)
            st = plx_buf_append(b, "&", 1);
        if (st == PLX_OK)
            st = plx_buf_append(b, enc.data + params[i].name, params[i].name_len);
        if (st == PLX_OK)
            st = plx_buf_append(b, "=", 1);
        if (st == PLX_OK)
            st = plx_buf_append(b, enc.data + params[i].value, params[i].value_len);
    }
    plx_buf_free(&enc);
    if (params != small)
        free(params);
    return st;
}

/* Headers never signed: they may change on the way (hop-by-hop, proxies,
 * tracing) or carry the signature itself. */
static bool skipped(const char *name)
{
    static const char *const names[] = {
        "authorization", "connection", "expect", "transfer-encoding", "upgrade",
        "user-agent", "x-amzn-trace-id", "keep-alive", "proxy-authorization",
        "te", "trailer", PLX_SIGV4_SCOPE_HEADER};
    for (size_t i = 0; i < PLX_ARRAY_LEN(names); i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return false;
}

/* Appends value trimmed, with each run of whitespace folded to one space. */
static plx_status append_trimmed(plx_buf *b, const char *v)
{
    size_t len = strlen(v);
    if (plx_buf_reserve(b, len) != PLX_OK)
        return PLX_ENOMEM;
    bool space = false, any = false;
    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = any;
            continue;
        }
        if (space)
            b->data[b->len++] = ' ';
        b->data[b->len++] = c;
        space = false;
        any = true;
    }
    b->data[b->len] = '\0';
    return PLX_OK;
}

static plx_status append_lower(plx_buf *b, const char *s)
{
    size_t len = strlen(s);
    if (plx_buf_reserve(b, len) != PLX_OK)
        return PLX_ENOMEM;
    for (size_t i = 0; i < len; i++)
        b->data[b->len++] = (char)tolower((unsigned char)s[i]);
    b->data[b->len] = '\0';
    return PLX_OK;
}

/* Indexes of the headers to sign, sorted by name; stable, so repeated names
 * keep their order. */
static size_t sorted_headers(const plx_headers *h, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < h->count; i++) {
        if (skipped(h->items[i].name))
            continue;
        size_t j = n++;
        for (; j > 0 && strcasecmp(h->items[idx[j - 1]].name, h->items[i].name) > 0; j--)
            idx[j] = idx[j - 1];
        idx[j] = i;
    }
    return n;
}

plx_status plx_sigv4_canonical_headers(plx_buf *b, plx_buf *signed_headers,
                                       const plx_headers *h)
{
    size_t small[SMALL];
    size_t *idx = h->count <= SMALL ? small : malloc(h->count * sizeof *idx);
    if (!idx)
        return PLX_ENOMEM;
    size_t n = sorted_headers(h, idx);
    plx_status st = PLX_OK;
    for (size_t k = 0; k < n && st == PLX_OK; k++) {
        const plx_header *x = &h->items[idx[k]];
        bool same = k > 0 && strcasecmp(h->items[idx[k - 1]].name, x->name) == 0;
        if (same) {       /* a repeated name: its value joins the line above */
            b->len--;     /* the '\n' */
            st = plx_buf_append(b, ",", 1);
        } else {
            if (signed_headers->len)
                st = plx_buf_append(signed_headers, ";", 1);
            if (st == PLX_OK)
                st = append_lower(signed_headers, x->name);
            if (st == PLX_OK)
                st = append_lower(b, x->name);
            if (st == PLX_OK)
                st = plx_buf_append(b, ":", 1);
        }
        if (st == PLX_OK)
            st = append_trimmed(b, x->value);
        if (st == PLX_OK)
            st = plx_buf_append(b, "\n", 1);
    }
    if (idx != small)
        free(idx);
    return st;
}

/* Host of an authority "user@host:port", lower case, default port dropped. */
static bool copy_host(const char *auth, size_t len, bool https, char *host, size_t cap)
{
    const char *at = memchr(auth, '@', len);
    if (at) {
        len -= (size_t)(at + 1 - auth);
        auth = at + 1;
    }
    const char *bracket = len && auth[0] == '[' ? memchr(auth, ']', len) : NULL;
    const char *from = bracket ? bracket : auth;   /* an IPv6 literal has ':' inside */
    const char *colon = memchr(from, ':', len - (size_t)(from - auth));
    if (colon) {
        size_t port_len = len - (size_t)(colon + 1 - auth);
        const char *dflt = https ? "443" : "80";
        if (port_len == strlen(dflt) && memcmp(colon + 1, dflt, port_len) == 0)
            len = (size_t)(colon - auth);
        else if (port_len == 0)
            len = (size_t)(colon - auth);
    }
    if (len == 0 || len >= cap)
        return false;
    for (size_t i = 0; i < len; i++)
        host[i] = (char)tolower((unsigned char)auth[i]);
    host[len] = '\0';
    return true;
}

bool plx_sigv4_split_url(const char *url, char *host, size_t host_cap, const char **path,
                         size_t *path_len, const char **query, size_t *query_len)
{
    bool https = strncasecmp(url, "https://", 8) == 0;
    if (!https && strncasecmp(url, "http://", 7) != 0)
        return false;
    const char *auth = url + (https ? 8 : 7);
    size_t auth_len = strcspn(auth, "/?#");
    if (!copy_host(auth, auth_len, https, host, host_cap))
        return false;
    *path = auth + auth_len;
    *path_len = strcspn(*path, "?#");
    const char *q = *path + *path_len;
    *query = *q == '?' ? q + 1 : NULL;
    *query_len = *query ? strcspn(*query, "#") : 0;
    return true;
}
