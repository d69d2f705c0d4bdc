/* The AWS event-stream decoder: frames from a small test-only encoder
 * (checked byte for byte against published vectors, and against botocore's
 * decoder when python3 has botocore), every header type, delivery of
 * events, exceptions and errors, every way of cutting the input, and the
 * errors: CRCs, lengths, malformed headers, caps, truncation. */
#include "../tap.h"
#include "http/eventstream.h"
#include "evs_frames.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

/* ---- more of the test-only encoder (evs_frames.h) ---- */

static void h_bytes(plx_buf *h, const char *name, const void *v, size_t n)
{
    h_start(h, name, PLX_EVS_BYTES);
    put_be(h, n, 2);
    plx_buf_append(h, v, n);
}

static void h_num(plx_buf *h, const char *name, plx_evs_type type, int64_t v)
{
    static const int SIZE[] = {0, 0, 1, 2, 4, 8, 0, 0, 8, 0};
    h_start(h, name, type);
    put_be(h, (uint64_t)v, SIZE[type]);
}

static void h_uuid(plx_buf *h, const char *name, const uint8_t v[16])
{
    h_start(h, name, PLX_EVS_UUID);
    plx_buf_append(h, v, 16);
}

/* ---- running the decoder ---- */

typedef struct outcome {
    plx_buf log;       /* "event=data|" per message */
    plx_status st;
    bool mid;
    int calls;
    int fail_at;       /* callback fails on this call; -1: never */
} outcome;

static plx_status record(const char *event, const char *data, size_t len, void *user_data)
{
    outcome *o = user_data;
    if (o->calls++ == o->fail_at)
        return PLX_ECANCELED;
    plx_buf_append_str(&o->log, event);
    plx_buf_append(&o->log, "=", 1);
    plx_buf_append(&o->log, data, len);
    plx_buf_append(&o->log, "|", 1);
    return PLX_OK;
}

static void run_cuts(size_t cap, int fail_at, const void *in, size_t len, const size_t *cuts,
                     size_t n, outcome *o)
{
    plx_evs d;
    plx_evs_init(&d, cap);
    memset(o, 0, sizeof *o);
    o->fail_at = fail_at;
    size_t at = 0;
    for (size_t i = 0; i <= n && o->st == PLX_OK; i++) {
        size_t to = i < n ? cuts[i] : len;
        o->st = plx_evs_feed(&d, (const char *)in + at, to - at, record, o);
        at = to;
    }
    if (o->st != PLX_OK)
        CHECK_INT(plx_evs_feed(&d, in, len, record, o), o->st);   /* sticky */
    o->mid = plx_evs_finish(&d);
    plx_evs_free(&d);
}

static bool same(const outcome *a, const outcome *b)
{
    return a->st == b->st && a->mid == b->mid && a->log.len == b->log.len &&
           (a->log.len == 0 || memcmp(a->log.data, b->log.data, a->log.len) == 0);
}

/* Runs in[] whole, bytewise, cut at every point and (up to 96 bytes) at
 * every pair of points; checks the whole run against want and the others
 * against the whole run. */
static void expect_run(size_t cap, int fail_at, const plx_buf *in, const char *want,
                       plx_status want_st, bool want_mid, int line)
{
    outcome whole, o;
    run_cuts(cap, fail_at, in->data, in->len, NULL, 0, &whole);
    tap_checks++;
    if (whole.st != want_st || whole.mid != want_mid ||
        strcmp(whole.log.data ? whole.log.data : "", want) != 0) {
        tap_failures++;
        fprintf(stderr, "%s:%d: st=%s mid=%d log=\"%s\" (%s), wanted st=%s mid=%d log=\"%s\"\n",
                __FILE__, line, plx_status_name(whole.st), whole.mid,
                whole.log.data ? whole.log.data : "", plx_errmsg_current(),
                plx_status_name(want_st), want_mid, want);
    }
    size_t len = in->len, *cuts = malloc((len + 1) * sizeof *cuts);
    for (size_t i = 1; i < len; i++)
        cuts[i - 1] = i;
    bool ok = true;
    run_cuts(cap, fail_at, in->data, len, cuts, len ? len - 1 : 0, &o);
    ok = same(&o, &whole);
    plx_buf_free(&o.log);
    for (size_t i = 0; i <= len && ok; i++) {
        run_cuts(cap, fail_at, in->data, len, &i, 1, &o);
        ok = same(&o, &whole);
        plx_buf_free(&o.log);
    }
    for (size_t i = 0; i <= len && ok && len <= 96; i++)
        for (size_t j = i; j <= len && ok; j++) {
            size_t two[2] = {i, j};
            run_cuts(cap, fail_at, in->data, len, two, 2, &o);
            ok = same(&o, &whole);
            plx_buf_free(&o.log);
        }
    free(cuts);
    tap_checks++;
    if (!ok) {
        tap_failures++;
        fprintf(stderr, "%s:%d: a cut run differs from the whole run\n", __FILE__, line);
    }
    plx_buf_free(&whole.log);
}

