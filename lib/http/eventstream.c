/* Incremental AWS event-stream decoder. A message that lies whole inside a
 * chunk is decoded in place; only a message cut by the end of a chunk is
 * copied into d->msg (sized once from its prelude). */
#include "eventstream.h"

#include <string.h>
#include <zlib.h>

/* The headers the delivery rules read, in this order in meta. */
enum { H_MESSAGE_TYPE, H_EVENT_TYPE, H_EXCEPTION_TYPE, H_ERROR_CODE, H_ERROR_MESSAGE, H_COUNT };
#define NAME(s) {s, sizeof(s) - 1}
static const struct {
    const char *name;
    size_t len;
} RESERVED[H_COUNT] = {NAME(":message-type"), NAME(":event-type"), NAME(":exception-type"),
                       NAME(":error-code"), NAME(":error-message")};

typedef struct meta {
    const uint8_t *value[H_COUNT];   /* NULL when absent */
    size_t len[H_COUNT];
} meta;

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t crc(uint32_t seed, const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(seed, p, (uInt)n);   /* n < 4 GiB: total_length is 32-bit */
}

void plx_evs_init(plx_evs *d, size_t max_message_bytes)
{
    memset(d, 0, sizeof *d);
    d->max_message = max_message_bytes ? max_message_bytes : PLX_EVS_DEFAULT_MAX_MESSAGE;
    if (d->max_message > UINT32_MAX)
        d->max_message = UINT32_MAX;
}

void plx_evs_free(plx_evs *d)
{
    plx_buf_free(&d->msg);
    plx_buf_free(&d->name);
}

bool plx_evs_finish(plx_evs *d)
{
    /* a message that failed a check was not delivered either */
    bool mid_message = d->msg.len > 0 || (d->status != PLX_OK && !d->stopped);
    plx_buf_reset(&d->msg);
    d->need = 0;
    d->offset = 0;
    d->status = PLX_OK;
    d->stopped = false;
    return mid_message;
}

/* ---- headers ---- */

bool plx_evs_header_next(const uint8_t *b, size_t len, size_t *pos, plx_evs_header *h,
                         const char **why)
{
    /* value sizes by type; 0xff: a 2-byte length precedes the value */
    static const uint8_t SIZE[10] = {0, 0, 1, 2, 4, 8, 0xff, 0xff, 8, 16};
    size_t i = *pos;
    size_t name_len = b[i];
    if (name_len == 0) {
        *why = "empty header name";
        return false;
    }
    if (name_len > len - i - 1) {
        *why = "header name runs past the header block";
        return false;
    }
    h->name = (const char *)b + i + 1;
    h->name_len = name_len;
    i += 1 + name_len;
    *pos = i;
    if (i == len) {
        *why = "header without a value type";
        return false;
    }
    if (b[i] > PLX_EVS_UUID) {
        *why = "unknown header value type";
        return false;
    }
    h->type = (plx_evs_type)b[i++];
    size_t size = SIZE[h->type];
    if (size == 0xff) {
        *pos = i;
        if (len - i < 2) {
            *why = "header value length runs past the header block";
            return false;
        }
        size = be16(b + i);
        i += 2;
    }
    if (size > len - i) {
        *pos = i;
        *why = "header value runs past the header block";
        return false;
    }
    const uint8_t *v = b + i;
    h->bytes = v;
    h->len = size;
    switch (h->type) {
    case PLX_EVS_TRUE: h->num = 1; break;
    case PLX_EVS_FALSE: h->num = 0; break;
    case PLX_EVS_BYTE: h->num = (int8_t)v[0]; break;
    case PLX_EVS_SHORT: h->num = (int16_t)be16(v); break;
    case PLX_EVS_INT: h->num = (int32_t)be32(v); break;
    case PLX_EVS_LONG:
    case PLX_EVS_TIMESTAMP: h->num = (int64_t)be64(v); break;
    default: h->num = 0; break;
    }
    *pos = i + size;
    return true;
}

