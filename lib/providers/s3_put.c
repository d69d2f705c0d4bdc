/* plx_object_put: reads the first part's worth of the source; what fits
 * under multipart_threshold goes in one PUT, the rest as a multipart
 * upload (s3_multipart.c). Sources: the caller's callback, a file, or the
 * request's body. */
#include "s3.h"
#include "../crypto/crypto.h"
#include "../http/http_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void plx_s3_local_failure(plx_provider *p, plx_exchange *x, plx_status st, const char *fmt,
                          ...)
{
    plx_exchange_init(x, p->ctx, &p->policy, NULL, p->name, NULL);
    x->finished = true;
    x->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message, sizeof x->message, fmt, ap);
    va_end(ap);
}

const plx_transport_funcs *plx_s3_transport(plx_provider *p, bool want_async, bool *owned)
{
    *owned = false;
    bool default_curl = !p->transport && !p->kind_transport && !p->ctx->transport;
    plx_transport_funcs *own = NULL;
    /* A multi handle of our own: the ctx's belongs to the thread polling it. */
    if (want_async && default_curl && plx_curl_transport_new(p->ctx, &own) == PLX_OK) {
        *owned = true;
        return own;
    }
    return plx_provider_transport(p);
}

/* ---- sources ---- */

static plx_status read_once(plx_provider *p, plx_s3_source *s, unsigned char *buf, size_t cap,
                            size_t *n)
{
    *n = 0;
    if (s->fn) {
        int64_t got = s->fn(buf, cap, s->user_data);
        if (got < 0 || (uint64_t)got > cap)
            return plx_fail(p->ctx, PLX_ECANCELED, "the source %s after %" PRIu64 " bytes",
                            got < 0 ? "stopped the upload" : "returned more than asked",
                            s->read);
        *n = (size_t)got;
    } else if (s->fd >= 0) {
        ssize_t got;
        do
            got = read(s->fd, buf, cap);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            return plx_fail(p->ctx, PLX_EIO, "reading the file failed after %" PRIu64
                            " bytes: %s", s->read, strerror(errno));
        *n = (size_t)got;
    } else {
        size_t left = s->mem_len - s->mem_off;
        *n = left < cap ? left : cap;
        memcpy(buf, s->mem + s->mem_off, *n);
        s->mem_off += *n;
    }
    return PLX_OK;
}

plx_status plx_s3_source_fill(plx_provider *p, plx_s3_source *s, unsigned char *buf,
                              size_t cap, size_t *got)
{
    *got = 0;
    while (*got < cap && !s->eof) {
        size_t n;
        plx_status st = read_once(p, s, buf + *got, cap - *got, &n);
        if (st != PLX_OK)
            return st;
        if (n == 0)
            s->eof = true;
        *got += n;
        s->read += n;
    }
    return PLX_OK;
}

/* ---- the call ---- */

typedef struct put_call {
    plx_provider *p;
    cJSON *request;
    plx_s3_target target;
    plx_s3_source src;
    plx_buf mem;                /* a request body, decoded */
    int64_t known_size;         /* -1: the source does not say */
    const char *file;
    plx_s3_upload_result res;
} put_call;

