/* Incremental text/event-stream parser (WHATWG HTML, "Server-sent events",
 * event stream interpretation). Lines that lie whole inside a chunk are
 * parsed in place; only a line cut by the end of a chunk is copied, so the
 * cost per byte is a couple of memchr passes and one copy of the data. */
#include "sse.h"

#include <string.h>

/* Longest "name: " prefix of a known field ("retry: " is 7). A known
 * field's line may exceed the cap by this much (see sse.h). */
#define LINE_SLACK 8

static const unsigned char BOM[3] = {0xef, 0xbb, 0xbf};

typedef enum field { FIELD_OTHER, FIELD_DATA, FIELD_EVENT, FIELD_ID, FIELD_RETRY } field;

void plx_sse_init(plx_sse *p, size_t max_event_bytes)
{
    memset(p, 0, sizeof *p);
    p->max_event = max_event_bytes ? max_event_bytes : PLX_SSE_DEFAULT_MAX_EVENT;
    if (p->max_event > SIZE_MAX / 4)
        p->max_event = SIZE_MAX / 4;    /* sums of sizes below cannot wrap */
    p->retry_ms = -1;
}

void plx_sse_free(plx_sse *p)
{
    plx_buf_free(&p->line);
    plx_buf_free(&p->data);
    plx_buf_free(&p->event);
    plx_buf_free(&p->id);
    plx_buf_free(&p->last_id);
    plx_buf_free(&p->fixed);
}

const char *plx_sse_last_event_id(const plx_sse *p)
{
    return p->last_id.data ? p->last_id.data : "";
}

int64_t plx_sse_retry_ms(const plx_sse *p)
{
    return p->retry_ms;
}

static plx_status too_big(const plx_sse *p, const char *what, size_t len)
{
    return plx_fail(NULL, PLX_ETOOBIG,
                    "SSE: %s of %zu bytes is larger than the cap of %zu bytes (near byte "
                    "offset %llu)",
                    what, len, p->max_event, (unsigned long long)p->offset);
}

/* ---- UTF-8: events carry text, so ill-formed input becomes U+FFFD ---- */

static bool utf8_ok(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {   /* skip ASCII a word at a time */
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080u)
            break;
    }
    while (i < n && !(s[i] & 0x80))
        i++;
    return i == n || plx_utf8_valid(s + i, n - i);
}

/* The WHATWG Encoding "UTF-8 decode": one U+FFFD per maximal ill-formed
 * subpart, so the result matches what a browser's EventSource would see. */
static plx_status utf8_repair(const char *s, size_t n, plx_buf *out)
{
    static const char FFFD[3] = {(char)0xef, (char)0xbf, (char)0xbd};
    const unsigned char *u = (const unsigned char *)s;
    plx_buf_reset(out);
    if (plx_buf_reserve(out, n + n / 2 + 3) != PLX_OK)
        return PLX_ENOMEM;
    size_t start = 0, need = 0, seen = 0;
    unsigned lo = 0x80, hi = 0xbf;
    plx_status st = PLX_OK;
    for (size_t i = 0; i < n && st == PLX_OK; i++) {
        unsigned b = u[i];
        if (need == 0) {
            start = i;
            if (b < 0x80)
                st = plx_buf_append(out, s + i, 1);
            else if (b >= 0xc2 && b <= 0xdf)
                need = 1;
            else if (b >= 0xe0 && b <= 0xef) {
                need = 2;
                lo = b == 0xe0 ? 0xa0 : 0x80;
                hi = b == 0xed ? 0x9f : 0xbf;
            } else if (b >= 0xf0 && b <= 0xf4) {
                need = 3;
                lo = b == 0xf0 ? 0x90 : 0x80;
                hi = b == 0xf4 ? 0x8f : 0xbf;
            } else
                st = plx_buf_append(out, FFFD, 3);
            continue;
        }
        if (b < lo || b > hi) {        /* the sequence breaks off here */
            need = seen = 0;
            lo = 0x80, hi = 0xbf;
            st = plx_buf_append(out, FFFD, 3);
            i--;                        /* this byte starts afresh */
            continue;
        }
        lo = 0x80, hi = 0xbf;
        if (++seen == need) {
            st = plx_buf_append(out, s + start, i + 1 - start);
            need = seen = 0;
        }
    }
    if (st == PLX_OK && need)
        st = plx_buf_append(out, FFFD, 3);
    return st;
}

/* ---- fields ---- */

static field field_of(const char *name, size_t len)
{
    switch (len) {
    case 2: return memcmp(name, "id", 2) == 0 ? FIELD_ID : FIELD_OTHER;
    case 4: return memcmp(name, "data", 4) == 0 ? FIELD_DATA : FIELD_OTHER;
    case 5:
        if (memcmp(name, "event", 5) == 0)
            return FIELD_EVENT;
        return memcmp(name, "retry", 5) == 0 ? FIELD_RETRY : FIELD_OTHER;
    default: return FIELD_OTHER;
    }
}

