/* S3 replies: errors (XML <Error>), object headers, ListObjectsV2 and the
 * multipart replies, read with the strict XML reader of s3_xml.c. */
#include "s3.h"
#include "aws.h"
#include "s3_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- errors ---- */

static const struct {
    const char *code;
    plx_status status;
} S3_ERRORS[] = {
    {"NoSuchKey", PLX_ENOTFOUND},   {"NoSuchBucket", PLX_ENOTFOUND},
    {"NoSuchUpload", PLX_ENOTFOUND}, {"NotFound", PLX_ENOTFOUND},
    {"NoSuchVersion", PLX_ENOTFOUND}, {"InvalidBucketName", PLX_EINVAL},
    {"InvalidRange", PLX_EINVAL},   {"EntityTooSmall", PLX_EINVAL},
    {"EntityTooLarge", PLX_EINVAL}, {"InvalidPart", PLX_EINVAL},
    {"InvalidPartOrder", PLX_EINVAL}, {"KeyTooLongError", PLX_EINVAL},
    {"MalformedXML", PLX_EINVAL},
};

static plx_status code_status(const char *code)
{
    for (size_t i = 0; i < PLX_ARRAY_LEN(S3_ERRORS); i++)
        if (strcmp(S3_ERRORS[i].code, code) == 0)
            return S3_ERRORS[i].status;
    return plx_aws_error_status(code);
}

void plx_s3_parse_error(const plx_response *resp, plx_reply *r)
{
    plx_aws_parse_error(resp, r);
    r->status = code_status(r->service_code);
    /* HEAD replies have no body: a 404 is all there is. */
    if (!r->service_code[0] && resp && resp->status == 404) {
        snprintf(r->service_code, sizeof r->service_code, "NotFound");
        r->status = PLX_ENOTFOUND;
    }
}

/* ---- object headers ---- */