static plx_status open_source(put_call *c, plx_object_source_fn source, void *user_data)
{
    plx_provider *p = c->p;
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(c->request, "body");
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(c->request, "body_base64");
    int given = (source != NULL) + (c->file != NULL) + (body != NULL) + (b64 != NULL);
    c->src = (plx_s3_source){.fn = source, .user_data = user_data, .fd = -1};
    c->known_size = -1;
    if (given != 1)
        return plx_fail(p->ctx, PLX_EINVAL, "request: give exactly one of a source callback, "
                        "\"file\", \"body\" or \"body_base64\"");
    if (c->file) {
        struct stat sb;
        c->src.fd = open(c->file, O_RDONLY | O_CLOEXEC);
        if (c->src.fd < 0 || fstat(c->src.fd, &sb) != 0)
            return plx_fail(p->ctx, PLX_EIO, "request.file: cannot read '%s': %s", c->file,
                            strerror(errno));
        if (S_ISREG(sb.st_mode))
            c->known_size = sb.st_size;
    } else if (body || b64) {
        plx_status st = cJSON_IsString(body) ? plx_buf_append_str(&c->mem, body->valuestring)
                        : cJSON_IsString(b64) ? plx_base64_decode(&c->mem, b64->valuestring,
                                                                  strlen(b64->valuestring))
                                              : PLX_EINVAL;
        if (st == PLX_EINVAL)
            return plx_fail(p->ctx, PLX_EINVAL, "request.%s: expected a %sstring",
                            body ? "body" : "body_base64", body ? "" : "base64 ");
        if (st != PLX_OK)
            return st;
        c->src.mem = (const unsigned char *)(c->mem.data ? c->mem.data : "");
        c->src.mem_len = c->mem.len;
        c->known_size = (int64_t)c->mem.len;
    }
    return PLX_OK;
}

static plx_status prepare(put_call *c, const char *request_json, plx_object_source_fn source,
                          void *user_data)
{
    static const char *const keys[] = {"bucket", "key", "content_type", "metadata", "file",
                                       "body", "body_base64", NULL};
    plx_provider *p = c->p;
    plx_cfg cfg = {p->ctx, "request"};
    plx_status st = plx_json_parse(p->ctx, request_json, "request", PLX_EINVAL, &c->request);
    if (st == PLX_OK && !cJSON_IsObject(c->request))
        st = plx_fail(p->ctx, PLX_EINVAL, "request: expected a JSON object");
    if (st == PLX_OK && (plx_cfg_check_keys(&cfg, c->request, keys) != PLX_OK ||
                         plx_cfg_string(&cfg, c->request, "file", &c->file) != PLX_OK))
        st = PLX_EINVAL;
    if (st == PLX_OK)
        st = plx_s3_target_read(p, c->request, true, &c->target);
    if (st == PLX_OK)
        st = open_source(c, source, user_data);
    return st;
}

/* Part size: the configured one, raised so a known size fits 10000 parts. */
static size_t part_size_for(const plx_s3_state *s, int64_t known)
{
    size_t part = s->part_size;
    if (known > 0 && (uint64_t)known > (uint64_t)part * PLX_S3_MAX_PARTS) {
        uint64_t need = ((uint64_t)known + PLX_S3_MAX_PARTS - 1) / PLX_S3_MAX_PARTS;
        need = (need + PLX_S3_MIB - 1) / PLX_S3_MIB * PLX_S3_MIB;
        part = need > PLX_S3_MAX_PART ? PLX_S3_MAX_PART : (size_t)need;
    }
    return part;
}

/* One PUT of the bytes in buf (taken). */
static void single_put(put_call *c, const plx_transport_funcs *t, unsigned char *buf,
                       size_t len, plx_exchange *x)
{
    plx_provider *p = c->p;
    plx_request *req = NULL;
    plx_status st = plx_s3_request(p, "PUT", &c->target, "", &req);
    if (st == PLX_OK)
        st = plx_s3_put_headers(p, c->request, req);
    if (st == PLX_OK)
        st = plx_s3_payload_hash(p, req, buf, len);
    if (st != PLX_OK) {
        free(buf);
        plx_request_free(req);
        plx_s3_local_failure(p, x, st, "%s", plx_errmsg_current());
        return;
    }
    plx_request_take_body(req, buf, len);
    plx_exchange_init(x, p->ctx, &p->policy, p->auth, p->name, req);
    plx_exchange_run_blocking(x, t);
    c->res.size = len;
    c->res.attempts = x->attempts;
}

