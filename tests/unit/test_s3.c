/* The s3 kind without sockets: configuration, the requests it builds
 * (addressing, encoding, signing scope, payload hashes, ranges, listing
 * queries), the replies it reads (objects, listings, errors), and the
 * streamed get and multipart put against an in-process S3 (fake_s3 below):
 * resumes after cut bodies, a server that ignores Range, an object that
 * changes, a sink that stops; single and multipart uploads, ETags in part
 * order, aborts after a failing part, a failing source, a bad Create reply
 * and a Complete that answers 200 with an error; and the parallel path over
 * an asynchronous transport that completes parts out of order. */
#include "../tap.h"
#include "crypto/crypto.h"
#include "http/http_internal.h"
#include "providers/s3.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static plx_ctx *ctx;

/* ---- an in-process S3 ---- */

#define MAX_SEEN 256

typedef struct seen_req {
    char method[8];
    char url[512];
    char range[64], if_match[64], sha[80], type[64], meta[64], auth[256];
    char body[2048];             /* Complete's XML */
    size_t body_len;
    const void *body_ptr;
} seen_req;

typedef struct fake_s3 {
    /* the object GETs serve */
    const unsigned char *data;
    size_t size;
    char etag[32];
    int cut_after[8];            /* per GET: deliver this many bytes, then ... */
    int cuts;                    /* ... for the first `cuts` GETs */
    bool cut_silently;           /* ... end "fine" (short of Content-Length) */
    bool ignore_range;           /* answer 200 with the whole object */
    bool change_after_cut;       /* a new ETag after the first cut */
    bool gap;                    /* 206 starting later than asked */
    /* uploads */
    int fail_part;               /* UploadPart N answers 500 */
    bool bad_create;             /* Create answers with no UploadId */
    bool complete_error;         /* Complete answers 200 with <Error> */
    const char *error_xml;       /* every request answers this error ... */
    int error_status;            /* ... with this status */
    /* what was asked */
    seen_req seen[MAX_SEEN];
    int count, gets;
    pthread_mutex_t lock;
    /* async: submitted, not yet answered */
    struct pending {
        const plx_request *req;
        plx_response *resp;
        plx_transport_done_fn done;
        void *done_data;
    } pending[64];
    int npending, max_pending;
    const void *bodies[64];      /* distinct part buffers seen */
    int nbodies;
} fake_s3;

static void hdr(const plx_request *req, const char *name, char *dst, size_t cap)
{
    const char *v = plx_request_header(req, name);
    snprintf(dst, cap, "%s", v ? v : "");
}

static void record(fake_s3 *f, const plx_request *req)
{
    pthread_mutex_lock(&f->lock);
    if (f->count < MAX_SEEN) {
        seen_req *s = &f->seen[f->count];
        memset(s, 0, sizeof *s);
        snprintf(s->method, sizeof s->method, "%s", plx_request_method(req));
        snprintf(s->url, sizeof s->url, "%s", plx_request_url(req));
        hdr(req, "range", s->range, sizeof s->range);
        hdr(req, "if-match", s->if_match, sizeof s->if_match);
        hdr(req, "x-amz-content-sha256", s->sha, sizeof s->sha);
        hdr(req, "content-type", s->type, sizeof s->type);
        hdr(req, "x-amz-meta-owner", s->meta, sizeof s->meta);
        hdr(req, "authorization", s->auth, sizeof s->auth);
        size_t len = 0;
        const char *body = plx_request_body(req, &len);
        s->body_len = len;
        s->body_ptr = body;
        snprintf(s->body, sizeof s->body, "%.*s", (int)(len < 2047 ? len : 2047),
                 body ? body : "");
    }
    f->count++;
    pthread_mutex_unlock(&f->lock);
}

static plx_status answer_xml(plx_response *resp, int status, const char *xml)
{
    plx_response_set_status(resp, status);
    plx_response_add_header(resp, "Content-Type", "application/xml");
    return plx_response_append_body(resp, xml, strlen(xml));
}

static plx_status serve_get(fake_s3 *f, const plx_request *req, plx_response *resp)
{
    int n = f->gets++;
    size_t start = 0, end = f->size ? f->size - 1 : 0;
    const char *range = plx_request_header(req, "range");
    bool ranged = range && !f->ignore_range;
    if (ranged) {
        unsigned long long a = 0, b = end;
        if (sscanf(range, "bytes=%llu-%llu", &a, &b) < 1)
            return answer_xml(resp, 416, "<Error><Code>InvalidRange</Code></Error>");
        start = (size_t)a;
        end = b < f->size ? (size_t)b : f->size - 1;
        if (f->gap && n > 0)
            start += 5;
    }
    char etag[40], num[64];
    snprintf(etag, sizeof etag, "\"%s\"", f->etag);
    plx_response_set_status(resp, ranged ? 206 : 200);
    plx_response_add_header(resp, "ETag", etag);
    plx_response_add_header(resp, "Last-Modified", "Wed, 12 Oct 2009 17:50:00 GMT");
    plx_response_add_header(resp, "Content-Type", "application/octet-stream");
    size_t len = f->size ? end + 1 - start : 0;
    snprintf(num, sizeof num, "%zu", len);
    plx_response_add_header(resp, "Content-Length", num);
    if (ranged) {
        snprintf(num, sizeof num, "bytes %zu-%zu/%zu", start, end, f->size);
        plx_response_add_header(resp, "Content-Range", num);
    }
    size_t give = len;
    bool cut = n < f->cuts && (size_t)f->cut_after[n] <= len;
    if (cut)
        give = (size_t)f->cut_after[n];
    /* in slices, as a network would deliver them */
    for (size_t off = 0; off < give;) {
        size_t k = give - off < 1000 ? give - off : 1000;
        plx_status st = plx_response_append_body(resp, f->data + start + off, k);
        if (st != PLX_OK)
            return st;
        off += k;
    }
    if (cut && f->change_after_cut)
        snprintf(f->etag, sizeof f->etag, "changed");
    if (cut && !f->cut_silently) {
        plx_response_set_error_message(resp, "connection reset by peer");
        return PLX_ETRANSPORT;
    }
    return PLX_OK;
}

