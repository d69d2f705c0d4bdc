/* The SSE parser: every rule of the WHATWG event stream format, each input
 * fed whole, one byte at a time, cut at every point and (short inputs) at
 * every pair of points, with the same events, status and end state. */
#include "../tap.h"
#include "http/sse.h"

#include <stdint.h>

typedef struct opts {
    size_t max;        /* max_event_bytes (0: default) */
    int fail_at;       /* index of the event whose callback fails; -1: none */
    bool with_id;      /* log the last event ID with each event */
} opts;

static const opts PLAIN = {0, -1, false};

/* What one run produced. */
typedef struct outcome {
    plx_buf log;       /* "event=data|" per event ("event=data#id|" with_id) */
    plx_status st;
    bool mid;          /* plx_sse_finish said: ended mid-event */
    int64_t retry;
    char id[64];
    int calls;
} outcome;

typedef struct sink {
    outcome *o;
    const plx_sse *p;
    const opts *op;
} sink;

static plx_status record(const char *event, const char *data, size_t len, void *user_data)
{
    sink *k = user_data;
    if (k->o->calls++ == k->op->fail_at)
        return PLX_ECANCELED;
    plx_buf_append_str(&k->o->log, event);
    plx_buf_append(&k->o->log, "=", 1);
    plx_buf_append(&k->o->log, data, len);
    if (k->op->with_id) {
        plx_buf_append(&k->o->log, "#", 1);
        plx_buf_append_str(&k->o->log, plx_sse_last_event_id(k->p));
    }
    plx_buf_append(&k->o->log, "|", 1);
    return PLX_OK;
}

/* Feeds in[] in pieces ending at cuts[] (ascending), then finishes. */
static void run_cuts(const opts *op, const char *in, size_t len, const size_t *cuts, size_t n,
                     outcome *o)
{
    plx_sse p;
    plx_sse_init(&p, op->max);
    memset(o, 0, sizeof *o);
    sink k = {o, &p, op};
    size_t at = 0;
    for (size_t i = 0; i <= n && o->st == PLX_OK; i++) {
        size_t to = i < n ? cuts[i] : len;
        o->st = plx_sse_feed(&p, in + at, to - at, record, &k);
        at = to;
    }
    if (o->st != PLX_OK) /* errors are sticky */
        CHECK_INT(plx_sse_feed(&p, "data: z\n\n", 9, record, &k), o->st);
    o->retry = plx_sse_retry_ms(&p);
    o->mid = plx_sse_finish(&p);
    snprintf(o->id, sizeof o->id, "%s", plx_sse_last_event_id(&p));
    plx_sse_free(&p);
}

static bool same(const outcome *a, const outcome *b)
{
    return a->st == b->st && a->mid == b->mid && a->retry == b->retry &&
           strcmp(a->id, b->id) == 0 && a->log.len == b->log.len &&
           (a->log.len == 0 || memcmp(a->log.data, b->log.data, a->log.len) == 0);
}

static void show(const char *label, const outcome *o)
{
    fprintf(stderr, "  %s: st=%s mid=%d retry=%lld id=\"%s\" log=\"", label,
            plx_status_name(o->st), o->mid, (long long)o->retry, o->id);
    for (size_t i = 0; i < o->log.len; i++) {
        unsigned char c = (unsigned char)o->log.data[i];
        if (c >= 0x20 && c < 0x7f)
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "\"\n");
}

/* Runs every way of cutting in[] and compares each with the whole run. */
static void all_splits(const opts *op, const char *in, size_t len, const outcome *whole,
                       int line)
{
    outcome o;
    size_t *cuts = malloc((len + 1) * sizeof *cuts);
    char label[64];
    bool ok = true;
    for (size_t i = 1; i < len; i++)
        cuts[i - 1] = i;
    run_cuts(op, in, len, cuts, len ? len - 1 : 0, &o);      /* a byte at a time */
    if (!same(&o, whole)) {
        ok = false;
        show("bytewise", &o);
    }
    plx_buf_free(&o.log);
    for (size_t i = 0; i <= len && ok; i++) {
        run_cuts(op, in, len, &i, 1, &o);
        if (!same(&o, whole)) {
            ok = false;
            snprintf(label, sizeof label, "cut at %zu", i);
            show(label, &o);
        }
        plx_buf_free(&o.log);
    }
    for (size_t i = 0; i <= len && ok && len <= 48; i++)
        for (size_t j = i; j <= len && ok; j++) {
            size_t two[2] = {i, j};
            run_cuts(op, in, len, two, 2, &o);
            if (!same(&o, whole)) {
                ok = false;
                snprintf(label, sizeof label, "cuts at %zu, %zu", i, j);
                show(label, &o);
            }
            plx_buf_free(&o.log);
        }
    free(cuts);
    tap_checks++;
    if (!ok) {
        tap_failures++;
        fprintf(stderr, "%s:%d: split runs differ from the whole run\n", __FILE__, line);
        show("whole", whole);
    }
}