#define EXPECT(in, want) expect_run(0, -1, in, want, PLX_OK, false, __LINE__)
#define EXPECT_ERR(in, want, st) expect_run(0, -1, in, want, st, true, __LINE__)

/* The error message of decoding in[] whole. */
static const char *error_of(size_t cap, const plx_buf *in, plx_status want)
{
    outcome o;
    run_cuts(cap, -1, in->data, in->len, NULL, 0, &o);
    CHECK_INT(o.st, want);
    plx_buf_free(&o.log);
    return plx_errmsg_current();
}

/* ---- tests ---- */

/* Published vectors (aws-c-event-stream, smithy and SDK tests carry the
 * same bytes): our encoder must produce them exactly. */
static void test_published_vectors(void)
{
    static const uint8_t EMPTY[] = {0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
                                    0x05, 0xc2, 0x48, 0xeb, 0x7d, 0x98, 0xc8, 0xff};
    static const uint8_t CHAT[] = {0x00, 0x00, 0x00, 0x25, 0x00, 0x00, 0x00, 0x13, 0xe8, 0xbd,
                                   0x3e, 0xc3, 0x0b, 0x3a, 0x65, 0x76, 0x65, 0x6e, 0x74, 0x2d,
                                   0x74, 0x79, 0x70, 0x65, 0x07, 0x00, 0x04, 0x63, 0x68, 0x61,
                                   0x74, 0x68, 0x69, 0xdd, 0xf4, 0xe3, 0xac};
    plx_buf out = {0}, h = {0};
    frame(&out, NULL, "", 0);
    CHECK(out.len == sizeof EMPTY && memcmp(out.data, EMPTY, sizeof EMPTY) == 0);
    plx_buf_reset(&out);
    h_str(&h, ":event-type", "chat");
    frame(&out, &h, "hi", 2);
    CHECK(out.len == sizeof CHAT && memcmp(out.data, CHAT, sizeof CHAT) == 0);
    /* the second has no :message-type: well-formed, but not deliverable */
    plx_buf in = {0};
    plx_buf_append(&in, EMPTY, sizeof EMPTY);
    plx_buf_append(&in, CHAT, sizeof CHAT);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), "without :message-type");
    CHECK_CONTAINS(plx_errmsg_current(), "byte offset 0");
    plx_buf_free(&in);
    plx_buf_free(&out);
    plx_buf_free(&h);
}