static plx_status fake_answer(fake_s3 *f, const plx_request *req, plx_response *resp)
{
    record(f, req);
    const char *url = plx_request_url(req), *method = plx_request_method(req);
    if (f->error_xml)
        return answer_xml(resp, f->error_status, f->error_xml);
    if (strcmp(method, "GET") == 0 && strstr(url, "list-type=2"))
        return answer_xml(resp, 200, "<ListBucketResult><IsTruncated>false</IsTruncated>"
                                     "</ListBucketResult>");
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return serve_get(f, req, resp);
    if (strcmp(method, "POST") == 0 && strstr(url, "?uploads"))
        return answer_xml(resp, 200, f->bad_create ? "<InitiateMultipartUploadResult/>"
                                                   : "<InitiateMultipartUploadResult><Bucket>b"
                                                     "</Bucket><UploadId>UP/1+x</UploadId>"
                                                     "</InitiateMultipartUploadResult>");
    const char *part = strstr(url, "partNumber=");
    if (strcmp(method, "PUT") == 0 && part) {
        int n = atoi(part + 11);
        if (n == f->fail_part)
            return answer_xml(resp, 500, "<Error><Code>InternalError</Code></Error>");
        char etag[32];
        snprintf(etag, sizeof etag, "\"etag-%d\"", n);
        plx_response_set_status(resp, 200);
        return plx_response_add_header(resp, "ETag", etag);
    }
    if (strcmp(method, "POST") == 0 && strstr(url, "uploadId="))
        return answer_xml(resp, 200, f->complete_error
                                         ? "<Error><Code>InternalError</Code><Message>try "
                                           "again</Message></Error>"
                                         : "<CompleteMultipartUploadResult><ETag>&quot;"
                                           "final-3&quot;</ETag></CompleteMultipartUploadResult>");
    if (strcmp(method, "DELETE") == 0) {
        plx_response_set_status(resp, 204);
        return PLX_OK;
    }
    plx_response_set_status(resp, 200);
    return plx_response_add_header(resp, "ETag", "\"single\"");
}

static plx_status fake_send(const plx_request *req, plx_response *resp, void *ud)
{
    return fake_answer(ud, req, resp);
}

static plx_status fake_submit(const plx_request *req, plx_response *resp,
                              plx_transport_done_fn done, void *done_data, void *ud)
{
    fake_s3 *f = ud;
    f->pending[f->npending++] = (struct pending){req, resp, done, done_data};
    if (f->npending > f->max_pending)
        f->max_pending = f->npending;
    const void *body = plx_request_body(req, NULL);
    bool known = false;
    for (int i = 0; i < f->nbodies; i++)
        known |= f->bodies[i] == body;
    if (!known && f->nbodies < 64)
        f->bodies[f->nbodies++] = body;
    return PLX_OK;
}

/* Answers the most recent submission first: parts finish out of order. */
static plx_status fake_poll(int timeout_ms, void *ud)
{
    (void)timeout_ms;
    fake_s3 *f = ud;
    if (!f->npending)
        return PLX_OK;
    struct pending p = f->pending[--f->npending];
    plx_status st = fake_answer(f, p.req, p.resp);
    p.done(p.resp, st, p.done_data);
    return PLX_OK;
}

static plx_transport_funcs *fake_funcs(fake_s3 *f, bool async)
{
    plx_transport_funcs *t = NULL;
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, fake_send, f, NULL);
    if (async) {
        plx_transport_funcs_set_submit(t, fake_submit, f, NULL);
        plx_transport_funcs_set_poll(t, fake_poll, f, NULL);
    }
    plx_transport_funcs_make_immutable(t);
    return t;
}

