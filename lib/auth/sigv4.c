/* The SigV4 signer: canonical request -> string to sign -> signature, for
 * header signing and presigned URLs. Derived signing keys are cached per
 * (date, region, service) with their HMAC pads already hashed, so a
 * signature costs two SHA-256 passes over short strings. */
#include "sigv4.h"
#include "../crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define CACHE_SLOTS 4
#define NAME_MAX_LEN 63

typedef struct key_slot {
    char date[9];                 /* "YYYYMMDD"; "" when unused */
    char region[NAME_MAX_LEN + 1];
    char service[NAME_MAX_LEN + 1];
    plx_hmac_sha256_key key;
} key_slot;

struct plx_sigv4_signer {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    pthread_mutex_t lock;         /* guards slots and next */
    key_slot slots[CACHE_SLOTS];
    unsigned next;
};

plx_status plx_sigv4_signer_new(const char *access_key_id, const char *secret_access_key,
                                const char *session_token, plx_sigv4_signer **out)
{
    *out = NULL;
    plx_sigv4_signer *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    pthread_mutex_init(&s->lock, NULL);
    s->access_key_id = plx_strdup(access_key_id);
    s->secret_access_key = plx_strdup(secret_access_key);
    s->session_token = session_token && *session_token ? plx_strdup(session_token) : NULL;
    if (!s->access_key_id || !s->secret_access_key ||
        (session_token && *session_token && !s->session_token)) {
        plx_sigv4_signer_free(s);
        return PLX_ENOMEM;
    }
    *out = s;
    return PLX_OK;
}

void plx_sigv4_signer_free(plx_sigv4_signer *s)
{
    if (!s)
        return;
    free(s->access_key_id);
    plx_secret_free(s->secret_access_key);
    plx_secret_free(s->session_token);
    pthread_mutex_destroy(&s->lock);
    explicit_bzero(s->slots, sizeof s->slots);
    free(s);
}

const char *plx_sigv4_signer_access_key_id(const plx_sigv4_signer *s)
{
    return s->access_key_id;
}

void plx_sigv4_options_init(plx_sigv4_options *o, const char *region, const char *service)
{
    bool s3 = service && strcmp(service, "s3") == 0;
    *o = (plx_sigv4_options){.region = region, .service = service,
                             .normalize_path = !s3, .double_encode_path = !s3,
                             .content_sha256_header = s3, .expires = 3600};
}

void plx_sigv4_debug_free(plx_sigv4_debug *d)
{
    if (!d)
        return;
    plx_buf_free(&d->canonical_request);
    plx_buf_free(&d->string_to_sign);
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request"). */
static plx_status derive(const plx_sigv4_signer *s, const char *date, const char *region,
                         const char *service, plx_hmac_sha256_key *out)
{
    size_t n = strlen(s->secret_access_key);
    char small[132];
    char *secret = n + 5 <= sizeof small ? small : malloc(n + 5);
    if (!secret)
        return PLX_ENOMEM;
    memcpy(secret, "AWS4", 4);
    memcpy(secret + 4, s->secret_access_key, n + 1);
    unsigned char k[PLX_SHA256_LEN];
    plx_hmac_sha256(secret, n + 4, date, strlen(date), k);
    explicit_bzero(secret, n + 4);
    if (secret != small)
        free(secret);
    plx_hmac_sha256(k, sizeof k, region, strlen(region), k);
    plx_hmac_sha256(k, sizeof k, service, strlen(service), k);
    plx_hmac_sha256(k, sizeof k, "aws4_request", 12, k);
    plx_hmac_sha256_key_init(out, k, sizeof k);
    explicit_bzero(k, sizeof k);
    return PLX_OK;
}

static bool slot_matches(const key_slot *k, const char *date, const char *region,
                         const char *service)
{
    return memcmp(k->date, date, 8) == 0 && k->date[0] && strcmp(k->region, region) == 0 &&
           strcmp(k->service, service) == 0;
}

/* The signing key for a scope, from the cache or derived (and cached). */
static plx_status signing_key(plx_sigv4_signer *s, const char *date, const char *region,
                              const char *service, plx_hmac_sha256_key *out)
{
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (slot_matches(&s->slots[i], date, region, service)) {
            *out = s->slots[i].key;
            pthread_mutex_unlock(&s->lock);
            return PLX_OK;
        }
    }
    pthread_mutex_unlock(&s->lock);
    plx_status st = derive(s, date, region, service, out);
    if (st != PLX_OK || strlen(region) > NAME_MAX_LEN || strlen(service) > NAME_MAX_LEN)
        return st;   /* a long name is not cached, and still signs right */
    pthread_mutex_lock(&s->lock);
    key_slot *k = &s->slots[s->next++ % CACHE_SLOTS];
    memcpy(k->date, date, 8);
    k->date[8] = '\0';
    strcpy(k->region, region);
    strcpy(k->service, service);
    k->key = *out;
    pthread_mutex_unlock(&s->lock);
    return PLX_OK;
}

