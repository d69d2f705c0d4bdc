/* S3 requests: addressing (virtual-hosted or path style), names, payload
 * hashes, and the multipart requests. Pure: builds requests, no I/O. */
#include "s3.h"
#include "../auth/sigv4.h"
#include "../crypto/crypto.h"

#include <stdio.h>
#include <string.h>

#define KEY_MAX 1024

static plx_status bad(const plx_provider *p, const char *field, const char *what)
{
    return plx_fail(p->ctx, PLX_EINVAL, "request.%s: %s", field, what);
}

/* Bucket names S3 has accepted over the years (legacy ones included). */
bool plx_s3_bucket_valid(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A bucket that can be a host name label (no dots over TLS: the
 * certificate's wildcard covers one label only). */
static bool dns_compatible(const char *b, bool https)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63 || !lower_alnum(b[0]) || !lower_alnum(b[n - 1]) || strstr(b, ".."))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!lower_alnum(b[i]) && b[i] != '-' && !(b[i] == '.' && !https))
            return false;
    return true;
}

/* Keys are any UTF-8 up to 1024 bytes, but "." and ".." segments would be
 * removed from the URL on the way (RFC 3986 dot segments). */
static const char *key_problem(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > KEY_MAX)
        return "expected a non-empty string of at most 1024 bytes";
    if (!plx_utf8_valid(key, n))
        return "not valid UTF-8";
    for (const char *seg = key; seg;) {
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return "a \".\" or \"..\" path segment cannot be sent in a URL";
        seg = slash ? slash + 1 : NULL;
    }
    return NULL;
}

plx_status plx_s3_target_read(const plx_provider *p, const cJSON *request, bool need_key,
                              plx_s3_target *t)
{
    const plx_s3_state *s = p->kind_state;
    plx_cfg cfg = {p->ctx, "request"};
    const char *bucket = NULL, *key = NULL;
    if (plx_cfg_string(&cfg, request, "bucket", &bucket) != PLX_OK ||
        plx_cfg_string(&cfg, request, "key", &key) != PLX_OK)
        return PLX_EINVAL;
    if (!bucket)
        bucket = s->bucket;
    if (!bucket)
        return bad(p, "bucket", "missing, and the provider has no \"bucket\"");
    if (!plx_s3_bucket_valid(bucket))
        return bad(p, "bucket", "not a bucket name (3-255 letters, digits, '.', '-', '_')");
    if (need_key && !key)
        return bad(p, "key", "missing");
    const char *why = key ? key_problem(key) : NULL;
    if (why)
        return bad(p, "key", why);
    *t = (plx_s3_target){bucket, need_key ? key : NULL};
    return PLX_OK;
}

static plx_status bucket_url(const plx_s3_state *s, const char *bucket, bool *vh,
                             plx_buf *url)
{
    *vh = s->virtual_hosted && dns_compatible(bucket, s->https);
    if (!*vh)
        return plx_buf_printf(url, "%s%s/%s", s->scheme_host, s->base_path, bucket);
    const char *host = strstr(s->scheme_host, "://") + 3;
    return plx_buf_printf(url, "%.*s%s.%s%s", (int)(host - s->scheme_host), s->scheme_host,
                          bucket, host, s->base_path);
}

plx_status plx_s3_request(const plx_provider *p, const char *method, const plx_s3_target *t,
                          const char *query, plx_request **out)
{
    const plx_s3_state *s = p->kind_state;
    plx_buf url = {0}, scope = {0};
    bool vh;
    *out = NULL;
    plx_status st = bucket_url(s, t->bucket, &vh, &url);
    if (st == PLX_OK && (t->key || vh))
        st = plx_buf_append(&url, "/", 1);
    if (st == PLX_OK && t->key)
        st = plx_url_encode(&url, t->key, strlen(t->key), true);
    if (st == PLX_OK && query && *query)
        st = plx_buf_printf(&url, "?%s", query);
    if (st == PLX_OK)
        st = plx_buf_printf(&scope, "%s/s3", s->region);
    if (st == PLX_OK)
        st = plx_provider_request(p, method, url.data, out);
    if (st == PLX_OK)
        st = plx_request_set_header(*out, PLX_SIGV4_SCOPE_HEADER, scope.data);
    plx_buf_free(&url);
    plx_buf_free(&scope);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}

