/* A fixed-size log-linear latency histogram: constant memory however many
 * calls, lock-free updates, percentiles within 1/32 of the truth. */
#include "endpoints.h"

#define SUB 16          /* buckets per power of two */
#define SUB_BITS 4

static unsigned bucket_of(uint64_t us)
{
    if (us < SUB)
        return (unsigned)us;
    unsigned e = 63u - (unsigned)__builtin_clzll(us);          /* >= SUB_BITS */
    unsigned m = (unsigned)(us >> (e - SUB_BITS)) & (SUB - 1);
    unsigned i = SUB + (e - SUB_BITS) * SUB + m;
    return i < PLX_LAT_BUCKETS ? i : PLX_LAT_BUCKETS - 1;
}

/* The middle of bucket i, in microseconds. */
static double bucket_mid(unsigned i)
{
    if (i < SUB)
        return i;
    unsigned e = (i - SUB) / SUB + SUB_BITS, m = (i - SUB) % SUB;
    double width = (double)(1ull << (e - SUB_BITS));
    return (double)(SUB + m) * width + width / 2;
}

static uint64_t load(const uint64_t *v)
{
    return __atomic_load_n(v, __ATOMIC_RELAXED);
}

void plx_latency_add(plx_latency *l, uint64_t us)
{
    __atomic_add_fetch(&l->buckets[bucket_of(us)], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&l->count, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&l->sum_us, us, __ATOMIC_RELAXED);
    uint64_t max = load(&l->max_us);
    while (us > max && !__atomic_compare_exchange_n(&l->max_us, &max, us, true,
                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

double plx_latency_quantile(const plx_latency *l, double q)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < PLX_LAT_BUCKETS; i++)
        total += load(&l->buckets[i]);
    if (total == 0)
        return 0;
    /* The smallest value with at least q of the calls at or below it. */
    uint64_t rank = (uint64_t)(q * (double)total + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < PLX_LAT_BUCKETS; i++) {
        seen += load(&l->buckets[i]);
        if (seen >= rank) {
            double v = bucket_mid(i), max = (double)load(&l->max_us);
            return v < max ? v : max;
        }
    }
    return (double)load(&l->max_us);
}

void plx_latency_write(plx_jw *w, const char *key, const plx_latency *l)
{
    uint64_t n = load(&l->count);
    plx_jw_begin(w, key);
    plx_jw_double(w, "p50", plx_latency_quantile(l, 0.50) / 1000.0);
    plx_jw_double(w, "p99", plx_latency_quantile(l, 0.99) / 1000.0);
    plx_jw_double(w, "max", (double)load(&l->max_us) / 1000.0);
    plx_jw_double(w, "mean", n ? (double)load(&l->sum_us) / (double)n / 1000.0 : 0.0);
    plx_jw_end(w);
}