static fake_s3 *fake_new(void)
{
    fake_s3 *f = calloc(1, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    snprintf(f->etag, sizeof f->etag, "abc123");
    return f;
}

static void fake_free(fake_s3 *f)
{
    pthread_mutex_destroy(&f->lock);
    free(f);
}

#define BASE_CONFIG                                                                     \
    "\"access_key_id\":\"AKIDEXAMPLE\",\"secret_access_key\":\"wJalrXUtnFEMI/K7MDENG+b\"," \
    "\"retry\":{\"max_attempts\":3,\"base_delay_ms\":1,\"max_delay_ms\":2}"

static plx_provider *provider_on(fake_s3 *f, const char *extra)
{
    char config[1024];
    snprintf(config, sizeof config, "{" BASE_CONFIG ",%s}", extra);
    plx_provider *p = NULL;
    plx_status st = plx_provider_new(ctx, "s3", config, &p);
    if (st != PLX_OK)
        fprintf(stderr, "config %s: %s\n", config, plx_errmsg(ctx));
    CHECK_INT(st, PLX_OK);
    if (p && f) {
        plx_transport_funcs *t = fake_funcs(f, false);
        plx_provider_set_transport(p, t);
        plx_transport_funcs_unref(t);
    }
    return p;
}

#define LOCAL "\"endpoint_url\":\"http://s3.test:9000\",\"bucket\":\"bkt\""

static char *call(plx_provider *p, plx_status want, const char *op, const char *req)
{
    char *out = NULL;
    plx_status st = plx_call(p, op, req, &out);
    if (st != want)
        fprintf(stderr, "%s %s: %s, wanted %s: %s\n", op, req, plx_status_name(st),
                plx_status_name(want), out ? out : plx_errmsg(ctx));
    CHECK_INT(st, want);
    return out;
}

/* ---- configuration ---- */

static void test_setup(void)
{
    /* no credentials or regions from the machine running the tests */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_PROFILE");
    setenv("AWS_CONFIG_FILE", "/nonexistent/plexus-config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/plexus-credentials", 1);
    CHECK_INT(plx_ctx_new(&ctx, "{\"log_level\":\"error\"}"), PLX_OK);
}

static void config_fails(const char *extra, const char *want)
{
    char config[1024];
    snprintf(config, sizeof config, "{" BASE_CONFIG "%s%s}", *extra ? "," : "", extra);
    plx_provider *p = NULL;
    CHECK_INT(plx_provider_new(ctx, "s3", config, &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), want);
    CHECK(p == NULL);
}

static void test_config(void)
{
    config_fails("", "region: not set");
    config_fails("\"region\":\"us-east-1\",\"bucket\":\"a b\"", "bucket: not a bucket name");
    config_fails(LOCAL ",\"addressing\":\"dns\"", "addressing: expected \"virtual\" or \"path\"");
    config_fails(LOCAL ",\"part_size\":1048576", "part_size");
    config_fails(LOCAL ",\"multipart_threshold\":9000000", "multipart_threshold");
    config_fails(LOCAL ",\"concurrency\":0", "concurrency");
    config_fails(LOCAL ",\"concurrency\":65", "concurrency");
    config_fails(LOCAL ",\"payload_signing\":\"maybe\"", "payload_signing");
    config_fails(LOCAL ",\"auth\":{\"type\":\"bearer\",\"token\":\"t\"}", "signs with SigV4");
    config_fails(LOCAL ",\"unsigned_payload\":true", "unsigned_payload");
    config_fails("\"endpoint_url\":\"ftp://x\"", "endpoint_url: expected an absolute http");
    config_fails("\"endpoint_url\":\"http://x/?a=1\"", "endpoint_url");
    config_fails("\"endpoint_url\":\"http://user:pw@x/\"", "credentials in the URL");
    config_fails("\"region\":\"us-east-1\",\"secret_access_key\":7", "secret_access_key");
    /* a custom endpoint needs no region */
    plx_provider *p = provider_on(NULL, "\"endpoint_url\":\"http://127.0.0.1:9/\"");
    CHECK_STR(plx_provider_kind(p), "s3");
    plx_provider_free(p);
}

/* ---- requests ---- */

static const seen_req *last(const fake_s3 *f)
{
    return &f->seen[f->count - 1];
}

static void test_addressing(void)
{
    fake_s3 *f = fake_new();
    static const unsigned char data[] = "0123456789";
    f->data = data;
    f->size = 10;
    plx_provider *p = provider_on(f, "\"region\":\"eu-west-1\",\"bucket\":\"bkt\"");
    plx_free(call(p, PLX_OK, "head_object", "{\"key\":\"dir/a b+é~.txt\"}"));
    CHECK_STR(last(f)->url, "https://bkt.s3.eu-west-1.amazonaws.com/dir/a%20b%2B%C3%A9~.txt");
    CHECK_STR(last(f)->method, "HEAD");
    CHECK_CONTAINS(last(f)->auth, "/eu-west-1/s3/aws4_request");
    CHECK_CONTAINS(last(f)->auth, "x-amz-content-sha256");
    /* dots cannot be a TLS host label: path style */
    plx_free(call(p, PLX_OK, "head_object", "{\"bucket\":\"my.bucket\",\"key\":\"k\"}"));
    CHECK_STR(last(f)->url, "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
    plx_free(call(p, PLX_OK, "list_objects", "{\"prefix\":\"a/b c\",\"delimiter\":\"/\","
                                             "\"max_keys\":5,\"continuation_token\":\"t+/=\","
                                             "\"start_after\":\"x\"}"));
    CHECK_STR(last(f)->url, "https://bkt.s3.eu-west-1.amazonaws.com/?list-type=2&encoding-type="
                            "url&prefix=a%2Fb%20c&delimiter=%2F&continuation-token=t%2B%2F%3D&"
                            "start-after=x&max-keys=5");
    plx_provider_free(p);
    p = provider_on(f, "\"region\":\"cn-north-1\",\"bucket\":\"bkt\",\"addressing\":\"path\"");
    plx_free(call(p, PLX_OK, "delete_object", "{\"key\":\"k\"}"));
    CHECK_STR(last(f)->url, "https://s3.cn-north-1.amazonaws.com.cn/bkt/k");
    CHECK_STR(last(f)->method, "DELETE");
    plx_provider_free(p);
    /* custom endpoint with a path: path style by default */
    p = provider_on(f, "\"endpoint_url\":\"http://minio.test:9000/s3/\",\"bucket\":\"bkt\"");
    plx_free(call(p, PLX_OK, "get_object", "{\"key\":\"k\",\"range\":{\"start\":2,\"end\":5}}"));
    CHECK_STR(last(f)->url, "http://minio.test:9000/s3/bkt/k");
    CHECK_STR(last(f)->range, "bytes=2-5");
    CHECK_CONTAINS(last(f)->auth, "/us-east-1/s3/aws4_request");
    plx_free(call(p, PLX_OK, "list_objects", "{\"bucket\":\"other\"}"));
    CHECK_STR(last(f)->url, "http://minio.test:9000/s3/other?list-type=2&encoding-type=url");
    plx_provider_free(p);
    p = provider_on(f, "\"endpoint_url\":\"http://localhost:9000\",\"addressing\":\"virtual\"");
    plx_free(call(p, PLX_OK, "get_object", "{\"bucket\":\"b.dots\",\"key\":\"k\","
                                           "\"range\":{\"start\":7}}"));
    CHECK_STR(last(f)->url, "http://b.dots.localhost:9000/k");
    CHECK_STR(last(f)->range, "bytes=7-");
    plx_provider_free(p);
    fake_free(f);
}

static void test_put_requests(void)
{
    fake_s3 *f = fake_new();
    plx_provider *p = provider_on(f, LOCAL);
    char *out = call(p, PLX_OK, "put_object", "{\"key\":\"k\",\"body\":\"hello\",\"content_type\":"
                                              "\"text/plain\",\"metadata\":{\"owner\":\"me\"}}");
    CHECK_CONTAINS(out, "{\"etag\":\"single\",\"provider\":\"s3\",\"attempts\":1,");
    plx_free(out);
    /* http: the body's SHA-256 */
    CHECK_STR(last(f)->sha, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    CHECK_STR(last(f)->type, "text/plain");
    CHECK_STR(last(f)->meta, "me");
    CHECK_STR(last(f)->body, "hello");
    plx_free(call(p, PLX_OK, "put_object", "{\"key\":\"k\",\"body_base64\":\"AAEC\"}"));
    CHECK_INT(last(f)->body_len, 3);
    plx_provider_free(p);
    /* https: UNSIGNED-PAYLOAD unless told to sign */
    p = provider_on(f, "\"endpoint_url\":\"https://s3.test\",\"bucket\":\"bkt\"");
    plx_free(call(p, PLX_OK, "put_object", "{\"key\":\"k\",\"body\":\"hello\"}"));
    CHECK_STR(last(f)->sha, "UNSIGNED-PAYLOAD");
    plx_provider_free(p);
    p = provider_on(f, "\"endpoint_url\":\"https://s3.test\",\"bucket\":\"bkt\","
                       "\"payload_signing\":\"signed\"");
    plx_free(call(p, PLX_OK, "put_object", "{\"key\":\"k\",\"body\":\"hello\"}"));
    CHECK_STR(last(f)->sha, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    plx_provider_free(p);
    p = provider_on(f, LOCAL ",\"payload_signing\":\"unsigned\"");
    plx_free(call(p, PLX_OK, "put_object", "{\"key\":\"k\",\"body\":\"\"}"));
    CHECK_STR(last(f)->sha, "UNSIGNED-PAYLOAD");
    plx_provider_free(p);
    fake_free(f);
}

static void bad_request(plx_provider *p, const char *op, const char *req, plx_status want,
                        const char *msg)
{
    char *out = NULL;
    CHECK_INT(plx_call(p, op, req, &out), want);
    CHECK(out == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), msg);
}

static void test_bad_requests(void)
{
    fake_s3 *f = fake_new();
    plx_provider *p = provider_on(f, "\"endpoint_url\":\"http://s3.test\"");
    bad_request(p, "get_object", "{\"key\":\"k\"}", PLX_EINVAL, "request.bucket: missing");
    bad_request(p, "get_object", "{\"bucket\":\"b\",\"key\":\"k\"}", PLX_EINVAL,
                "request.bucket: not a bucket name");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\"}", PLX_EINVAL, "request.key: missing");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\",\"key\":\"\"}", PLX_EINVAL, "request.key");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\",\"key\":\"a/../b\"}", PLX_EINVAL,
                "\"..\" path segment");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\",\"key\":\"./b\"}", PLX_EINVAL,
                "request.key");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\",\"key\":7}", PLX_EINVAL, "request.key");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"extra\":1}", PLX_EINVAL,
                "extra");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"range\":{\"start\":-1}}",
                PLX_EINVAL, "request.range.start");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"range\":{\"start\":1.5}}",
                PLX_EINVAL, "request.range.start");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"range\":{\"start\":1,"
                                 "\"stop\":2}}", PLX_EINVAL, "stop");
    bad_request(p, "get_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"range\":5}", PLX_EINVAL,
                "request.range");
    bad_request(p, "put_object", "{\"bucket\":\"bkt\",\"key\":\"k\"}", PLX_EINVAL,
                "give one of \"body\"");
    bad_request(p, "put_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"body\":\"a\","
                                 "\"body_base64\":\"YQ==\"}", PLX_EINVAL, "give one of");
    bad_request(p, "put_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"body_base64\":\"@@\"}",
                PLX_EINVAL, "request.body_base64");
    bad_request(p, "put_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"body\":{}}", PLX_EINVAL,
                "request.body");
    bad_request(p, "put_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"body\":\"x\","
                                 "\"metadata\":{\"a\":1}}", PLX_EINVAL, "request.metadata.a");
    bad_request(p, "put_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"body\":\"x\","
                                 "\"metadata\":{\"a b\":\"v\"}}", PLX_EINVAL,
                "request.metadata.a b");
    bad_request(p, "put_object", "{\"bucket\":\"bkt\",\"key\":\"k\",\"body\":\"x\","
                                 "\"content_type\":\"a\\nb\"}", PLX_EINVAL,
                "request.content_type");
    bad_request(p, "list_objects", "{\"bucket\":\"bkt\",\"max_keys\":0}", PLX_EINVAL, "max_keys");
    bad_request(p, "list_objects", "{\"bucket\":\"bkt\",\"max_keys\":1001}", PLX_EINVAL,
                "max_keys");
    bad_request(p, "list_objects", "{\"bucket\":\"bkt\",\"prefix\":3}", PLX_EINVAL, "prefix");
    bad_request(p, "copy_object", "{}", PLX_EUNSUPPORTED, "has no op 'copy_object'");
    CHECK_INT(f->count, 0);
    plx_provider_free(p);
    fake_free(f);
}

