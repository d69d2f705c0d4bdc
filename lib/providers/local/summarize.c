/* Op "summarize": an extractive summary. The text is split into sentences;
 * each content word (not a function word of any of the seven languages,
 * not a number) scores how often it occurs in the whole text; a sentence
 * scores the sum over its words divided by the square root of their
 * number (so that long sentences do not win by length alone), and very
 * short ones less. The best max_sentences sentences, in their original
 * order, are the summary. */
#include "local.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define INLINE_SENTENCES 64
#define INLINE_SLOTS 256
#define INLINE_WORDS 256

typedef struct span {
    size_t start, end;
    double score;
    bool chosen;
} span;

typedef struct spans {
    span *items;
    size_t count, cap;
    span inline_items[INLINE_SENTENCES];
} spans;

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static plx_status spans_add(spans *s, size_t start, size_t end)
{
    if (s->count == s->cap) {
        size_t cap = s->cap * 2;
        span *items = malloc(cap * sizeof *items);
        if (!items)
            return PLX_ENOMEM;
        memcpy(items, s->items, s->count * sizeof *items);
        if (s->items != s->inline_items)
            free(s->items);
        s->items = items;
        s->cap = cap;
    }
    s->items[s->count++] = (span){start, end, 0, false};
    return PLX_OK;
}

/* "e.g.", "Mr.", "approx." and single initials do not end a sentence. */
static bool abbreviation_before(const unsigned char *p, size_t dot)
{
    /* Space-separated, with a space at both ends, to search for " word ". */
    static const char abbr[] = " mr mrs ms dr prof sr jr st vs etc eg ie e.g i.e inc ltd co "
                               "no nr fig approx dept est min max tel ref ca cf ";
    size_t b = dot;
    while (b > 0 && dot - b <= 6 &&
           (((p[b - 1] | 0x20) >= 'a' && (p[b - 1] | 0x20) <= 'z') || p[b - 1] == '.'))
        b--;
    size_t n = dot - b;
    if (n == 1)
        return true;
    if (n == 0 || n > 6)
        return false;
    char word[9] = " ";
    for (size_t k = 0; k < n; k++)
        word[k + 1] = (char)(p[b + k] | 0x20);
    word[n + 1] = ' ';
    word[n + 2] = '\0';
    return strstr(abbr, word) != NULL;
}

/* Whether the terminator run [from, to) ends a sentence: the next thing is
 * the end, or space and then not a small letter. */
static bool ends_sentence(const unsigned char *p, size_t len, size_t from, size_t to)
{
    if (to >= len)
        return true;
    if (!is_space(p[to]))
        return false;               /* "3.5", "example.com" */
    if (p[from] == '.' && to == from + 1 && abbreviation_before(p, from))
        return false;
    size_t next = to;
    while (next < len && is_space(p[next]))
        next++;
    return next >= len || !(p[next] >= 'a' && p[next] <= 'z');
}

/* Length of a sentence terminator at i (". ! ? …" and closing quotes and
 * brackets after them), or 0. */
static size_t terminator_at(const unsigned char *p, size_t len, size_t i)
{
    size_t j = i;
    for (;;) {
        if (j < len && (p[j] == '.' || p[j] == '!' || p[j] == '?'))
            j++;
        else if (j + 2 < len && p[j] == 0xe2 && p[j + 1] == 0x80 && p[j + 2] == 0xa6)
            j += 3;                 /* … */
        else
            break;
    }
    if (j == i)
        return 0;
    while (j < len && (p[j] == '"' || p[j] == '\'' || p[j] == ')' || p[j] == ']'))
        j++;
    return j - i;
}

/* A line break ends a sentence unless the next line goes on in small
 * letters (a wrapped paragraph). */
static bool line_ends_sentence(const unsigned char *p, size_t len, size_t i)
{
    size_t next = i + 1;
    while (next < len && (p[next] == ' ' || p[next] == '\t' || p[next] == '\r'))
        next++;
    return next >= len || p[next] == '\n' || !(p[next] >= 'a' && p[next] <= 'z');
}