static plx_status set_data(plx_sse *p, const char *v, size_t n)
{
    size_t sep = p->data_seen ? 1 : 0;
    size_t total = p->data.len + sep + n + p->event.len;
    if (total > p->max_event || total < n)
        return too_big(p, "event", total);
    if ((sep && plx_buf_append(&p->data, "\n", 1) != PLX_OK) ||
        plx_buf_append(&p->data, v, n) != PLX_OK)
        return PLX_ENOMEM;
    p->data_seen = true;
    return PLX_OK;
}

static plx_status set_event(plx_sse *p, const char *v, size_t n)
{
    size_t total = p->data.len + n;
    if (total > p->max_event || total < n)
        return too_big(p, "event", total);
    plx_buf_reset(&p->event);
    return plx_buf_append(&p->event, v, n);
}

static plx_status set_id(plx_sse *p, const char *v, size_t n)
{
    if (n > p->max_event)
        return too_big(p, "id", n);
    if (memchr(v, '\0', n))
        return PLX_OK;                  /* the standard ignores such ids */
    plx_buf_reset(&p->id);
    p->id_changed = true;
    return plx_buf_append(&p->id, v, n);
}

static void set_retry(plx_sse *p, const char *v, size_t n)
{
    int64_t ms = 0;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return;                     /* not only digits: ignored */
        int d = v[i] - '0';
        ms = ms > (INT64_MAX - d) / 10 ? INT64_MAX : ms * 10 + d;
    }
    p->retry_ms = ms;
}

/* ---- dispatch ---- */

static void reset_event(plx_sse *p)
{
    plx_buf_reset(&p->data);
    plx_buf_reset(&p->event);
    p->data_seen = false;
}

static plx_status dispatch(plx_sse *p, plx_frame_fn fn, void *user_data)
{
    p->in_event = false;
    if (p->id_changed) {
        plx_buf_reset(&p->last_id);
        if (plx_buf_append(&p->last_id, p->id.data ? p->id.data : "", p->id.len) != PLX_OK)
            return PLX_ENOMEM;
        p->id_changed = false;
    }
    if (!p->data_seen) {
        reset_event(p);
        return PLX_OK;
    }
    const char *data = p->data.data ? p->data.data : "";
    size_t len = p->data.len;
    if (!utf8_ok(data, len)) {
        if (utf8_repair(data, len, &p->fixed) != PLX_OK)
            return PLX_ENOMEM;
        /* the repaired data replaces the original: the event name may need
         * the scratch buffer next */
        plx_buf tmp = p->data;
        p->data = p->fixed;
        p->fixed = tmp;
        data = p->data.data;
        len = p->data.len;
    }
    const char *event = p->event.len ? p->event.data : "message";
    if (p->event.len && !utf8_ok(p->event.data, p->event.len)) {
        if (utf8_repair(p->event.data, p->event.len, &p->fixed) != PLX_OK)
            return PLX_ENOMEM;
        event = p->fixed.data;
    }
    plx_status st = fn(event, data, len, user_data);
    reset_event(p);
    return st;
}

/* ---- lines ---- */

/* One complete line without its end-of-line. */
static plx_status process_line(plx_sse *p, const char *line, size_t len, plx_frame_fn fn,
                               void *user_data)
{
    if (len == 0)
        return dispatch(p, fn, user_data);
    if (line[0] == ':')
        return PLX_OK;                  /* a comment */
    p->in_event = true;
    const char *colon = memchr(line, ':', len);
    size_t name_len = colon ? (size_t)(colon - line) : len;
    field f = field_of(line, name_len);
    if (f == FIELD_OTHER)
        return PLX_OK;
    if (len > p->max_event + LINE_SLACK)
        return too_big(p, "line", len);
    const char *v = colon ? colon + 1 : line + len;
    size_t n = (size_t)(line + len - v);
    if (n && *v == ' ') {
        v++;
        n--;
    }
    switch (f) {
    case FIELD_DATA: return set_data(p, v, n);
    case FIELD_EVENT: return set_event(p, v, n);
    case FIELD_ID: return set_id(p, v, n);
    default: set_retry(p, v, n); return PLX_OK;
    }
}

/* Whether a line beginning with head (len bytes so far) is one the parser
 * skips: a comment, or a field whose name is already known to be unknown.
 * Names are at most 5 bytes, so 6 bytes without a colon settle it. */
static bool line_skipped(const char *head, size_t len)
{
    if (head[0] == ':')
        return true;
    size_t look = len < 6 ? len : 6;
    const char *colon = memchr(head, ':', look);
    if (colon)
        return field_of(head, (size_t)(colon - head)) == FIELD_OTHER;
    return len >= 6;
}