/* ---- replies ---- */

static void test_object_replies(void)
{
    fake_s3 *f = fake_new();
    static const unsigned char text[] = "hi there";
    f->data = text;
    f->size = 8;
    plx_provider *p = provider_on(f, LOCAL);
    char *out = call(p, PLX_OK, "get_object", "{\"key\":\"k\"}");
    CHECK_CONTAINS(out, "{\"size\":8,\"etag\":\"abc123\",\"content_type\":\"application/octet-stream\","
                   "\"last_modified\":\"2009-10-12T17:50:00Z\",\"body\":\"hi there\","
                   "\"provider\":\"s3\",\"attempts\":1,\"latency_ms\":");
    plx_free(out);
    static const unsigned char bin[] = {0, 1, 2, 0xff};
    f->data = bin;
    f->size = 4;
    out = call(p, PLX_OK, "get_object", "{\"key\":\"k\",\"range\":{\"start\":1}}");
    CHECK_CONTAINS(out, "\"body_base64\":\"AQL/\"");
    CHECK_CONTAINS(out, "\"content_range\":\"bytes 1-3/4\",\"object_size\":4");
    plx_free(out);
    out = call(p, PLX_OK, "head_object", "{\"key\":\"k\"}");
    CHECK_CONTAINS(out, "{\"size\":4,\"etag\":\"abc123\"");
    plx_free(out);
    out = call(p, PLX_OK, "delete_object", "{\"key\":\"k\"}");
    CHECK_CONTAINS(out, "{\"deleted\":true,");
    plx_free(out);
    plx_provider_free(p);
    fake_free(f);
}

static void test_time_and_etag(void)
{
    char iso[21], plain[32];
    CHECK(plx_s3_iso_time("2009-10-12T17:50:30.000Z", iso));
    CHECK_STR(iso, "2009-10-12T17:50:30Z");
    CHECK(plx_s3_iso_time("2009-10-12T17:50:30Z", iso));
    CHECK(plx_s3_iso_time("Sun, 06 Nov 1994 08:49:37 GMT", iso));
    CHECK_STR(iso, "1994-11-06T08:49:37Z");
    CHECK(!plx_s3_iso_time("yesterday", iso));
    CHECK(!plx_s3_iso_time("2009-10-12T17:50:30.000+02:00", iso));
    plx_s3_etag_plain("\"abc-3\"", plain, sizeof plain);
    CHECK_STR(plain, "abc-3");
    plx_s3_etag_plain("W/\"x\"", plain, sizeof plain);
    CHECK_STR(plain, "x");
    plx_s3_etag_plain("\"", plain, sizeof plain);
    CHECK_STR(plain, "\"");
}

static char *list_reply(const char *xml, plx_status want)
{
    fake_s3 *f = fake_new();
    plx_provider *p = provider_on(NULL, LOCAL);
    char *out = NULL;
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_status st = plx_s3_write_list(p, &w, xml, strlen(xml));
    plx_jw_end(&w);
    out = plx_jw_finish(&w);
    if (st != want)
        fprintf(stderr, "list %s: %s\n", xml, plx_errmsg(ctx));
    CHECK_INT(st, want);
    plx_provider_free(p);
    fake_free(f);
    return out;
}

