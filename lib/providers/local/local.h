/* The offline text computations behind provider kind "local": a tokenizer
 * and word tables shared by all (text.c, words.c), and one file per op. They
 * do no I/O and allocate nothing per word: tokens live in a caller's struct,
 * word tables are built once, and tables sized by the text are allocated
 * once per call. Texts are valid UTF-8 (the kind checks before). */
#ifndef PLX_LOCAL_H
#define PLX_LOCAL_H

#include "../../core/core.h"

#include <stddef.h>
#include <stdint.h>

/* ---- tokens (text.c) ---- */

#define LX_WORD_MAX 48          /* longer words are cut (their hash is not) */

enum {
    LX_CLAUSE = 2,              /* , ; : ( ) or a sentence end comes before it */
    LX_SENTENCE = 4             /* . ! ? or a line break comes before it */
};

typedef struct lx_token {
    char word[LX_WORD_MAX];     /* lower-cased, NUL-terminated, maybe cut */
    size_t len;                 /* bytes in word */
    uint64_t hash;              /* lx_hash of the whole lower-cased word */
    size_t start, end;          /* byte range in the text */
    unsigned flags;             /* LX_* for the gap before the word */
    unsigned bangs;             /* '!' in the gap before the word */
} lx_token;

typedef struct lx_scan {
    const unsigned char *text;
    size_t len, pos;
} lx_scan;

void lx_scan_init(lx_scan *s, const char *text, size_t len);
/* The next word: a run of letters, digits, and apostrophes between them;
 * an emoji is a word of its own. At the end returns false with t->len 0
 * and t->flags/bangs describing the trailing punctuation. */
bool lx_scan_next(lx_scan *s, lx_token *t);

/* Whether t is written in capitals ("NEVER"; 2+ letters, none small). */
bool lx_capitals(const char *text, const lx_token *t);
/* FNV-1a, 64 bits. */
uint64_t lx_hash(const char *s, size_t len);
/* Length of word without a plural or third-person "s" ("refunds" ->
 * "refund"); used wherever two forms of a word should count as one. */
size_t lx_stem_len(const char *word, size_t len);
/* The hash of the stem (lx_stem_len) of t's word. */
uint64_t lx_stem_hash(const lx_token *t);

/* Writes x rounded to `decimals` (<= 9) places, trailing zeros dropped, to
 * dst (>= 32 bytes); returns the length. Fast: no printf. */
size_t lx_fmt(char *dst, double x, int decimals);
/* plx_jw_raw of lx_fmt(x, decimals). */
void lx_jw_number(plx_jw *w, const char *key, double x, int decimals);

/* ---- word tables (words.c) ---- */

/* Languages of the profiles, in this order; bit i of a mask is LX_LANGS[i]. */
#define LX_LANG_COUNT 7
extern const char *const LX_LANGS[LX_LANG_COUNT];

/* The languages in which the word (by hash) is a common function word
 * ("the", "und", "que"); 0 if none. Such words are the stop words of
 * summaries, classification and embeddings. */
unsigned lx_function_word(uint64_t hash);

typedef enum lx_role {
    LX_NONE = 0,
    LX_VALENCE,                 /* value: sentiment weight, -4..4 */
    LX_NEGATOR,                 /* "not", "never", "without" */
    LX_BOOSTER,                 /* value: factor for the next sentiment word */
    LX_CONTRAST,                /* "but", "however": what follows counts more */
    LX_OUTCOME,                 /* value: weight when negated ("never arrived") */
    LX_DAYTIME                  /* "morning": "good morning" is a greeting */
} lx_role;

/* The sentiment role of a word (and its weight or factor), trying light
 * English inflections ("crashed" -> "crash", "loving" -> "love") for words
 * that are in neither table; *langs receives lx_function_word's answer
 * (one lookup for both). */
lx_role lx_sentiment_word(const lx_token *t, float *value, unsigned *langs);

/* ---- ops: each writes the members of its result object ---- */

/* sentiment.c: {label, score, positive, negative, neutral, words} */
void lx_sentiment(plx_jw *w, const char *text, size_t len);
/* language.c: {language, confidence, scores} */
void lx_language(plx_jw *w, const char *text, size_t len);
/* summarize.c: {summary, sentences}; the summary as text into *summary
 * too when summary is not NULL (chat uses it). ENOMEM only. */
plx_status lx_summarize(plx_jw *w, const char *text, size_t len, int max_sentences,
                        plx_buf *summary);
/* classify.c: {label, scores}. body: the text, the default label when
 * has_default, then per label its name, and "-" (the name is the keyword)
 * or the number of keywords followed by them; each string NUL-terminated. */
plx_status lx_classify(plx_jw *w, const char *body, size_t len, size_t nlabels,
                       bool has_default);
/* embed_hash.c: one L2-normalized vector of dims floats for the text;
 * returns the number of words. */
size_t lx_embed(const char *text, size_t len, float *vec, int dims);
/* chat.c: the degraded answer: prefix + extract of the last user message,
 * cut at the first stop string and after max_tokens words (0: no cap).
 * stops: n NUL-terminated strings one after another. */
plx_status lx_chat(plx_jw *w, const char *prefix, const char *text, size_t len,
                   int64_t max_tokens, const char *stops, size_t nstops,
                   int64_t *output_words);

/* Words in text as lx_scan counts them. */
size_t lx_count_words(const char *text, size_t len);

#endif