bool plx_s3_signs_payload(const plx_provider *p)
{
    const plx_s3_state *s = p->kind_state;
    return s->payload == PLX_S3_PAYLOAD_SIGNED || (s->payload == PLX_S3_PAYLOAD_AUTO && !s->https);
}

plx_status plx_s3_payload_hash(const plx_provider *p, plx_request *req, const void *body,
                               size_t len)
{
    bool sign = plx_s3_signs_payload(p);
    char hex[2 * PLX_SHA256_LEN + 1];
    if (sign) {
        unsigned char h[PLX_SHA256_LEN];
        plx_sha256(body, len, h);
        plx_hex_lower(h, sizeof h, hex);
    }
    return plx_request_set_header(req, "x-amz-content-sha256",
                                  sign ? hex : PLX_SIGV4_UNSIGNED_PAYLOAD);
}

plx_status plx_s3_put_headers(const plx_provider *p, const cJSON *request, plx_request *req)
{
    plx_cfg cfg = {p->ctx, "request"};
    const char *type = NULL;
    const cJSON *meta = NULL;
    if (plx_cfg_string(&cfg, request, "content_type", &type) != PLX_OK ||
        plx_cfg_object(&cfg, request, "metadata", &meta) != PLX_OK)
        return PLX_EINVAL;
    if (type && plx_request_set_header(req, "Content-Type", type) != PLX_OK)
        return bad(p, "content_type", "not a valid header value");
    const cJSON *item;
    cJSON_ArrayForEach(item, meta) {
        char name[160];
        int n = snprintf(name, sizeof name, "x-amz-meta-%s", item->string);
        if (!cJSON_IsString(item) || n >= (int)sizeof name || !item->string[0] ||
            plx_request_set_header(req, name, item->valuestring) != PLX_OK)
            return plx_fail(p->ctx, PLX_EINVAL, "request.metadata.%s: expected a string, "
                            "under a header-safe name (letters, digits, '-')", item->string);
    }
    return PLX_OK;
}

/* ---- multipart ---- */

static plx_status query_with_upload(plx_buf *q, const char *prefix, const char *upload_id)
{
    plx_status st = plx_buf_append_str(q, prefix);
    if (st == PLX_OK)
        st = plx_buf_append_str(q, "uploadId=");
    if (st == PLX_OK)
        st = plx_url_encode(q, upload_id, strlen(upload_id), false);
    return st;
}

plx_status plx_s3_create_upload(const plx_provider *p, const plx_s3_target *t,
                                const cJSON *request, plx_request **out)
{
    plx_status st = plx_s3_request(p, "POST", t, "uploads", out);
    if (st == PLX_OK)
        st = plx_s3_put_headers(p, request, *out);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}

plx_status plx_s3_upload_part(const plx_provider *p, const plx_s3_target *t,
                              const char *upload_id, uint32_t part, const char *payload_hash,
                              plx_request **out)
{
    plx_buf q = {0};
    char prefix[40];
    *out = NULL;
    snprintf(prefix, sizeof prefix, "partNumber=%u&", part);
    plx_status st = query_with_upload(&q, prefix, upload_id);
    if (st == PLX_OK)
        st = plx_s3_request(p, "PUT", t, q.data, out);
    plx_buf_free(&q);
    if (st == PLX_OK)
        st = plx_request_set_header(*out, "x-amz-content-sha256", payload_hash);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}

/* An ETag as XML text (they hold quotes; '&' and '<' must not pass raw). */
static plx_status append_xml_text(plx_buf *b, const char *s)
{
    plx_status st = PLX_OK;
    for (; *s && st == PLX_OK; s++) {
        if (*s == '&')
            st = plx_buf_append_str(b, "&amp;");
        else if (*s == '<')
            st = plx_buf_append_str(b, "&lt;");
        else if (*s == '>')
            st = plx_buf_append_str(b, "&gt;");
        else
            st = plx_buf_append(b, s, 1);
    }
    return st;
}

