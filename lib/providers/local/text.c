/* The tokenizer of the local computations: words lower-cased and hashed in
 * one pass over UTF-8 text, into the caller's token (no allocation), with
 * the punctuation between words reported as flags. */
#include "local.h"

#include <math.h>
#include <string.h>

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

uint64_t lx_hash(const char *s, size_t len)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * FNV_PRIME;
    return h;
}

void lx_scan_init(lx_scan *s, const char *text, size_t len)
{
    *s = (lx_scan){(const unsigned char *)text, len, 0};
}

static bool ascii_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Bytes of a UTF-8 sequence by its lead byte (1 for stray bytes). */
static size_t seq_len(unsigned char c)
{
    return c < 0xc2 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 1;
}

typedef enum cls { GAP, LETTER, SYMBOL } cls;

/* What the character at p (n bytes left) is: part of a word, a word of its
 * own (emoji, pictographs), or punctuation, space and marks between words. */
static cls classify_at(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return ascii_alnum(c) ? LETTER : GAP;
    size_t len = seq_len(c);
    if (len == 1 || len > n)
        return GAP;                 /* stray or cut bytes */
    if (c == 0xc2)
        return GAP;                 /* Latin-1 punctuation: nbsp, ¡ ¿ « » ... */
    if (c == 0xe2)                  /* general punctuation, or symbols */
        return p[1] == 0x80 || p[1] == 0x81 ? GAP : SYMBOL;
    if (c == 0xef && p[1] == 0xb8)
        return GAP;                 /* variation selectors */
    if (c == 0xf0 && p[1] == 0x9f)
        return SYMBOL;              /* emoji */
    return LETTER;
}

/* Notes the punctuation at p in the token's gap flags. */
static void note_gap(const unsigned char *p, size_t n, lx_token *t)
{
    unsigned char c = p[0];
    if (c == '!') {
        t->bangs++;
        t->flags |= LX_SENTENCE | LX_CLAUSE;
    } else if (c == '.' || c == '?' || c == '\n') {
        t->flags |= LX_SENTENCE | LX_CLAUSE;
    } else if (c == ',' || c == ';' || c == ':' || c == '(' || c == ')') {
        t->flags |= LX_CLAUSE;
    } else if (c == 0xe2 && n >= 3 && p[1] == 0x80) {
        if (p[2] == 0xa6)           /* ellipsis */
            t->flags |= LX_SENTENCE | LX_CLAUSE;
        else if (p[2] == 0x93 || p[2] == 0x94)  /* en and em dash */
            t->flags |= LX_CLAUSE;
    }
}

/* An apostrophe (' or U+2019) at p that joins two word characters;
 * returns its length or 0. */
static size_t inner_apostrophe(const unsigned char *p, size_t n)
{
    size_t a = p[0] == '\'' ? 1 : (n >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x99) ? 3 : 0;
    return a && a < n && classify_at(p + a, n - a) == LETTER ? a : 0;
}

static bool ascii_letter(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

/* The word being read: locals of lx_scan_next, kept together for the
 * helpers of the non-ASCII path. */
typedef struct word_acc {
    char *word;
    size_t len;
    uint64_t hash;
} word_acc;

static inline void put_byte(word_acc *a, unsigned char c)
{
    a->hash = (a->hash ^ c) * FNV_PRIME;
    if (a->len < LX_WORD_MAX - 1)
        a->word[a->len++] = (char)c;
}

/* Appends the non-ASCII character at p, Latin-1 capitals lower-cased;
 * returns its length. */
static size_t put_multibyte(word_acc *a, const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len = seq_len(c);
    if (len > n)
        len = n;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = p[i];
        if (i == 1 && c == 0xc3 && b >= 0x80 && b <= 0x9e && b != 0x97)
            b = (unsigned char)(b + 0x20);     /* À..Þ -> à..þ */
        put_byte(a, b);
    }
    return len;
}

/* Skips what lies between words, noting punctuation in t. ASCII space and
 * letters take the short way. */
static void skip_gap(lx_scan *s, lx_token *t)
{
    const unsigned char *p = s->text;
    size_t pos = s->pos, len = s->len;
    while (pos < len) {
        unsigned char c = p[pos];
        if (c == ' ') {
            pos++;
            continue;
        }
        if (c < 0x80) {
            if (ascii_letter(c) || (unsigned char)(c - '0') < 10)
                break;
            note_gap(p + pos, len - pos, t);
            pos++;
            continue;
        }
        if (classify_at(p + pos, len - pos) != GAP)
            break;
        note_gap(p + pos, len - pos, t);
        size_t step = seq_len(c);
        pos += step <= len - pos ? step : len - pos;
    }
    s->pos = pos;
}

/* Reads a word at s->pos (a letter, digit or symbol is there) into t.
 * ASCII stays in locals (no aliasing with the word's bytes); other
 * characters go through word_acc. */
