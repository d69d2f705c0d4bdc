/* plx_object_get: a GetObject whose body goes through a body sink to the
 * caller's sink as it arrives. One exchange carries the whole download:
 * when an attempt breaks, the exchange's retry runs the next attempt, and
 * before it this file rewrites the request's Range (from the first byte
 * not delivered) and If-Match (the ETag seen first). Each attempt's body
 * is checked against its Content-Length and Content-Range, bytes the
 * caller already has are skipped, and the sum must be the whole range. */
#include "s3.h"
#include "../http/http_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERROR_BODY_MAX (64 * 1024)

typedef struct get_call {
    plx_provider *p;
    plx_exchange x;
    plx_object_sink_fn sink;
    void *user_data;
    int fd;                     /* file mode: >= 0 */
    uint64_t want_start;        /* the requested range */
    int64_t want_end;           /* inclusive; -1: to the end */
    uint64_t delivered;         /* bytes the sink has */
    /* this attempt */
    bool started;               /* its 2xx headers were checked */
    int status;                 /* and their status */
    uint64_t skip;              /* bytes at its start the sink already has */
    uint64_t attempt_bytes;
    int64_t attempt_expect;     /* its Content-Length, -1 if unknown */
    /* the object, from the first 2xx reply */
    char etag[160];             /* as sent, quotes included */
    int64_t object_size;        /* -1: unknown */
    uint32_t resumes;
    plx_status fail;            /* why this file stopped a transfer */
    char fail_msg[256];
} get_call;

static plx_status stop(get_call *g, plx_status st, const char *fmt, ...) PLX_PRINTF(3, 4);

static plx_status stop(get_call *g, plx_status st, const char *fmt, ...)
{
    if (g->fail == PLX_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->fail_msg, sizeof g->fail_msg, fmt, ap);
        va_end(ap);
        g->fail = st;
    }
    return st;
}

/* The last byte wanted (inclusive), or -1 while unknown. */
static int64_t want_last(const get_call *g)
{
    if (g->want_end >= 0)
        return g->object_size >= 0 && g->want_end >= g->object_size ? g->object_size - 1
                                                                   : g->want_end;
    return g->object_size >= 0 ? g->object_size - 1 : -1;
}

static bool parse_u64(const char *s, const char **end, uint64_t *out)
{
    char *e = NULL;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno)
        return false;
    *out = v;
    *end = e;
    return true;
}

/* "bytes A-B/TOTAL" (TOTAL may be "*"). */
static bool content_range(const char *v, uint64_t *a, uint64_t *b, int64_t *total)
{
    const char *p;
    uint64_t t;
    if (!v || strncmp(v, "bytes ", 6) != 0 || !parse_u64(v + 6, &p, a) || *p != '-' ||
        !parse_u64(p + 1, &p, b) || *p != '/' || *b < *a)
        return false;
    if (strcmp(p + 1, "*") == 0) {
        *total = -1;
        return true;
    }
    if (!parse_u64(p + 1, &p, &t) || *p || t > INT64_MAX || *b >= t)
        return false;
    *total = (int64_t)t;
    return true;
}

static int64_t content_length(const plx_response *resp)
{
    const char *v = plx_response_header(resp, "content-length"), *end;
    uint64_t n;
    return v && parse_u64(v, &end, &n) && !*end && n <= INT64_MAX ? (int64_t)n : -1;
}

/* The headers of a 2xx reply: the same object as before, and where its
 * body starts relative to what the sink already has. */
static plx_status begin_body(get_call *g, const plx_response *resp)
{
    const char *etag = plx_response_header(resp, "etag");
    uint64_t pos = g->want_start + g->delivered, start = 0, last;
    int64_t total = -1;
    if (g->etag[0] && (!etag || strcmp(etag, g->etag) != 0))
        return stop(g, PLX_EPROTOCOL, "the object changed during the download (ETag %s, "
                    "was %s)", etag ? etag : "missing", g->etag);
    if (!g->etag[0] && etag)
        snprintf(g->etag, sizeof g->etag, "%s", etag);
    g->attempt_expect = content_length(resp);
    if (resp->status == 206) {
        if (!content_range(plx_response_header(resp, "content-range"), &start, &last, &total))
            return stop(g, PLX_EPROTOCOL, "a 206 reply without a valid Content-Range");
    } else {
        total = g->attempt_expect;   /* a 200 is the whole object */
    }
    if (total >= 0)
        g->object_size = total;
    if (start > pos)
        return stop(g, PLX_EPROTOCOL, "the reply starts at byte %" PRIu64 ", after byte %"
                    PRIu64 " which is still missing", start, pos);
    g->skip = pos - start;
    g->started = true;
    g->status = resp->status;
    return PLX_OK;
}