static void test_header_types(void)
{
    static const uint8_t UUID[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    plx_buf h = {0};
    h_num(&h, "t", PLX_EVS_TRUE, 0);
    h_num(&h, "f", PLX_EVS_FALSE, 0);
    h_num(&h, "byte", PLX_EVS_BYTE, -7);
    h_num(&h, "short", PLX_EVS_SHORT, -30000);
    h_num(&h, "int", PLX_EVS_INT, INT32_MIN);
    h_num(&h, "long", PLX_EVS_LONG, INT64_MIN + 1);
    h_bytes(&h, "bytes", "\x00\xff\x7f", 3);
    h_str(&h, "string", "h\xc3\xa9llo");
    h_num(&h, "when", PLX_EVS_TIMESTAMP, 1721400000123);
    h_uuid(&h, "id", UUID);
    h_str(&h, "empty", "");
    static const struct {
        const char *name;
        plx_evs_type type;
        int64_t num;
        const char *bytes;
        size_t len;
    } want[] = {
        {"t", PLX_EVS_TRUE, 1, NULL, 0},
        {"f", PLX_EVS_FALSE, 0, NULL, 0},
        {"byte", PLX_EVS_BYTE, -7, NULL, 1},
        {"short", PLX_EVS_SHORT, -30000, NULL, 2},
        {"int", PLX_EVS_INT, INT32_MIN, NULL, 4},
        {"long", PLX_EVS_LONG, INT64_MIN + 1, NULL, 8},
        {"bytes", PLX_EVS_BYTES, 0, "\x00\xff\x7f", 3},
        {"string", PLX_EVS_STRING, 0, "h\xc3\xa9llo", 6},
        {"when", PLX_EVS_TIMESTAMP, 1721400000123, NULL, 8},
        {"id", PLX_EVS_UUID, 0, (const char *)UUID, 16},
        {"empty", PLX_EVS_STRING, 0, "", 0},
    };
    size_t pos = 0, i = 0;
    const uint8_t *block = (const uint8_t *)h.data;
    while (pos < h.len && i < PLX_ARRAY_LEN(want)) {
        plx_evs_header x;
        const char *why = NULL;
        CHECK(plx_evs_header_next(block, h.len, &pos, &x, &why));
        CHECK(x.name_len == strlen(want[i].name) &&
              memcmp(x.name, want[i].name, x.name_len) == 0);
        CHECK_INT(x.type, want[i].type);
        CHECK_INT(x.len, want[i].len);
        if (want[i].bytes)
            CHECK(memcmp(x.bytes, want[i].bytes, x.len) == 0);
        else
            CHECK_INT(x.num, want[i].num);
        i++;
    }
    CHECK_INT(i, PLX_ARRAY_LEN(want));
    CHECK_INT(pos, h.len);
    /* other headers do not disturb delivery */
    h_str(&h, ":message-type", "event");
    h_str(&h, ":event-type", "chunk");
    plx_buf in = {0};
    frame(&in, &h, "{\"x\":1}", 7);
    EXPECT(&in, "chunk={\"x\":1}|");
    plx_buf_free(&in);
    plx_buf_free(&h);
}

static void test_delivery(void)
{
    plx_buf in = {0}, h = {0};
    event_frame(&in, "messageStart", "{\"role\":\"assistant\"}");
    event_frame(&in, "contentBlockDelta", "{\"delta\":{\"text\":\"h\xc3\xa9\"}}");
    event_frame(&in, "metadata", "");
    EXPECT(&in, "messageStart={\"role\":\"assistant\"}|"
                "contentBlockDelta={\"delta\":{\"text\":\"h\xc3\xa9\"}}|metadata=|");
    plx_buf_reset(&in);
    h_str(&h, ":message-type", "exception");
    h_str(&h, ":exception-type", "throttlingException");
    h_str(&h, ":content-type", "application/json");
    frame(&in, &h, "{\"message\":\"slow down\"}", 23);
    plx_buf_reset(&h);
    h_str(&h, ":message-type", "error");
    h_str(&h, ":error-code", "InternalFailure");
    h_str(&h, ":error-message", "An internal error occurred");
    frame(&in, &h, "ignored", 7);
    plx_buf_reset(&h);
    h_str(&h, ":error-code", "NoMessage");
    h_str(&h, ":message-type", "error");
    frame(&in, &h, "", 0);
    EXPECT(&in, "exception:throttlingException={\"message\":\"slow down\"}|"
                "error:InternalFailure=An internal error occurred|error:NoMessage=|");
    /* binary payloads pass through, NUL bytes included */
    plx_buf_reset(&in);
    plx_buf_reset(&h);
    h_str(&h, ":message-type", "event");
    h_str(&h, ":event-type", "audio");
    frame(&in, &h, "a\0b", 3);
    outcome o;
    run_cuts(0, -1, in.data, in.len, NULL, 0, &o);
    CHECK(o.log.len == 10 && memcmp(o.log.data, "audio=a\0b|", 10) == 0);
    plx_buf_free(&o.log);
    plx_buf_free(&in);
    plx_buf_free(&h);
}

static void test_bad_crc(void)
{
    plx_buf in = {0};
    event_frame(&in, "a", "{}");
    size_t first = in.len;
    event_frame(&in, "b", "{\"k\":\"v\"}");
    size_t second = in.len - first;
    event_frame(&in, "c", "{}");
    /* a flipped byte in the second message's payload: its message CRC,
     * the last 4 bytes of that message */
    plx_buf bad = {0};
    plx_buf_append(&bad, in.data, in.len);
    bad.data[first + second - 6] ^= 0x20;
    EXPECT_ERR(&bad, "a={}|", PLX_EPROTOCOL);
    char want[96];
    const char *msg = error_of(0, &bad, PLX_EPROTOCOL);
    CHECK_CONTAINS(msg, "message CRC mismatch");
    snprintf(want, sizeof want, "at byte offset %zu ", first + second - 4);
    CHECK_CONTAINS(msg, want);
    /* a flipped byte in the second message's length: its prelude CRC */
    memcpy(bad.data, in.data, in.len);
    bad.data[first + 2] ^= 0x01;
    msg = error_of(0, &bad, PLX_EPROTOCOL);
    CHECK_CONTAINS(msg, "prelude CRC mismatch");
    snprintf(want, sizeof want, "at byte offset %zu ", first + 8);
    CHECK_CONTAINS(msg, want);
    /* every flipped bit of a message is an error or an incomplete message,
     * never a delivered one */
    plx_buf one = {0};
    event_frame(&one, "x", "{\"p\":1}");
    for (size_t i = 0; i < one.len * 8; i++) {
        one.data[i / 8] ^= (char)(1 << (i % 8));
        outcome o;
        run_cuts(0, -1, one.data, one.len, NULL, 0, &o);
        CHECK(o.calls == 0 && (o.st != PLX_OK || o.mid));
        plx_buf_free(&o.log);
        one.data[i / 8] ^= (char)(1 << (i % 8));
    }
    plx_buf_free(&one);
    plx_buf_free(&bad);
    plx_buf_free(&in);
}

/* A message with a hostile header block but valid CRCs. */
static void block_frame(plx_buf *out, const void *block, size_t n)
{
    plx_buf h = {0};
    plx_buf_append(&h, block, n);
    frame(out, &h, "", 0);
    plx_buf_free(&h);
}

static void test_malformed_headers(void)
{
    static const struct {
        const char *block;
        size_t len;
        const char *why;
        size_t at;      /* offset of the bad byte in the header block */
    } cases[] = {
        {"\x00", 1, "empty header name", 0},
        {"\x05" "ab", 3, "header name runs past", 0},
        {"\x01" "n", 2, "header without a value type", 2},
        {"\x01" "n\x0a", 3, "unknown header value type", 2},
        {"\x01" "n\xff", 3, "unknown header value type", 2},
        {"\x01" "n\x07\x00\x09" "ab", 7, "header value runs past", 5},
        {"\x01" "n\x07\x00", 4, "header value length runs past", 3},
        {"\x01" "n\x04" "ab", 5, "header value runs past", 3},
        {"\x01" "n\x09" "0123456789abcde", 18, "header value runs past", 3},
        {"\x01" "n\x00\x00", 4, "empty header name", 3},
    };
    for (size_t i = 0; i < PLX_ARRAY_LEN(cases); i++) {
        plx_buf in = {0};
        event_frame(&in, "ok", "1");
        size_t start = in.len;
        block_frame(&in, cases[i].block, cases[i].len);
        EXPECT_ERR(&in, "ok=1|", PLX_EPROTOCOL);
        const char *msg = error_of(0, &in, PLX_EPROTOCOL);
        CHECK_CONTAINS(msg, cases[i].why);
        char want[64];
        snprintf(want, sizeof want, "at byte offset %zu", start + 12 + cases[i].at);
        CHECK_CONTAINS(msg, want);
        plx_buf_free(&in);
    }
}

static void test_bad_messages(void)
{
    plx_buf in = {0}, h = {0};
    /* no :message-type */
    h_str(&h, ":event-type", "x");
    frame(&in, &h, "", 0);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), "without :message-type");
    /* an unknown :message-type */
    plx_buf_reset(&in), plx_buf_reset(&h);
    h_str(&h, ":message-type", "gossip");
    frame(&in, &h, "", 0);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), "unknown :message-type \"gossip\"");
    /* the name an event needs */
    plx_buf_reset(&in), plx_buf_reset(&h);
    h_str(&h, ":message-type", "event");
    frame(&in, &h, "", 0);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), "event message without :event-type");
    plx_buf_reset(&in), plx_buf_reset(&h);
    h_str(&h, ":message-type", "exception");
    frame(&in, &h, "", 0);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), "without :exception-type");
    plx_buf_reset(&in), plx_buf_reset(&h);
    h_str(&h, ":message-type", "error");
    frame(&in, &h, "", 0);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), "without :error-code");
    /* a reserved header twice, or not a string */
    plx_buf_reset(&in), plx_buf_reset(&h);
    h_str(&h, ":message-type", "event");
    h_str(&h, ":event-type", "a");
    h_str(&h, ":event-type", "b");
    frame(&in, &h, "", 0);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), "header :event-type appears twice");
    plx_buf_reset(&in), plx_buf_reset(&h);
    h_num(&h, ":message-type", PLX_EVS_INT, 1);
    frame(&in, &h, "", 0);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), ":message-type is not a string");
    plx_buf_free(&in);
    plx_buf_free(&h);
}

