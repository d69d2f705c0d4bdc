/* Retry policy, Retry-After, circuit breaker, token bucket. */
#include "../tap.h"
#include "resilience/resilience.h"

static void test_retryable(void)
{
    CHECK(plx_retry_is_retryable(PLX_ETRANSPORT, 0));
    CHECK(plx_retry_is_retryable(PLX_ETIMEOUT, 0));
    CHECK(!plx_retry_is_retryable(PLX_ETLS, 0));
    CHECK(!plx_retry_is_retryable(PLX_ETOOBIG, 0));
    CHECK(plx_retry_is_retryable(PLX_OK, 408));
    CHECK(plx_retry_is_retryable(PLX_OK, 429));
    CHECK(plx_retry_is_retryable(PLX_OK, 500));
    CHECK(plx_retry_is_retryable(PLX_OK, 503));
    CHECK(!plx_retry_is_retryable(PLX_OK, 400));
    CHECK(!plx_retry_is_retryable(PLX_OK, 401));
    CHECK(!plx_retry_is_retryable(PLX_OK, 404));
    CHECK(!plx_retry_is_retryable(PLX_OK, 200));
}

static void test_backoff_full_jitter(void)
{
    plx_retry_policy p = {5, 100, 1000};
    uint64_t max_seen[6] = {0};
    for (int i = 0; i < 20000; i++)
        for (uint32_t r = 1; r <= 5; r++) {
            uint64_t d = plx_retry_backoff_ms(&p, r);
            if (d > max_seen[r])
                max_seen[r] = d;
        }
    CHECK(max_seen[1] <= 100 && max_seen[1] >= 90);
    CHECK(max_seen[2] <= 200 && max_seen[2] >= 180);
    CHECK(max_seen[3] <= 400 && max_seen[3] >= 360);
    CHECK(max_seen[5] <= 1000 && max_seen[5] >= 900);
    plx_retry_policy huge = {100, 1000, 30000};
    CHECK(plx_retry_backoff_ms(&huge, 99) <= 30000); /* no overflow */
}

static plx_response *with_header(const char *name, const char *value)
{
    plx_response *r = NULL;
    plx_response_create(NULL, &r);
    plx_response_add_header(r, name, value);
    return r;
}

static void test_retry_after(void)
{
    struct { const char *name, *value; int64_t want; } cases[] = {
        {"Retry-After", "3", 3000},
        {"retry-after", " 0", -1},   /* leading space: strtod accepts it */
        {"Retry-After", "1.5", 1500},
        {"Retry-After", "-4", -1},
        {"Retry-After", "soon", -1},
        {"Retry-After", "Wed, 21 Oct 2015 07:28:10 GMT", 10000},
        {"Retry-After", "Wed, 21 Oct 2015 07:27:00 GMT", 0},
        {"retry-after-ms", "250", 250},
    };
    int64_t now = 1445412480; /* 2015-10-21 07:28:00 UTC */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plx_response *r = with_header(cases[i].name, cases[i].value);
        int64_t got = plx_retry_after_ms(r, now);
        if (i == 1)
            CHECK(got == 0);
        else
            CHECK_INT(got, cases[i].want);
        plx_response_free(r);
    }
    plx_response *none = NULL;
    plx_response_create(NULL, &none);
    CHECK_INT(plx_retry_after_ms(none, now), -1);
    plx_response_free(none);
}

static void test_circuit(void)
{
    plx_circuit c;
    plx_circuit_init(&c, 3, 1000, 1);
    CHECK(plx_circuit_allow(&c, 0));
    plx_circuit_record(&c, true, 0);
    plx_circuit_record(&c, true, 0);
    plx_circuit_record(&c, false, 0); /* a success resets the count */
    plx_circuit_record(&c, true, 0);
    plx_circuit_record(&c, true, 0);
    CHECK_INT(plx_circuit_get_state(&c, 0), PLX_CIRCUIT_CLOSED);
    plx_circuit_record(&c, true, 10);
    CHECK_INT(plx_circuit_get_state(&c, 10), PLX_CIRCUIT_OPEN);
    CHECK(!plx_circuit_allow(&c, 500));
    CHECK_INT(plx_circuit_get_state(&c, 1010), PLX_CIRCUIT_HALF_OPEN);
    CHECK(plx_circuit_allow(&c, 1010));   /* the one trial */
    CHECK(!plx_circuit_allow(&c, 1010));  /* no second trial at once */
    plx_circuit_record(&c, true, 1020);   /* trial failed: open again */
    CHECK_INT(plx_circuit_get_state(&c, 1500), PLX_CIRCUIT_OPEN);
    CHECK(plx_circuit_allow(&c, 2100));
    plx_circuit_record(&c, false, 2100);  /* trial succeeded: closed */
    CHECK_INT(plx_circuit_get_state(&c, 2100), PLX_CIRCUIT_CLOSED);
    CHECK(plx_circuit_allow(&c, 2100));
    plx_circuit_destroy(&c);

    plx_circuit off;
    plx_circuit_init(&off, 0, 1000, 1);
    for (int i = 0; i < 100; i++)
        plx_circuit_record(&off, true, 0);
    CHECK(plx_circuit_allow(&off, 0));
    plx_circuit_destroy(&off);
}

static void test_ratelimit(void)
{
    plx_ratelimit r;
    plx_ratelimit_init(&r, 10, 2); /* 10/s, burst 2 */
    uint64_t t = 1000000;
    CHECK_INT(plx_ratelimit_reserve(&r, t, UINT64_MAX), 0);
    CHECK_INT(plx_ratelimit_reserve(&r, t, UINT64_MAX), 0);
    uint64_t w1 = plx_ratelimit_reserve(&r, t, UINT64_MAX);
    uint64_t w2 = plx_ratelimit_reserve(&r, t, UINT64_MAX);
    CHECK(w1 >= 99000 && w1 <= 101000);   /* ~100 ms */
    CHECK(w2 >= 199000 && w2 <= 201000);  /* ~200 ms: queued behind w1 */
    CHECK(plx_ratelimit_reserve(&r, t, 50000) == UINT64_MAX); /* past the limit */
    CHECK_INT(plx_ratelimit_reserve(&r, t + 10000000, UINT64_MAX), 0); /* refilled */
    plx_ratelimit_destroy(&r);

    plx_ratelimit none;
    plx_ratelimit_init(&none, 0, 1);
    for (int i = 0; i < 1000; i++)
        CHECK_INT(plx_ratelimit_reserve(&none, 0, 0), 0);
    plx_ratelimit_destroy(&none);
}

TEST_MAIN(test_retryable, test_backoff_full_jitter, test_retry_after, test_circuit,
          test_ratelimit)