static void put_digits(char *dst, int value, int width)
{
    for (int i = width - 1; i >= 0; i--, value /= 10)
        dst[i] = (char)('0' + value % 10);
}

/* "YYYYMMDDTHHMMSSZ" for o->time (or now). */
static void amz_date(const plx_sigv4_options *o, char out[17])
{
    time_t t = (time_t)(o->time ? o->time : plx_wall_time_s());
    struct tm tm;
    gmtime_r(&t, &tm);
    put_digits(out, (tm.tm_year + 1900) % 10000, 4);
    put_digits(out + 4, tm.tm_mon + 1, 2);
    put_digits(out + 6, tm.tm_mday, 2);
    out[8] = 'T';
    put_digits(out + 9, tm.tm_hour, 2);
    put_digits(out + 11, tm.tm_min, 2);
    put_digits(out + 13, tm.tm_sec, 2);
    out[15] = 'Z';
    out[16] = '\0';
}

static plx_status check_scope(const plx_sigv4_options *o)
{
    if (!o->region || !*o->region || !o->service || !*o->service ||
        strchr(o->region, '/') || strchr(o->service, '/'))
        return plx_fail(NULL, PLX_EAUTH, "SigV4 needs a region and a service name "
                        "(without '/')");
    return PLX_OK;
}

/* "date/region/service/aws4_request" */
static plx_status append_scope(plx_buf *b, const char *date, const plx_sigv4_options *o)
{
    plx_status st = plx_buf_append(b, date, 8);
    if (st == PLX_OK)
        st = plx_buf_append(b, "/", 1);
    if (st == PLX_OK)
        st = plx_buf_append_str(b, o->region);
    if (st == PLX_OK)
        st = plx_buf_append(b, "/", 1);
    if (st == PLX_OK)
        st = plx_buf_append_str(b, o->service);
    if (st == PLX_OK)
        st = plx_buf_append(b, "/aws4_request", 13);
    return st;
}

/* The hex payload hash that ends the canonical request. */
static void payload_hash(const plx_sigv4_options *o, const void *body, size_t len,
                         char out[65])
{
    if (o->unsigned_payload) {
        strcpy(out, PLX_SIGV4_UNSIGNED_PAYLOAD);
    } else if (len == 0) {
        strcpy(out, EMPTY_SHA256);
    } else {
        unsigned char h[PLX_SHA256_LEN];
        plx_sha256(body, len, h);
        plx_hex_lower(h, sizeof h, out);
    }
}

/* method \n path \n query \n headers \n signed \n payload. query_extra (the
 * presigning parameters, already canonical) joins the message's query. */
