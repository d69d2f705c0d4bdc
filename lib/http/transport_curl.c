/* The curl transport: blocking sends on pooled easy handles, asynchronous
 * exchanges on one multi handle. The only file (with url.c and date.c) that
 * includes curl. */
#include "http_internal.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Idle easy handles kept per pool; more are cleaned up when returned. */
#define POOL_MAX_IDLE 64
/* Cap on the reply's header bytes (all lines, 1xx and CONNECT included), so
 * a hostile server cannot grow memory without bound. */
#define MAX_HEADER_BYTES (256 * 1024)
/* A poll with timeout -1 waits this long; the caller loops. */
#define POLL_FOREVER_SLICE_MS 1000

/* One exchange on one easy handle. Pooled: the handle keeps its connection
 * cache across curl_easy_reset, so keep-alive connections are reused. */
/* The options a handle was last fully configured for; a request that
 * needs others resets the handle (rare: one provider's settings differ). */
typedef struct xfer_config {
    bool valid;
    bool verify;
    bool compression;
    char *ca_file;
    char *ca_dir;
} xfer_config;

typedef struct xfer {
    struct xfer *next, *prev;       /* pool (next only) or active list */
    CURL *easy;
    xfer_config config;             /* survives xfer_reset */
    struct curl_slist *headers;
    plx_response *resp;
    size_t max_reply;
    size_t header_bytes;
    plx_status cb_status;           /* why a callback aborted, or PLX_OK */
    char cb_msg[512];               /* our message for that abort */
    char errbuf[CURL_ERROR_SIZE];
    plx_transport_done_fn done;
    void *done_data;
} xfer;

typedef struct curl_transport {
    pthread_mutex_t lock;           /* guards idle, idle_count */
    xfer *idle;                     /* blocking pool, LIFO */
    size_t idle_count;
    CURLM *multi;                   /* everything below: poll thread only */
    xfer *async_idle;
    size_t async_idle_count;
    xfer *active;                   /* in the multi, doubly linked */
} curl_transport;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- status mapping ---------------------------------------------------- */

static plx_status map_curl_code(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return PLX_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return PLX_ETIMEOUT;
    case CURLE_FILESIZE_EXCEEDED:
        return PLX_ETOOBIG;
    case CURLE_OUT_OF_MEMORY:
        return PLX_ENOMEM;
    case CURLE_URL_MALFORMAT:
        return PLX_EINVAL;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION: /* also CURLE_SSL_CACERT */
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
#if LIBCURL_VERSION_NUM >= 0x074d00
    case CURLE_SSL_CLIENTCERT:
#endif
        return PLX_ETLS;
    default:
        return PLX_ETRANSPORT;
    }
}

static plx_status map_multi_code(CURLMcode mc)
{
    return mc == CURLM_OUT_OF_MEMORY ? PLX_ENOMEM : PLX_EINTERNAL;
}

/* ---- callbacks --------------------------------------------------------- */