static void test_list_replies(void)
{
    char *out = list_reply(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3."
        "amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix>a%2F</Prefix><KeyCount>2"
        "</KeyCount><MaxKeys>2</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true"
        "</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
        "</NextContinuationToken><Contents><Key>a%2Fx+y%C3%A9</Key><LastModified>2009-10-12T"
        "17:50:30.000Z</LastModified><ETag>&quot;fba9dede5f27731c9771645a39863328&quot;"
        "</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>"
        "<Contents><Key>a%2Fz</Key><Size>0</Size></Contents><CommonPrefixes><Prefix>a%2Fd%2F"
        "</Prefix></CommonPrefixes></ListBucketResult>", PLX_OK);
    CHECK_STR(out, "{\"objects\":[{\"key\":\"a/x y\xC3\xA9\",\"size\":434234,\"etag\":"
                   "\"fba9dede5f27731c9771645a39863328\",\"last_modified\":\"2009-10-12T17:50:"
                   "30Z\",\"storage_class\":\"STANDARD\"},{\"key\":\"a/z\",\"size\":0}],"
                   "\"prefixes\":[\"a/d/\"],\"is_truncated\":true,\"next_continuation_token\":"
                   "\"1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=\"}");
    plx_free(out);
    /* not url-encoded: taken as they are */
    out = list_reply("<ListBucketResult><Contents><Key>a+b%20</Key><Size>1</Size></Contents>"
                     "</ListBucketResult>", PLX_OK);
    CHECK_STR(out, "{\"objects\":[{\"key\":\"a+b%20\",\"size\":1}],\"prefixes\":[],"
                   "\"is_truncated\":false}");
    plx_free(out);
    static const char *const bad[] = {
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>1e3</Size></Contents></ListBucketResult>",
        "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>%zz</Key><Size>1"
        "</Size></Contents></ListBucketResult>",
        "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>%FF</Key><Size>1"
        "</Size></Contents></ListBucketResult>",
        "<ListBucketResult><CommonPrefixes/></ListBucketResult>",
        "<ListAllMyBucketsResult/>", "<ListBucketResult>", "not xml", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = list_reply(bad[i], PLX_EPROTOCOL);
        CHECK_STR(out, "{}");   /* nothing half-written */
        plx_free(out);
    }
}

static void error_case(const char *xml, int status, plx_status want, const char *code)
{
    fake_s3 *f = fake_new();
    f->error_xml = xml;
    f->error_status = status;
    plx_provider *p = provider_on(f, LOCAL);
    char *out = call(p, want, "get_object", "{\"key\":\"k\"}");
    char w[128];
    snprintf(w, sizeof w, "\"service_code\":\"%s\"", code);
    CHECK_CONTAINS(out, w);
    plx_free(out);
    plx_provider_free(p);
    fake_free(f);
}

static void test_errors(void)
{
    error_case("<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified "
               "key does not exist.</Message><Key>k</Key></Error>", 404, PLX_ENOTFOUND,
               "NoSuchKey");
    error_case("<Error><Code>NoSuchBucket</Code></Error>", 404, PLX_ENOTFOUND, "NoSuchBucket");
    error_case("<Error><Code>AccessDenied</Code></Error>", 403, PLX_EAUTH, "AccessDenied");
    error_case("<Error><Code>SignatureDoesNotMatch</Code></Error>", 403, PLX_EAUTH,
               "SignatureDoesNotMatch");
    error_case("<Error><Code>InvalidAccessKeyId</Code></Error>", 403, PLX_EAUTH,
               "InvalidAccessKeyId");
    error_case("<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message>"
               "</Error>", 503, PLX_ERATELIMIT, "SlowDown");
    error_case("<Error><Code>InvalidRange</Code></Error>", 416, PLX_EINVAL, "InvalidRange");
    error_case("<Error><Code>PreconditionFailed</Code></Error>", 412, PLX_EHTTP,
               "PreconditionFailed");
    /* HEAD: no body, a bare 404 */
    fake_s3 *f = fake_new();
    f->error_xml = "";
    f->error_status = 404;
    plx_provider *p = provider_on(f, LOCAL);
    char *out = call(p, PLX_ENOTFOUND, "head_object", "{\"key\":\"k\"}");
    CHECK_CONTAINS(out, "\"service_code\":\"NotFound\"");
    plx_free(out);
    /* SlowDown was retried (503), NoSuchKey not */
    CHECK_INT(f->count, 1);
    plx_provider_free(p);
    fake_free(f);
}

/* ---- plx_object_get ---- */

static unsigned char *pattern(size_t n)
{
    unsigned char *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(i * 7 + (i >> 8));
    return b;
}

typedef struct sink_buf {
    plx_buf b;
    size_t stop_after;           /* 0: never stop */
} sink_buf;

static int to_buf(const void *data, size_t len, void *ud)
{
    sink_buf *s = ud;
    plx_buf_append(&s->b, data, len);
    return s->stop_after && s->b.len >= s->stop_after;
}

/* Downloads with f's behaviour; checks the bytes against data[from, to]. */
static char *download(fake_s3 *f, const char *req, plx_status want, size_t from, size_t to)
{
    plx_provider *p = provider_on(f, LOCAL);
    sink_buf s = {{0}, 0};
    char *out = NULL;
    plx_status st = plx_object_get(p, req, to_buf, &s, &out);
    if (st != want)
        fprintf(stderr, "get %s: %s: %s\n", req, plx_status_name(st), out ? out : "");
    CHECK_INT(st, want);
    if (want == PLX_OK) {
        CHECK_INT(s.b.len, to - from);
        CHECK(s.b.len == to - from &&
              (to == from || memcmp(s.b.data, f->data + from, to - from) == 0));
    }
    plx_buf_free(&s.b);
    plx_provider_free(p);
    return out;
}

static long long number(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = json ? strstr(json, pat) : NULL;
    return at ? strtoll(at + strlen(pat), NULL, 10) : -1;
}

