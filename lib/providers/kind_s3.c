/* Kind "s3": Amazon S3 and S3-compatible servers (MinIO, moto, ...).
 *   get_object    {bucket?, key, range?: {start, end?}}
 *                 -> {size, etag, content_type, last_modified, body|body_base64}
 *   put_object    {bucket?, key, body|body_base64, content_type?, metadata?}
 *                 -> {etag, version_id?}
 *   head_object   {bucket?, key} -> {size, etag, content_type, last_modified, metadata?}
 *   delete_object {bucket?, key} -> {deleted: true}
 *   list_objects  {bucket?, prefix?, delimiter?, max_keys?, continuation_token?,
 *                  start_after?} -> {objects, prefixes, is_truncated,
 *                  next_continuation_token?}
 * A pure adapter; the streamed get and the multipart put of
 * include/plexus/objects.h live in s3_get.c and s3_put.c. Signing reuses
 * the aws kind's pieces: the SigV4 auth with the AWS credential chain, the
 * scope header, and the AWS error codes. */
#include "s3.h"
#include "../auth/sigv4.h"
#include "../crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CONFIG_KEYS[] = {
    "bucket", "region", "endpoint_url", "addressing", "access_key_id", "secret_access_key",
    "session_token", "profile", "part_size", "multipart_threshold", "concurrency",
    "payload_signing", NULL};

static void s3_release(void *state)
{
    plx_s3_state *s = state;
    if (!s)
        return;
    free(s->region);
    free(s->bucket);
    free(s->scheme_host);
    free(s->base_path);
    free(s);
}

/* ---- configuration ---- */

/* Splits an endpoint URL into scheme://host[:port] and a base path. */
static plx_status set_endpoint(const plx_cfg *cfg, const char *key, const char *url,
                               plx_s3_state *s)
{
    const char *host = strstr(url, "://");
    if (!plx_url_is_http(url) || !host || strpbrk(url, "?#"))
        return plx_cfg_fail(cfg, key, "expected an absolute http:// or https:// URL "
                            "without query");
    host += 3;
    size_t authority = strcspn(host, "/");
    if (memchr(host, '@', authority))
        return plx_cfg_fail(cfg, key, "credentials in the URL are not allowed (use "
                            "access_key_id and secret_access_key)");
    const char *path = host + authority;
    size_t path_len = strlen(path);
    while (path_len && path[path_len - 1] == '/')
        path_len--;
    s->https = strncmp(url, "https", 5) == 0;
    s->scheme_host = plx_strndup(url, (size_t)(path - url));
    s->base_path = plx_strndup(path, path_len);
    return s->scheme_host && s->base_path ? PLX_OK : PLX_ENOMEM;
}

static plx_status read_endpoint(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                plx_s3_state *s)
{
    const char *url = NULL;
    plx_status st = plx_cfg_string(cfg, config, "endpoint_url", &url);
    if (st != PLX_OK)
        return st;
    const char *key = url ? "endpoint_url" : "base_url";
    if (!url)
        url = p->base_url;
    if (!url)
        return PLX_OK;
    s->custom_endpoint = true;
    return set_endpoint(cfg, key, url, s);
}

/* The AWS endpoint of the region, once the region is known. */
static plx_status aws_endpoint(const plx_cfg *cfg, plx_s3_state *s)
{
    if (s->custom_endpoint)
        return PLX_OK;
    plx_buf url = {0};
    bool china = strncmp(s->region, "cn-", 3) == 0;
    plx_status st = plx_buf_printf(&url, "https://s3.%s.amazonaws.com%s", s->region,
                                   china ? ".cn" : "");
    if (st == PLX_OK)
        st = set_endpoint(cfg, "region", url.data, s);
    plx_buf_free(&url);
    return st;
}