/* Walks the header block, keeping the reserved headers in m. */
static plx_status read_headers(const plx_evs *d, const uint8_t *block, size_t len, meta *m)
{
    uint64_t base = d->offset + PLX_EVS_PRELUDE_LEN;
    size_t pos = 0;
    while (pos < len) {
        plx_evs_header h;
        const char *why = NULL;
        size_t start = pos;
        if (!plx_evs_header_next(block, len, &pos, &h, &why))
            return plx_fail(NULL, PLX_EPROTOCOL, "event-stream: %s at byte offset %llu", why,
                            (unsigned long long)(base + pos));
        if (h.name[0] != ':')
            continue;
        for (int k = 0; k < H_COUNT; k++) {
            if (RESERVED[k].len != h.name_len || memcmp(RESERVED[k].name, h.name, h.name_len))
                continue;
            if (m->value[k])
                return plx_fail(NULL, PLX_EPROTOCOL,
                                "event-stream: header %s appears twice (at byte offset %llu)",
                                RESERVED[k].name, (unsigned long long)(base + start));
            if (h.type != PLX_EVS_STRING)
                return plx_fail(NULL, PLX_EPROTOCOL,
                                "event-stream: header %s is not a string (at byte offset %llu)",
                                RESERVED[k].name, (unsigned long long)(base + start));
            m->value[k] = h.bytes;
            m->len[k] = h.len;
        }
    }
    return PLX_OK;
}

/* ---- messages ---- */

/* Checks a 12-byte prelude; sets *total. */
static plx_status check_prelude(const plx_evs *d, const uint8_t *p, size_t *total)
{
    uint32_t got = crc(0, p, 8), sent = be32(p + 8);
    unsigned long long at = (unsigned long long)d->offset;
    if (got != sent)
        return plx_fail(NULL, PLX_EPROTOCOL,
                        "event-stream: prelude CRC mismatch at byte offset %llu (computed "
                        "0x%08x, message carries 0x%08x)",
                        at + 8, got, sent);
    uint32_t len = be32(p), headers = be32(p + 4);
    if (len < PLX_EVS_MIN_MESSAGE || headers > len - PLX_EVS_MIN_MESSAGE)
        return plx_fail(NULL, PLX_EPROTOCOL,
                        "event-stream: impossible lengths at byte offset %llu (total %u, "
                        "headers %u)",
                        at, len, headers);
    if (len > d->max_message)
        return plx_fail(NULL, PLX_ETOOBIG,
                        "event-stream: message of %u bytes at byte offset %llu is larger "
                        "than the cap of %zu bytes",
                        len, at, d->max_message);
    *total = len;
    return PLX_OK;
}

/* Sets d->name to prefix + value (NUL-terminated, reused across messages). */
static plx_status set_name(plx_evs *d, const char *prefix, const uint8_t *v, size_t n)
{
    plx_buf_reset(&d->name);
    if (plx_buf_append_str(&d->name, prefix) != PLX_OK ||
        plx_buf_append(&d->name, v, n) != PLX_OK)
        return PLX_ENOMEM;
    return PLX_OK;
}

static plx_status missing(const plx_evs *d, const char *type, const char *header)
{
    return plx_fail(NULL, PLX_EPROTOCOL,
                    "event-stream: %s message without %s (message at byte offset %llu)", type,
                    header, (unsigned long long)d->offset);
}

static bool is(const meta *m, int k, const char *s)
{
    return m->len[k] == strlen(s) && memcmp(m->value[k], s, m->len[k]) == 0;
}

