/* libFuzzer target: the SSE parser (lib/http/sse.c), called directly.
 * Byte 0 picks the event cap (bit 7 set: the default; else 1..128 bytes),
 * byte 1 seeds the chunk sizes; the rest is the body. The body is parsed
 * whole and again in pseudo-random chunks (1..32 bytes); the two runs must
 * give the same events, status, mid-event flag, last event ID and retry,
 * and every event name and data must be valid UTF-8. */
#include "http/sse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
    plx_buf log;
    plx_status st;
    bool mid;
    int64_t retry;
    plx_buf id;
} run;

static plx_status record(const char *event, const char *data, size_t len, void *user_data)
{
    run *r = user_data;
    size_t elen = strlen(event);
    if (!plx_utf8_valid(event, elen) || !plx_utf8_valid(data, len))
        abort();
    plx_buf_append(&r->log, event, elen + 1);   /* with its NUL as a separator */
    plx_buf_append(&r->log, &len, sizeof len);
    plx_buf_append(&r->log, data, len);
    return PLX_OK;
}

static void parse(size_t cap, uint32_t seed, const uint8_t *body, size_t len, run *r)
{
    plx_sse p;
    plx_sse_init(&p, cap);
    memset(r, 0, sizeof *r);
    size_t at = 0;
    while (at < len && r->st == PLX_OK) {
        size_t n = len - at;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            size_t chunk = ((seed >> 16) & 31) + 1;
            n = chunk < n ? chunk : n;
        }
        r->st = plx_sse_feed(&p, body + at, n, record, r);
        at += n;
    }
    r->retry = plx_sse_retry_ms(&p);
    r->mid = plx_sse_finish(&p);
    plx_buf_append_str(&r->id, plx_sse_last_event_id(&p));
    plx_sse_free(&p);
}

static bool same_buf(const plx_buf *a, const plx_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cap = data[0] & 0x80 ? 0 : (size_t)(data[0] & 0x7f) + 1;
    uint32_t seed = (uint32_t)data[1] + 1;
    run whole, cut;
    parse(cap, 0, data + 2, size - 2, &whole);
    parse(cap, seed, data + 2, size - 2, &cut);
    if (whole.st != cut.st || whole.mid != cut.mid || whole.retry != cut.retry ||
        !same_buf(&whole.log, &cut.log) || !same_buf(&whole.id, &cut.id))
        abort();
    plx_buf_free(&whole.log);
    plx_buf_free(&whole.id);
    plx_buf_free(&cut.log);
    plx_buf_free(&cut.id);
    return 0;
}
