/* Circuit breaker: closed -> open after N consecutive failures; open ->
 * half-open after open_ms; a trial success closes it, a failure reopens. */
#include "resilience.h"

void plx_circuit_init(plx_circuit *c, uint32_t failure_threshold, uint32_t open_ms,
                      uint32_t half_open_max)
{
    *c = (plx_circuit){.failure_threshold = failure_threshold,
                       .open_ms = open_ms,
                       .half_open_max = half_open_max ? half_open_max : 1};
    pthread_mutex_init(&c->lock, NULL);
}

void plx_circuit_destroy(plx_circuit *c)
{
    pthread_mutex_destroy(&c->lock);
}

/* Moves open -> half-open once open_ms has passed. Lock held. */
static void refresh(plx_circuit *c, uint64_t now_ms)
{
    if (c->state == PLX_CIRCUIT_OPEN && now_ms >= c->opened_at_ms + c->open_ms) {
        c->state = PLX_CIRCUIT_HALF_OPEN;
        c->trials = 0;
    }
}

bool plx_circuit_allow(plx_circuit *c, uint64_t now_ms)
{
    if (c->failure_threshold == 0)
        return true;
    pthread_mutex_lock(&c->lock);
    refresh(c, now_ms);
    bool allow = c->state == PLX_CIRCUIT_CLOSED;
    if (c->state == PLX_CIRCUIT_HALF_OPEN && c->trials < c->half_open_max) {
        c->trials++;
        allow = true;
    }
    pthread_mutex_unlock(&c->lock);
    return allow;
}

void plx_circuit_record(plx_circuit *c, bool failure, uint64_t now_ms)
{
    if (c->failure_threshold == 0)
        return;
    pthread_mutex_lock(&c->lock);
    if (c->state == PLX_CIRCUIT_HALF_OPEN && c->trials > 0)
        c->trials--;
    if (!failure) {
        c->failures = 0;
        c->state = PLX_CIRCUIT_CLOSED;
    } else if (c->state == PLX_CIRCUIT_HALF_OPEN ||
               ++c->failures >= c->failure_threshold) {
        c->state = PLX_CIRCUIT_OPEN;
        c->opened_at_ms = now_ms;
        c->failures = 0;
    }
    pthread_mutex_unlock(&c->lock);
}

void plx_circuit_cancel(plx_circuit *c)
{
    pthread_mutex_lock(&c->lock);
    if (c->state == PLX_CIRCUIT_HALF_OPEN && c->trials > 0)
        c->trials--;
    pthread_mutex_unlock(&c->lock);
}

plx_circuit_state plx_circuit_get_state(plx_circuit *c, uint64_t now_ms)
{
    pthread_mutex_lock(&c->lock);
    refresh(c, now_ms);
    plx_circuit_state s = c->state;
    pthread_mutex_unlock(&c->lock);
    return s;
}

const char *plx_circuit_state_name(plx_circuit_state s)
{
    switch (s) {
    case PLX_CIRCUIT_OPEN: return "open";
    case PLX_CIRCUIT_HALF_OPEN: return "half_open";
    default: return "closed";
    }
}
