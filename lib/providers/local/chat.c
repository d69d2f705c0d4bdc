/* Op "chat" of kind "local": the last resort of a fallback chain when no
 * model answers. The reply is a fixed prefix that tells a reader this is a
 * degraded, local answer, then an extractive summary of the last user
 * message. It honours stop strings and max_tokens (counted in words). */
#include "local.h"

#include <string.h>

#define SUMMARY_SENTENCES 3

/* Cuts b at the first occurrence of any stop string; true if it did. */
static bool cut_at_stop(plx_buf *b, const char *stops, size_t nstops)
{
    size_t cut = b->len;
    if (!b->len)
        return false;
    for (size_t i = 0; i < nstops; i++) {
        size_t n = strlen(stops);
        const char *hit = n ? memmem(b->data, b->len, stops, n) : NULL;
        if (hit && (size_t)(hit - b->data) < cut)
            cut = (size_t)(hit - b->data);
        stops += n + 1;
    }
    if (cut == b->len)
        return false;
    b->len = cut;
    b->data[cut] = '\0';
    return true;
}

/* Keeps the first max words of b; true if it cut any. */
static bool cut_at_words(plx_buf *b, int64_t max)
{
    lx_scan s;
    lx_token t;
    int64_t n = 0;
    if (!b->len)
        return false;
    lx_scan_init(&s, b->data, b->len);
    while (lx_scan_next(&s, &t))
        if (++n == max) {
            if (!lx_scan_next(&s, &t))
                return false;
            b->len = t.start;
            while (b->len && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\n'))
                b->len--;
            b->data[b->len] = '\0';
            return true;
        }
    return false;
}

plx_status lx_chat(plx_jw *w, const char *prefix, const char *text, size_t len,
                   int64_t max_tokens, const char *stops, size_t nstops,
                   int64_t *output_words)
{
    plx_buf b = {0};
    plx_status st = plx_buf_append_str(&b, prefix);
    size_t body = b.len;
    if (st == PLX_OK && body && b.data[body - 1] != ' ')
        st = plx_buf_append(&b, " ", 1);
    size_t joined = b.len;
    plx_buf summary = {0};
    if (st == PLX_OK)
        st = lx_summarize(NULL, text, len, SUMMARY_SENTENCES, &summary);
    if (st == PLX_OK && summary.len)
        st = plx_buf_append(&b, summary.data, summary.len);
    plx_buf_free(&summary);
    if (st == PLX_OK && b.len == joined && b.data) {
        b.len = body;                           /* nothing to add after the prefix */
        b.data[body] = '\0';
    }
    if (st != PLX_OK) {
        plx_buf_free(&b);
        return st;
    }
    const char *finish = "stop";
    if (!cut_at_stop(&b, stops, nstops) && max_tokens > 0 && cut_at_words(&b, max_tokens))
        finish = "length";
    plx_jw_string(w, "text", b.data ? b.data : "", b.len);
    plx_jw_string(w, "finish_reason", finish, strlen(finish));
    plx_jw_string(w, "model", "local", 5);
    *output_words = b.len ? (int64_t)lx_count_words(b.data, b.len) : 0;
    plx_buf_free(&b);
    return PLX_OK;
}