static void read_word(lx_scan *s, lx_token *t)
{
    const unsigned char *p = s->text;
    size_t pos = s->pos, len = s->len;
    word_acc a = {t->word, 0, FNV_OFFSET};
    if (p[pos] >= 0x80 && classify_at(p + pos, len - pos) == SYMBOL) {
        pos += put_multibyte(&a, p + pos, len - pos);
    } else {
        char *word = t->word;
        size_t n = 0;
        uint64_t h = FNV_OFFSET;
        while (pos < len) {
            unsigned char c = p[pos];
            if (ascii_letter(c)) {
                c |= 0x20;
            } else if ((unsigned char)(c - '0') >= 10) {
                size_t apo;
                cls k = c < 0x80 ? GAP : classify_at(p + pos, len - pos);
                a = (word_acc){word, n, h};
                if (k == LETTER)
                    pos += put_multibyte(&a, p + pos, len - pos);
                else if (k == GAP && (c == '\'' || c == 0xe2) &&
                         (apo = inner_apostrophe(p + pos, len - pos))) {
                    put_byte(&a, '\'');
                    pos += apo;
                } else
                    break;
                n = a.len;
                h = a.hash;
                continue;
            }
            h = (h ^ c) * FNV_PRIME;
            if (n < LX_WORD_MAX - 1)
                word[n++] = (char)c;
            pos++;
        }
        a = (word_acc){word, n, h};
    }
    s->pos = pos;
    t->word[a.len] = '\0';
    t->len = a.len;
    t->hash = a.hash;
    t->end = pos;
}

bool lx_capitals(const char *text, const lx_token *t)
{
    size_t upper = 0;
    for (size_t i = t->start; i < t->end; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 'a' && c <= 'z')
            return false;
        upper += c >= 'A' && c <= 'Z';
    }
    return upper >= 2;
}

bool lx_scan_next(lx_scan *s, lx_token *t)
{
    t->flags = 0;
    t->bangs = 0;
    skip_gap(s, t);
    t->start = s->pos;
    if (s->pos >= s->len) {
        t->len = 0;
        t->end = s->pos;
        t->word[0] = '\0';
        t->hash = FNV_OFFSET;
        return false;
    }
    read_word(s, t);
    return true;
}

/* Skips a word at s->pos without hashing or copying it (see read_word). */
static void skip_word(lx_scan *s)
{
    const unsigned char *p = s->text;
    size_t pos = s->pos, len = s->len;
    if (p[pos] >= 0x80 && classify_at(p + pos, len - pos) == SYMBOL) {
        size_t step = seq_len(p[pos]);
        s->pos = pos + (step <= len - pos ? step : len - pos);
        return;
    }
    while (pos < len) {
        unsigned char c = p[pos];
        if (ascii_letter(c) || (unsigned char)(c - '0') < 10) {
            pos++;
            continue;
        }
        size_t apo;
        cls k = c < 0x80 ? GAP : classify_at(p + pos, len - pos);
        if (k == LETTER)
            pos += seq_len(c) <= len - pos ? seq_len(c) : len - pos;
        else if (k == GAP && (c == '\'' || c == 0xe2) &&
                 (apo = inner_apostrophe(p + pos, len - pos)))
            pos += apo;
        else
            break;
    }
    s->pos = pos;
}

size_t lx_count_words(const char *text, size_t len)
{
    lx_scan s;
    lx_token gap;
    size_t n = 0;
    lx_scan_init(&s, text, len);
    for (;;) {
        gap.flags = gap.bangs = 0;
        skip_gap(&s, &gap);
        if (s.pos >= s.len)
            return n;
        skip_word(&s);
        n++;
    }
}

size_t lx_stem_len(const char *w, size_t len)
{
    /* "refunds", "crashes" -> "refund", "crash"; keep "is", "this", "class",
     * "status", "bus" and short words. */
    if (len < 4 || w[len - 1] != 's')
        return len;
    char before = w[len - 2];
    if (before == 's' || before == 'u' || before == 'i' || before == '\'')
        return len;
    if (len >= 5 && before == 'e' &&
        (w[len - 3] == 'h' || w[len - 3] == 'x' || (w[len - 3] == 's' && w[len - 4] == 's')))
        return len - 2;             /* "crashes", "boxes", "addresses" */
    return len - 1;
}

uint64_t lx_stem_hash(const lx_token *t)
{
    if (t->len == LX_WORD_MAX - 1)
        return t->hash;             /* cut: the hash covers more than word */
    size_t n = lx_stem_len(t->word, t->len);
    return n == t->len ? t->hash : lx_hash(t->word, n);
}

/* units / 10^d and units % 10^d, with constant divisors for the common d. */
static void split_units(uint64_t units, int d, uint64_t *ip, uint64_t *fp)
{
    static const uint64_t scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                     100000000, 1000000000};
    switch (d) {
    case 3:
        *ip = units / 1000;
        break;
    case 6:
        *ip = units / 1000000;
        break;
    default:
        *ip = units / scale[d];
    }
    *fp = units - *ip * scale[d];
}

size_t lx_fmt(char *dst, double x, int decimals)
{
    static const double scale[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    int d = decimals < 0 ? 0 : decimals > 9 ? 9 : decimals;
    double a = x < 0 ? -x : x;
    uint64_t units = isfinite(a) && a < 1e9 ? (uint64_t)(a * scale[d] + 0.5) : 0;
    if (units == 0) {               /* also what NaN and huge values become */
        dst[0] = '0';
        dst[1] = '\0';
        return 1;
    }
    uint64_t ip, fp;
    split_units(units, d, &ip, &fp);
    char *o = dst;
    if (x < 0)
        *o++ = '-';
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (n)
        *o++ = digits[--n];
    if (fp) {
        char frac[9];
        for (int i = d - 1; i >= 0; i--, fp /= 10)
            frac[i] = (char)('0' + fp % 10);
        int k = d;
        while (k > 0 && frac[k - 1] == '0')
            k--;
        *o++ = '.';
        memcpy(o, frac, (size_t)k);
        o += k;
    }
    *o = '\0';
    return (size_t)(o - dst);
}

void lx_jw_number(plx_jw *w, const char *key, double x, int decimals)
{
    char num[32];
    size_t n = lx_fmt(num, x, decimals);
    plx_jw_raw(w, key, num, n);
}