static plx_status split(const char *text, size_t len, spans *out)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t start = 0;
    for (size_t i = 0; i <= len;) {
        size_t cut = 0, skip = 1;
        if (i == len) {
            cut = len;
        } else if (p[i] == '\n') {
            if (line_ends_sentence(p, len, i))
                cut = i;
        } else {
            size_t t = terminator_at(p, len, i);
            if (t && ends_sentence(p, len, i, i + t))
                cut = i + t;
            skip = t ? t : 1;
        }
        if (cut || i == len) {
            while (start < cut && is_space(p[start]))
                start++;
            size_t end = cut;
            while (end > start && is_space(p[end - 1]))
                end--;
            if (end > start && spans_add(out, start, end) != PLX_OK)
                return PLX_ENOMEM;
            start = i + skip;
        }
        i += skip;
    }
    return PLX_OK;
}

/* Word counts by stem hash in an open-addressing table that grows. */
typedef struct counts {
    uint64_t *keys;
    uint32_t *values;
    size_t cap, used;
    uint64_t inline_keys[INLINE_SLOTS];
    uint32_t inline_values[INLINE_SLOTS];
} counts;

static size_t counts_slot(const counts *c, uint64_t key)
{
    size_t i = (size_t)(key ^ (key >> 31)) & (c->cap - 1);
    while (c->keys[i] && c->keys[i] != key)
        i = (i + 1) & (c->cap - 1);
    return i;
}

static plx_status counts_grow(counts *c)
{
    counts bigger = {.cap = c->cap * 2};
    bigger.keys = calloc(bigger.cap, sizeof *bigger.keys);
    bigger.values = calloc(bigger.cap, sizeof *bigger.values);
    if (!bigger.keys || !bigger.values) {
        free(bigger.keys);
        free(bigger.values);
        return PLX_ENOMEM;
    }
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->keys[i])
            continue;
        size_t j = counts_slot(&bigger, c->keys[i]);
        bigger.keys[j] = c->keys[i];
        bigger.values[j] = c->values[i];
    }
    if (c->keys != c->inline_keys) {
        free(c->keys);
        free(c->values);
    }
    c->keys = bigger.keys;
    c->values = bigger.values;
    c->cap = bigger.cap;
    return PLX_OK;
}

static plx_status counts_add(counts *c, uint64_t key)
{
    key = key ? key : 1;
    size_t i = counts_slot(c, key);
    if (!c->keys[i]) {
        if ((c->used + 1) * 2 > c->cap) {
            if (counts_grow(c) != PLX_OK)
                return PLX_ENOMEM;
            i = counts_slot(c, key);
        }
        c->keys[i] = key;
        c->values[i] = 0;
        c->used++;
    }
    c->values[i]++;
    return PLX_OK;
}

static uint32_t counts_get(const counts *c, uint64_t key)
{
    key = key ? key : 1;
    size_t i = counts_slot(c, key);
    return c->keys[i] ? c->values[i] : 0;
}

static bool content_word(const lx_token *t)
{
    return t->len >= 2 && !(t->word[0] >= '0' && t->word[0] <= '9') &&
           !lx_function_word(t->hash);
}

/* The content words of the text in order: their stem hash and offset, so
 * that sentences are scored without reading the text again. */
typedef struct word_ref {
    uint64_t key;
    size_t start;
} word_ref;

typedef struct word_refs {
    word_ref *items;
    size_t count, cap;
    word_ref inline_items[INLINE_WORDS];
} word_refs;

static plx_status refs_add(word_refs *r, uint64_t key, size_t start)
{
    if (r->count == r->cap) {
        size_t cap = r->cap * 2;
        word_ref *items = malloc(cap * sizeof *items);
        if (!items)
            return PLX_ENOMEM;
        memcpy(items, r->items, r->count * sizeof *items);
        if (r->items != r->inline_items)
            free(r->items);
        r->items = items;
        r->cap = cap;
    }
    r->items[r->count++] = (word_ref){key, start};
    return PLX_OK;
}

static plx_status count_words(const char *text, size_t len, counts *c, word_refs *refs)
{
    lx_scan s;
    lx_token t;
    lx_scan_init(&s, text, len);
    while (lx_scan_next(&s, &t)) {
        if (!content_word(&t))
            continue;
        uint64_t key = lx_stem_hash(&t);
        if (counts_add(c, key) != PLX_OK || refs_add(refs, key, t.start) != PLX_OK)
            return PLX_ENOMEM;
    }
    return PLX_OK;
}

/* Scores each sentence from the words that start inside it. */
static void score_sentences(spans *s, const word_refs *refs, const counts *c)
{
    size_t w = 0;
    for (size_t i = 0; i < s->count; i++) {
        span *sp = &s->items[i];
        double sum = 0;
        size_t n = 0;
        while (w < refs->count && refs->items[w].start < sp->start)
            w++;
        for (; w < refs->count && refs->items[w].start < sp->end; w++, n++)
            sum += counts_get(c, refs->items[w].key);
        sp->score = n ? sum / sqrt((double)n) * (n < 3 ? n / 3.0 : 1.0) : 0;
    }
}

