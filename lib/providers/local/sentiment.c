/* Op "sentiment": a lexicon baseline for English. Each sentiment word adds
 * its weight; a negator ("not", "never", "-n't") flips and damps the next
 * three content words of its clause, a booster ("very", "slightly") scales
 * the next one, a contrast word ("but") halves what came before in the
 * sentence and raises what follows, words in capitals count more (unless
 * the whole text shouts), and "!" raises its sentence. The sum maps to a
 * score in -1..1 with tanh. No model: expect ~70-80% agreement with people
 * on clear customer messages, less on sarcasm, idioms and other languages. */
#include "local.h"

#include <math.h>
#include <string.h>

#define SCORE_SCALE 4.0         /* sum at which the score reaches tanh(1) */
#define LABEL_THRESHOLD 0.2     /* |score| below this is neutral */
#define NEGATION_REACH 3        /* content words a negator reaches */
#define BOOST_REACH 2           /* content words a booster reaches */
#define NEGATED_POSITIVE -0.75  /* "not good": less bad than "bad" */
#define NEGATED_NEGATIVE -0.5   /* "not bad": mildly good */
#define CAPS_FACTOR 1.3
#define BANG_STEP 0.15          /* per '!', up to three */
#define CONTRAST_BEFORE 0.5
#define CONTRAST_AFTER 1.5

typedef struct tally {
    double total;               /* closed sentences */
    double sentence;            /* the open sentence */
    double after;               /* factor after a contrast word */
    double boost;
    int boost_left, negate_left;
    bool shouting;              /* the text is mostly capitals */
    unsigned positive, negative, neutral;
} tally;

static void close_sentence(tally *t, unsigned bangs)
{
    double amplify = 1.0 + BANG_STEP * (bangs > 3 ? 3 : bangs);
    t->total += t->sentence * amplify;
    t->sentence = 0;
    t->after = 1.0;
    t->negate_left = t->boost_left = 0;
    t->boost = 1.0;
}

static void add_valence(tally *t, const lx_token *tok, double v)
{
    if ((tok->flags & LX_CAPS) && !t->shouting)
        v *= CAPS_FACTOR;
    if (t->negate_left > 0)
        v *= v > 0 ? NEGATED_POSITIVE : NEGATED_NEGATIVE;
    else if (t->boost_left > 0)
        v *= t->boost;
    v *= t->after;
    t->sentence += v;
    if (v > 0)
        t->positive++;
    else if (v < 0)
        t->negative++;
    t->boost = 1.0;
    t->boost_left = 0;
    if (t->negate_left > 0)
        t->negate_left--;
}

static void add_word(tally *t, const lx_token *tok)
{
    float v = 0;
    unsigned langs = 0;
    switch (lx_sentiment_word(tok, &v, &langs)) {
    case LX_NEGATOR:
        t->negate_left = NEGATION_REACH;
        if (v != 0) {
            t->sentence += v * t->after;
            t->negative++;
        }
        return;
    case LX_BOOSTER:
        t->boost = fmin(2.5, fmax(0.3, t->boost * v));
        t->boost_left = BOOST_REACH;
        return;
    case LX_CONTRAST:
        t->sentence *= CONTRAST_BEFORE;
        t->after = CONTRAST_AFTER;
        t->negate_left = t->boost_left = 0;
        return;
    case LX_VALENCE:
        add_valence(t, tok, v);
        return;
    case LX_NONE:
        break;
    }
    if (langs)
        return;
    t->neutral++;
    if (t->negate_left > 0)
        t->negate_left--;
    if (t->boost_left > 0)
        t->boost_left--;
}

/* More capital than small ASCII letters, and enough of them to tell. */
static bool shouting(const char *text, size_t len)
{
    size_t upper = 0, lower = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        upper += c >= 'A' && c <= 'Z';
        lower += c >= 'a' && c <= 'z';
    }
    return upper >= 20 && upper > lower;
}

void lx_sentiment(plx_jw *w, const char *text, size_t len)
{
    tally t = {.after = 1.0, .boost = 1.0, .shouting = shouting(text, len)};
    lx_scan s;
    lx_token tok;
    lx_scan_init(&s, text, len);
    while (lx_scan_next(&s, &tok)) {
        if (tok.flags & LX_SENTENCE)
            close_sentence(&t, tok.bangs);
        else if (tok.flags & LX_CLAUSE)
            t.negate_left = t.boost_left = 0;
        add_word(&t, &tok);
    }
    close_sentence(&t, tok.bangs);
    double score = tanh(t.total / SCORE_SCALE);
    const char *label = score >= LABEL_THRESHOLD ? "positive"
                        : score <= -LABEL_THRESHOLD ? "negative" : "neutral";
    unsigned words = t.positive + t.negative + t.neutral;
    double denom = words ? (double)words : 1.0;
    plx_jw_string(w, "label", label, strlen(label));
    lx_jw_number(w, "score", score, 3);
    lx_jw_number(w, "positive", t.positive / denom, 3);
    lx_jw_number(w, "negative", t.negative / denom, 3);
    lx_jw_number(w, "neutral", words ? t.neutral / denom : 1.0, 3);
    plx_jw_int(w, "words", words);
}