/* Keeps the start of a line that the chunk cut off. */
static plx_status hold_partial(plx_sse *p, const char *s, size_t n)
{
    if (p->discard)
        return PLX_OK;
    char head[6];
    size_t have = p->line.len < 6 ? p->line.len : 6;
    size_t more = n < 6 - have ? n : 6 - have;
    memcpy(head, p->line.data ? p->line.data : "", have);
    memcpy(head + have, s, more);
    if (head[0] != ':')
        p->in_event = true;
    if (line_skipped(head, p->line.len + n)) {
        p->discard = true;
        plx_buf_reset(&p->line);
        return PLX_OK;
    }
    if (p->line.len + n > p->max_event + LINE_SLACK)
        return too_big(p, "line", p->line.len + n);
    return plx_buf_append(&p->line, s, n);
}

/* A line ends at eol; its start may be held from earlier chunks. */
static plx_status end_line(plx_sse *p, const char *s, const char *eol, plx_frame_fn fn,
                           void *user_data)
{
    size_t n = (size_t)(eol - s);
    if (p->discard) {
        p->discard = false;
        return PLX_OK;
    }
    if (p->line.len == 0)
        return process_line(p, s, n, fn, user_data);
    plx_status st = hold_partial(p, s, n);
    if (st == PLX_OK && p->discard)
        p->discard = false;             /* skipped; the line is over */
    else if (st == PLX_OK)
        st = process_line(p, p->line.data, p->line.len, fn, user_data);
    plx_buf_reset(&p->line);
    return st;
}

/* The first CR or LF in [s, end), or NULL. *lf caches the next LF (or
 * NULL: none before end) between calls, so that CR-only line ends do not
 * rescan the rest of the chunk for an LF on every line. */
static const char *find_eol(const char *s, const char *end, const char **lf, bool *lf_known)
{
    if (!*lf_known || (*lf && *lf < s)) {
        *lf = memchr(s, '\n', (size_t)(end - s));
        *lf_known = true;
    }
    const char *cr = memchr(s, '\r', (size_t)((*lf ? *lf : end) - s));
    return cr ? cr : *lf;
}

static plx_status feed_lines(plx_sse *p, const char *s, const char *end, plx_frame_fn fn,
                             void *user_data)
{
    const char *start = s, *lf = NULL;
    bool lf_known = false;
    plx_status st = PLX_OK;
    if (p->after_cr && s < end) {
        p->after_cr = false;
        if (*s == '\n')
            s++;
    }
    while (s < end && st == PLX_OK) {
        const char *eol = find_eol(s, end, &lf, &lf_known);
        if (!eol) {
            st = hold_partial(p, s, (size_t)(end - s));
            s = end;
            break;
        }
        st = end_line(p, s, eol, fn, user_data);
        s = eol + 1;
        if (*eol == '\r') {
            if (s == end)
                p->after_cr = true;
            else if (*s == '\n')
                s++;
        }
        p->offset += (uint64_t)(s - start);
        start = s;
    }
    p->offset += (uint64_t)(s - start);
    return st;
}

/* Drops a UTF-8 BOM at the very start, which may itself arrive in pieces.
 * Bytes that began like a BOM but were not one are parsed as text. */
static plx_status skip_bom(plx_sse *p, const char **s, const char *end, plx_frame_fn fn,
                           void *user_data)
{
    while (p->bom < 3 && *s < end) {
        if ((unsigned char)**s == BOM[p->bom]) {
            p->bom++;
            p->offset++;
            (*s)++;
            continue;
        }
        size_t matched = p->bom;
        p->bom = 3;
        p->offset -= matched;           /* counted again as text */
        return feed_lines(p, (const char *)BOM, (const char *)BOM + matched, fn, user_data);
    }
    return PLX_OK;
}

plx_status plx_sse_feed(plx_sse *p, const void *data, size_t len, plx_frame_fn fn,
                        void *user_data)
{
    if (p->status != PLX_OK)
        return p->status;
    if (len == 0)
        return PLX_OK;
    const char *s = data, *end = s + len;
    plx_status st = skip_bom(p, &s, end, fn, user_data);
    if (st == PLX_OK && s < end)
        st = feed_lines(p, s, end, fn, user_data);
    p->status = st;
    return st;
}

bool plx_sse_finish(plx_sse *p)
{
    bool mid_event = p->in_event || (p->bom > 0 && p->bom < 3);
    reset_event(p);
    plx_buf_reset(&p->line);
    /* the ID buffer goes back to the last dispatched ID (a reconnect
     * resumes from there) */
    plx_buf_reset(&p->id);
    if (p->last_id.len)
        (void)plx_buf_append(&p->id, p->last_id.data, p->last_id.len);
    p->id_changed = false;
    p->offset = 0;
    p->bom = 0;
    p->after_cr = p->discard = p->in_event = false;
    p->status = PLX_OK;
    return mid_event;
}