/* Marks the best k sentences; ties go to the earlier one. */
#define SCAN_CHOICE_MAX 16       /* up to this many picks, k scans beat a sort */

/* Best score first; on a tie the earlier sentence. */
static int by_score(const void *a, const void *b)
{
    const span *x = *(const span *const *)a, *y = *(const span *const *)b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x < y ? -1 : x > y;
}

static plx_status choose(spans *s, size_t k)
{
    if (k <= SCAN_CHOICE_MAX) {
        for (size_t round = 0; round < k && round < s->count; round++) {
            span *best = NULL;
            for (size_t i = 0; i < s->count; i++)
                if (!s->items[i].chosen && (!best || s->items[i].score > best->score))
                    best = &s->items[i];
            best->chosen = true;
        }
        return PLX_OK;
    }
    span **order = malloc(s->count * sizeof *order);
    if (!order)
        return PLX_ENOMEM;
    for (size_t i = 0; i < s->count; i++)
        order[i] = &s->items[i];
    qsort(order, s->count, sizeof *order, by_score);
    for (size_t i = 0; i < k && i < s->count; i++)
        order[i]->chosen = true;
    free(order);
    return PLX_OK;
}

/* Appends the sentence with runs of white space made one space. */
static plx_status append_collapsed(plx_buf *b, const char *text, const span *sp)
{
    if (plx_buf_reserve(b, sp->end - sp->start + 1) != PLX_OK)
        return PLX_ENOMEM;
    if (b->len)
        b->data[b->len++] = ' ';
    bool space = false;
    for (size_t i = sp->start; i < sp->end; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (is_space(ch)) {
            space = true;
            continue;
        }
        if (space)
            b->data[b->len++] = ' ';
        space = false;
        b->data[b->len++] = (char)ch;
    }
    b->data[b->len] = '\0';
    return PLX_OK;
}

static plx_status write_result(plx_jw *w, const char *text, const spans *s, plx_buf *out)
{
    plx_buf own = {0};
    plx_buf *b = out ? out : &own;
    plx_status st = PLX_OK;
    for (size_t i = 0; i < s->count && st == PLX_OK; i++)
        if (s->items[i].chosen)
            st = append_collapsed(b, text, &s->items[i]);
    if (w && st == PLX_OK) {
        plx_jw_string(w, "summary", b->data ? b->data : "", b->len);
        plx_jw_begin_array(w, "sentences");
        for (size_t i = 0; i < s->count; i++)
            if (s->items[i].chosen)
                plx_jw_int(w, NULL, (int64_t)i);
        plx_jw_end_array(w);
    }
    plx_buf_free(&own);
    return st;
}

plx_status lx_summarize(plx_jw *w, const char *text, size_t len, int max_sentences,
                        plx_buf *summary)
{
    /* Fields set one by one: the inline arrays need no zeroing (but the
     * count table's keys do). */
    spans s;
    s.items = s.inline_items;
    s.count = 0;
    s.cap = INLINE_SENTENCES;
    counts c;
    c.keys = c.inline_keys;
    c.values = c.inline_values;
    c.cap = INLINE_SLOTS;
    c.used = 0;
    memset(c.inline_keys, 0, sizeof c.inline_keys);
    word_refs refs;
    refs.items = refs.inline_items;
    refs.count = 0;
    refs.cap = INLINE_WORDS;
    plx_status st = split(text, len, &s);
    bool all = st == PLX_OK && (size_t)max_sentences >= s.count;
    if (st == PLX_OK && !all)
        st = count_words(text, len, &c, &refs);
    if (st == PLX_OK) {
        if (all) {
            for (size_t i = 0; i < s.count; i++)
                s.items[i].chosen = true;
        } else {
            score_sentences(&s, &refs, &c);
            st = choose(&s, (size_t)max_sentences);
        }
        if (st == PLX_OK)
            st = write_result(w, text, &s, summary);
    }
    if (s.items != s.inline_items)
        free(s.items);
    if (c.keys != c.inline_keys) {
        free(c.keys);
        free(c.values);
    }
    if (refs.items != refs.inline_items)
        free(refs.items);
    return st;
}
