/* URL encoding, resolution and origin comparison (curl's URL API). */
#include "http_internal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

plx_status plx_url_encode(plx_buf *b, const char *s, size_t len, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    if (plx_buf_reserve(b, len * 3) != PLX_OK)
        return PLX_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
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

bool plx_url_is_http(const char *url)
{
    if (!url)
        return false;
    size_t skip;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    if (!url[skip] || url[skip] == '/')
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    return true;
}

plx_status plx_url_resolve(const char *base, const char *location, char **out)
{
    *out = NULL;
    CURLU *u = curl_url();
    if (!u)
        return PLX_ENOMEM;
    char *full = NULL;
    plx_status st = PLX_EPROTOCOL;
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
        *out = plx_strdup(full);
        st = *out ? PLX_OK : PLX_ENOMEM;
    }
    curl_free(full);
    curl_url_cleanup(u);
    if (st == PLX_OK && !plx_url_is_http(*out)) {
        plx_free(*out);
        *out = NULL;
        st = PLX_EPROTOCOL;
    }
    return st;
}

/* Fills "scheme://host:port" with the port made explicit. */
static bool origin_of(const char *url, char *dst, size_t cap)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
    if (ok)
        snprintf(dst, cap, "%s://%s:%s", scheme, host, port);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

bool plx_url_same_origin(const char *a, const char *b)
{
    char oa[512], ob[512];
    return origin_of(a, oa, sizeof oa) && origin_of(b, ob, sizeof ob) &&
           strcasecmp(oa, ob) == 0;
}

void plx_url_origin(const char *url, char *dst, size_t cap)
{
    if (!origin_of(url, dst, cap))
        snprintf(dst, cap, "(invalid URL)");
}