/* A prelude with valid CRC and the given lengths, padded to total bytes
 * (when small) with a valid message CRC. */
static void crafted(plx_buf *out, uint32_t total, uint32_t headers)
{
    size_t start = out->len;
    put_be(out, total, 4);
    put_be(out, headers, 4);
    put_be(out, crc32(0, (const Bytef *)out->data + start, 8), 4);
    if (total >= 16 && total < 4096) {
        while (out->len - start < total - 4)
            plx_buf_append(out, "", 1);
        put_be(out, crc32(0, (const Bytef *)out->data + start, total - 4), 4);
    }
}

static void test_lengths_and_caps(void)
{
    plx_buf in = {0};
    crafted(&in, 15, 0);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), "impossible lengths");
    plx_buf_reset(&in);
    crafted(&in, 32, 17);
    CHECK_CONTAINS(error_of(0, &in, PLX_EPROTOCOL), "impossible lengths at byte offset 0");
    plx_buf_reset(&in);
    crafted(&in, 0xffffffffu, 0);
    CHECK_CONTAINS(error_of(0, &in, PLX_ETOOBIG), "larger than the cap of 16777216");
    /* the default cap: 16 MiB, known from the prelude alone */
    plx_buf_reset(&in);
    crafted(&in, 16 * 1024 * 1024 + 1, 0);
    CHECK_INT(in.len, 12);
    error_of(0, &in, PLX_ETOOBIG);
    /* a configured cap; a message of exactly the cap passes */
    plx_buf_reset(&in);
    event_frame(&in, "e", "0123456789");
    size_t exact = in.len;
    outcome o;
    run_cuts(exact, -1, in.data, in.len, NULL, 0, &o);
    CHECK_INT(o.st, PLX_OK);
    CHECK_INT(o.calls, 1);
    plx_buf_free(&o.log);
    expect_run(exact - 1, -1, &in, "", PLX_ETOOBIG, true, __LINE__);
    expect_run(SIZE_MAX, -1, &in, "e=0123456789|", PLX_OK, false, __LINE__);
    /* the error comes with the prelude, before the rest arrives */
    plx_evs d;
    plx_evs_init(&d, exact - 1);
    memset(&o, 0, sizeof o);
    o.fail_at = -1;
    CHECK_INT(plx_evs_feed(&d, in.data, 11, record, &o), PLX_OK);
    CHECK_INT(plx_evs_feed(&d, in.data + 11, 1, record, &o), PLX_ETOOBIG);
    plx_evs_finish(&d);
    plx_evs_free(&d);
    plx_buf_free(&in);
}

