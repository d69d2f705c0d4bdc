/* libFuzzer target: the AWS event-stream decoder (lib/http/eventstream.c),
 * called directly. Byte 0: bit 7 picks the cap (set: the default; clear:
 * 16 + 4 * (bits 0-5) bytes); bit 6 turns on framing mode. Byte 1 seeds the
 * chunk sizes. The rest is the body, taken as is, or in framing mode as
 * records [u8 headers_len][u8 payload_len][headers][payload] that are
 * wrapped into messages with correct lengths and CRCs (so the fuzzer
 * reaches the header parser and the routing), except that a record whose
 * headers_len has bit 7 set gets a wrong message CRC. The body is decoded
 * whole and again in pseudo-random chunks (1..64 bytes): both runs must
 * give the same messages, status and end state. */
#include "http/eventstream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
    plx_buf log;
    plx_status st;
    bool mid;
} run;

static plx_status record(const char *event, const char *data, size_t len, void *user_data)
{
    run *r = user_data;
    plx_buf_append(&r->log, event, strlen(event) + 1);
    plx_buf_append(&r->log, &len, sizeof len);
    plx_buf_append(&r->log, data, len);
    return PLX_OK;
}

static void decode(size_t cap, uint32_t seed, const uint8_t *body, size_t len, run *r)
{
    plx_evs d;
    plx_evs_init(&d, cap);
    memset(r, 0, sizeof *r);
    size_t at = 0;
    while (at < len && r->st == PLX_OK) {
        size_t n = len - at;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            size_t chunk = ((seed >> 16) & 63) + 1;
            n = chunk < n ? chunk : n;
        }
        r->st = plx_evs_feed(&d, body + at, n, record, r);
        at += n;
    }
    r->mid = plx_evs_finish(&d);
    plx_evs_free(&d);
}

static void put_be32(plx_buf *b, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    plx_buf_append(b, c, 4);
}

/* Wraps records of the input into messages with valid framing. */
static void frame_records(const uint8_t *in, size_t len, plx_buf *out)
{
    size_t at = 0;
    while (at + 2 <= len) {
        bool bad_crc = in[at] & 0x80;
        size_t hl = in[at] & 0x7f, pl = in[at + 1];
        at += 2;
        hl = hl < len - at ? hl : len - at;
        pl = pl < len - at - hl ? pl : len - at - hl;
        size_t start = out->len;
        put_be32(out, (uint32_t)(16 + hl + pl));
        put_be32(out, (uint32_t)hl);
        put_be32(out, (uint32_t)crc32(0, (const Bytef *)out->data + start, 8));
        plx_buf_append(out, in + at, hl + pl);
        uint32_t crc = (uint32_t)crc32(0, (const Bytef *)out->data + start,
                                       (uInt)(out->len - start));
        put_be32(out, bad_crc ? ~crc : crc);
        at += hl + pl;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cap = data[0] & 0x80 ? 0 : 16 + 4 * (size_t)(data[0] & 0x3f);
    uint32_t seed = (uint32_t)data[1] + 1;
    plx_buf framed = {0};
    const uint8_t *body = data + 2;
    size_t len = size - 2;
    if (data[0] & 0x40) {
        frame_records(body, len, &framed);
        body = (const uint8_t *)framed.data;
        len = framed.len;
    }
    run whole, cut;
    decode(cap, 0, body, len, &whole);
    decode(cap, seed, body, len, &cut);
    if (whole.st != cut.st || whole.mid != cut.mid || whole.log.len != cut.log.len ||
        (whole.log.len && memcmp(whole.log.data, cut.log.data, whole.log.len) != 0))
        abort();
    plx_buf_free(&whole.log);
    plx_buf_free(&cut.log);
    plx_buf_free(&framed);
    return 0;
}