static void test_get_plain(void)
{
    fake_s3 *f = fake_new();
    f->data = pattern(100000);
    f->size = 100000;
    char *out = download(f, "{\"key\":\"k\"}", PLX_OK, 0, 100000);
    CHECK_CONTAINS(out, "{\"size\":100000,\"object_size\":100000,\"etag\":\"abc123\"");
    CHECK_CONTAINS(out, "\"resumed\":0,\"provider\":\"s3\",\"attempts\":1");
    CHECK_STR(f->seen[0].range, "");
    plx_free(out);
    /* an empty object */
    f->size = 0;
    out = download(f, "{\"key\":\"k\"}", PLX_OK, 0, 0);
    CHECK_CONTAINS(out, "\"size\":0");
    plx_free(out);
    free((void *)f->data);
    fake_free(f);
}

static void test_get_resumes(void)
{
    for (int silent = 0; silent < 2; silent++) {
        fake_s3 *f = fake_new();
        f->data = pattern(100000);
        f->size = 100000;
        f->cuts = 2;
        f->cut_after[0] = 30001;
        f->cut_after[1] = 20000;
        f->cut_silently = silent;
        char *out = download(f, "{\"key\":\"k\"}", PLX_OK, 0, 100000);
        CHECK_INT(number(out, "attempts"), 3);
        CHECK_INT(number(out, "resumed"), 2);
        CHECK_STR(f->seen[1].range, "bytes=30001-");
        CHECK_STR(f->seen[1].if_match, "\"abc123\"");
        CHECK_STR(f->seen[2].range, "bytes=50001-");
        plx_free(out);
        free((void *)f->data);
        fake_free(f);
    }
}

static void test_get_ranged_resume(void)
{
    fake_s3 *f = fake_new();
    f->data = pattern(5000);
    f->size = 5000;
    f->cuts = 1;
    f->cut_after[0] = 700;
    char *out = download(f, "{\"key\":\"k\",\"range\":{\"start\":1000,\"end\":2999}}", PLX_OK,
                         1000, 3000);
    CHECK_STR(f->seen[0].range, "bytes=1000-2999");
    CHECK_STR(f->seen[1].range, "bytes=1700-2999");
    CHECK_INT(number(out, "size"), 2000);
    CHECK_INT(number(out, "object_size"), 5000);
    plx_free(out);
    /* a reset after the last byte: nothing to resume */
    f->gets = 0;
    f->cuts = 1;
    f->cut_after[0] = 5000;
    out = download(f, "{\"key\":\"k\"}", PLX_OK, 0, 5000);
    CHECK_INT(number(out, "attempts"), 1);
    plx_free(out);
    /* a range past the end of a smaller object stops at its end */
    f->gets = 0;
    f->cuts = 0;
    out = download(f, "{\"key\":\"k\",\"range\":{\"start\":4000,\"end\":9999}}", PLX_OK, 4000,
                   5000);
    plx_free(out);
    free((void *)f->data);
    fake_free(f);
}

static void test_get_range_ignored(void)
{
    fake_s3 *f = fake_new();
    f->data = pattern(50000);
    f->size = 50000;
    f->cuts = 1;
    f->cut_after[0] = 12345;
    f->ignore_range = true;     /* the resumed request gets the whole object again */
    char *out = download(f, "{\"key\":\"k\"}", PLX_OK, 0, 50000);
    CHECK_INT(number(out, "attempts"), 2);
    plx_free(out);
    /* also when a range was asked for from the start */
    f->gets = 0;
    out = download(f, "{\"key\":\"k\",\"range\":{\"start\":100,\"end\":199}}", PLX_OK, 100, 200);
    plx_free(out);
    free((void *)f->data);
    fake_free(f);
}

static void test_get_failures(void)
{
    fake_s3 *f = fake_new();
    f->data = pattern(50000);
    f->size = 50000;
    /* the object changes between attempts (a server that ignores If-Match) */
    f->cuts = 1;
    f->cut_after[0] = 1000;
    f->change_after_cut = true;
    char *out = download(f, "{\"key\":\"k\"}", PLX_EPROTOCOL, 0, 0);
    CHECK_CONTAINS(out, "the object changed during the download");
    CHECK_INT(number(out, "delivered"), 1000);
    plx_free(out);
    /* every attempt cut: a failure, never a short success */
    snprintf(f->etag, sizeof f->etag, "abc123");
    f->change_after_cut = false;
    f->gets = 0;
    f->cuts = 8;
    for (int i = 0; i < 8; i++)
        f->cut_after[i] = 100;
    out = download(f, "{\"key\":\"k\"}", PLX_ETRANSPORT, 0, 0);
    CHECK_INT(number(out, "attempts"), 3);
    CHECK_INT(number(out, "delivered"), 300);
    plx_free(out);
    /* silently short every time: the same */
    f->gets = 0;
    f->cut_silently = true;
    out = download(f, "{\"key\":\"k\"}", PLX_ETRANSPORT, 0, 0);
    CHECK_CONTAINS(out, "the body ended after 100 of ");
    plx_free(out);
    /* a 206 that leaves a gap */
    f->gets = 0;
    f->cuts = 1;
    f->cut_silently = false;
    f->gap = true;
    out = download(f, "{\"key\":\"k\"}", PLX_EPROTOCOL, 0, 0);
    CHECK_CONTAINS(out, "still missing");
    plx_free(out);
    /* the sink stops: canceled, not retried */
    f->gets = 0;
    f->cuts = 0;
    f->gap = false;
    plx_provider *p = provider_on(f, LOCAL);
    sink_buf s = {{0}, 2000};
    CHECK_INT(plx_object_get(p, "{\"key\":\"k\"}", to_buf, &s, &out), PLX_ECANCELED);
    CHECK_CONTAINS(out, "stopped by the sink");
    CHECK_INT(number(out, "attempts"), 1);
    plx_free(out);
    plx_buf_free(&s.b);
    /* wrong calls */
    CHECK_INT(plx_object_get(p, "{\"key\":\"k\"}", NULL, NULL, &out), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "give a sink or a file");
    CHECK_INT(plx_object_get(p, "{\"key\":\"k\",\"file\":\"/tmp/x\"}", to_buf, &s, &out),
              PLX_EINVAL);
    CHECK_INT(plx_object_get(p, "[1]", to_buf, &s, &out), PLX_EINVAL);
    CHECK_INT(plx_object_get(p, "{\"key\":\"k\",\"file\":\"/nonexistent/dir/f\"}", NULL, NULL,
                             &out), PLX_EIO);
    CHECK(out == NULL);
    CHECK_INT(plx_object_get(NULL, "{}", to_buf, &s, &out), PLX_EINVAL);
    plx_provider *h = NULL;
    plx_provider_new(ctx, "http", "{\"base_url\":\"http://x\"}", &h);
    CHECK_INT(plx_object_get(h, "{\"key\":\"k\"}", to_buf, &s, &out), PLX_EUNSUPPORTED);
    CHECK_INT(plx_object_put(h, "{\"key\":\"k\",\"body\":\"x\"}", NULL, NULL, &out),
              PLX_EUNSUPPORTED);
    plx_provider_free(h);
    plx_provider_free(p);
    free((void *)f->data);
    fake_free(f);
}