/* Checks in[] against the expected log, status and mid-event flag. */
static void expect_run(const opts *op, const char *in, size_t len, const char *want,
                       size_t want_len, plx_status want_st, bool want_mid, int line)
{
    outcome whole;
    run_cuts(op, in, len, NULL, 0, &whole);
    bool ok = whole.st == want_st && whole.mid == want_mid && whole.log.len == want_len &&
              (want_len == 0 || memcmp(whole.log.data, want, want_len) == 0);
    tap_checks++;
    if (!ok) {
        tap_failures++;
        fprintf(stderr, "%s:%d: unexpected outcome; wanted st=%s mid=%d log=\"%.*s\"\n",
                __FILE__, line, plx_status_name(want_st), want_mid, (int)want_len, want);
        show("whole", &whole);
    }
    all_splits(op, in, len, &whole, line);
    plx_buf_free(&whole.log);
}

/* String literals, so embedded NUL bytes count. */
#define EXPECT_OPTS(op, in, want, st, mid) \
    expect_run(op, in, sizeof(in) - 1, want, sizeof(want) - 1, st, mid, __LINE__)
#define EXPECT(in, want) EXPECT_OPTS(&PLAIN, in, want, PLX_OK, false)
#define EXPECT_MID(in, want) EXPECT_OPTS(&PLAIN, in, want, PLX_OK, true)

static void test_basic(void)
{
    EXPECT("data: hello\n\n", "message=hello|");
    EXPECT("data: a\n\ndata: b\n\n", "message=a|message=b|");
    EXPECT("data:no-space\n\n", "message=no-space|");
    EXPECT("data:  two spaces\n\n", "message= two spaces|");   /* only one is dropped */
    EXPECT("data: a:b: c\n\n", "message=a:b: c|");             /* first colon splits */
    EXPECT("data:\ttab\n\n", "message=\ttab|");                /* only a space is dropped */
    EXPECT("\n\n\ndata: x\n\n\n\n", "message=x|");             /* blank lines alone: nothing */
    EXPECT("", "");
}

static void test_line_endings(void)
{
    EXPECT("data: a\r\n\r\n", "message=a|");
    EXPECT("data: a\r\r", "message=a|");
    EXPECT("data: a\n\r\n", "message=a|");
    EXPECT("data: a\r\ndata: b\rdata: c\n\r", "message=a\nb\nc|");
    EXPECT("data: a\r\n\rdata: b\n\r\n", "message=a|message=b|");
    /* CR LF is one line end; LF CR is two */
    EXPECT("data: 1\r\n\ndata: 2\n\r\r", "message=1|message=2|");
    EXPECT("data: x\r\r\n", "message=x|");
    EXPECT("\r\n\r\ndata: y\r\n\r\n", "message=y|");
}

static void test_comments_and_fields(void)
{
    EXPECT(":comment\ndata: x\n: another\n\n", "message=x|");
    EXPECT(": only a comment\n\n", "");
    EXPECT(":\n\n", "");
    EXPECT("data\n\n", "message=|");                      /* no colon: empty value */
    EXPECT("data\ndata\n\n", "message=\n|");
    EXPECT("data:\n\n", "message=|");
    EXPECT("data: \n\n", "message=|");
    EXPECT("data:\ndata:\ndata: z\n\n", "message=\n\nz|");
    EXPECT("Data: x\n\n", "");                            /* names are case-sensitive */
    EXPECT("foo: bar\ndata: x\nfoo\n\n", "message=x|");   /* unknown fields ignored */
    EXPECT(" data: x\n\n", "");                           /* " data" is another name */
    EXPECT("datas: x\ndata: y\n\n", "message=y|");
}

static void test_multiline_data(void)
{
    EXPECT("data: a\ndata: b\ndata: c\n\n", "message=a\nb\nc|");
    EXPECT("data: {\"a\":\ndata: 1}\n\n", "message={\"a\":\n1}|");
    EXPECT("data: a\n: comment between\ndata: b\n\n", "message=a\nb|");
}

