/* The multipart upload behind plx_object_put: CreateMultipartUpload, then
 * the parts through `concurrency` slots, each slot one part buffer (reused)
 * and one exchange (the resilience layer's retries, backoff, circuit and
 * rate limit apply per part), then CompleteMultipartUpload with the ETags
 * in part order; AbortMultipartUpload after any failure.
 *
 * Part requests are built without a body (their payload hash is set
 * already, so signing does not need it); the slot's buffer is lent to each
 * attempt's request for the transfer and taken back after it, so the
 * exchange's per-attempt copy of the request never copies a part.
 *
 * Reading the source and hashing a part happen on this thread, in slices
 * with a non-blocking poll between them, so that the parts in flight keep
 * moving meanwhile. */
#include "s3.h"
#include "../auth/sigv4.h"
#include "../crypto/crypto.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLICE ((size_t)1 << 20)

typedef enum slot_state { SLOT_FREE, SLOT_RUN, SLOT_WAIT, SLOT_FLIGHT } slot_state;

typedef struct upload upload;

typedef struct slot {
    upload *up;
    slot_state state;
    uint32_t part;
    unsigned char *buf;         /* part_size bytes, reused part after part */
    size_t len;
    plx_exchange x;
} slot;

struct upload {
    plx_provider *p;
    const plx_transport_funcs *t;
    bool async;
    const plx_s3_target *target;
    char *upload_id;
    plx_s3_source *src;
    size_t part_size;
    unsigned char *first;       /* the first part, read by the caller */
    size_t first_len;
    slot *slots;
    uint32_t nslots;
    uint32_t in_flight;         /* slots in SLOT_FLIGHT */
    char **etags;               /* by part number - 1 */
    uint32_t etag_cap;
    uint32_t parts;             /* parts started */
    bool source_done;
    bool failed;
    plx_exchange failure;       /* the first failure */
    uint32_t attempts;
    uint64_t bytes;
};

/* ---- failures ---- */

/* Keeps x as the upload's failure (the first one wins), or drops it. */
static void keep_failure(upload *up, plx_exchange *x, uint32_t part)
{
    if (up->failed) {
        plx_exchange_cleanup(x);
        return;
    }
    if (part) {   /* "UploadPart N: " before the message, which may lose its tail */
        char prefix[40];
        size_t n = (size_t)snprintf(prefix, sizeof prefix, "UploadPart %" PRIu32 ": ", part);
        size_t len = strnlen(x->message, sizeof x->message - 1);
        if (n + len >= sizeof x->message)
            len = sizeof x->message - 1 - n;
        memmove(x->message + n, x->message, len);
        memcpy(x->message, prefix, n);
        x->message[n + len] = '\0';
    }
    up->failure = *x;
    up->failed = true;
    memset(x, 0, sizeof *x);
}

static void local_failure(upload *up, plx_status st, const char *what)
{
    if (up->failed)
        return;
    plx_s3_local_failure(up->p, &up->failure, st, "%s: %s", what,
                         st == PLX_ENOMEM ? "out of memory" : plx_errmsg_current());
    up->failed = true;
}

/* ---- parts ---- */

static bool etag_room(upload *up)
{
    if (up->parts < up->etag_cap)
        return true;
    uint32_t cap = up->etag_cap ? up->etag_cap * 2 : 64;
    char **etags = realloc(up->etags, cap * sizeof *etags);
    if (!etags)
        return false;
    memset(etags + up->etag_cap, 0, (cap - up->etag_cap) * sizeof *etags);
    up->etags = etags;
    up->etag_cap = cap;
    return true;
}

/* Lets the transfers in flight progress while this thread reads or hashes. */
static void keep_moving(upload *up)
{
    if (up->async && up->in_flight)
        plx_transport_poll(up->t, 0);
}

/* Reads the rest of a part into s->buf, a slice at a time. */
static bool fill(upload *up, slot *s)
{
    while (s->len < up->part_size && !up->src->eof) {
        size_t want = up->part_size - s->len < SLICE ? up->part_size - s->len : SLICE, got;
        plx_status st = plx_s3_source_fill(up->p, up->src, s->buf + s->len, want, &got);
        if (st != PLX_OK) {
            local_failure(up, st, "reading the source");
            return false;
        }
        s->len += got;
        keep_moving(up);
    }
    return true;
}

