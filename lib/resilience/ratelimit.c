/* Token bucket with reservations: a caller takes a token now and waits until
 * it is due, so waiting callers are served in order and never stampede. */
#include "resilience.h"

void plx_ratelimit_init(plx_ratelimit *r, double per_second, double burst)
{
    *r = (plx_ratelimit){.per_second = per_second,
                         .burst = burst >= 1 ? burst : 1,
                         .tokens = burst >= 1 ? burst : 1};
    pthread_mutex_init(&r->lock, NULL);
}

void plx_ratelimit_destroy(plx_ratelimit *r)
{
    pthread_mutex_destroy(&r->lock);
}

uint64_t plx_ratelimit_reserve(plx_ratelimit *r, uint64_t now_us, uint64_t limit_us)
{
    if (r->per_second <= 0)
        return 0;
    pthread_mutex_lock(&r->lock);
    if (r->last_us == 0)
        r->last_us = now_us;
    if (now_us > r->last_us) {
        r->tokens += (double)(now_us - r->last_us) * r->per_second / 1e6;
        if (r->tokens > r->burst)
            r->tokens = r->burst;
        r->last_us = now_us;
    }
    uint64_t wait_us = 0;
    if (r->tokens < 1)
        wait_us = (uint64_t)((1 - r->tokens) * 1e6 / r->per_second) + 1;
    if (wait_us > limit_us) {
        wait_us = UINT64_MAX;
    } else {
        r->tokens -= 1;
    }
    pthread_mutex_unlock(&r->lock);
    return wait_us;
}