plx_status plx_s3_complete_upload(const plx_provider *p, const plx_s3_target *t,
                                  const char *upload_id, char *const *etags, uint32_t parts,
                                  plx_request **out)
{
    plx_buf q = {0}, body = {0};
    *out = NULL;
    plx_status st = query_with_upload(&q, "", upload_id);
    if (st == PLX_OK)
        st = plx_buf_append_str(&body, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws."
                                       "com/doc/2006-03-01/\">");
    for (uint32_t i = 0; i < parts && st == PLX_OK; i++) {
        st = plx_buf_printf(&body, "<Part><PartNumber>%u</PartNumber><ETag>", i + 1);
        if (st == PLX_OK)
            st = append_xml_text(&body, etags[i]);
        if (st == PLX_OK)
            st = plx_buf_append_str(&body, "</ETag></Part>");
    }
    if (st == PLX_OK)
        st = plx_buf_append_str(&body, "</CompleteMultipartUpload>");
    if (st == PLX_OK)
        st = plx_s3_request(p, "POST", t, q.data, out);
    if (st == PLX_OK)
        st = plx_s3_payload_hash(p, *out, body.data, body.len);
    if (st == PLX_OK)
        st = plx_request_set_header(*out, "Content-Type", "application/xml");
    if (st == PLX_OK) {
        size_t len = body.len;
        plx_request_take_body(*out, plx_buf_steal(&body), len);
    } else if (*out) {
        plx_request_free(*out);
        *out = NULL;
    }
    plx_buf_free(&q);
    plx_buf_free(&body);
    return st;
}

plx_status plx_s3_abort_upload(const plx_provider *p, const plx_s3_target *t,
                               const char *upload_id, plx_request **out)
{
    plx_buf q = {0};
    *out = NULL;
    plx_status st = query_with_upload(&q, "", upload_id);
    if (st == PLX_OK)
        st = plx_s3_request(p, "DELETE", t, q.data, out);
    plx_buf_free(&q);
    return st;
}

/* ---- get ---- */

static bool whole_number(const cJSON *v, int64_t *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9.0e15 ||
        v->valuedouble != (double)(int64_t)v->valuedouble)
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

/* "range": {"start": N, "end"?: M} (inclusive, as HTTP has it). */
static plx_status range_header(const plx_provider *p, const cJSON *range, plx_request *req)
{
    static const char *const keys[] = {"start", "end", NULL};
    plx_cfg cfg = {p->ctx, "request.range"};
    int64_t start, end = -1;
    if (!cJSON_IsObject(range))
        return bad(p, "range", "expected an object {\"start\", \"end\"?}");
    if (plx_cfg_check_keys(&cfg, range, keys) != PLX_OK)
        return PLX_EINVAL;
    if (!whole_number(cJSON_GetObjectItemCaseSensitive(range, "start"), &start))
        return bad(p, "range.start", "expected a whole number >= 0");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(range, "end");
    if (e && (!whole_number(e, &end) || end < start))
        return bad(p, "range.end", "expected a whole number >= range.start (inclusive)");
    char value[64];
    if (end >= 0)
        snprintf(value, sizeof value, "bytes=%lld-%lld", (long long)start, (long long)end);
    else
        snprintf(value, sizeof value, "bytes=%lld-", (long long)start);
    return plx_request_set_header(req, "Range", value);
}

plx_status plx_s3_get_request(const plx_provider *p, const plx_s3_target *t,
                              const cJSON *request, plx_request **out)
{
    plx_status st = plx_s3_request(p, "GET", t, "", out);
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(request, "range");
    /* The object's bytes as stored: no decoding, so lengths and ranges
     * count the same bytes the sink gets. */
    if (st == PLX_OK)
        (*out)->accept_compressed = false;
    if (st == PLX_OK && range)
        st = range_header(p, range, *out);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}