static plx_status read_choice(const plx_cfg *cfg, const cJSON *config, const char *key,
                              const char *const *choices, int *out)
{
    const char *v = NULL;
    plx_status st = plx_cfg_string(cfg, config, key, &v);
    if (st != PLX_OK || !v)
        return st;
    for (int i = 0; choices[i]; i++)
        if (strcmp(v, choices[i]) == 0) {
            *out = i;
            return PLX_OK;
        }
    return plx_cfg_fail(cfg, key, "expected \"%s\" or \"%s\"%s%s%s", choices[0], choices[1],
                        choices[2] ? " or \"" : "", choices[2] ? choices[2] : "",
                        choices[2] ? "\"" : "");
}

static plx_status read_transfer(const plx_cfg *cfg, const cJSON *config, plx_s3_state *s)
{
    static const char *const payload[] = {"auto", "signed", "unsigned", NULL};
    static const char *const addressing[] = {"virtual", "path", NULL};
    int64_t part = PLX_S3_DEFAULT_PART, threshold = -1, conc = PLX_S3_DEFAULT_CONCURRENCY;
    int pay = PLX_S3_PAYLOAD_AUTO, addr = s->custom_endpoint ? 1 : 0;
    plx_status st = plx_cfg_int(cfg, config, "part_size", (int64_t)PLX_S3_MIN_PART,
                                (int64_t)PLX_S3_MAX_PART, &part);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, config, "multipart_threshold", 0, part, &threshold);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, config, "concurrency", 1, PLX_S3_MAX_CONCURRENCY, &conc);
    if (st == PLX_OK)
        st = read_choice(cfg, config, "payload_signing", payload, &pay);
    if (st == PLX_OK)
        st = read_choice(cfg, config, "addressing", addressing, &addr);
    s->part_size = (size_t)part;
    s->multipart_threshold = threshold < 0 ? (size_t)part : (size_t)threshold;
    s->concurrency = (uint32_t)conc;
    s->payload = (plx_s3_payload)pay;
    s->virtual_hosted = addr == 0;
    return st;
}

static plx_status read_bucket(const plx_cfg *cfg, const cJSON *config, plx_s3_state *s)
{
    const char *bucket = NULL;
    plx_status st = plx_cfg_string(cfg, config, "bucket", &bucket);
    if (st != PLX_OK || !bucket)
        return st;
    if (!plx_s3_bucket_valid(bucket))
        return plx_cfg_fail(cfg, "bucket", "not a bucket name (3-255 letters, digits, "
                            "'.', '-', '_')");
    s->bucket = plx_strdup(bucket);
    return s->bucket ? PLX_OK : PLX_ENOMEM;
}

static plx_status s3_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                               void **state)
{
    if (p->auth)
        return plx_cfg_fail(cfg, "auth", "kind 's3' signs with SigV4 itself: give region, "
                            "access_key_id, secret_access_key, session_token or profile "
                            "as provider keys instead");
    plx_s3_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    plx_status st = read_bucket(cfg, config, s);
    if (st == PLX_OK)
        st = read_endpoint(p, cfg, config, s);
    if (st == PLX_OK)
        st = read_transfer(cfg, config, s);
    if (st == PLX_OK)
        st = plx_sigv4_auth_new(p->ctx, cfg, config, &p->auth, &s->region);
    /* S3-compatible servers mostly ignore the region; AWS needs the right one. */
    if (st == PLX_OK && !s->region && s->custom_endpoint &&
        !(s->region = plx_strdup("us-east-1")))
        st = PLX_ENOMEM;
    if (st == PLX_OK && !s->region)
        st = plx_cfg_fail(cfg, "region", "not set, and neither AWS_REGION, "
                          "AWS_DEFAULT_REGION nor the profile's config names one");
    if (st == PLX_OK)
        st = aws_endpoint(cfg, s);
    if (st != PLX_OK) {
        s3_release(s);
        return st;
    }
    *state = s;
    return PLX_OK;
}

/* ---- building ---- */

static plx_status check_keys(const plx_provider *p, const cJSON *request,
                             const char *const *keys)
{
    plx_cfg cfg = {p->ctx, "request"};
    return plx_cfg_check_keys(&cfg, request, keys) == PLX_OK ? PLX_OK : PLX_EINVAL;
}