static plx_status to_sink(get_call *g, const void *data, size_t len)
{
    if (g->fd >= 0) {
        for (size_t done = 0; done < len;) {
            ssize_t n = write(g->fd, (const char *)data + done, len - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return stop(g, PLX_EIO, "writing the file failed: %s", strerror(errno));
            done += (size_t)n;
        }
        return PLX_OK;
    }
    if (g->sink(data, len, g->user_data) != 0)
        return stop(g, PLX_ECANCELED, "stopped by the sink after %" PRIu64 " bytes",
                    g->delivered);
    return PLX_OK;
}

/* Passes on the bytes the sink does not have yet, up to the range's end. */
static plx_status deliver(get_call *g, const char *data, size_t len)
{
    size_t drop = g->skip < len ? (size_t)g->skip : len;
    g->skip -= drop;
    data += drop;
    len -= drop;
    int64_t last = want_last(g);
    if (last >= 0) {
        uint64_t pos = g->want_start + g->delivered, end = (uint64_t)last + 1;
        uint64_t room = end > pos ? end - pos : 0;
        if (len > room)
            len = (size_t)room;
    }
    if (len == 0)
        return PLX_OK;
    plx_status st = to_sink(g, data, len);
    if (st == PLX_OK)
        g->delivered += len;
    return st;
}

static plx_status get_sink(plx_response *resp, const void *data, size_t len, void *ud)
{
    get_call *g = ud;
    if (resp->status < 200 || resp->status >= 300) {
        /* an error reply, kept (capped) for the kind's parse */
        size_t room = ERROR_BODY_MAX - (resp->body.len < ERROR_BODY_MAX ? resp->body.len
                                                                       : ERROR_BODY_MAX);
        return plx_buf_append(&resp->body, data, len < room ? len : room);
    }
    if (!g->started) {
        plx_status st = begin_body(g, resp);
        if (st != PLX_OK)
            return st;
    }
    g->attempt_bytes += len;
    return deliver(g, data, len);
}

/* Whether the range is complete; unknown ends count as complete. */
static bool complete(const get_call *g)
{
    int64_t last = want_last(g);
    return last < 0 || g->want_start + g->delivered >= (uint64_t)last + 1 ||
           (uint64_t)(last + 1) <= g->want_start;
}

/* Judges an attempt the transport finished: a body shorter than announced,
 * or a range still incomplete, is a broken transfer (retried, resumed). */
static plx_status judge(get_call *g, plx_status st)
{
    plx_response *resp = g->x.resp;
    if (g->fail != PLX_OK)
        return g->fail;
    if ((st == PLX_ETRANSPORT || st == PLX_ETIMEOUT) && g->started && want_last(g) >= 0 &&
        complete(g)) {
        /* broken after the last byte wanted: nothing is missing */
        plx_response_set_status(resp, g->status);
        return PLX_OK;
    }
    if (st != PLX_OK || resp->status < 200 || resp->status >= 300)
        return st;
    if (!g->started && begin_body(g, resp) != PLX_OK)
        return g->fail;
    char msg[160];
    if (g->attempt_expect >= 0 && g->attempt_bytes < (uint64_t)g->attempt_expect) {
        snprintf(msg, sizeof msg, "the body ended after %" PRIu64 " of %" PRId64 " bytes",
                 g->attempt_bytes, g->attempt_expect);
    } else if (!complete(g)) {
        snprintf(msg, sizeof msg, "the reply ended at byte %" PRIu64 " of the range",
                 g->delivered);
    } else {
        return PLX_OK;
    }
    plx_response_set_error_message(resp, msg);
    return PLX_ETRANSPORT;
}

/* Before a retry: ask for what is still missing, of the same object. */
static void prepare_resume(get_call *g)
{
    plx_request *req = g->x.base_req;
    if (g->delivered == 0 && !g->etag[0])
        return;
    char range[80];
    uint64_t pos = g->want_start + g->delivered;
    if (g->want_end >= 0)
        snprintf(range, sizeof range, "bytes=%" PRIu64 "-%" PRId64, pos, g->want_end);
    else
        snprintf(range, sizeof range, "bytes=%" PRIu64 "-", pos);
    /* A failure here only costs bytes: begin_body skips what is known. */
    plx_request_set_header(req, "Range", range);
    if (g->etag[0])
        plx_request_set_header(req, "If-Match", g->etag);
    if (g->delivered)
        g->resumes++;
}

static void run(get_call *g, const plx_transport_funcs *t)
{
    for (;;) {
        uint64_t now = plx_now_us();
        plx_step step = plx_exchange_next(&g->x, now);
        if (step == PLX_STEP_DONE)
            return;
        if (step == PLX_STEP_WAIT) {
            plx_sleep_ms((g->x.wake_at_us - now + 999u) / 1000u);
            continue;
        }
        g->started = false;
        g->skip = g->attempt_bytes = 0;
        g->attempt_expect = -1;
        plx_status st = judge(g, plx_transport_send(t, g->x.attempt_req, g->x.resp));
        plx_exchange_complete(&g->x, st, plx_now_us());
        if (!g->x.finished)
            prepare_resume(g);
    }
}

static plx_status write_result(plx_provider *p, plx_reply *r, void *user_data)
{
    get_call *g = user_data;
    plx_jw *w = r->out;
    if (r->failed) {
        plx_jw_int(w, "delivered", (int64_t)g->delivered);
        return PLX_OK;
    }
    if (!complete(g))   /* judge() retries these; never report one as done */
        return plx_fail(p->ctx, PLX_EPROTOCOL, "the download ended after %" PRIu64 " bytes, "
                        "short of the range", g->delivered);
    plx_jw_int(w, "size", (int64_t)g->delivered);
    if (g->object_size >= 0)
        plx_jw_int(w, "object_size", g->object_size);
    plx_s3_write_headers(w, r->resp);
    plx_jw_int(w, "resumed", g->resumes);
    return PLX_OK;
}

/* ---- the call ---- */

/* The range the builder checked already. */
static void read_range(const cJSON *request, get_call *g)
{
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(request, "range");
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(range, "start");
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(range, "end");
    g->want_start = cJSON_IsNumber(start) ? (uint64_t)start->valuedouble : 0;
    g->want_end = cJSON_IsNumber(end) ? (int64_t)end->valuedouble : -1;
}

/* Parses the request and builds the GetObject (validated by the builder). */
static plx_status prepare(get_call *g, const char *request_json, bool have_sink,
                          const char **file, cJSON **request)
{
    static const char *const keys[] = {"bucket", "key", "range", "file", NULL};
    plx_provider *p = g->p;
    plx_cfg cfg = {p->ctx, "request"};
    plx_s3_target t;
    plx_request *req = NULL;
    plx_status st = plx_json_parse(p->ctx, request_json, "request", PLX_EINVAL, request);
    if (st == PLX_OK && !cJSON_IsObject(*request))
        st = plx_fail(p->ctx, PLX_EINVAL, "request: expected a JSON object");
    if (st == PLX_OK && (plx_cfg_check_keys(&cfg, *request, keys) != PLX_OK ||
                         plx_cfg_string(&cfg, *request, "file", file) != PLX_OK))
        st = PLX_EINVAL;
    if (st == PLX_OK && have_sink == (*file != NULL))
        st = plx_fail(p->ctx, PLX_EINVAL, "request.file: give a sink or a file, not %s",
                      have_sink ? "both" : "neither");
    if (st == PLX_OK)
        st = plx_s3_target_read(p, *request, true, &t);
    if (st == PLX_OK)
        st = plx_s3_get_request(p, &t, *request, &req);
    if (st != PLX_OK) {
        plx_request_free(req);
        return st;
    }
    read_range(*request, g);
    req->max_reply_bytes = SIZE_MAX;   /* the body streams; nothing is buffered */
    req->sink = get_sink;
    req->sink_data = g;
    __atomic_add_fetch(&p->stats.calls, 1, __ATOMIC_RELAXED);
    return plx_exchange_init(&g->x, p->ctx, &p->policy, p->auth, p->name, req);
}

static plx_status open_file(get_call *g, const char *path)
{
    g->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (g->fd < 0)
        return plx_fail(g->p->ctx, PLX_EIO, "request.file: cannot create '%s': %s", path,
                        strerror(errno));
    return PLX_OK;
}

/* Closes the file before the result is written: a failed close fails the
 * download. */
static void close_file(get_call *g, const char *path)
{
    if (g->fd < 0)
        return;
    if (close(g->fd) != 0 && g->x.status == PLX_OK) {
        g->x.status = PLX_EIO;
        snprintf(g->x.message, sizeof g->x.message, "closing '%s' failed: %s", path,
                 strerror(errno));
    }
    g->fd = -1;
}

PLX_API plx_status plx_object_get(plx_provider *p, const char *request_json,
                                  plx_object_sink_fn sink, void *user_data,
                                  char **result_json)
{
    if (result_json)
        *result_json = NULL;
    if (!p || !request_json || !result_json)
        return plx_fail(p ? p->ctx : NULL, PLX_EINVAL, "plx_object_get: provider, request "
                        "and result must not be NULL");
    if (p->kind != &plx_kind_s3)
        return plx_fail(p->ctx, PLX_EUNSUPPORTED, "plx_object_get: provider '%s' is of kind "
                        "'%s', not 's3'", p->name, p->kind->name);
    const plx_transport_funcs *t = plx_provider_transport(p);
    if (!t)
        return PLX_ENOMEM;
    get_call g = {.p = p, .sink = sink, .user_data = user_data, .fd = -1, .want_end = -1,
                  .object_size = -1};
    const char *file = NULL;
    cJSON *request = NULL;
    plx_status st = prepare(&g, request_json, sink != NULL, &file, &request);
    if (st == PLX_OK && file)
        st = open_file(&g, file);
    if (st != PLX_OK) {
        plx_exchange_cleanup(&g.x);
        cJSON_Delete(request);
        plx_errmsg_prefix(p->ctx, "provider '%s', op 'get_object'", p->name);
        return st;
    }
    run(&g, t);
    if (g.fail != PLX_OK && g.x.status != PLX_OK) {
        g.x.status = g.fail;
        snprintf(g.x.message, sizeof g.x.message, "%s", g.fail_msg);
    }
    close_file(&g, file);
    plx_reply_writer writer = {write_result, &g};
    st = plx_call_finish_with(p, "get_object", &g.x, &writer, result_json);
    if (file && st != PLX_OK)
        unlink(file);   /* no partial file that could pass for the object */
    cJSON_Delete(request);
    return st;
}