/* The part's payload hash for its signature, a slice at a time. */
static void payload_hash(upload *up, const slot *s, char hash[2 * PLX_SHA256_LEN + 1])
{
    if (!plx_s3_signs_payload(up->p)) {
        snprintf(hash, 2 * PLX_SHA256_LEN + 1, "%s", PLX_SIGV4_UNSIGNED_PAYLOAD);
        return;
    }
    plx_sha256_ctx sha;
    unsigned char digest[PLX_SHA256_LEN];
    plx_sha256_init(&sha);
    for (size_t off = 0; off < s->len; off += SLICE) {
        plx_sha256_update(&sha, s->buf + off, s->len - off < SLICE ? s->len - off : SLICE);
        keep_moving(up);
    }
    plx_sha256_finish(&sha, digest);
    plx_hex_lower(digest, sizeof digest, hash);
}

/* The next part's bytes into s->buf; false when there are none. */
static bool read_part(upload *up, slot *s)
{
    s->len = 0;
    if (up->first) {
        free(s->buf);
        s->buf = up->first;
        s->len = up->first_len;
        up->first = NULL;
    } else if (!s->buf && !(s->buf = malloc(up->part_size))) {
        local_failure(up, PLX_ENOMEM, "part buffer");
        return false;
    } else if (!fill(up, s)) {
        return false;
    }
    if (s->len < up->part_size)
        up->source_done = true;    /* fills stop short only at the end */
    return s->len > 0;
}

static void start_part(upload *up, slot *s)
{
    if (!read_part(up, s))
        return;
    if (up->parts == PLX_S3_MAX_PARTS) {
        plx_fail(up->p->ctx, PLX_EINVAL, "more than %d parts of %zu bytes: raise part_size",
                 PLX_S3_MAX_PARTS, up->part_size);
        local_failure(up, PLX_EINVAL, "the source is too big");
        return;
    }
    char hash[2 * PLX_SHA256_LEN + 1];
    payload_hash(up, s, hash);
    plx_request *req = NULL;
    plx_status st = etag_room(up) ? PLX_OK : PLX_ENOMEM;
    if (st == PLX_OK)
        st = plx_s3_upload_part(up->p, up->target, up->upload_id, up->parts + 1, hash, &req);
    if (st != PLX_OK) {
        local_failure(up, st, "building UploadPart");
        return;
    }
    s->part = ++up->parts;
    plx_exchange_init(&s->x, up->p->ctx, &up->p->policy, up->p->auth, up->p->name, req);
    s->state = SLOT_RUN;
}

static void start_parts(upload *up)
{
    for (uint32_t i = 0; i < up->nslots && !up->source_done && !up->failed; i++)
        if (up->slots[i].state == SLOT_FREE)
            start_part(up, &up->slots[i]);
}

/* Takes the part buffer back from the attempt's request. */
static void reclaim(slot *s)
{
    plx_request *req = s->x.attempt_req;
    if (req && req->body == s->buf) {
        req->body = NULL;
        req->body_len = 0;
    }
}

static void part_sent(plx_response *resp, plx_status status, void *done_data)
{
    (void)resp;
    slot *s = done_data;
    reclaim(s);
    plx_exchange_complete(&s->x, status, plx_now_us());
    s->state = SLOT_RUN;
    s->up->in_flight--;
}

static void send_part(upload *up, slot *s)
{
    plx_status st;
    plx_request_take_body(s->x.attempt_req, s->buf, s->len);
    if (up->async) {
        s->state = SLOT_FLIGHT;
        up->in_flight++;
        st = plx_transport_submit(up->t, s->x.attempt_req, s->x.resp, part_sent, s);
        if (st == PLX_OK)
            return;
        s->state = SLOT_RUN;
        up->in_flight--;
        plx_response_set_error_message(s->x.resp, "the transport refused the request");
    } else {
        st = plx_transport_send(up->t, s->x.attempt_req, s->x.resp);
    }
    reclaim(s);
    plx_exchange_complete(&s->x, st, plx_now_us());
}