/* Routes a checked message by its :message-type. */
static plx_status route(plx_evs *d, const meta *m, const uint8_t *payload, size_t n,
                        plx_frame_fn fn, void *user_data)
{
    const char *data = (const char *)payload;
    plx_status st;
    if (!m->value[H_MESSAGE_TYPE])
        return missing(d, "a", ":message-type");
    if (is(m, H_MESSAGE_TYPE, "event")) {
        if (!m->value[H_EVENT_TYPE])
            return missing(d, "an event", ":event-type");
        st = set_name(d, "", m->value[H_EVENT_TYPE], m->len[H_EVENT_TYPE]);
    } else if (is(m, H_MESSAGE_TYPE, "exception")) {
        if (!m->value[H_EXCEPTION_TYPE])
            return missing(d, "an exception", ":exception-type");
        st = set_name(d, "exception:", m->value[H_EXCEPTION_TYPE], m->len[H_EXCEPTION_TYPE]);
    } else if (is(m, H_MESSAGE_TYPE, "error")) {
        if (!m->value[H_ERROR_CODE])
            return missing(d, "an error", ":error-code");
        st = set_name(d, "error:", m->value[H_ERROR_CODE], m->len[H_ERROR_CODE]);
        data = m->value[H_ERROR_MESSAGE] ? (const char *)m->value[H_ERROR_MESSAGE] : "";
        n = m->len[H_ERROR_MESSAGE];
    } else {
        char type[64];
        plx_excerpt(m->value[H_MESSAGE_TYPE], m->len[H_MESSAGE_TYPE], 32, type, sizeof type);
        return plx_fail(NULL, PLX_EPROTOCOL,
                        "event-stream: unknown :message-type \"%s\" (message at byte offset "
                        "%llu)",
                        type, (unsigned long long)d->offset);
    }
    if (st != PLX_OK)
        return st;
    st = fn(d->name.data, data, n, user_data);
    d->stopped = st != PLX_OK;
    return st;
}

/* Checks and delivers the complete message m (total bytes, prelude checked). */
static plx_status deliver(plx_evs *d, const uint8_t *m, size_t total, plx_frame_fn fn,
                          void *user_data)
{
    uint32_t got = crc(crc(0, m, 8), m + 8, total - 12), sent = be32(m + total - 4);
    if (got != sent)
        return plx_fail(NULL, PLX_EPROTOCOL,
                        "event-stream: message CRC mismatch at byte offset %llu (computed "
                        "0x%08x, message carries 0x%08x)",
                        (unsigned long long)(d->offset + total - 4), got, sent);
    size_t headers = be32(m + 4);
    meta mt = {{0}, {0}};
    plx_status st = read_headers(d, m + PLX_EVS_PRELUDE_LEN, headers, &mt);
    if (st != PLX_OK)
        return st;
    const uint8_t *payload = m + PLX_EVS_PRELUDE_LEN + headers;
    return route(d, &mt, payload, total - PLX_EVS_MIN_MESSAGE - headers, fn, user_data);
}

/* Adds bytes to the held message; returns how many it took. */
static size_t hold(plx_evs *d, const uint8_t *s, size_t len, plx_status *st)
{
    size_t want = d->need ? d->need - d->msg.len : PLX_EVS_PRELUDE_LEN - d->msg.len;
    size_t take = len < want ? len : want;
    if (plx_buf_append(&d->msg, s, take) != PLX_OK) {
        *st = PLX_ENOMEM;
        return take;
    }
    if (!d->need && d->msg.len == PLX_EVS_PRELUDE_LEN) {
        *st = check_prelude(d, (const uint8_t *)d->msg.data, &d->need);
        if (*st == PLX_OK && plx_buf_reserve(&d->msg, d->need - d->msg.len) != PLX_OK)
            *st = PLX_ENOMEM;
    }
    return take;
}

plx_status plx_evs_feed(plx_evs *d, const void *data, size_t len, plx_frame_fn fn,
                        void *user_data)
{
    const uint8_t *s = data;
    plx_status st = d->status;
    while (st == PLX_OK && len > 0) {
        size_t total = 0;
        if (d->msg.len == 0 && len >= PLX_EVS_PRELUDE_LEN) {
            st = check_prelude(d, s, &total);
            if (st == PLX_OK && len >= total) {     /* whole: decode in place */
                st = deliver(d, s, total, fn, user_data);
                d->offset += total;
                s += total;
                len -= total;
                continue;
            }
            if (st != PLX_OK)
                break;
            if (plx_buf_reserve(&d->msg, total) != PLX_OK) {
                st = PLX_ENOMEM;
                break;
            }
            d->need = total;
        }
        size_t took = hold(d, s, len, &st);
        s += took;
        len -= took;
        if (st == PLX_OK && d->need && d->msg.len == d->need) {
            st = deliver(d, (const uint8_t *)d->msg.data, d->need, fn, user_data);
            d->offset += d->need;
            d->need = 0;
            plx_buf_reset(&d->msg);
        }
    }
    d->status = st;
    return st;
}
