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
    keyword k = {.label = label, .weight = weight};
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
    size_t words = 0;
    lx_scan_init(&s, name, strlen(name));
    while (lx_scan_next(&s, &t))
        words++;
    lx_scan_init(&s, name, strlen(name));
    while (st == PLX_OK && words > 1 && lx_scan_next(&s, &t))
        if (!lx_function_word(t.hash))
            st = rules_add(r, label, t.word, 0.5);
    return st;
}

static plx_status compile(const cJSON *labels, rules *r)
{
    plx_status st = PLX_OK;
    size_t i = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, labels) {
        if (cJSON_IsString(l)) {
            st = add_named(r, i, l->valuestring);
        } else {
            const cJSON *kw;
            cJSON_ArrayForEach(kw, l)
                if (st == PLX_OK && cJSON_IsString(kw))
                    st = rules_add(r, i, kw->valuestring, 1.0);
        }
        if (st != PLX_OK)
            return st;
        i++;
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

static void score(const rules *r, const uint64_t *words, size_t n, double *scores)
{
    for (size_t k = 0; k < r->count; k++) {
        const keyword *kw = &r->items[k];
        for (size_t i = 0; i + kw->n <= n; i++) {
            size_t j = 0;
            while (j < kw->n && words[i + j] == kw->words[j])
                j++;
            if (j == kw->n)
                scores[kw->label] += kw->weight * (double)kw->n;
        }
    }
}

static void write_result(plx_jw *w, const cJSON *labels, const cJSON *fallback,
                         const double *scores)
{
    size_t n = 0, best = 0;
    double total = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, labels) {
        total += scores[n];
        if (scores[n] > scores[best])
            best = n;
        n++;
    }
    const char *chosen = NULL;
    if (total > 0) {
        const cJSON *b = cJSON_GetArrayItem(labels, (int)best);
        chosen = cJSON_IsString(b) ? b->valuestring : b->string;
    } else if (cJSON_IsString(fallback)) {
        chosen = fallback->valuestring;
    }
    if (chosen)
        plx_jw_string(w, "label", chosen, strlen(chosen));
    else
        plx_jw_raw(w, "label", "null", 4);
    plx_jw_begin(w, "scores");
    n = 0;
    cJSON_ArrayForEach(l, labels) {
        const char *name = cJSON_IsString(l) ? l->valuestring : l->string;
        lx_jw_number(w, name, total > 0 ? scores[n] / total : 0, 3);
        n++;
    }
    plx_jw_end(w);
}

plx_status lx_classify(plx_jw *w, const cJSON *request)
{
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(request, "text");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(request, "labels");
    const cJSON *fallback = cJSON_GetObjectItemCaseSensitive(request, "default");
    if (!cJSON_IsString(text) || !(cJSON_IsArray(labels) || cJSON_IsObject(labels)))
        return PLX_EINVAL;
    size_t nlabels = (size_t)cJSON_GetArraySize(labels);
    rules r = {.cap = INLINE_KEYWORDS};
    r.items = r.inline_items;
    uint64_t inline_words[INLINE_WORDS];
    uint64_t *words = NULL;
    size_t nwords = 0;
    double *scores = calloc(nlabels ? nlabels : 1, sizeof *scores);
    plx_status st = scores ? compile(labels, &r) : PLX_ENOMEM;
    if (st == PLX_OK)
        st = text_words(text->valuestring, strlen(text->valuestring), inline_words, &words,
                        &nwords);
    if (st == PLX_OK) {
        score(&r, words, nwords, scores);
        write_result(w, labels, fallback, scores);
    }
    if (words != inline_words)
        free(words);
    if (r.items != r.inline_items)
        free(r.items);
    free(scores);
    return st;
}