static void part_done(upload *up, slot *s)
{
    plx_exchange *x = &s->x;
    up->attempts += x->attempts;
    const char *etag = x->status == PLX_OK ? plx_response_header(x->resp, "etag") : NULL;
    if (x->status == PLX_OK && (!etag || !*etag)) {
        x->status = PLX_EPROTOCOL;
        snprintf(x->message, sizeof x->message, "the reply has no ETag");
    }
    if (x->status != PLX_OK) {
        keep_failure(up, x, s->part);
    } else if (!(up->etags[s->part - 1] = plx_strdup(etag))) {
        local_failure(up, PLX_ENOMEM, "keeping an ETag");
    } else {
        up->bytes += s->len;
    }
    plx_exchange_cleanup(x);
    s->state = SLOT_FREE;
}

/* Runs a slot's exchange until it waits, is in flight, or is done. Once
 * the upload failed, slots not in flight are dropped. */
static void advance(upload *up, slot *s)
{
    while (s->state == SLOT_RUN) {
        if (up->failed) {
            up->attempts += s->x.attempts;
            plx_exchange_cleanup(&s->x);
            s->state = SLOT_FREE;
            return;
        }
        switch (plx_exchange_next(&s->x, plx_now_us())) {
        case PLX_STEP_DONE: part_done(up, s); return;
        case PLX_STEP_WAIT: s->state = SLOT_WAIT; return;
        case PLX_STEP_SEND: send_part(up, s); break;
        }
    }
}

/* Waits for a transfer to progress or the next backoff to end. */
static void wait_some(upload *up, bool flight, uint64_t wake)
{
    uint64_t now = plx_now_us();
    uint64_t wait_us = wake == UINT64_MAX ? 1000000u : (wake > now ? wake - now : 0);
    int wait_ms = wait_us >= 1000000u ? 1000 : (int)((wait_us + 999u) / 1000u);
    if (!flight) {
        if (wait_ms)
            plx_sleep_ms((uint64_t)wait_ms);
        return;
    }
    plx_status st = plx_transport_poll(up->t, wait_ms);
    if (st == PLX_OK)
        return;
    /* The transfers will not finish: take the parts back and give up. */
    plx_fail(up->p->ctx, st, "the transport's poll failed");
    local_failure(up, st, "uploading parts");
    for (uint32_t i = 0; i < up->nslots; i++) {
        slot *s = &up->slots[i];
        if (s->state != SLOT_FLIGHT)
            continue;
        reclaim(s);
        up->attempts += s->x.attempts;
        plx_exchange_cleanup(&s->x);
        s->state = SLOT_FREE;
    }
    up->in_flight = 0;
}

static void run_parts(upload *up)
{
    for (;;) {
        start_parts(up);
        uint64_t now = plx_now_us(), wake = UINT64_MAX;
        bool active = false, flight = false, runnable = false;
        for (uint32_t i = 0; i < up->nslots; i++) {
            slot *s = &up->slots[i];
            if (s->state == SLOT_WAIT && (up->failed || s->x.wake_at_us <= now))
                s->state = SLOT_RUN;
            advance(up, s);
        }
        for (uint32_t i = 0; i < up->nslots; i++) {
            slot *s = &up->slots[i];
            active |= s->state != SLOT_FREE;
            flight |= s->state == SLOT_FLIGHT;
            runnable |= s->state == SLOT_RUN;
            if (s->state == SLOT_WAIT && s->x.wake_at_us < wake)
                wake = s->x.wake_at_us;
        }
        if (!active && (up->source_done || up->failed))
            return;
        if (!runnable && active)
            wait_some(up, flight, wake);
    }
}

/* ---- create, complete, abort ---- */

static void run_blocking(upload *up, plx_request *req, plx_exchange *x)
{
    plx_exchange_init(x, up->p->ctx, &up->p->policy, up->p->auth, up->p->name, req);
    plx_exchange_run_blocking(x, up->t);
    up->attempts += x->attempts;
}

/* A reply the service sent with a 2xx status that does not read. */
static void bad_reply(plx_exchange *x, plx_status st)
{
    x->status = st;
    snprintf(x->message, sizeof x->message, "%s", plx_errmsg_current());
}