static void test_event_field(void)
{
    EXPECT("event: add\ndata: 1\n\n", "add=1|");
    EXPECT("event: add\ndata: 1\n\ndata: 2\n\n", "add=1|message=2|");   /* reset */
    EXPECT("event:\ndata: x\n\n", "message=x|");                         /* empty: message */
    EXPECT("event: a\nevent: b\ndata: x\n\n", "b=x|");                   /* last wins */
    EXPECT("data: x\nevent: late\n\n", "late=x|");
    /* no data: nothing dispatched, and the event type is reset */
    EXPECT("event: e\n\ndata: y\n\n", "message=y|");
    EXPECT("event\ndata: y\n\n", "message=y|");
}

static void test_id_field(void)
{
    opts op = {0, -1, true};
    EXPECT_OPTS(&op, "id: 7\ndata: x\n\n", "message=x#7|", PLX_OK, false);
    /* the ID persists across events until set again */
    EXPECT_OPTS(&op, "id: 7\ndata: x\n\ndata: y\n\nid: 8\ndata: z\n\n",
                "message=x#7|message=y#7|message=z#8|", PLX_OK, false);
    EXPECT_OPTS(&op, "id: 7\ndata: x\n\nid\ndata: y\n\n", "message=x#7|message=y#|", PLX_OK,
                false);
    /* an ID with a NUL is ignored */
    EXPECT_OPTS(&op, "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n", "message=a#1|message=b#1|",
                PLX_OK, false);
    /* set at the blank line even when there is no data to dispatch */
    outcome o;
    run_cuts(&op, "id: 9\n\n", 7, NULL, 0, &o);
    CHECK_STR(o.id, "9");
    CHECK_INT(o.log.len, 0);
    plx_buf_free(&o.log);
    /* not before the blank line */
    run_cuts(&op, "id: 1\n\nid: 2\n", 13, NULL, 0, &o);
    CHECK_STR(o.id, "1");
    CHECK(o.mid);
    plx_buf_free(&o.log);
    /* a new stream (reconnect) keeps it */
    plx_sse p;
    plx_sse_init(&p, 0);
    sink k = {&o, &p, &op};
    memset(&o, 0, sizeof o);
    CHECK_INT(plx_sse_feed(&p, "id: abc\ndata: 1\n\n", 17, record, &k), PLX_OK);
    CHECK(!plx_sse_finish(&p));
    CHECK_INT(plx_sse_feed(&p, "data: 2\n\n", 9, record, &k), PLX_OK);
    CHECK_STR(plx_sse_last_event_id(&p), "abc");
    CHECK(o.log.data && strcmp(o.log.data, "message=1#abc|message=2#abc|") == 0);
    plx_buf_free(&o.log);
    plx_sse_free(&p);
}

static void test_retry_field(void)
{
    outcome o;
    static const struct {
        const char *in;
        long long want;
    } cases[] = {
        {"retry: 1500\n\n", 1500},
        {"retry:0\n", 0},
        {"retry: 15x\n\n", -1},
        {"retry: -5\n\n", -1},
        {"retry:\n\n", -1},
        {"retry: 1 0\n\n", -1},
        {"retry: 300\nretry: x\n\n", 300},
        {"retry: 99999999999999999999999\n", INT64_MAX},
    };
    for (size_t i = 0; i < PLX_ARRAY_LEN(cases); i++) {
        run_cuts(&PLAIN, cases[i].in, strlen(cases[i].in), NULL, 0, &o);
        CHECK_INT(o.retry, cases[i].want);
        CHECK_INT(o.log.len, 0);
        all_splits(&PLAIN, cases[i].in, strlen(cases[i].in), &o, __LINE__);
        plx_buf_free(&o.log);
    }
}

