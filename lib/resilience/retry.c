/* Retry policy: what is retryable, full-jitter backoff, Retry-After. */
#include "resilience.h"

#include <errno.h>
#include <stdlib.h>

bool plx_retry_is_retryable(plx_status transport_status, int http_status)
{
    if (transport_status == PLX_ETRANSPORT || transport_status == PLX_ETIMEOUT)
        return true;
    if (transport_status != PLX_OK)
        return false;
    return http_status == 408 || http_status == 429 ||
           (http_status >= 500 && http_status <= 599);
}

uint64_t plx_retry_backoff_ms(const plx_retry_policy *p, uint32_t retry)
{
    uint64_t cap = p->base_delay_ms;
    for (uint32_t i = 1; i < retry && cap < p->max_delay_ms; i++)
        cap *= 2;
    if (cap > p->max_delay_ms)
        cap = p->max_delay_ms;
    return plx_random_below(cap);
}

/* A non-negative decimal integer (possibly fractional, for -ms forms). */
static int64_t parse_number(const char *s, int64_t scale)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    if (errno || end == s || !end || *end || v < 0 || v > 1e12)
        return -1;
    return (int64_t)(v * (double)scale);
}

int64_t plx_retry_after_ms(const plx_response *resp, int64_t now_s)
{
    const char *ms = plx_response_header(resp, "retry-after-ms");
    if (ms && parse_number(ms, 1) >= 0)
        return parse_number(ms, 1);
    const char *ra = plx_response_header(resp, "retry-after");
    if (!ra)
        return -1;
    int64_t seconds = parse_number(ra, 1000);
    if (seconds >= 0)
        return seconds;
    int64_t at = plx_http_date_parse(ra);
    if (at < 0)
        return -1;
    return at > now_s ? (at - now_s) * 1000 : 0;
}