static void test_truncated(void)
{
    plx_buf in = {0};
    event_frame(&in, "a", "{}");
    event_frame(&in, "b", "{}");
    size_t full = in.len;
    for (size_t cut = 1; cut < 40; cut++) {
        in.len = full - cut;
        expect_run(0, -1, &in, "a={}|", PLX_OK, true, __LINE__);   /* b is cut */
    }
    in.len = full;
    EXPECT(&in, "a={}|b={}|");
    in.len = 0;
    EXPECT(&in, "");
    plx_buf_free(&in);
}

static void test_callback_stops(void)
{
    plx_buf in = {0};
    event_frame(&in, "a", "1");
    event_frame(&in, "b", "2");
    event_frame(&in, "c", "3");
    expect_run(0, 1, &in, "a=1|", PLX_ECANCELED, false, __LINE__);
    expect_run(0, 0, &in, "", PLX_ECANCELED, false, __LINE__);
    plx_buf_free(&in);
}

/* A stream of many messages of mixed sizes, fed in odd chunk sizes. */
static void test_long_stream(void)
{
    plx_buf in = {0}, want = {0}, payload = {0};
    for (int i = 0; i < 300; i++) {
        plx_buf_reset(&payload);
        for (int k = 0; k < i * 7 % 500; k++)
            plx_buf_append(&payload, &"abcdefghij"[k % 10], 1);
        event_frame(&in, "chunk", payload.data ? payload.data : "");
        plx_buf_printf(&want, "chunk=%s|", payload.data ? payload.data : "");
    }
    outcome whole, o;
    run_cuts(0, -1, in.data, in.len, NULL, 0, &whole);
    CHECK_INT(whole.st, PLX_OK);
    CHECK_INT(whole.calls, 300);
    CHECK(whole.log.len == want.len && memcmp(whole.log.data, want.data, want.len) == 0);
    for (size_t step = 1; step < 5000; step = step * 3 + 2) {
        size_t n = in.len / step, *cuts = malloc((n + 1) * sizeof *cuts);
        for (size_t i = 0; i < n; i++)
            cuts[i] = (i + 1) * step;
        run_cuts(0, -1, in.data, in.len, cuts, n, &o);
        CHECK(same(&o, &whole));
        plx_buf_free(&o.log);
        free(cuts);
    }
    plx_buf_free(&whole.log);
    plx_buf_free(&in);
    plx_buf_free(&want);
    plx_buf_free(&payload);
}