static plx_status canonical_request(const plx_sigv4_options *o, const plx_sigv4_message *m,
                                    const char *query, size_t query_len,
                                    const char *payload, plx_buf *cr, plx_buf *signed_h)
{
    plx_status st = plx_buf_append_str(cr, m->method);
    if (st == PLX_OK)
        st = plx_buf_append(cr, "\n", 1);
    if (st == PLX_OK)
        st = plx_sigv4_canonical_path(cr, m->path, m->path_len, o->normalize_path,
                                      o->double_encode_path);
    if (st == PLX_OK)
        st = plx_buf_append(cr, "\n", 1);
    if (st == PLX_OK)
        st = plx_sigv4_canonical_query(cr, query, query_len);
    if (st == PLX_OK)
        st = plx_buf_append(cr, "\n", 1);
    if (st == PLX_OK)
        st = plx_sigv4_canonical_headers(cr, signed_h, m->headers);
    if (st == PLX_OK)
        st = plx_buf_append(cr, "\n", 1);
    if (st == PLX_OK)
        st = plx_buf_append(cr, signed_h->data ? signed_h->data : "", signed_h->len);
    if (st == PLX_OK)
        st = plx_buf_append(cr, "\n", 1);
    if (st == PLX_OK)
        st = plx_buf_append_str(cr, payload);
    return st;
}

/* Hashes the canonical request into the string to sign and signs it. */
static plx_status sign_canonical(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                 const char *date, const plx_buf *cr, char signature[65],
                                 plx_sigv4_debug *dbg)
{
    unsigned char h[PLX_SHA256_LEN];
    char hex[65];
    plx_sha256(cr->data, cr->len, h);
    plx_hex_lower(h, sizeof h, hex);
    plx_buf sts = {0};
    plx_status st = plx_buf_append(&sts, ALGORITHM "\n", sizeof ALGORITHM);
    if (st == PLX_OK)
        st = plx_buf_append(&sts, date, 16);
    if (st == PLX_OK)
        st = plx_buf_append(&sts, "\n", 1);
    if (st == PLX_OK)
        st = append_scope(&sts, date, o);
    if (st == PLX_OK)
        st = plx_buf_append(&sts, "\n", 1);
    if (st == PLX_OK)
        st = plx_buf_append(&sts, hex, 64);
    if (st == PLX_OK) {
        char day[9];
        memcpy(day, date, 8);
        day[8] = '\0';
        plx_hmac_sha256_key key;
        st = signing_key(s, day, o->region, o->service, &key);
        if (st == PLX_OK)
            plx_hmac_sha256_keyed(&key, sts.data, sts.len, h);
        plx_hmac_sha256_key_wipe(&key);
        plx_hex_lower(h, sizeof h, signature);
    }
    if (st == PLX_OK && dbg) {
        plx_buf_reset(&dbg->canonical_request);
        plx_buf_reset(&dbg->string_to_sign);
        st = plx_buf_append(&dbg->canonical_request, cr->data, cr->len);
        if (st == PLX_OK)
            st = plx_buf_append(&dbg->string_to_sign, sts.data, sts.len);
        memcpy(dbg->signature, signature, 65);
    }
    plx_buf_free(&sts);
    return st;
}

/* Headers that signing itself sets, before the canonical request. */
static plx_status set_signing_headers(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                      plx_sigv4_message *m, const char *date,
                                      const char *payload)
{
    plx_headers *h = m->headers;
    plx_headers_remove(h, "authorization");
    plx_headers_remove(h, PLX_SIGV4_SCOPE_HEADER);
    plx_status st = plx_headers_set(h, "X-Amz-Date", date);
    if (st == PLX_OK && s->session_token)
        plx_headers_remove(h, "x-amz-security-token");
    if (st == PLX_OK && s->session_token && !o->omit_session_token)
        st = plx_headers_set(h, "X-Amz-Security-Token", s->session_token);
    if (st == PLX_OK && (o->content_sha256_header || o->unsigned_payload))
        st = plx_headers_set(h, "x-amz-content-sha256", payload);
    return st;
}

static plx_status authorization(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                const char *date, const plx_buf *signed_h,
                                const char *signature, plx_headers *h)
{
    plx_buf a = {0};
    plx_status st = plx_buf_append(&a, ALGORITHM " Credential=", sizeof ALGORITHM + 11);
    if (st == PLX_OK)
        st = plx_buf_append_str(&a, s->access_key_id);
    if (st == PLX_OK)
        st = plx_buf_append(&a, "/", 1);
    if (st == PLX_OK)
        st = append_scope(&a, date, o);
    if (st == PLX_OK)
        st = plx_buf_append(&a, ", SignedHeaders=", 16);
    if (st == PLX_OK)
        st = plx_buf_append(&a, signed_h->data, signed_h->len);
    if (st == PLX_OK)
        st = plx_buf_append(&a, ", Signature=", 12);
    if (st == PLX_OK)
        st = plx_buf_append(&a, signature, 64);
    if (st == PLX_OK)
        st = plx_headers_set(h, "Authorization", a.data);
    plx_buf_free(&a);
    return st;
}