static void test_bom(void)
{
    EXPECT("\xef\xbb\xbf" "data: x\n\n", "message=x|");
    EXPECT("\xef\xbb\xbf\r\ndata: x\r\n\r\n", "message=x|");
    EXPECT("\xef\xbb\xbf:c\ndata: x\n\n", "message=x|");
    /* only one BOM is dropped: the second is part of a field name */
    EXPECT("\xef\xbb\xbf\xef\xbb\xbf" "data: x\n\ndata: y\n\n", "message=y|");
    /* a BOM later in the stream is text */
    EXPECT("data: \xef\xbb\xbfx\n\n", "message=\xef\xbb\xbfx|");
    /* bytes that start like a BOM but are not one are text */
    EXPECT("\xef\xbb\ndata: z\n\n", "message=z|");
    EXPECT("\xef" "data: z\n\ndata: w\n\n", "message=w|");
    EXPECT_MID("\xef\xbb", "");
    /* after finish a new stream may start with a BOM again */
    plx_sse p;
    outcome o;
    memset(&o, 0, sizeof o);
    sink k = {&o, &p, &PLAIN};
    plx_sse_init(&p, 0);
    CHECK_INT(plx_sse_feed(&p, "\xef\xbb\xbf" "data: 1\n\n", 12, record, &k), PLX_OK);
    plx_sse_finish(&p);
    CHECK_INT(plx_sse_feed(&p, "\xef\xbb", 2, record, &k), PLX_OK);
    CHECK_INT(plx_sse_feed(&p, "\xbf" "data: 2\n\n", 10, record, &k), PLX_OK);
    CHECK(o.log.data && strcmp(o.log.data, "message=1|message=2|") == 0);
    plx_buf_free(&o.log);
    plx_sse_free(&p);
}

static void test_utf8(void)
{
    /* valid multi-byte text passes as is, whatever the cuts */
    EXPECT("data: h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\n\n",
           "message=h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80|");
    EXPECT("event: \xc3\xa9v\ndata: \xf0\x9f\x98\x80\n\n", "\xc3\xa9v=\xf0\x9f\x98\x80|");
    /* ill-formed sequences: one U+FFFD per maximal subpart */
    EXPECT("data: a\xff" "b\n\n", "message=a\xef\xbf\xbd" "b|");
    EXPECT("data: a\xc3\n\n", "message=a\xef\xbf\xbd|");
    EXPECT("data: \xf0\x9f\x98x\n\n", "message=\xef\xbf\xbdx|");
    EXPECT("data: \xed\xa0\x80\n\n", "message=\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|");
    EXPECT("data: \xc0\xaf\n\n", "message=\xef\xbf\xbd\xef\xbf\xbd|");
    EXPECT("data: \xe2\x82\n\xe2\x82\xac\ndata: \xe2\x82\xac\n\n",
           "message=\xef\xbf\xbd\n\xe2\x82\xac|");
    EXPECT("event: \xff\ndata: x\n\n", "\xef\xbf\xbd=x|");
    /* NUL bytes are data */
    EXPECT("data: a\0b\n\n", "message=a\0b|");
}

static void test_unterminated(void)
{
    EXPECT_MID("data: x\n", "");
    EXPECT_MID("data: x", "");
    EXPECT_MID("data: x\n\ndata: y", "message=x|");
    EXPECT_MID("data: x\n\nid: 5", "message=x|");
    EXPECT_MID("data: x\n\nfoo", "message=x|");
    EXPECT_MID("data: x\r", "");
    EXPECT("data: x\n\n: trailing comment", "message=x|");
    EXPECT("data: x\n\n:", "message=x|");
    EXPECT("data: x\r\n\r", "message=x|");
}