static void test_get_file(void)
{
    fake_s3 *f = fake_new();
    f->data = pattern(30000);
    f->size = 30000;
    f->cuts = 1;
    f->cut_after[0] = 9999;
    char path[] = "/tmp/plx-s3-unit-XXXXXX", req[256], *out = NULL;
    close(mkstemp(path));
    snprintf(req, sizeof req, "{\"key\":\"k\",\"file\":\"%s\"}", path);
    plx_provider *p = provider_on(f, LOCAL);
    CHECK_INT(plx_object_get(p, req, NULL, NULL, &out), PLX_OK);
    plx_free(out);
    FILE *in = fopen(path, "rb");
    unsigned char got[30001];
    size_t n = in ? fread(got, 1, sizeof got, in) : 0;
    if (in)
        fclose(in);
    CHECK_INT(n, 30000);
    CHECK(memcmp(got, f->data, 30000) == 0);
    /* a failed download removes the file */
    f->error_xml = "<Error><Code>NoSuchKey</Code></Error>";
    f->error_status = 404;
    CHECK_INT(plx_object_get(p, req, NULL, NULL, &out), PLX_ENOTFOUND);
    plx_free(out);
    CHECK(access(path, F_OK) != 0);
    plx_provider_free(p);
    free((void *)f->data);
    fake_free(f);
}

/* ---- plx_object_put ---- */

typedef struct src {
    const unsigned char *data;
    size_t size, off;
    size_t fail_at;              /* return -1 once off reaches it (0: never) */
} src;

static int64_t from_src(void *buf, size_t cap, void *ud)
{
    src *s = ud;
    if (s->fail_at && s->off >= s->fail_at)
        return -1;
    size_t n = s->size - s->off < cap ? s->size - s->off : cap;
    if (n > 7777)
        n = 7777;   /* short reads, as pipes give */
    memcpy(buf, s->data + s->off, n);
    s->off += n;
    return (int64_t)n;
}

static int count_method(const fake_s3 *f, const char *method, const char *in_url)
{
    int n = 0;
    for (int i = 0; i < f->count && i < MAX_SEEN; i++)
        n += strcmp(f->seen[i].method, method) == 0 && strstr(f->seen[i].url, in_url);
    return n;
}

static void test_put_single(void)
{
    fake_s3 *f = fake_new();
    plx_provider *p = provider_on(f, LOCAL);
    unsigned char *data = pattern(1000);
    src s = {data, 1000, 0, 0};
    char *out = NULL;
    CHECK_INT(plx_object_put(p, "{\"key\":\"k\",\"content_type\":\"a/b\"}", from_src, &s, &out),
              PLX_OK);
    CHECK_CONTAINS(out, "{\"size\":1000,\"multipart\":false,\"etag\":\"single\",\"provider\":"
                        "\"s3\",\"attempts\":1,\"latency_ms\":");
    plx_free(out);
    CHECK_INT(f->count, 1);
    CHECK_INT(last(f)->body_len, 1000);
    CHECK_STR(last(f)->type, "a/b");
    /* from the request's body */
    CHECK_INT(plx_object_put(p, "{\"key\":\"k\",\"body\":\"\"}", NULL, NULL, &out), PLX_OK);
    CHECK_CONTAINS(out, "\"size\":0");
    plx_free(out);
    CHECK_INT(plx_object_put(p, "{\"key\":\"k\",\"body\":\"x\"}", from_src, &s, &out),
              PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "exactly one of");
    CHECK_INT(plx_object_put(p, "{\"key\":\"k\"}", NULL, NULL, &out), PLX_EINVAL);
    free(data);
    plx_provider_free(p);
    fake_free(f);
}

static void check_complete_body(const fake_s3 *f, int parts)
{
    const seen_req *c = NULL;
    for (int i = 0; i < f->count; i++)
        if (strcmp(f->seen[i].method, "POST") == 0 && strstr(f->seen[i].url, "?uploadId="))
            c = &f->seen[i];
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK_CONTAINS(c->url, "?uploadId=UP%2F1%2Bx");
    plx_buf want = {0};
    plx_buf_append_str(&want, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/"
                              "2006-03-01/\">");
    for (int i = 1; i <= parts; i++)
        plx_buf_printf(&want, "<Part><PartNumber>%d</PartNumber><ETag>\"etag-%d\"</ETag></Part>",
                       i, i);
    plx_buf_append_str(&want, "</CompleteMultipartUpload>");
    CHECK_STR(c->body, want.data);
    plx_buf_free(&want);
}

#define MP "\"part_size\":5242880,\"multipart_threshold\":1000000,\"concurrency\":3"

static void test_put_multipart_serial(void)
{
    fake_s3 *f = fake_new();
    plx_provider *p = provider_on(f, LOCAL "," MP);
    size_t size = 12 * 1024 * 1024 + 5;
    unsigned char *data = pattern(size);
    src s = {data, size, 0, 0};
    char *out = NULL;
    CHECK_INT(plx_object_put(p, "{\"key\":\"big\",\"metadata\":{\"owner\":\"me\"}}", from_src,
                             &s, &out), PLX_OK);
    CHECK_CONTAINS(out, "{\"size\":12582917,\"multipart\":true,\"parts\":3,\"etag\":\"final-3\","
                        "\"upload_id\":\"UP/1+x\"");
    CHECK_INT(number(out, "attempts"), 5);
    plx_free(out);
    CHECK_INT(count_method(f, "PUT", "partNumber="), 3);
    CHECK_STR(f->seen[0].meta, "me");          /* metadata goes with Create */
    CHECK_INT(f->seen[1].body_len, 5242880);
    CHECK_INT(f->seen[3].body_len, 12582917 - 2 * 5242880);
    /* each part's hash signed, the part's own */
    unsigned char h[PLX_SHA256_LEN];
    char hex[65];
    plx_sha256(data + 5242880, 5242880, h);
    plx_hex_lower(h, sizeof h, hex);
    CHECK_STR(f->seen[2].sha, hex);
    check_complete_body(f, 3);
    CHECK_INT(count_method(f, "DELETE", "uploadId="), 0);
    /* a source that is exactly one part: a multipart upload of one part */
    fake_free(f);
    f = fake_new();
    plx_provider_free(p);
    p = provider_on(f, LOCAL "," MP);
    s = (src){data, 5242880, 0, 0};
    CHECK_INT(plx_object_put(p, "{\"key\":\"one\"}", from_src, &s, &out), PLX_OK);
    CHECK_INT(number(out, "parts"), 1);
    plx_free(out);
    check_complete_body(f, 1);
    free(data);
    plx_provider_free(p);
    fake_free(f);
}

