/* A test-only AWS event-stream encoder: builds the frames a service sends,
 * so decoders and the kinds that stream over them can be tested. */
#ifndef PLX_TEST_EVS_FRAMES_H
#define PLX_TEST_EVS_FRAMES_H

#include "http/eventstream.h"

#include <string.h>
#include <zlib.h>

static inline void put_be(plx_buf *b, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        unsigned char c = (unsigned char)(v >> (8 * i));
        plx_buf_append(b, &c, 1);
    }
}

static inline void h_start(plx_buf *h, const char *name, plx_evs_type type)
{
    put_be(h, strlen(name), 1);
    plx_buf_append_str(h, name);
    put_be(h, (uint64_t)type, 1);
}

static inline void h_str(plx_buf *h, const char *name, const char *v)
{
    h_start(h, name, PLX_EVS_STRING);
    put_be(h, strlen(v), 2);
    plx_buf_append_str(h, v);
}

/* Appends a message with the header block h and the payload to out. */
static inline void frame(plx_buf *out, const plx_buf *h, const void *payload, size_t n)
{
    size_t start = out->len, hlen = h ? h->len : 0;
    put_be(out, 16 + hlen + n, 4);
    put_be(out, hlen, 4);
    put_be(out, crc32(0, (const Bytef *)out->data + start, 8), 4);
    if (hlen)
        plx_buf_append(out, h->data, hlen);
    plx_buf_append(out, payload, n);
    put_be(out, crc32(0, (const Bytef *)out->data + start, (uInt)(out->len - start)), 4);
}

/* An event message as services send them. */
static inline void event_frame(plx_buf *out, const char *type, const char *payload)
{
    plx_buf h = {0};
    h_str(&h, ":event-type", type);
    h_str(&h, ":content-type", "application/json");
    h_str(&h, ":message-type", "event");
    frame(out, &h, payload, strlen(payload));
    plx_buf_free(&h);
}

/* An exception message (":message-type" exception). */
static inline void exception_frame(plx_buf *out, const char *type, const char *payload)
{
    plx_buf h = {0};
    h_str(&h, ":exception-type", type);
    h_str(&h, ":content-type", "application/json");
    h_str(&h, ":message-type", "exception");
    frame(out, &h, payload, strlen(payload));
    plx_buf_free(&h);
}

#endif