static size_t abort_with(xfer *x, plx_status st, const char *msg)
{
    x->cb_status = st;
    snprintf(x->cb_msg, sizeof x->cb_msg, "%s", msg);
    return 0; /* a short count makes curl fail the transfer */
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Adds a "Name: value" line; lines that are not valid headers are skipped. */
static plx_status add_header_line(plx_response *resp, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (!colon || colon == line || memchr(line, '\0', len))
        return PLX_OK;
    const char *v = colon + 1, *end = line + len;
    while (v < end && is_space(*v))
        v++;
    while (end > v && is_space(end[-1]))
        end--;
    plx_status st = plx_headers_add_n(&resp->headers, line, (size_t)(colon - line), v,
                                      (size_t)(end - v));
    return st == PLX_ENOMEM ? st : PLX_OK;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    x->header_bytes += len;
    if (x->header_bytes > MAX_HEADER_BYTES)
        return abort_with(x, PLX_ETOOBIG, "reply headers larger than 256 KiB");
    /* A new status line (after 1xx, or a proxy's CONNECT reply) starts over. */
    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        plx_headers_free(&x->resp->headers);
        x->resp->status = 0;
        return len;
    }
    /* The blank line ending a header block: body sinks see the status. */
    if (len <= 2 && (buf[0] == '\r' || buf[0] == '\n')) {
        long code = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200 && code <= 999)
            x->resp->status = (int)code;
        return len;
    }
    if (add_header_line(x->resp, buf, len) != PLX_OK)
        return abort_with(x, PLX_ENOMEM, "out of memory storing reply headers");
    return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    plx_status st = plx_response_append_body(x->resp, buf, len);
    if (st == PLX_OK)
        return len;
    char msg[sizeof x->cb_msg];
    if (x->resp->error) /* a body sink said why */
        snprintf(msg, sizeof msg, "%s", x->resp->error);
    else if (st == PLX_ETOOBIG)
        snprintf(msg, sizeof msg, "reply body larger than max_reply_bytes (%zu)",
                 x->max_reply);
    else
        snprintf(msg, sizeof msg, "storing the reply body failed: %s",
                 plx_status_str(st));
    return abort_with(x, st, msg);
}

/* ---- per-request setup ------------------------------------------------- */

/* Keeps the first error of a series of setopt calls. */
#define SETOPT(rc, h, opt, val)                        \
    do {                                               \
        if ((rc) == CURLE_OK)                          \
            (rc) = curl_easy_setopt((h), (opt), (val)); \
    } while (0)

static long clamp_long(uint64_t v)
{
    return v > (uint64_t)LONG_MAX ? LONG_MAX : (long)v;
}

static bool method_is(const plx_request *req, const char *m)
{
    return strcmp(req->method, m) == 0;
}

/* Methods whose requests carry a body even when empty (Content-Length: 0). */
static bool wants_body(const plx_request *req)
{
    return req->body_len || method_is(req, "POST") || method_is(req, "PUT") ||
           method_is(req, "PATCH");
}

static plx_status append_header(xfer *x, const char *name, const char *value)
{
    /* Surrounding whitespace is not part of a field value (RFC 9110 5.5);
     * trimming keeps what is sent equal to what a signer canonicalised. */
    size_t len = strlen(value);
    while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    while (len && (*value == ' ' || *value == '\t'))
        value++, len--;
    plx_buf b = {0};
    /* "Name:" would tell curl to drop the header; "Name;" sends it empty. */
    plx_status st = len ? plx_buf_printf(&b, "%s: %.*s", name, (int)len, value)
                        : plx_buf_printf(&b, "%s;", name);
    struct curl_slist *l = st == PLX_OK ? curl_slist_append(x->headers, b.data) : NULL;
    plx_buf_free(&b);
    if (!l)
        return PLX_ENOMEM;
    x->headers = l;
    return PLX_OK;
}

static plx_status add_raw_header(xfer *x, const char *line)
{
    struct curl_slist *l = curl_slist_append(x->headers, line);
    if (!l)
        return PLX_ENOMEM;
    x->headers = l;
    return PLX_OK;
}

static plx_status build_headers(xfer *x, const plx_request *req)
{
    plx_status st = PLX_OK;
    for (size_t i = 0; i < req->headers.count && st == PLX_OK; i++)
        st = append_header(x, req->headers.items[i].name, req->headers.items[i].value);
    /* "Name:" lines remove curl's defaults: no 100-continue round trip, and
     * no form content type on a body the caller did not label. */
    if (st == PLX_OK && !plx_headers_get(&req->headers, "Expect"))
        st = add_raw_header(x, "Expect:");
    if (st == PLX_OK && wants_body(req) && !plx_headers_get(&req->headers, "Content-Type"))
        st = add_raw_header(x, "Content-Type:");
    return st;
}