plx_status plx_sigv4_sign_message(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                  plx_sigv4_message *m, plx_sigv4_debug *dbg)
{
    plx_status st = check_scope(o);
    if (st != PLX_OK)
        return st;
    char date[17], payload[65], signature[65];
    amz_date(o, date);
    const char *given = plx_headers_get(m->headers, "x-amz-content-sha256");
    if (given && !o->unsigned_payload && *given && strlen(given) < 65)
        strcpy(payload, given);   /* the caller hashed the body (or streams it) */
    else
        payload_hash(o, m->body, m->body_len, payload);
    st = set_signing_headers(s, o, m, date, payload);
    plx_buf cr = {0}, signed_h = {0};
    if (st == PLX_OK)
        st = canonical_request(o, m, m->query, m->query_len, payload, &cr, &signed_h);
    if (st == PLX_OK)
        st = sign_canonical(s, o, date, &cr, signature, dbg);
    if (st == PLX_OK)
        st = authorization(s, o, date, &signed_h, signature, m->headers);
    if (st == PLX_OK && s->session_token && o->omit_session_token)
        st = plx_headers_set(m->headers, "X-Amz-Security-Token", s->session_token);
    plx_buf_free(&cr);
    plx_buf_free(&signed_h);
    return st;
}

/* "name=value" with the value encoded, after a '&' unless first. */
static plx_status add_param(plx_buf *q, const char *name, const char *value, size_t len)
{
    plx_status st = q->len ? plx_buf_append(q, "&", 1) : PLX_OK;
    if (st == PLX_OK)
        st = plx_buf_append_str(q, name);
    if (st == PLX_OK)
        st = plx_buf_append(q, "=", 1);
    if (st == PLX_OK)
        st = plx_url_encode(q, value, len, false);
    return st;
}

/* The X-Amz-* presigning parameters (all but the signature). */
static plx_status presign_params(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                 const char *date, const plx_buf *signed_h, plx_buf *q)
{
    plx_buf cred = {0};
    char expires[16];
    snprintf(expires, sizeof expires, "%u", (unsigned)o->expires);
    plx_status st = plx_buf_printf(&cred, "%s/", s->access_key_id);
    if (st == PLX_OK)
        st = append_scope(&cred, date, o);
    if (st == PLX_OK)
        st = add_param(q, "X-Amz-Algorithm", ALGORITHM, strlen(ALGORITHM));
    if (st == PLX_OK)
        st = add_param(q, "X-Amz-Credential", cred.data, cred.len);
    if (st == PLX_OK)
        st = add_param(q, "X-Amz-Date", date, 16);
    if (st == PLX_OK)
        st = add_param(q, "X-Amz-Expires", expires, strlen(expires));
    if (st == PLX_OK)
        st = add_param(q, "X-Amz-SignedHeaders", signed_h->data, signed_h->len);
    if (st == PLX_OK && s->session_token && !o->omit_session_token)
        st = add_param(q, "X-Amz-Security-Token", s->session_token,
                       strlen(s->session_token));
    plx_buf_free(&cred);
    return st;
}