static plx_status write_result(plx_provider *p, plx_reply *r, void *user_data)
{
    put_call *c = user_data;
    plx_jw *w = r->out;
    if (r->failed) {
        size_t len = 0;
        const char *body = r->resp ? plx_response_body(r->resp, &len) : NULL;
        char etag[8];
        /* CompleteMultipartUpload's 200 with an <Error> inside */
        if (c->res.complete_error && body)
            r->status = plx_s3_read_complete(p, body, len, etag, sizeof etag, r);
        if (c->res.upload_id)
            plx_jw_string(w, "upload_id", c->res.upload_id, strlen(c->res.upload_id));
        return PLX_OK;
    }
    plx_jw_int(w, "size", (int64_t)c->res.size);
    plx_jw_bool(w, "multipart", c->res.parts > 0);
    if (c->res.parts) {
        plx_jw_int(w, "parts", c->res.parts);
        plx_jw_string(w, "etag", c->res.etag, strlen(c->res.etag));
        plx_jw_string(w, "upload_id", c->res.upload_id, strlen(c->res.upload_id));
        const char *version = plx_response_header(r->resp, "x-amz-version-id");
        if (version)
            plx_jw_string(w, "version_id", version, strlen(version));
    } else {
        plx_s3_write_etag(w, r->resp);
    }
    return PLX_OK;
}

/* Reads the first part and sends it alone or starts the multipart upload. */
static void upload(put_call *c, plx_exchange *x)
{
    plx_provider *p = c->p;
    const plx_s3_state *s = p->kind_state;
    size_t part = part_size_for(s, c->known_size);
    bool small = c->known_size >= 0 && (uint64_t)c->known_size <= s->multipart_threshold;
    size_t cap = small ? (size_t)c->known_size : part;
    unsigned char *first = malloc(cap ? cap : 1);
    size_t got = 0;
    plx_status st = first ? plx_s3_source_fill(p, &c->src, first, cap, &got) : PLX_ENOMEM;
    if (st != PLX_OK) {
        free(first);
        plx_s3_local_failure(p, x, st, "%s", st == PLX_ENOMEM ? "out of memory"
                                                               : plx_errmsg_current());
        return;
    }
    bool ended = c->src.eof || small;
    bool owned = false;
    const plx_transport_funcs *t;
    if (ended && got <= s->multipart_threshold) {
        t = plx_s3_transport(p, false, &owned);
        if (t)
            single_put(c, t, first, got, x);
    } else {
        t = plx_s3_transport(p, true, &owned);
        if (t)
            plx_s3_multipart(p, t, owned, &c->target, c->request, &c->src, first, got, part,
                             s->concurrency, x, &c->res);
    }
    if (!t) {
        free(first);
        plx_s3_local_failure(p, x, PLX_ENOMEM, "no transport: %s", plx_errmsg_current());
    }
    if (owned)
        plx_transport_funcs_unref((plx_transport_funcs *)t);
}

PLX_API plx_status plx_object_put(plx_provider *p, const char *request_json,
                                  plx_object_source_fn source, void *user_data,
                                  char **result_json)
{
    if (result_json)
        *result_json = NULL;
    if (!p || !request_json || !result_json)
        return plx_fail(p ? p->ctx : NULL, PLX_EINVAL, "plx_object_put: provider, request "
                        "and result must not be NULL");
    if (p->kind != &plx_kind_s3)
        return plx_fail(p->ctx, PLX_EUNSUPPORTED, "plx_object_put: provider '%s' is of kind "
                        "'%s', not 's3'", p->name, p->kind->name);
    put_call c = {.p = p};
    plx_exchange x;
    plx_status st = prepare(&c, request_json, source, user_data);
    if (st == PLX_OK) {
        uint64_t start = plx_now_us();
        __atomic_add_fetch(&p->stats.calls, 1, __ATOMIC_RELAXED);
        upload(&c, &x);
        /* the result covers every request of the upload */
        x.start_us = start;
        if (x.attempts < c.res.attempts)
            x.attempts = c.res.attempts;
        plx_reply_writer writer = {write_result, &c};
        st = plx_call_finish_with(p, "put_object", &x, &writer, result_json);
    } else {
        plx_errmsg_prefix(p->ctx, "provider '%s', op 'put_object'", p->name);
    }
    if (c.src.fd >= 0)
        close(c.src.fd);
    plx_buf_free(&c.mem);
    plx_free(c.res.upload_id);
    cJSON_Delete(c.request);
    return st;
}