static bool create_upload(upload *up, const cJSON *request, plx_exchange *x)
{
    plx_request *req = NULL;
    plx_status st = plx_s3_create_upload(up->p, up->target, request, &req);
    if (st != PLX_OK) {
        plx_s3_local_failure(up->p, x, st, "CreateMultipartUpload: %s", plx_errmsg_current());
        return false;
    }
    run_blocking(up, req, x);
    if (x->status != PLX_OK)
        return false;
    size_t len = 0;
    const char *body = plx_response_body(x->resp, &len);
    st = plx_s3_read_upload_id(up->p, body, len, &up->upload_id);
    if (st != PLX_OK) {
        bad_reply(x, st);
        return false;
    }
    plx_exchange_cleanup(x);
    return true;
}

static bool complete_upload(upload *up, plx_exchange *x, plx_s3_upload_result *res)
{
    plx_request *req = NULL;
    plx_status st = plx_s3_complete_upload(up->p, up->target, up->upload_id, up->etags,
                                           up->parts, &req);
    if (st != PLX_OK) {
        plx_s3_local_failure(up->p, x, st, "CompleteMultipartUpload: %s",
                             plx_errmsg_current());
        return false;
    }
    run_blocking(up, req, x);
    if (x->status != PLX_OK)
        return false;
    size_t len = 0;
    const char *body = plx_response_body(x->resp, &len);
    plx_reply scratch = {0};
    st = plx_s3_read_complete(up->p, body, len, res->etag, sizeof res->etag, &scratch);
    if (st != PLX_OK) {
        res->complete_error = true;
        bad_reply(x, st);
        return false;
    }
    return true;
}

/* Aborts the upload and says how that went in the failure's message. */
static void abort_upload(upload *up, plx_exchange *failure)
{
    plx_request *req = NULL;
    plx_exchange a;
    plx_status st = plx_s3_abort_upload(up->p, up->target, up->upload_id, &req);
    if (st == PLX_OK) {
        run_blocking(up, req, &a);
        st = a.status;
    }
    size_t n = strlen(failure->message);
    if (st == PLX_OK)
        snprintf(failure->message + n, sizeof failure->message - n,
                 "; the upload was aborted");
    else
        snprintf(failure->message + n, sizeof failure->message - n,
                 "; AbortMultipartUpload failed too (%s: %s): its parts may stay stored",
                 plx_status_name(st), req ? a.message : plx_errmsg_current());
    if (req)
        plx_exchange_cleanup(&a);
}

static void release(upload *up)
{
    free(up->first);
    for (uint32_t i = 0; i < up->nslots; i++)
        free(up->slots[i].buf);
    free(up->slots);
    for (uint32_t i = 0; i < up->parts && up->etags; i++)
        free(up->etags[i]);
    free(up->etags);
}

void plx_s3_multipart(plx_provider *p, const plx_transport_funcs *t, bool async,
                      const plx_s3_target *target, const cJSON *request, plx_s3_source *s,
                      unsigned char *first, size_t first_len, size_t part_size,
                      uint32_t concurrency, plx_exchange *x, plx_s3_upload_result *res)
{
    upload up = {.p = p, .t = t, .async = async && plx_transport_is_async(t),
                 .target = target, .src = s, .part_size = part_size, .first = first,
                 .first_len = first_len};
    up.nslots = up.async ? concurrency : 1;
    up.slots = calloc(up.nslots, sizeof *up.slots);
    for (uint32_t i = 0; up.slots && i < up.nslots; i++)
        up.slots[i].up = &up;
    if (!up.slots) {
        up.nslots = 0;
        plx_s3_local_failure(p, x, PLX_ENOMEM, "out of memory");
    } else if (create_upload(&up, request, x)) {
        res->upload_id = up.upload_id;
        run_parts(&up);
        if (up.failed) {
            *x = up.failure;
            abort_upload(&up, x);
        } else if (!complete_upload(&up, x, res)) {
            abort_upload(&up, x);
        }
    }
    res->parts = up.parts;
    res->size = up.bytes;
    res->attempts = up.attempts;
    release(&up);
}