plx_status plx_sigv4_presign_message(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                     const plx_sigv4_message *m, plx_buf *query_out,
                                     plx_sigv4_debug *dbg)
{
    plx_status st = check_scope(o);
    if (st == PLX_OK && (o->expires < 1 || o->expires > PLX_SIGV4_MAX_EXPIRES))
        st = plx_fail(NULL, PLX_EINVAL, "presigned URLs expire after 1 to %d seconds, "
                      "not %u", PLX_SIGV4_MAX_EXPIRES, (unsigned)o->expires);
    if (st != PLX_OK)
        return st;
    char date[17], payload[65], signature[65];
    amz_date(o, date);
    payload_hash(o, m->body, m->body_len, payload);
    plx_buf cr = {0}, signed_h = {0}, headers = {0}, q = {0};
    /* the signed header names go into the query, so compute them first */
    st = plx_sigv4_canonical_headers(&headers, &signed_h, m->headers);
    if (st == PLX_OK && m->query_len)
        st = plx_buf_append(&q, m->query, m->query_len);
    if (st == PLX_OK)
        st = presign_params(s, o, date, &signed_h, &q);
    plx_buf_reset(&signed_h);
    if (st == PLX_OK)
        st = canonical_request(o, m, q.data, q.len, payload, &cr, &signed_h);
    if (st == PLX_OK)
        st = sign_canonical(s, o, date, &cr, signature, dbg);
    if (st == PLX_OK)
        st = plx_buf_append(query_out, q.data, q.len);
    if (st == PLX_OK)
        st = add_param(query_out, "X-Amz-Signature", signature, 64);
    if (st == PLX_OK && s->session_token && o->omit_session_token)
        st = add_param(query_out, "X-Amz-Security-Token", s->session_token,
                       strlen(s->session_token));
    plx_buf_free(&cr);
    plx_buf_free(&signed_h);
    plx_buf_free(&headers);
    plx_buf_free(&q);
    return st;
}

/* The message view of a request; adds Host when missing. */
static plx_status message_of(plx_request *req, plx_sigv4_message *m)
{
    char host[256];
    const char *path, *query;
    size_t path_len, query_len;
    if (!plx_sigv4_split_url(req->url, host, sizeof host, &path, &path_len, &query,
                             &query_len))
        return plx_fail(NULL, PLX_EINVAL, "SigV4: the request URL has no usable host");
    if (!plx_headers_get(&req->headers, "host")) {
        plx_status st = plx_headers_set(&req->headers, "Host", host);
        if (st != PLX_OK)
            return st;
    }
    *m = (plx_sigv4_message){.method = req->method, .path = path, .path_len = path_len,
                             .query = query, .query_len = query_len,
                             .headers = &req->headers, .body = req->body,
                             .body_len = req->body_len};
    return PLX_OK;
}

plx_status plx_sigv4_sign_request(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                  plx_request *req)
{
    plx_sigv4_message m;
    plx_status st = message_of(req, &m);
    return st == PLX_OK ? plx_sigv4_sign_message(s, o, &m, NULL) : st;
}

plx_status plx_sigv4_presign_request(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                     plx_request *req)
{
    plx_sigv4_message m;
    plx_status st = message_of(req, &m);
    if (st != PLX_OK)
        return st;
    plx_sigv4_options opts = *o;
    if (opts.content_sha256_header)
        opts.unsigned_payload = true;   /* S3 presigned URLs never sign the body */
    plx_headers_remove(&req->headers, "authorization");
    plx_headers_remove(&req->headers, "x-amz-date");
    plx_headers_remove(&req->headers, PLX_SIGV4_SCOPE_HEADER);
    plx_buf query = {0}, url = {0};
    st = plx_sigv4_presign_message(s, &opts, &m, &query, NULL);
    size_t base = (size_t)(m.path + m.path_len - req->url);
    if (st == PLX_OK)
        st = plx_buf_append(&url, req->url, base);
    if (st == PLX_OK)
        st = plx_buf_append(&url, "?", 1);
    if (st == PLX_OK)
        st = plx_buf_append(&url, query.data, query.len);
    if (st == PLX_OK)
        st = plx_request_set_url(req, url.data);
    plx_buf_free(&query);
    plx_buf_free(&url);
    return st;
}

plx_status plx_sigv4_presign_url(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                 const char *method, const char *url, char **out)
{
    *out = NULL;
    plx_request *req = NULL;
    plx_status st = plx_request_create(method, url, &req);
    if (st != PLX_OK)
        return plx_fail(NULL, st, "SigV4: invalid method or URL to presign");
    st = plx_sigv4_presign_request(s, o, req);
    if (st == PLX_OK) {
        *out = req->url;
        req->url = NULL;
    }
    plx_request_free(req);
    return st;
}