static plx_status build_simple(const plx_provider *p, const char *method,
                               const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"bucket", "key", NULL};
    plx_s3_target t;
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = plx_s3_target_read(p, request, true, &t);
    return st == PLX_OK ? plx_s3_request(p, method, &t, "", out) : st;
}

static plx_status build_get(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"bucket", "key", "range", NULL};
    plx_s3_target t;
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = plx_s3_target_read(p, request, true, &t);
    return st == PLX_OK ? plx_s3_get_request(p, &t, request, out) : st;
}

/* The body of a put: "body" as its bytes or "body_base64" decoded. */
static plx_status put_body(const plx_provider *p, const cJSON *request, plx_buf *body)
{
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(request, "body");
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(request, "body_base64");
    if ((text != NULL) == (b64 != NULL))
        return plx_fail(p->ctx, PLX_EINVAL, "request: give one of \"body\" (text) or "
                        "\"body_base64\" (bytes)");
    if (text && !cJSON_IsString(text))
        return plx_fail(p->ctx, PLX_EINVAL, "request.body: expected a string (use "
                        "body_base64 for bytes)");
    if (text)
        return plx_buf_append(body, text->valuestring, strlen(text->valuestring));
    plx_status st = cJSON_IsString(b64) ? plx_base64_decode(body, b64->valuestring,
                                                            strlen(b64->valuestring))
                                        : PLX_EINVAL;
    if (st == PLX_EINVAL)
        return plx_fail(p->ctx, PLX_EINVAL, "request.body_base64: expected a base64 string");
    return st;
}

static plx_status build_put(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"bucket", "key", "body", "body_base64",
                                       "content_type", "metadata", NULL};
    plx_s3_target t;
    plx_buf body = {0};
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = plx_s3_target_read(p, request, true, &t);
    if (st == PLX_OK)
        st = put_body(p, request, &body);
    if (st == PLX_OK)
        st = plx_s3_request(p, "PUT", &t, "", out);
    if (st == PLX_OK)
        st = plx_s3_put_headers(p, request, *out);
    if (st == PLX_OK)
        st = plx_s3_payload_hash(p, *out, body.data, body.len);
    if (st == PLX_OK) {
        size_t len = body.len;
        plx_request_take_body(*out, plx_buf_steal(&body), len);
    }
    plx_buf_free(&body);
    return st;
}

static plx_status add_param(plx_buf *q, const char *name, const char *value)
{
    plx_status st = plx_buf_printf(q, "&%s=", name);
    return st == PLX_OK ? plx_url_encode(q, value, strlen(value), false) : st;
}

static plx_status list_query(const plx_provider *p, const cJSON *request, plx_buf *q)
{
    static const char *const params[][2] = {{"prefix", "prefix"},
                                            {"delimiter", "delimiter"},
                                            {"continuation_token", "continuation-token"},
                                            {"start_after", "start-after"}};
    plx_cfg cfg = {p->ctx, "request"};
    int64_t max_keys = 0;
    plx_status st = plx_buf_append_str(q, "list-type=2&encoding-type=url");
    for (size_t i = 0; i < PLX_ARRAY_LEN(params) && st == PLX_OK; i++) {
        const char *v = NULL;
        if (plx_cfg_string(&cfg, request, params[i][0], &v) != PLX_OK)
            return PLX_EINVAL;
        if (v)
            st = add_param(q, params[i][1], v);
    }
    if (st == PLX_OK && plx_cfg_int(&cfg, request, "max_keys", 1, 1000, &max_keys) != PLX_OK)
        return PLX_EINVAL;
    if (st == PLX_OK && max_keys)
        st = plx_buf_printf(q, "&max-keys=%lld", (long long)max_keys);
    return st;
}

