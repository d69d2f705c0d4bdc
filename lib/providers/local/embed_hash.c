/* Op "embed": feature hashing. Each content word (lower-cased, plural "s"
 * dropped, function words of the seven languages left out) and each pair
 * of neighbouring content words in a sentence is hashed (FNV-1a, then
 * mixed) to one of dims coordinates and adds +1 (pairs 0.5) with a sign
 * taken from the hash, so that collisions cancel out on average. The
 * vector is L2-normalized: the dot product of two vectors is their cosine
 * similarity, which grows with the words and word pairs two texts share.
 * Same text, same dims: same vector, on every machine. */
#include "local.h"

#include <math.h>
#include <string.h>

#define PAIR_WEIGHT 0.5f

/* A 64-bit finalizer (splitmix64's): every input bit moves every output bit. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static void add_feature(float *vec, int dims, uint64_t feature, float weight)
{
    uint64_t m = mix(feature);
    size_t i = (size_t)((m & 0xffffffffu) % (uint64_t)dims);
    vec[i] += (m >> 63) ? -weight : weight;
}

size_t lx_embed(const char *text, size_t len, float *vec, int dims)
{
    memset(vec, 0, (size_t)dims * sizeof *vec);
    lx_scan s;
    lx_token t;
    size_t words = 0;
    uint64_t prev = 0;
    lx_scan_init(&s, text, len);
    while (lx_scan_next(&s, &t)) {
        words++;
        if (t.flags & LX_SENTENCE)
            prev = 0;
        if (lx_function_word(t.hash))
            continue;
        uint64_t h = lx_stem_hash(&t);
        add_feature(vec, dims, h, 1.0f);
        if (prev)
            add_feature(vec, dims, prev * UINT64_C(0x9e3779b97f4a7c15) ^ h, PAIR_WEIGHT);
        prev = h | 1;
    }
    double norm = 0;
    for (int i = 0; i < dims; i++)
        norm += (double)vec[i] * vec[i];
    if (norm > 0) {
        float scale = (float)(1.0 / sqrt(norm));
        for (int i = 0; i < dims; i++)
            vec[i] *= scale;
    }
    return words;
}