/* ---- cross-check with botocore's decoder ---- */

/* Prints each message as "name=value,...|payload-hex", headers sorted by
 * name: T/F for booleans, decimal for numbers and timestamps, x+hex for
 * bytes and UUIDs, s+hex for strings. */
static const char BOTOCORE_DUMP[] =
    "import sys\n"
    "try:\n"
    "    from botocore.eventstream import EventStreamBuffer\n"
    "except Exception as e:\n"
    "    print('SKIP', e); sys.exit(77)\n"
    "buf = EventStreamBuffer()\n"
    "buf.add_data(open(sys.argv[1], 'rb').read())\n"
    "def fmt(v):\n"
    "    if isinstance(v, bool): return 'T' if v else 'F'\n"
    "    if isinstance(v, int): return str(v)\n"
    "    if isinstance(v, bytes): return 'x' + v.hex()\n"
    "    return 's' + v.encode().hex()\n"
    "for m in buf:\n"
    "    h = ','.join(k + '=' + fmt(m.headers[k]) for k in sorted(m.headers))\n"
    "    print(h + '|' + m.payload.hex())\n";

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hex(plx_buf *out, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        plx_buf_printf(out, "%02x", ((const unsigned char *)p)[i]);
}

/* Our decoder's view of one message, in the dump format. */
static void dump_message(plx_buf *out, const uint8_t *m)
{
    uint32_t total = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    uint32_t hlen = (uint32_t)m[4] << 24 | (uint32_t)m[5] << 16 | (uint32_t)m[6] << 8 | m[7];
    char *items[64];
    size_t n = 0, pos = 0;
    while (pos < hlen && n < 64) {
        plx_evs_header h;
        const char *why;
        if (!plx_evs_header_next(m + 12, hlen, &pos, &h, &why))
            break;
        plx_buf it = {0};
        plx_buf_append(&it, h.name, h.name_len);
        plx_buf_append(&it, "=", 1);
        if (h.type == PLX_EVS_TRUE || h.type == PLX_EVS_FALSE)
            plx_buf_append_str(&it, h.num ? "T" : "F");
        else if (h.type == PLX_EVS_BYTES || h.type == PLX_EVS_UUID)
            plx_buf_append(&it, "x", 1), hex(&it, h.bytes, h.len);
        else if (h.type == PLX_EVS_STRING)
            plx_buf_append(&it, "s", 1), hex(&it, h.bytes, h.len);
        else
            plx_buf_printf(&it, "%lld", (long long)h.num);
        items[n++] = plx_buf_steal(&it);
    }
    qsort(items, n, sizeof *items, cmp_str);
    for (size_t i = 0; i < n; i++) {
        plx_buf_printf(out, "%s%s", i ? "," : "", items[i]);
        free(items[i]);
    }
    plx_buf_append(out, "|", 1);
    hex(out, m + 12 + hlen, total - 16 - hlen);
    plx_buf_append(out, "\n", 1);
}

