/* Monotonic clock, sleeping, and a fast thread-local PRNG for jitter. */
#include "core.h"

#include <errno.h>
#include <time.h>

uint64_t plx_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t plx_now_ms(void)
{
    return plx_now_us() / 1000u;
}

int64_t plx_wall_time_s(void)
{
    return (int64_t)time(NULL);
}

void plx_sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static _Thread_local uint64_t rng_state;

uint64_t plx_random_u64(void)
{
    if (rng_state == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        rng_state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
                    (uint64_t)(uintptr_t)&rng_state;
        if (rng_state == 0)
            rng_state = 0x9e3779b97f4a7c15ull;
    }
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

uint64_t plx_random_below(uint64_t bound)
{
    if (bound == UINT64_MAX)
        return plx_random_u64();
    return plx_random_u64() % (bound + 1);
}