void plx_s3_etag_plain(const char *etag, char *dst, size_t cap)
{
    size_t n = strlen(etag);
    if (n >= 2 && strncmp(etag, "W/", 2) == 0) {
        etag += 2;
        n -= 2;
    }
    if (n >= 2 && etag[0] == '"' && etag[n - 1] == '"') {
        etag++;
        n -= 2;
    }
    snprintf(dst, cap, "%.*s", (int)n, etag);
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "2009-10-12T17:50:30.000Z" (a listing) or an HTTP-date (a header). */
bool plx_s3_iso_time(const char *s, char out[21])
{
    size_t n = strlen(s);
    if (n >= 20 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
        digits(s + 8, 2) && s[10] == 'T' && digits(s + 11, 2) && s[13] == ':' &&
        digits(s + 14, 2) && s[16] == ':' && digits(s + 17, 2)) {
        const char *z = s + 19;
        if (*z == '.')
            for (z++; *z >= '0' && *z <= '9'; z++)
                ;
        if (strcmp(z, "Z") != 0 && strcmp(z, "+00:00") != 0)
            return false;
        snprintf(out, 21, "%.19sZ", s);
        return true;
    }
    int64_t t = plx_http_date_parse(s);
    struct tm tm;
    time_t tt = (time_t)t;
    if (t < 0 || !gmtime_r(&tt, &tm))
        return false;
    return strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20;
}

static void write_header(plx_jw *w, const char *key, const plx_response *resp,
                         const char *name)
{
    const char *v = plx_response_header(resp, name);
    if (v)
        plx_jw_string(w, key, v, strlen(v));
}

static void write_metadata(plx_jw *w, const plx_response *resp)
{
    bool any = false;
    for (size_t i = 0; i < resp->headers.count; i++) {
        const plx_header *h = &resp->headers.items[i];
        if (strncasecmp(h->name, "x-amz-meta-", 11) != 0 || !h->name[11])
            continue;
        if (!any)
            plx_jw_begin(w, "metadata");
        any = true;
        plx_jw_string(w, h->name + 11, h->value, strlen(h->value));
    }
    if (any)
        plx_jw_end(w);
}

void plx_s3_write_etag(plx_jw *w, const plx_response *resp)
{
    const char *etag = plx_response_header(resp, "etag");
    char plain[160];
    if (etag) {
        plx_s3_etag_plain(etag, plain, sizeof plain);
        plx_jw_string(w, "etag", plain, strlen(plain));
    }
    write_header(w, "version_id", resp, "x-amz-version-id");
}

void plx_s3_write_headers(plx_jw *w, const plx_response *resp)
{
    const char *modified = plx_response_header(resp, "last-modified");
    char iso[21];
    plx_s3_write_etag(w, resp);
    write_header(w, "content_type", resp, "content-type");
    if (modified && plx_s3_iso_time(modified, iso))
        plx_jw_string(w, "last_modified", iso, strlen(iso));
    write_metadata(w, resp);
}

/* ---- ListObjectsV2 ---- */

typedef struct list_reader {
    const plx_provider *p;
    const plx_xml *x;
    bool url_encoded;           /* encoding-type=url: keys are percent-encoded */
    plx_buf scratch;
} list_reader;

static plx_status bad_list(const list_reader *l, const char *what)
{
    return plx_fail(l->p->ctx, PLX_EPROTOCOL, "S3 listing: %s", what);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A listed name, decoded when the listing is url-encoded (as botocore
 * decodes it: '+' is a space). NULL when malformed. */
static const char *name_text(list_reader *l, const char *s, size_t n, size_t *out_len)
{
    *out_len = n;
    if (!l->url_encoded)
        return s;
    plx_buf_reset(&l->scratch);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
            if (lo < 0)
                return NULL;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (plx_buf_append(&l->scratch, &c, 1) != PLX_OK)
            return NULL;
    }
    *out_len = l->scratch.len;
    return l->scratch.data ? l->scratch.data : "";
}

static bool parse_size(const char *s, size_t n, int64_t *out)
{
    if (!s || n == 0 || n > 18 || !digits(s, n))
        return false;
    *out = strtoll(s, NULL, 10);
    return true;
}

static plx_status write_object(list_reader *l, plx_jw *w, int el)
{
    size_t n, klen;
    const char *key = plx_xml_child_text(l->x, el, "Key", &n);
    const char *size = plx_xml_child_text(l->x, el, "Size", NULL);
    int64_t bytes;
    if (!key || !(key = name_text(l, key, n, &klen)) || !plx_utf8_valid(key, klen))
        return bad_list(l, "an object without a valid Key");
    plx_jw_begin(w, NULL);
    plx_jw_string(w, "key", key, klen);
    if (!parse_size(size, size ? strlen(size) : 0, &bytes)) {
        plx_jw_end(w);
        return bad_list(l, "an object without a whole-number Size");
    }
    plx_jw_int(w, "size", bytes);
    const char *etag = plx_xml_child_text(l->x, el, "ETag", NULL);
    const char *modified = plx_xml_child_text(l->x, el, "LastModified", NULL);
    const char *cls = plx_xml_child_text(l->x, el, "StorageClass", &n);
    char plain[160], iso[21];
    if (etag) {
        plx_s3_etag_plain(etag, plain, sizeof plain);
        plx_jw_string(w, "etag", plain, strlen(plain));
    }
    if (modified && plx_s3_iso_time(modified, iso))
        plx_jw_string(w, "last_modified", iso, strlen(iso));
    if (cls)
        plx_jw_string(w, "storage_class", cls, n);
    plx_jw_end(w);
    return PLX_OK;
}

static plx_status write_prefixes(list_reader *l, plx_jw *w, int root)
{
    for (int el = plx_xml_child(l->x, root, "CommonPrefixes"); el >= 0;
         el = plx_xml_next(l->x, el, "CommonPrefixes")) {
        size_t n, len;
        const char *prefix = plx_xml_child_text(l->x, el, "Prefix", &n);
        if (!prefix || !(prefix = name_text(l, prefix, n, &len)) ||
            !plx_utf8_valid(prefix, len))
            return bad_list(l, "a CommonPrefixes entry without a valid Prefix");
        plx_jw_string(w, NULL, prefix, len);
    }
    return PLX_OK;
}

/* Objects and prefixes into scratch writers first, so that nothing is
 * written to w unless the whole listing reads. */
static plx_status write_listing(list_reader *l, plx_jw *w, int root)
{
    plx_jw objects = {0}, prefixes = {0};
    plx_status st = PLX_OK;
    plx_jw_begin_array(&objects, NULL);
    for (int el = plx_xml_child(l->x, root, "Contents"); el >= 0 && st == PLX_OK;
         el = plx_xml_next(l->x, el, "Contents"))
        st = write_object(l, &objects, el);
    plx_jw_end_array(&objects);
    plx_jw_begin_array(&prefixes, NULL);
    if (st == PLX_OK)
        st = write_prefixes(l, &prefixes, root);
    plx_jw_end_array(&prefixes);
    const char *truncated = plx_xml_child_text(l->x, root, "IsTruncated", NULL);
    size_t tlen = 0;
    const char *token = plx_xml_child_text(l->x, root, "NextContinuationToken", &tlen);
    bool more = truncated && strcmp(truncated, "true") == 0;
    if (st == PLX_OK && truncated && !more && strcmp(truncated, "false") != 0)
        st = bad_list(l, "IsTruncated is neither true nor false");
    if (st == PLX_OK && more && (!token || !tlen))
        st = bad_list(l, "a truncated listing without NextContinuationToken");
    if (st == PLX_OK && (objects.status != PLX_OK || prefixes.status != PLX_OK))
        st = PLX_ENOMEM;
    if (st == PLX_OK) {
        plx_jw_raw(w, "objects", objects.buf.data, objects.buf.len);
        plx_jw_raw(w, "prefixes", prefixes.buf.data, prefixes.buf.len);
        plx_jw_bool(w, "is_truncated", more);
        if (more)
            plx_jw_string(w, "next_continuation_token", token, tlen);
    }
    plx_buf_free(&objects.buf);
    plx_buf_free(&prefixes.buf);
    return st;
}

plx_status plx_s3_write_list(const plx_provider *p, plx_jw *w, const char *body, size_t len)
{
    plx_xml *x = NULL;
    plx_status st = plx_xml_parse(p->ctx, "S3 listing", body, len, &x);
    if (st != PLX_OK)
        return st;
    int root = plx_xml_root(x);
    list_reader l = {.p = p, .x = x};
    if (strcmp(plx_xml_name(x, root), "ListBucketResult") != 0) {
        st = bad_list(&l, "the reply is not a ListBucketResult");
    } else {
        const char *enc = plx_xml_child_text(x, root, "EncodingType", NULL);
        l.url_encoded = enc && strcmp(enc, "url") == 0;
        st = write_listing(&l, w, root);
    }
    plx_buf_free(&l.scratch);
    plx_xml_free(x);
    return st;
}

/* ---- multipart replies ---- */

plx_status plx_s3_read_upload_id(const plx_provider *p, const char *body, size_t len,
                                 char **upload_id)
{
    plx_xml *x = NULL;
    *upload_id = NULL;
    plx_status st = plx_xml_parse(p->ctx, "S3 CreateMultipartUpload reply", body, len, &x);
    if (st != PLX_OK)
        return st;
    int root = plx_xml_root(x);
    size_t n = 0;
    const char *id = plx_xml_child_text(x, root, "UploadId", &n);
    if (strcmp(plx_xml_name(x, root), "InitiateMultipartUploadResult") != 0 || !id || !n)
        st = plx_fail(p->ctx, PLX_EPROTOCOL, "S3 CreateMultipartUpload reply has no UploadId");
    else if (!(*upload_id = plx_strndup(id, n)))
        st = PLX_ENOMEM;
    plx_xml_free(x);
    return st;
}

static plx_status complete_error(const plx_provider *p, const plx_xml *x, int root,
                                 plx_reply *r)
{
    const char *code = plx_xml_child_text(x, root, "Code", NULL);
    const char *message = plx_xml_child_text(x, root, "Message", NULL);
    snprintf(r->service_code, sizeof r->service_code, "%s", code ? code : "");
    snprintf(r->service_message, sizeof r->service_message, "%s", message ? message : "");
    plx_status st = code ? code_status(code) : PLX_OK;
    return plx_fail(p->ctx, st != PLX_OK ? st : PLX_EHTTP, "CompleteMultipartUpload "
                    "answered 200 with an error: %s", code ? code : "(no code)");
}

plx_status plx_s3_read_complete(const plx_provider *p, const char *body, size_t len,
                                char *etag, size_t cap, plx_reply *r)
{
    plx_xml *x = NULL;
    etag[0] = '\0';
    plx_status st = plx_xml_parse(p->ctx, "S3 CompleteMultipartUpload reply", body, len, &x);
    if (st != PLX_OK)
        return st;
    int root = plx_xml_root(x);
    const char *name = plx_xml_name(x, root);
    const char *tag = plx_xml_child_text(x, root, "ETag", NULL);
    /* moto names it CompleteMultipartUploadResponse */
    if (strcmp(name, "Error") == 0)
        st = complete_error(p, x, root, r);
    else if (strncmp(name, "CompleteMultipartUpload", 23) != 0)
        st = plx_fail(p->ctx, PLX_EPROTOCOL, "S3 CompleteMultipartUpload reply is a <%s>, "
                      "not a CompleteMultipartUploadResult", name);
    else if (tag)
        plx_s3_etag_plain(tag, etag, cap);
    plx_xml_free(x);
    return st;
}