static CURLcode set_method(xfer *x, const plx_request *req)
{
    CURLcode rc = CURLE_OK;
    /* Undo the previous request's method first: the handle is not reset. */
    SETOPT(rc, x->easy, CURLOPT_POSTFIELDS, NULL);
    SETOPT(rc, x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
    SETOPT(rc, x->easy, CURLOPT_CUSTOMREQUEST, NULL);
    SETOPT(rc, x->easy, CURLOPT_HTTPGET, 1L);
    if (method_is(req, "HEAD")) {
        SETOPT(rc, x->easy, CURLOPT_NOBODY, 1L);
        return rc;
    }
    if (!wants_body(req)) {
        if (!method_is(req, "GET"))
            SETOPT(rc, x->easy, CURLOPT_CUSTOMREQUEST, req->method);
        return rc;
    }
    /* POSTFIELDS does not copy: the request outlives the transfer. */
    SETOPT(rc, x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    SETOPT(rc, x->easy, CURLOPT_POSTFIELDS, req->body_len ? (const char *)req->body : "");
    SETOPT(rc, x->easy, CURLOPT_CUSTOMREQUEST, req->method);
    return rc;
}

static CURLcode set_tls(xfer *x, const plx_tls_options *tls)
{
    CURLcode rc = CURLE_OK;
    if (!tls)
        return rc;
    if (!tls->verify) {
        SETOPT(rc, x->easy, CURLOPT_SSL_VERIFYPEER, 0L);
        SETOPT(rc, x->easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (tls->ca_file)
        SETOPT(rc, x->easy, CURLOPT_CAINFO, tls->ca_file);
    if (tls->ca_dir)
        SETOPT(rc, x->easy, CURLOPT_CAPATH, tls->ca_dir);
    return rc;
}

/* Options that are the same for every request: set once per handle. */
static CURLcode set_constant(xfer *x)
{
    CURLcode rc = CURLE_OK;
    CURL *h = x->easy;
    SETOPT(rc, h, CURLOPT_ERRORBUFFER, x->errbuf);
    SETOPT(rc, h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(rc, h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    SETOPT(rc, h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(rc, h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    /* Redirects are followed above us, so credentials never change host. */
    SETOPT(rc, h, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(rc, h, CURLOPT_TCP_KEEPALIVE, 1L);
    /* In the multi, concurrent transfers to one host wait for a connection
     * that may multiplex (HTTP/2) instead of each opening their own. */
    SETOPT(rc, h, CURLOPT_PIPEWAIT, 1L);
    SETOPT(rc, h, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(rc, h, CURLOPT_HEADERDATA, x);
    SETOPT(rc, h, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(rc, h, CURLOPT_WRITEDATA, x);
    SETOPT(rc, h, CURLOPT_PRIVATE, x);
    return rc;
}

static bool same_string(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool config_matches(const xfer_config *c, const plx_request *req)
{
    const plx_tls_options *tls = req->tls;
    bool verify = tls ? tls->verify : true;
    return c->valid && c->verify == verify && c->compression == req->accept_compressed &&
           same_string(c->ca_file, tls ? tls->ca_file : NULL) &&
           same_string(c->ca_dir, tls ? tls->ca_dir : NULL);
}

static void config_clear(xfer_config *c)
{
    free(c->ca_file);
    free(c->ca_dir);
    *c = (xfer_config){0};
}

/* Resets the handle (live connections stay) and sets everything that does
 * not change from request to request for this configuration. */
static CURLcode configure(xfer *x, const plx_request *req)
{
    curl_easy_reset(x->easy);
    config_clear(&x->config);
    CURLcode rc = set_constant(x);
    if (rc == CURLE_OK)
        rc = set_tls(x, req->tls);
    /* Compression costs CPU per request (curl builds the header each
     * time), so it is opt-in per provider. */
    if (rc == CURLE_OK && req->accept_compressed)
        SETOPT(rc, x->easy, CURLOPT_ACCEPT_ENCODING, "");
    if (rc != CURLE_OK)
        return rc;
    xfer_config *c = &x->config;
    c->verify = req->tls ? req->tls->verify : true;
    c->compression = req->accept_compressed;
    c->ca_file = req->tls && req->tls->ca_file ? plx_strdup(req->tls->ca_file) : NULL;
    c->ca_dir = req->tls && req->tls->ca_dir ? plx_strdup(req->tls->ca_dir) : NULL;
    c->valid = (!req->tls || !req->tls->ca_file || c->ca_file) &&
               (!req->tls || !req->tls->ca_dir || c->ca_dir);
    return CURLE_OK;
}

/* Options that change with each request. */
static CURLcode set_per_request(xfer *x, const plx_request *req)
{
    CURLcode rc = CURLE_OK;
    CURL *h = x->easy;
    SETOPT(rc, h, CURLOPT_URL, req->url);
    SETOPT(rc, h, CURLOPT_HTTPHEADER, x->headers);
    SETOPT(rc, h, CURLOPT_TIMEOUT_MS, clamp_long(req->timeout_ms));
    SETOPT(rc, h, CURLOPT_CONNECTTIMEOUT_MS, clamp_long(req->connect_timeout_ms));
    /* An announced Content-Length over the cap fails before any byte. Not
     * for HEAD: its Content-Length describes a body that is not sent. */
    curl_off_t cap = 0;
    if (req->max_reply_bytes < SIZE_MAX && !method_is(req, "HEAD"))
        cap = (curl_off_t)(req->max_reply_bytes > INT64_MAX ? INT64_MAX : req->max_reply_bytes);
    SETOPT(rc, h, CURLOPT_MAXFILESIZE_LARGE, cap);
    return rc;
}

static plx_status xfer_setup(xfer *x, const plx_request *req, plx_response *resp)
{
    plx_response_clear(resp);
    x->resp = resp;
    x->max_reply = req->max_reply_bytes;
    plx_status st = build_headers(x, req);
    if (st != PLX_OK) {
        plx_response_set_error_message(resp, "out of memory building request headers");
        return st;
    }
    CURLcode rc = config_matches(&x->config, req) ? CURLE_OK : configure(x, req);
    if (rc == CURLE_OK)
        rc = set_per_request(x, req);
    if (rc == CURLE_OK)
        rc = set_method(x, req);
    if (rc == CURLE_OK)
        return PLX_OK;
    char msg[128];
    snprintf(msg, sizeof msg, "curl setup failed: %s", curl_easy_strerror(rc));
    plx_response_set_error_message(resp, msg);
    return rc == CURLE_OUT_OF_MEMORY ? PLX_ENOMEM : PLX_EINTERNAL;
}

/* Sets the detail of a failed exchange: our callback's reason, else curl's
 * error buffer (never holds header values), else curl's generic text. */
static void set_failure_message(xfer *x, CURLcode rc)
{
    char msg[CURL_ERROR_SIZE + 512];
    if (x->cb_status != PLX_OK)
        snprintf(msg, sizeof msg, "%s", x->cb_msg);
    else if (rc == CURLE_FILESIZE_EXCEEDED)
        snprintf(msg, sizeof msg, "reply Content-Length exceeds max_reply_bytes (%zu)",
                 x->max_reply);
    else if (x->errbuf[0])
        snprintf(msg, sizeof msg, "%s", x->errbuf);
    else
        snprintf(msg, sizeof msg, "%s", curl_easy_strerror(rc));
    size_t n = strlen(msg);
    while (n && is_space(msg[n - 1]))
        msg[--n] = '\0';
    plx_response_set_error_message(x->resp, msg);
}

static plx_status xfer_finish(xfer *x, CURLcode rc)
{
    plx_status st = x->cb_status != PLX_OK ? x->cb_status : map_curl_code(rc);
    if (st != PLX_OK) {
        set_failure_message(x, rc);
        x->resp->status = 0; /* an incomplete reply has no status */
        return st;
    }
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code < 100 || code > 999 || plx_response_set_status(x->resp, (int)code) != PLX_OK) {
        plx_response_set_error_message(x->resp, "no valid HTTP status in the reply");
        return PLX_EPROTOCOL;
    }
    return PLX_OK;
}

/* ---- handle pools ------------------------------------------------------ */

static xfer *xfer_new(void)
{
    xfer *x = calloc(1, sizeof *x);
    if (x && !(x->easy = curl_easy_init())) {
        free(x);
        x = NULL;
    }
    return x;
}

static void xfer_free(xfer *x)
{
    config_clear(&x->config);
    curl_slist_free_all(x->headers);
    curl_easy_cleanup(x->easy);
    free(x);
}

static void xfer_free_list(xfer *x)
{
    while (x) {
        xfer *next = x->next;
        xfer_free(x);
        x = next;
    }
}

/* Clears per-request state; the handle keeps its options and its live
 * connections. */
static void xfer_reset(xfer *x)
{
    curl_slist_free_all(x->headers);
    CURL *easy = x->easy;
    xfer_config config = x->config;
    memset(x, 0, sizeof *x);
    x->easy = easy;
    x->config = config;
}

/* Pools are LIFO: the most recently used handle has the warmest
 * connection. */
static xfer *pool_pop(xfer **pool, size_t *count)
{
    xfer *x = *pool;
    if (x) {
        *pool = x->next;
        (*count)--;
        x->next = NULL;
    }
    return x;
}

static void pool_put(xfer **pool, size_t *count, xfer *x)
{
    x->next = *pool;
    *pool = x;
    (*count)++;
}

static xfer *blocking_take(curl_transport *t)
{
    pthread_mutex_lock(&t->lock);
    xfer *x = pool_pop(&t->idle, &t->idle_count);
    pthread_mutex_unlock(&t->lock);
    return x ? x : xfer_new(); /* curl_easy_init outside the lock */
}

static void blocking_put(curl_transport *t, xfer *x)
{
    xfer_reset(x); /* outside the lock: curl_easy_reset is not free */
    pthread_mutex_lock(&t->lock);
    bool keep = t->idle_count < POOL_MAX_IDLE;
    if (keep)
        pool_put(&t->idle, &t->idle_count, x);
    pthread_mutex_unlock(&t->lock);
    if (!keep)
        xfer_free(x);
}

static void async_put(curl_transport *t, xfer *x)
{
    xfer_reset(x);
    if (t->async_idle_count < POOL_MAX_IDLE)
        pool_put(&t->async_idle, &t->async_idle_count, x);
    else
        xfer_free(x);
}

static void active_unlink(curl_transport *t, xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        t->active = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->next = x->prev = NULL;
}

/* ---- slots ------------------------------------------------------------- */

static plx_status curl_send(const plx_request *req, plx_response *resp, void *ud)
{
    curl_transport *t = ud;
    xfer *x = blocking_take(t);
    if (!x) {
        plx_response_set_error_message(resp, "out of memory creating a curl handle");
        return PLX_ENOMEM;
    }
    plx_status st = xfer_setup(x, req, resp);
    if (st == PLX_OK)
        st = xfer_finish(x, curl_easy_perform(x->easy));
    blocking_put(t, x);
    return st;
}

static plx_status curl_submit(const plx_request *req, plx_response *resp,
                              plx_transport_done_fn done, void *done_data, void *ud)
{
    curl_transport *t = ud;
    xfer *x = pool_pop(&t->async_idle, &t->async_idle_count);
    if (!x)
        x = xfer_new();
    if (!x) {
        plx_response_set_error_message(resp, "out of memory creating a curl handle");
        return PLX_ENOMEM;
    }
    plx_status st = xfer_setup(x, req, resp);
    if (st == PLX_OK) {
        CURLMcode mc = curl_multi_add_handle(t->multi, x->easy);
        if (mc != CURLM_OK) {
            plx_response_set_error_message(resp, curl_multi_strerror(mc));
            st = map_multi_code(mc);
        }
    }
    if (st != PLX_OK) {
        async_put(t, x);
        return st;
    }
    x->done = done;
    x->done_data = done_data;
    x->next = t->active;
    if (t->active)
        t->active->prev = x;
    t->active = x;
    return PLX_OK;
}

/* Finishes completed transfers; returns how many. The handle goes back to
 * the pool before done runs, so done may submit again. */
static int drain_completed(curl_transport *t)
{
    int finished = 0, left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(t->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result; /* msg dies with remove_handle */
        xfer *x = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(t->multi, easy);
        active_unlink(t, x);
        plx_status st = xfer_finish(x, rc);
        plx_response *resp = x->resp;
        plx_transport_done_fn done = x->done;
        void *done_data = x->done_data;
        async_put(t, x);
        done(resp, st, done_data);
        finished++;
    }
    return finished;
}

static plx_status curl_poll(int timeout_ms, void *ud)
{
    curl_transport *t = ud;
    if (timeout_ms < 0)
        timeout_ms = POLL_FOREVER_SLICE_MS;
    int running = 0;
    CURLMcode mc = curl_multi_perform(t->multi, &running);
    if (mc != CURLM_OK)
        return map_multi_code(mc);
    if (drain_completed(t) > 0 || timeout_ms == 0)
        return PLX_OK;
    /* curl_multi_poll also returns early on curl_multi_wakeup. */
    mc = curl_multi_poll(t->multi, NULL, 0, timeout_ms, NULL);
    if (mc == CURLM_OK)
        mc = curl_multi_perform(t->multi, &running);
    if (mc != CURLM_OK)
        return map_multi_code(mc);
    drain_completed(t);
    return PLX_OK;
}

static void curl_wakeup(void *ud)
{
    curl_transport *t = ud;
    curl_multi_wakeup(t->multi);
}

static void transport_free(void *ud)
{
    curl_transport *t = ud;
    if (!t)
        return;
    /* In-flight transfers are dropped without done: no call may be in
     * flight when the ctx goes away. */
    while (t->active) {
        xfer *x = t->active;
        curl_multi_remove_handle(t->multi, x->easy);
        active_unlink(t, x);
        xfer_free(x);
    }
    xfer_free_list(t->async_idle);
    xfer_free_list(t->idle);
    if (t->multi)
        curl_multi_cleanup(t->multi);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static plx_status transport_alloc(curl_transport **out)
{
    curl_transport *t = calloc(1, sizeof *t);
    if (!t)
        return PLX_ENOMEM;
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        return PLX_ENOMEM;
    }
    t->multi = curl_multi_init();
    if (!t->multi) {
        transport_free(t);
        return PLX_ENOMEM;
    }
    *out = t;
    return PLX_OK;
}

plx_status plx_curl_transport_new(plx_ctx *ctx, plx_transport_funcs **out)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return plx_fail(ctx, PLX_ETRANSPORT, "curl_global_init failed: %s",
                        curl_easy_strerror(global_rc));
    curl_transport *t = NULL;
    plx_transport_funcs *f = NULL;
    plx_status st = transport_alloc(&t);
    if (st == PLX_OK)
        st = plx_transport_funcs_new(&f);
    if (st != PLX_OK) {
        transport_free(t);
        return plx_fail(ctx, st, "cannot create the curl transport");
    }
    /* The send slot owns the state; the others borrow it. */
    plx_transport_funcs_set_send(f, curl_send, t, transport_free);
    plx_transport_funcs_set_submit(f, curl_submit, t, NULL);
    plx_transport_funcs_set_poll(f, curl_poll, t, NULL);
    plx_transport_funcs_set_wakeup(f, curl_wakeup, t, NULL);
    plx_transport_funcs_make_immutable(f);
    *out = f;
    return PLX_OK;
}