static void test_too_big(void)
{
    opts op = {16, -1, false};
    EXPECT_OPTS(&op, "data: 0123456789abcdef\n\n", "message=0123456789abcdef|", PLX_OK, false);
    EXPECT_OPTS(&op, "data: 0123456789abcdefg\n\n", "", PLX_ETOOBIG, true);
    EXPECT_OPTS(&op, "data: 12345678\ndata: 1234567\n\n", "message=12345678\n1234567|",
                PLX_OK, false);
    EXPECT_OPTS(&op, "data: 12345678\ndata: 12345678\n\n", "", PLX_ETOOBIG, true);
    /* the event name counts */
    EXPECT_OPTS(&op, "event: abc\ndata: 0123456789abc\n\n", "abc=0123456789abc|", PLX_OK,
                false);
    EXPECT_OPTS(&op, "event: abcd\ndata: 0123456789abc\n\n", "", PLX_ETOOBIG, true);
    EXPECT_OPTS(&op, "data: 0123456789abc\nevent: abcd\n\n", "", PLX_ETOOBIG, true);
    EXPECT_OPTS(&op, "id: 0123456789abcdefg\n\n", "", PLX_ETOOBIG, true);
    EXPECT_OPTS(&op, "data: ok\n\ndata: 0123456789abcdefghijklmnopqrstuvwxyz\n\n",
                "message=ok|", PLX_ETOOBIG, true);
    /* the cap is per event: many small events are fine */
    EXPECT_OPTS(&op, "data: 0123456789\n\ndata: 0123456789\n\ndata: 0123456789\n\n",
                "message=0123456789|message=0123456789|message=0123456789|", PLX_OK, false);
    /* comments and unknown fields are skipped, not stored: any length */
    EXPECT_OPTS(&op, ":0123456789abcdefghijklmnopqrstuvwxyz0123456789\ndata: x\n\n",
                "message=x|", PLX_OK, false);
    EXPECT_OPTS(&op, "unknown: 0123456789abcdefghijklmnopqrstuvwxyz\ndata: x\n\n",
                "message=x|", PLX_OK, false);
    EXPECT_OPTS(&op, "0123456789abcdefghijklmnopqrstuvwxyz\ndata: x\n\n", "message=x|",
                PLX_OK, false);
    /* a retry line is bounded like any known field */
    EXPECT_OPTS(&op, "retry: 000000000000000000000000001\n\n", "", PLX_ETOOBIG, true);
    /* a huge cap is a large cap, not an overflow */
    opts huge = {SIZE_MAX, -1, false};
    EXPECT_OPTS(&huge, "data: x\n\n", "message=x|", PLX_OK, false);
    /* the message names the limit, not the data */
    outcome o;
    run_cuts(&op, "data: secret-secret-secret\n\n", 28, NULL, 0, &o);
    CHECK_INT(o.st, PLX_ETOOBIG);
    CHECK_CONTAINS(plx_errmsg_current(), "larger than the cap of 16 bytes");
    CHECK(strstr(plx_errmsg_current(), "secret") == NULL);
    plx_buf_free(&o.log);
}

static void test_callback_stops(void)
{
    opts op = {0, 1, false};
    EXPECT_OPTS(&op, "data: 1\n\ndata: 2\n\ndata: 3\n\n", "message=1|", PLX_ECANCELED, false);
    op.fail_at = 0;
    EXPECT_OPTS(&op, "data: 1\n\ndata: 2\n", "", PLX_ECANCELED, false);
}

/* An OpenAI-style transcript, and long inputs fed in odd chunk sizes. */
static void test_long_streams(void)
{
    plx_buf in = {0}, want = {0};
    for (int i = 0; i < 2000; i++) {
        plx_buf_printf(&in, "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"w%d "
                       "\xc3\xa9\"}}]}\n\n", i);
        plx_buf_printf(&want, "message={\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":"
                       "\"w%d \xc3\xa9\"}}]}|", i);
        if (i % 100 == 0)
            plx_buf_append_str(&in, ": keep-alive\r\n");
    }
    plx_buf_append_str(&in, "data: [DONE]\n\n");
    plx_buf_append_str(&want, "message=[DONE]|");
    outcome whole, o;
    run_cuts(&PLAIN, in.data, in.len, NULL, 0, &whole);
    CHECK_INT(whole.st, PLX_OK);
    CHECK(whole.log.len == want.len && memcmp(whole.log.data, want.data, want.len) == 0);
    for (size_t step = 1; step < 300; step = step * 2 + 1) {
        size_t n = in.len / step, *cuts = malloc(n * sizeof *cuts);
        for (size_t i = 0; i < n; i++)
            cuts[i] = (i + 1) * step;
        run_cuts(&PLAIN, in.data, in.len, cuts, n, &o);
        CHECK(same(&o, &whole));
        plx_buf_free(&o.log);
        free(cuts);
    }
    plx_buf_free(&whole.log);
    /* CR-only line ends in one big chunk: linear, not quadratic */
    plx_buf_reset(&in);
    for (int i = 0; i < 200000; i++)
        plx_buf_append_str(&in, "data: x\r\r");
    run_cuts(&PLAIN, in.data, in.len, NULL, 0, &o);
    CHECK_INT(o.st, PLX_OK);
    CHECK_INT(o.calls, 200000);
    plx_buf_free(&o.log);
    plx_buf_free(&in);
    plx_buf_free(&want);
}

TEST_MAIN(test_basic, test_line_endings, test_comments_and_fields, test_multiline_data,
          test_event_field, test_id_field, test_retry_field, test_bom, test_utf8,
          test_unterminated, test_too_big, test_callback_stops, test_long_streams)
