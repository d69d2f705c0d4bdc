/* Op "sentiment": a lexicon baseline for English. Each sentiment word adds
 * its weight; a negator ("not", "never", "-n't") flips and damps the next
 * three content words of its clause (up to the first sentiment word it
 * turns), a booster ("very", "slightly") scales
 * the next one, a contrast word ("but") halves what came before in the
 * sentence and raises what follows, words in capitals count more (unless
 * the whole text shouts), and "!" raises its sentence. Verbs of what a
 * customer expects ("arrived", "answered") count only when negated.
 * Greetings and sign-offs ("Good morning,", "Best, Anna") count nothing.
 * The sum maps to a score in -1..1 with tanh. No model: it misses sarcasm,
 * idioms and other languages. */
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
#define SIGNOFF_TAIL 3          /* words after a sign-off: a name */

typedef struct tally {
    double total;               /* closed sentences */
    double sentence;            /* the open sentence */
    double after;               /* factor after a contrast word */
    double boost;
    int boost_left, negate_left;
    bool shouting;              /* the text is mostly capitals */
    unsigned positive, negative, neutral;
    /* Greetings and sign-offs: a sentiment word alone in its clause
     * ("Thanks," "Best,") that only a name follows, and "good" before
     * "morning", are taken back. */
    size_t words;               /* tokens so far */
    double last;                /* what the previous token added */
    double candidate;           /* a sentiment word opening this clause */
    bool candidate_open;        /* ... followed by function words only */
    double signoff;             /* the last clause that was such a word */
    size_t signoff_end;         /* tokens up to the end of that clause */
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

static void count(tally *t, double v, int change)
{
    if (v > 0)
        t->positive = (unsigned)((int)t->positive + change);
    else if (v < 0)
        t->negative = (unsigned)((int)t->negative + change);
}

/* Adds v to the sentence as the contribution of one word. */
static void contribute(tally *t, double v)
{
    t->sentence += v;
    t->last = v;
    count(t, v, 1);
}

static void add_valence(tally *t, const char *text, const lx_token *tok, double v)
{
    if (!t->shouting && lx_capitals(text, tok))
        v *= CAPS_FACTOR;
    if (t->negate_left > 0)
        v *= v > 0 ? NEGATED_POSITIVE : NEGATED_NEGATIVE;
    else if (t->boost_left > 0)
        v *= t->boost;
    contribute(t, v * t->after);
    t->boost = 1.0;
    t->boost_left = 0;
    t->negate_left = 0;         /* "never arrived and the app is slow" */
}

/* Takes back a contribution made earlier. */
static void take_back(tally *t, double v, bool same_sentence)
{
    if (same_sentence)
        t->sentence -= v;
    else
        t->total -= v;
    count(t, v, -1);
    t->neutral++;
}

static void content_word(tally *t)
{
    t->neutral++;
    if (t->negate_left > 0)
        t->negate_left--;
    if (t->boost_left > 0)
        t->boost_left--;
}

/* Returns the word's role after acting on it. */
static lx_role add_word(tally *t, const char *text, const lx_token *tok)
{
    float v = 0;
    unsigned langs = 0;
    lx_role role = lx_sentiment_word(tok, &v, &langs);
    t->last = 0;
    switch (role) {
    case LX_NEGATOR:
        t->negate_left = NEGATION_REACH;
        if (v != 0)
            contribute(t, v * t->after);
        break;
    case LX_BOOSTER:
        t->boost = fmin(2.5, fmax(0.3, t->boost * v));
        t->boost_left = BOOST_REACH;
        break;
    case LX_CONTRAST:
        t->sentence *= CONTRAST_BEFORE;
        t->after = CONTRAST_AFTER;
        t->negate_left = t->boost_left = 0;
        break;
    case LX_VALENCE:
        add_valence(t, text, tok, v);
        break;
    case LX_OUTCOME:
        if (t->negate_left > 0) {
            contribute(t, v * t->after);
            t->negate_left = 0;
        } else {
            content_word(t);
        }
        break;
    case LX_DAYTIME:
    case LX_NONE:
        if (!langs)
            content_word(t);
        break;
    }
    return role;
}

/* Greeting and sign-off bookkeeping, per token (see tally). */
static void track_clauses(tally *t, const lx_token *tok, lx_role role, double previous)
{
    bool clause_start = t->words == 0 || (tok->flags & LX_CLAUSE);
    if (clause_start && t->candidate_open && t->words) {
        t->signoff = t->candidate;          /* it was alone in its clause */
        t->signoff_end = t->words;
    }
    if (role == LX_DAYTIME && previous > 0 && !clause_start)
        take_back(t, previous, true);       /* "good morning" */
    if (clause_start) {
        t->candidate_open = role == LX_VALENCE && t->last != 0;
        t->candidate = t->last;
    } else if (t->candidate_open && (role != LX_NONE || !lx_function_word(tok->hash))) {
        t->candidate_open = false;
    }
    t->words++;
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

static void write_result(plx_jw *w, const tally *t)
{
    double score = tanh(t->total / SCORE_SCALE);
    const char *label = score >= LABEL_THRESHOLD ? "positive"
                        : score <= -LABEL_THRESHOLD ? "negative" : "neutral";
    unsigned words = t->positive + t->negative + t->neutral;
    double denom = words ? (double)words : 1.0;
    plx_jw_string(w, "label", label, strlen(label));
    lx_jw_number(w, "score", score, 3);
    lx_jw_number(w, "positive", t->positive / denom, 3);
    lx_jw_number(w, "negative", t->negative / denom, 3);
    lx_jw_number(w, "neutral", words ? t->neutral / denom : 1.0, 3);
    plx_jw_int(w, "words", words);
}

void lx_sentiment(plx_jw *w, const char *text, size_t len)
{
    tally t = {.after = 1.0, .boost = 1.0, .shouting = shouting(text, len)};
    lx_scan s;
    lx_token tok;
    lx_scan_init(&s, text, len);
    while (lx_scan_next(&s, &tok)) {
        double previous = t.last;
        if (tok.flags & LX_SENTENCE)
            close_sentence(&t, tok.bangs);
        else if (tok.flags & LX_CLAUSE)
            t.negate_left = t.boost_left = 0;
        lx_role role = add_word(&t, text, &tok);
        track_clauses(&t, &tok, role, previous);
    }
    if (t.candidate_open && t.words)
        t.signoff = t.candidate, t.signoff_end = t.words;
    if (t.signoff != 0 && t.words - t.signoff_end <= SIGNOFF_TAIL &&
        t.signoff_end < t.words)
        take_back(&t, t.signoff, false);    /* "Thanks, Anna" */
    close_sentence(&t, tok.bangs);
    write_result(w, &t);
}