static void test_botocore_crosscheck(void)
{
    static const uint8_t UUID[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    plx_buf in = {0}, h = {0}, big = {0}, ours = {0}, theirs = {0};
    event_frame(&in, "contentBlockDelta", "{\"delta\":{\"text\":\"\xe2\x82\xac\"}}");
    h_num(&h, "t", PLX_EVS_TRUE, 0);
    h_num(&h, "f", PLX_EVS_FALSE, 0);
    h_num(&h, "i8", PLX_EVS_BYTE, INT8_MIN);
    h_num(&h, "i16", PLX_EVS_SHORT, INT16_MAX);
    h_num(&h, "i32", PLX_EVS_INT, -123456789);
    h_num(&h, "i64", PLX_EVS_LONG, INT64_MAX);
    h_num(&h, "ts", PLX_EVS_TIMESTAMP, 1700000000000);
    h_bytes(&h, "bin", "\x00\x01\xfe\xff", 4);
    h_str(&h, "s\xc3\xa9", "v\xc3\xa9");
    h_uuid(&h, "u", UUID);
    frame(&in, &h, "payload", 7);
    for (int i = 0; i < 70000; i++)
        plx_buf_append(&big, &"0123456789abcdef"[i % 16], 1);
    frame(&in, NULL, big.data, big.len);
    frame(&in, NULL, "", 0);
    for (size_t at = 0; at < in.len;) {
        const uint8_t *m = (const uint8_t *)in.data + at;
        dump_message(&ours, m);
        at += (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    }
    char dir[] = "/tmp/plx-evs-XXXXXX", frames[64], script[64], cmd[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(frames, sizeof frames, "%s/frames.bin", dir);
    snprintf(script, sizeof script, "%s/dump.py", dir);
    FILE *f = fopen(frames, "wb");
    FILE *s = fopen(script, "w");
    CHECK(f && s);
    if (f)
        fwrite(in.data, 1, in.len, f), fclose(f);
    if (s)
        fputs(BOTOCORE_DUMP, s), fclose(s);
    snprintf(cmd, sizeof cmd, "python3 %s %s 2>&1", script, frames);
    FILE *p = popen(cmd, "r");
    char line[4096];
    size_t got;
    while (p && (got = fread(line, 1, sizeof line, p)) > 0)
        plx_buf_append(&theirs, line, got);
    int rc = p ? pclose(p) : -1;
    if (rc != -1 && WIFEXITED(rc) && (WEXITSTATUS(rc) == 77 || WEXITSTATUS(rc) == 127))
        printf("# skip botocore cross-check: %s\n", theirs.data ? theirs.data : "no python3");
    else {
        CHECK_INT(rc, 0);
        CHECK_STR(theirs.data, ours.data);
    }
    unlink(frames);
    unlink(script);
    rmdir(dir);
    plx_buf_free(&in);
    plx_buf_free(&h);
    plx_buf_free(&big);
    plx_buf_free(&ours);
    plx_buf_free(&theirs);
}

TEST_MAIN(test_published_vectors, test_header_types, test_delivery, test_bad_crc,
          test_malformed_headers, test_bad_messages, test_lengths_and_caps, test_truncated,
          test_callback_stops, test_long_stream, test_botocore_crosscheck)
