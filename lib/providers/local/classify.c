/* Op "classify": keyword rules. Labels come with keywords or phrases
 * ({"billing": ["invoice", "charged twice"]}), or as a list of names that
 * are their own keywords (["billing", "login problem"]: the phrase, and
 * each of its content words at half weight). Words match case-blind and
 * with or without a plural "s"; a phrase of n words that occurs scores n
 * per occurrence. Scores are the labels' shares of all matches; the label
 * is the best one (the first listed on a tie), or "default" (else null)
 * when nothing matched. */
#include "local.h"

#include <stdlib.h>
#include <string.h>

#define PHRASE_MAX 8            /* words of a keyword that count */
#define INLINE_KEYWORDS 64
#define INLINE_WORDS 256
#define INLINE_LABELS 32

typedef struct keyword {
    size_t label;
    size_t n;
    double weight;              /* per word matched */
    uint64_t words[PHRASE_MAX];
} keyword;

typedef struct rules {
    keyword *items;
    size_t count, cap;
    keyword inline_items[INLINE_KEYWORDS];
} rules;

static plx_status rules_add(rules *r, size_t label, const char *text, double weight)
{
    keyword k;
    k.label = label;
    k.weight = weight;
    k.n = 0;
    lx_scan s;
    lx_token t;
    lx_scan_init(&s, text, strlen(text));
    while (k.n < PHRASE_MAX && lx_scan_next(&s, &t))
        k.words[k.n++] = lx_stem_hash(&t);
    if (k.n == 0)
        return PLX_OK;
    if (r->count == r->cap) {
        size_t cap = r->cap * 2;
        keyword *items = malloc(cap * sizeof *items);
        if (!items)
            return PLX_ENOMEM;
        memcpy(items, r->items, r->count * sizeof *items);
        if (r->items != r->inline_items)
            free(r->items);
        r->items = items;
        r->cap = cap;
    }
    r->items[r->count++] = k;
    return PLX_OK;
}

/* A label given by name only: the name as a phrase, and its content words. */
static plx_status add_named(rules *r, size_t label, const char *name)
{
    plx_status st = rules_add(r, label, name, 1.0);
    lx_scan s;
    lx_token t;
    size_t words = lx_count_words(name, strlen(name));
    lx_scan_init(&s, name, strlen(name));
    while (st == PLX_OK && words > 1 && lx_scan_next(&s, &t))
        if (!lx_function_word(t.hash))
            st = rules_add(r, label, t.word, 0.5);
    return st;
}

/* The next NUL-terminated string of the body, or NULL past its end. */
static const char *next_string(const char **at, const char *end)
{
    const char *s = *at;
    const char *nul = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
    if (!nul)
        return NULL;
    *at = nul + 1;
    return s;
}

/* Reads the labels of the body (see lx_classify) into names and rules. */
static plx_status compile(const char **at, const char *end, size_t nlabels,
                          const char **names, rules *r)
{
    for (size_t i = 0; i < nlabels; i++) {
        const char *name = next_string(at, end);
        const char *count = next_string(at, end);
        if (!name || !count)
            return PLX_EINTERNAL;
        names[i] = name;
        plx_status st = PLX_OK;
        if (strcmp(count, "-") == 0) {
            st = add_named(r, i, name);
        } else {
            for (long k = strtol(count, NULL, 10); k > 0 && st == PLX_OK; k--) {
                const char *kw = next_string(at, end);
                st = kw ? rules_add(r, i, kw, 1.0) : PLX_EINTERNAL;
            }
        }
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

/* The stem hashes of the text's words, in one allocation. */
static plx_status text_words(const char *text, size_t len, uint64_t *inline_words,
                             uint64_t **out, size_t *count)
{
    size_t cap = len / 2 + 1;
    uint64_t *words = cap <= INLINE_WORDS ? inline_words : malloc(cap * sizeof *words);
    if (!words)
        return PLX_ENOMEM;
    lx_scan s;
    lx_token t;
    size_t n = 0;
    lx_scan_init(&s, text, len);
    while (n < cap && lx_scan_next(&s, &t))
        words[n++] = lx_stem_hash(&t);
    *out = words;
    *count = n;
    return PLX_OK;
}

static int by_first_word(const void *a, const void *b)
{
    uint64_t x = ((const keyword *)a)->words[0], y = ((const keyword *)b)->words[0];
    return x < y ? -1 : x > y;
}

/* The first keyword (sorted by first word) that starts with word. */
static size_t first_with(const rules *r, uint64_t word)
{
    size_t lo = 0, hi = r->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->items[mid].words[0] < word)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Each word of the text looks up the keywords that start with it: time
 * grows with words x log(keywords), not words x keywords. */
static void score(rules *r, const uint64_t *words, size_t n, double *scores)
{
    qsort(r->items, r->count, sizeof *r->items, by_first_word);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = first_with(r, words[i]);
             k < r->count && r->items[k].words[0] == words[i]; k++) {
            const keyword *kw = &r->items[k];
            size_t j = 1;
            while (j < kw->n && i + j < n && words[i + j] == kw->words[j])
                j++;
            if (j == kw->n)
                scores[kw->label] += kw->weight * (double)kw->n;
        }
    }
}

static void write_result(plx_jw *w, const char *const *names, size_t n,
                         const char *fallback, const double *scores)
{
    size_t best = 0;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        total += scores[i];
        if (scores[i] > scores[best])
            best = i;
    }
    const char *chosen = total > 0 ? names[best] : fallback;
    if (chosen)
        plx_jw_string(w, "label", chosen, strlen(chosen));
    else
        plx_jw_null(w, "label");
    plx_jw_begin(w, "scores");
    for (size_t i = 0; i < n; i++)
        lx_jw_number(w, names[i], total > 0 ? scores[i] / total : 0, 3);
    plx_jw_end(w);
}

plx_status lx_classify(plx_jw *w, const char *body, size_t len, size_t nlabels,
                       bool has_default)
{
    const char *at = body, *end = body + len;
    const char *text = next_string(&at, end);
    const char *fallback = has_default ? next_string(&at, end) : NULL;
    if (!text || (has_default && !fallback) || nlabels == 0)
        return PLX_EINTERNAL;
    const char *inline_names[INLINE_LABELS];
    double inline_scores[INLINE_LABELS];
    bool small = nlabels <= INLINE_LABELS;
    const char **names = small ? inline_names : malloc(nlabels * sizeof *names);
    double *scores = small ? inline_scores : malloc(nlabels * sizeof *scores);
    rules r;
    r.items = r.inline_items;
    r.count = 0;
    r.cap = INLINE_KEYWORDS;
    uint64_t inline_words[INLINE_WORDS];
    uint64_t *words = inline_words;
    size_t nwords = 0;
    plx_status st = names && scores ? PLX_OK : PLX_ENOMEM;
    if (st == PLX_OK) {
        memset(scores, 0, nlabels * sizeof *scores);
        st = compile(&at, end, nlabels, names, &r);
    }
    if (st == PLX_OK)
        st = text_words(text, strlen(text), inline_words, &words, &nwords);
    if (st == PLX_OK) {
        score(&r, words, nwords, scores);
        write_result(w, names, nlabels, fallback, scores);
    }
    if (words != inline_words)
        free(words);
    if (r.items != r.inline_items)
        free(r.items);
    if (!small) {
        free(names);
        free(scores);
    }
    return st;
}