static plx_status build_list(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"bucket", "prefix", "delimiter", "max_keys",
                                       "continuation_token", "start_after", NULL};
    plx_s3_target t;
    plx_buf q = {0};
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = plx_s3_target_read(p, request, false, &t);
    if (st == PLX_OK)
        st = list_query(p, request, &q);
    if (st == PLX_OK)
        st = plx_s3_request(p, "GET", &t, q.data, out);
    plx_buf_free(&q);
    return st;
}

static plx_status s3_build(const plx_provider *p, const char *op, const cJSON *request,
                           plx_request **out)
{
    plx_status st;
    *out = NULL;
    if (strcmp(op, "get_object") == 0)
        st = build_get(p, request, out);
    else if (strcmp(op, "put_object") == 0)
        st = build_put(p, request, out);
    else if (strcmp(op, "head_object") == 0)
        st = build_simple(p, "HEAD", request, out);
    else if (strcmp(op, "delete_object") == 0)
        st = build_simple(p, "DELETE", request, out);
    else if (strcmp(op, "list_objects") == 0)
        st = build_list(p, request, out);
    else
        return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 's3' has no op '%s' (ops: "
                        "get_object, put_object, head_object, delete_object, "
                        "list_objects)", op);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}

/* ---- parsing ---- */

static void write_body(plx_jw *w, const plx_response *resp)
{
    size_t len = 0;
    const char *body = plx_response_body(resp, &len);
    if (plx_utf8_valid(body, len) && !memchr(body, '\0', len)) {
        plx_jw_string(w, "body", body, len);
        return;
    }
    plx_buf b64 = {0};
    if (plx_base64_encode(&b64, body, len) == PLX_OK)
        plx_jw_string(w, "body_base64", b64.data ? b64.data : "", b64.len);
    else
        w->status = PLX_ENOMEM;
    plx_buf_free(&b64);
}

/* "bytes 0-99/1234": the total, or -1. */
static int64_t range_total(const char *content_range)
{
    const char *slash = content_range ? strrchr(content_range, '/') : NULL;
    if (!slash || slash[1] < '0' || slash[1] > '9')
        return -1;
    return strtoll(slash + 1, NULL, 10);
}

static void write_get(plx_jw *w, const plx_response *resp)
{
    size_t len = 0;
    plx_response_body(resp, &len);
    const char *range = plx_response_header(resp, "content-range");
    plx_jw_int(w, "size", (int64_t)len);
    if (range) {
        plx_jw_string(w, "content_range", range, strlen(range));
        if (range_total(range) >= 0)
            plx_jw_int(w, "object_size", range_total(range));
    }
    plx_s3_write_headers(w, resp);
    write_body(w, resp);
}

static void write_head(plx_jw *w, const plx_response *resp)
{
    const char *length = plx_response_header(resp, "content-length");
    if (length)
        plx_jw_int(w, "size", strtoll(length, NULL, 10));
    plx_s3_write_headers(w, resp);
}

static plx_status s3_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    if (r->failed) {
        plx_s3_parse_error(r->resp, r);
        return PLX_OK;
    }
    const plx_response *resp = r->resp;
    if (strcmp(op, "get_object") == 0) {
        write_get(r->out, resp);
    } else if (strcmp(op, "head_object") == 0) {
        write_head(r->out, resp);
    } else if (strcmp(op, "put_object") == 0) {
        plx_s3_write_etag(r->out, resp);
    } else if (strcmp(op, "delete_object") == 0) {
        plx_jw_bool(r->out, "deleted", true);
        plx_s3_write_etag(r->out, resp);
    } else if (strcmp(op, "list_objects") == 0) {
        size_t len = 0;
        const char *body = plx_response_body(resp, &len);
        return plx_s3_write_list(p, r->out, body, len);
    }
    return PLX_OK;
}

const plx_kind plx_kind_s3 = {
    .name = "s3",
    .config_keys = CONFIG_KEYS,
    .configure = s3_configure,
    .release = s3_release,
    .build = s3_build,
    .parse = s3_parse,
};
