/* Op "language": which of en, es, fr, de, it, pt, nl a text is written in,
 * from the function words it uses (a word shared by k languages counts 1/k
 * for each), French and Italian elisions ("l'", "dell'"), English
 * contractions, and letters typical of a language (ñ, ã, ß, ì ...).
 * "und" with confidence 0 when nothing points anywhere. */
#include "local.h"

#include <math.h>
#include <string.h>

enum { EN, ES, FR, DE, IT, PT, NL };

static void spread(double *score, unsigned mask, double weight)
{
    unsigned k = (unsigned)__builtin_popcount(mask);
    for (unsigned l = 0; k && l < LX_LANG_COUNT; l++)
        if (mask & (1u << l))
            score[l] += weight / k;
}

#define BIT(l) (1u << (l))

/* Elided articles and pronouns ("l'", "qu'", "dell'") and contractions. */
static void apostrophe_cue(const lx_token *t, double *score)
{
    static const struct {
        const char *prefix;
        unsigned mask;
    } before[] = {
        {"l", BIT(FR) | BIT(IT)}, {"d", BIT(FR)}, {"j", BIT(FR)}, {"c", BIT(FR)},
        {"n", BIT(FR)}, {"qu", BIT(FR)}, {"s", BIT(FR)}, {"m", BIT(FR)}, {"t", BIT(FR)},
        {"jusqu", BIT(FR)}, {"lorsqu", BIT(FR)}, {"dell", BIT(IT)}, {"dall", BIT(IT)},
        {"nell", BIT(IT)}, {"sull", BIT(IT)}, {"all", BIT(IT)}, {"un", BIT(IT)},
        {"quest", BIT(IT)}, {"quell", BIT(IT)}};
    static const char *const english_tails[] = {"t", "s", "m", "re", "ve", "ll", "d"};
    const char *apo = memchr(t->word, '\'', t->len);
    if (!apo)
        return;
    size_t head = (size_t)(apo - t->word);
    const char *tail = apo + 1;
    for (size_t i = 0; i < PLX_ARRAY_LEN(before); i++)
        if (strlen(before[i].prefix) == head && memcmp(t->word, before[i].prefix, head) == 0) {
            spread(score, before[i].mask, 1.0);
            return;
        }
    for (size_t i = 0; i < PLX_ARRAY_LEN(english_tails); i++)
        if (strcmp(tail, english_tails[i]) == 0) {
            spread(score, BIT(EN), 1.0);
            return;
        }
}

/* Letters typical of some of the languages: the second byte of "\xc3 X"
 * (lower case) and the languages it points to, or of "\xc2 X" (¿ ¡). */
static void letter_cues(const unsigned char *p, size_t len, double *score)
{
    static const struct {
        unsigned char lead, second;
        unsigned mask;
        double weight;
    } cues[] = {
        {0xc3, 0xb1, BIT(ES), 1.0},            /* ñ */
        {0xc2, 0xbf, BIT(ES), 1.0},            /* ¿ */
        {0xc2, 0xa1, BIT(ES), 1.0},            /* ¡ */
        {0xc3, 0xa3, BIT(PT), 1.0},            /* ã */
        {0xc3, 0xb5, BIT(PT), 1.0},            /* õ */
        {0xc3, 0x9f, BIT(DE), 1.0},            /* ß */
        {0xc3, 0xa4, BIT(DE), 0.5},            /* ä */
        {0xc3, 0xb6, BIT(DE), 0.5},            /* ö */
        {0xc3, 0xbc, BIT(DE), 0.5},            /* ü */
        {0xc3, 0xac, BIT(IT), 0.5},            /* ì */
        {0xc3, 0xb2, BIT(IT), 0.5},            /* ò */
        {0xc3, 0xa7, BIT(FR) | BIT(PT), 0.5},  /* ç */
        {0xc3, 0xa8, BIT(FR) | BIT(IT), 0.5},  /* è */
        {0xc3, 0xb9, BIT(FR) | BIT(IT), 0.5},  /* ù */
        {0xc3, 0xaa, BIT(FR) | BIT(PT), 0.5},  /* ê */
        {0xc3, 0xa2, BIT(FR) | BIT(PT), 0.5},  /* â */
        {0xc3, 0xb4, BIT(FR) | BIT(PT), 0.5},  /* ô */
        {0xc3, 0xab, BIT(FR) | BIT(NL), 0.5},  /* ë */
        {0xc3, 0xaf, BIT(FR) | BIT(NL), 0.5},  /* ï */
        {0xc3, 0xa1, BIT(ES) | BIT(PT), 0.5},  /* á */
        {0xc3, 0xad, BIT(ES) | BIT(PT), 0.5},  /* í */
        {0xc3, 0xb3, BIT(ES) | BIT(PT), 0.5},  /* ó */
        {0xc3, 0xba, BIT(ES) | BIT(PT), 0.5},  /* ú */
    };
    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] != 0xc3 && p[i] != 0xc2)
            continue;
        unsigned char second = p[i + 1];
        if (p[i] == 0xc3 && second >= 0x80 && second <= 0x9e && second != 0x97)
            second = (unsigned char)(second + 0x20);   /* capitals */
        for (size_t c = 0; c < PLX_ARRAY_LEN(cues); c++)
            if (cues[c].lead == p[i] && cues[c].second == second) {
                spread(score, cues[c].mask, cues[c].weight);
                break;
            }
        i++;
    }
}

void lx_language(plx_jw *w, const char *text, size_t len)
{
    double score[LX_LANG_COUNT] = {0};
    lx_scan s;
    lx_token t;
    lx_scan_init(&s, text, len);
    while (lx_scan_next(&s, &t)) {
        unsigned mask = lx_function_word(t.hash);
        if (mask)
            spread(score, mask, 1.0);
        else
            apostrophe_cue(&t, score);
    }
    letter_cues((const unsigned char *)text, len, score);
    int best = -1;
    double total = 0, top = 0, second = 0;
    for (int l = 0; l < LX_LANG_COUNT; l++) {
        total += score[l];
        if (score[l] > top) {
            second = top;
            top = score[l];
            best = l;
        } else if (score[l] > second) {
            second = score[l];
        }
    }
    /* More evidence and a wider lead over the runner-up: more confidence. */
    double confidence = best < 0 ? 0
                        : (1.0 - exp(-top / 2.0)) * (0.5 + 0.5 * (top - second) / top);
    const char *code = best < 0 ? "und" : LX_LANGS[best];
    plx_jw_string(w, "language", code, strlen(code));
    lx_jw_number(w, "confidence", confidence, 3);
    plx_jw_begin(w, "scores");
    for (int l = 0; l < LX_LANG_COUNT; l++)
        lx_jw_number(w, LX_LANGS[l], total > 0 ? score[l] / total : 0, 3);
    plx_jw_end(w);
}