static void test_put_multipart_failures(void)
{
    size_t size = 16 * 1024 * 1024;
    unsigned char *data = pattern(size);
    char *out = NULL;
    /* part 3 keeps failing: retried, then the upload is aborted */
    fake_s3 *f = fake_new();
    f->fail_part = 3;
    plx_provider *p = provider_on(f, LOCAL "," MP);
    src s = {data, size, 0, 0};
    CHECK_INT(plx_object_put(p, "{\"key\":\"big\"}", from_src, &s, &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "UploadPart 3: HTTP 500");
    CHECK_CONTAINS(out, "the upload was aborted");
    CHECK_CONTAINS(out, "\"service_code\":\"InternalError\"");
    plx_free(out);
    CHECK_INT(count_method(f, "PUT", "partNumber=3&"), 3);
    CHECK_INT(count_method(f, "PUT", "partNumber=4&"), 0);
    CHECK_INT(count_method(f, "DELETE", "uploadId=UP%2F1%2Bx"), 1);
    CHECK_INT(count_method(f, "POST", "?uploadId="), 0);
    plx_provider_free(p);
    fake_free(f);
    /* the source fails */
    f = fake_new();
    p = provider_on(f, LOCAL "," MP);
    s = (src){data, size, 0, 6 * 1024 * 1024};
    CHECK_INT(plx_object_put(p, "{\"key\":\"big\"}", from_src, &s, &out), PLX_ECANCELED);
    CHECK_CONTAINS(out, "the source stopped the upload");
    CHECK_CONTAINS(out, "the upload was aborted");
    plx_free(out);
    CHECK_INT(count_method(f, "DELETE", "uploadId="), 1);
    plx_provider_free(p);
    fake_free(f);
    /* Create answers without an UploadId: nothing to abort */
    f = fake_new();
    f->bad_create = true;
    p = provider_on(f, LOCAL "," MP);
    s = (src){data, size, 0, 0};
    CHECK_INT(plx_object_put(p, "{\"key\":\"big\"}", from_src, &s, &out), PLX_EPROTOCOL);
    CHECK_CONTAINS(out, "no UploadId");
    plx_free(out);
    CHECK_INT(f->count, 1);
    plx_provider_free(p);
    fake_free(f);
    /* Complete answers 200 with an error inside: a failure, and aborted */
    f = fake_new();
    f->complete_error = true;
    p = provider_on(f, LOCAL "," MP);
    s = (src){data, size, 0, 0};
    CHECK_INT(plx_object_put(p, "{\"key\":\"big\"}", from_src, &s, &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_code\":\"InternalError\"");
    CHECK_CONTAINS(out, "\"service_message\":\"try again\"");
    CHECK_CONTAINS(out, "the upload was aborted");
    plx_free(out);
    CHECK_INT(count_method(f, "DELETE", "uploadId="), 1);
    plx_provider_free(p);
    fake_free(f);
    free(data);
}

/* The parallel path: parts in flight over an asynchronous transport. */
static void run_async(fake_s3 *f, size_t size, src *s, uint32_t concurrency,
                      plx_exchange *x, plx_s3_upload_result *res)
{
    plx_provider *p = provider_on(NULL, LOCAL);
    plx_transport_funcs *t = fake_funcs(f, true);
    cJSON *request = cJSON_Parse("{\"key\":\"big\"}");
    plx_s3_target target = {"bkt", "big"};
    plx_s3_source source = {.fn = from_src, .user_data = s, .fd = -1};
    size_t part = 5242880, got = 0;
    unsigned char *first = malloc(part);
    CHECK_INT(plx_s3_source_fill(p, &source, first, part, &got), PLX_OK);
    memset(res, 0, sizeof *res);
    plx_s3_multipart(p, t, true, &target, request, &source, first, got, part, concurrency, x,
                     res);
    (void)size;
    char *out = NULL;
    plx_call_finish(p, "put_object", x, &out);
    plx_free(out);
    plx_free(res->upload_id);
    cJSON_Delete(request);
    plx_transport_funcs_unref(t);
    plx_provider_free(p);
}

static void test_put_parallel(void)
{
    size_t size = 7 * 5242880 + 100;
    unsigned char *data = pattern(size);
    fake_s3 *f = fake_new();
    src s = {data, size, 0, 0};
    plx_exchange x;
    plx_s3_upload_result res;
    run_async(f, size, &s, 3, &x, &res);
    CHECK_INT(res.parts, 8);
    CHECK_INT(res.size, size);
    CHECK_STR(res.etag, "final-3");
    CHECK_INT(f->max_pending, 3);      /* three in flight, never more */
    CHECK(f->nbodies <= 3);            /* and three part buffers */
    check_complete_body(f, 8);         /* in part order though answered out of order */
    fake_free(f);
    /* a part fails while others are in flight: they finish, then the abort */
    f = fake_new();
    f->fail_part = 2;
    s = (src){data, size, 0, 0};
    run_async(f, size, &s, 4, &x, &res);
    CHECK_INT(count_method(f, "PUT", "partNumber=2&"), 3);
    CHECK_INT(count_method(f, "DELETE", "uploadId="), 1);
    CHECK_INT(count_method(f, "POST", "?uploadId="), 0);
    CHECK_INT(f->npending, 0);
    fake_free(f);
    free(data);
}

static void test_teardown(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_config, test_addressing, test_put_requests, test_bad_requests,
          test_object_replies, test_time_and_etag, test_list_replies, test_errors,
          test_get_plain, test_get_resumes, test_get_ranged_resume, test_get_range_ignored,
          test_get_failures, test_get_file, test_put_single, test_put_multipart_serial,
          test_put_multipart_failures, test_put_parallel, test_teardown)
