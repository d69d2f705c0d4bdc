/* Routing: weighted choice (random or by a routing key), passive health
 * (consecutive failures, the provider's circuit), fallback order, and
 * runtime weight changes. */
#include "endpoints.h"

#include <stdio.h>
#include <string.h>

/* splitmix64's output function: a good 64-bit mix of x. */
static uint64_t mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static double unit(uint64_t x)
{
    return (double)(x >> 11) * 0x1.0p-53;
}

double plx_endpoint_uniform(plx_endpoint *e)
{
    /* A shared counter makes a seeded endpoint's sequence reproducible. */
    uint64_t s = __atomic_add_fetch(&e->rng, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED);
    return unit(mix64(s));
}

double plx_routing_point(const char *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then mixed */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 0x100000001b3ull;
    return unit(mix64(h));
}

bool plx_variant_healthy(const plx_endpoint *e, plx_variant *v, uint64_t now_ms)
{
    (void)e;
    if (__atomic_load_n(&v->unhealthy_until_ms, __ATOMIC_RELAXED) > now_ms)
        return false;
    return plx_circuit_get_state(&v->p->circuit, now_ms) != PLX_CIRCUIT_OPEN;
}

bool plx_variant_failure(plx_status st, int http_status)
{
    switch (st) {
    case PLX_ETRANSPORT: case PLX_ETIMEOUT: case PLX_ETLS: case PLX_ECIRCUIT:
    case PLX_ERATELIMIT: case PLX_EAUTH: case PLX_EPROTOCOL: case PLX_ETOOBIG:
        return true;
    case PLX_EHTTP:
        return http_status >= 500 || http_status == 404 || http_status == 0;
    default:
        return false;
    }
}

void plx_variant_note(const plx_endpoint *e, plx_variant *v, bool failure)
{
    if (!failure) {
        if (__atomic_load_n(&v->consecutive_failures, __ATOMIC_RELAXED))
            __atomic_store_n(&v->consecutive_failures, 0, __ATOMIC_RELAXED);
        if (__atomic_load_n(&v->unhealthy_until_ms, __ATOMIC_RELAXED))
            __atomic_store_n(&v->unhealthy_until_ms, 0, __ATOMIC_RELAXED);
        return;
    }
    __atomic_add_fetch(&v->failures, 1, __ATOMIC_RELAXED);
    uint32_t n = __atomic_add_fetch(&v->consecutive_failures, 1, __ATOMIC_RELAXED);
    /* Past the threshold every failure (a trial after the cool-down too)
     * keeps the variant out for another cool-down. */
    if (n >= e->failure_threshold)
        __atomic_store_n(&v->unhealthy_until_ms, plx_now_ms() + e->cooldown_ms,
                         __ATOMIC_RELAXED);
}

/* Weighted choice at point u among the variants accepted by the mask and
 * the health filter; -1 when their weights add up to 0. */
static int pick(plx_endpoint *e, double u, uint64_t exclude, bool healthy_only,
                uint64_t now_ms)
{
    double weights[PLX_MAX_VARIANTS], total = 0;
    pthread_rwlock_rdlock(&e->lock);
    for (size_t i = 0; i < e->count; i++) {
        bool ok = !(exclude >> i & 1) &&
                  (!healthy_only || plx_variant_healthy(e, &e->variants[i], now_ms));
        weights[i] = ok ? e->variants[i].weight : 0;
        total += weights[i];
    }
    pthread_rwlock_unlock(&e->lock);
    if (total <= 0)
        return -1;
    double point = u * total, sum = 0;
    int last = -1;
    for (size_t i = 0; i < e->count; i++) {
        if (weights[i] <= 0)
            continue;
        sum += weights[i];
        last = (int)i;
        if (point < sum)
            return last;
    }
    return last; /* rounding at the top end */
}

/* A healthy variant with weight > 0, else a healthy standby (weight 0). */
static int pick_healthy(plx_endpoint *e, double u, uint64_t tried, uint64_t now)
{
    int v = pick(e, u, tried, true, now);
    for (size_t i = 0; v < 0 && i < e->count; i++)
        if (!(tried >> i & 1) && plx_variant_healthy(e, &e->variants[i], now))
            v = (int)i;
    return v;
}

int plx_route_pick(plx_endpoint *e, double u)
{
    uint64_t now = plx_now_ms();
    int v = pick_healthy(e, u, 0, now);
    return v >= 0 ? v : pick(e, u, 0, false, now);
}

int plx_route_fallback(plx_endpoint *e, uint64_t tried, double u)
{
    return pick_healthy(e, u, tried, plx_now_ms());
}

/* Reads {variant: weight} into out (-1: not given). */
static plx_status read_weights(plx_endpoint *e, const cJSON *weights, double *out)
{
    for (size_t i = 0; i < e->count; i++)
        out[i] = -1;
    const cJSON *item;
    cJSON_ArrayForEach(item, weights) {
        size_t i = 0;
        while (i < e->count && strcmp(e->variants[i].name, item->string) != 0)
            i++;
        if (i == e->count)
            return plx_fail(e->ctx, PLX_EINVAL, "weights.%s: endpoint '%s' has no such variant",
                            item->string, e->name);
        if (!cJSON_IsNumber(item) || !(item->valuedouble >= 0) || item->valuedouble > 1e12)
            return plx_fail(e->ctx, PLX_EINVAL, "weights.%s: expected a number >= 0",
                            item->string);
        out[i] = item->valuedouble;
    }
    return PLX_OK;
}

/* Applies the given weights at once, unless all would be 0. */
static bool apply_weights(plx_endpoint *e, const double *given)
{
    pthread_rwlock_wrlock(&e->lock);
    double total = 0;
    for (size_t i = 0; i < e->count; i++)
        total += given[i] >= 0 ? given[i] : e->variants[i].weight;
    for (size_t i = 0; total > 0 && i < e->count; i++)
        if (given[i] >= 0)
            e->variants[i].weight = given[i];
    pthread_rwlock_unlock(&e->lock);
    return total > 0;
}

PLX_API plx_status plx_endpoint_set_weights(plx_endpoint *e, const char *weights_json)
{
    if (!e || !weights_json)
        return plx_fail(e ? e->ctx : NULL, PLX_EINVAL,
                        "plx_endpoint_set_weights: endpoint and weights must not be NULL");
    cJSON *weights = NULL;
    double given[PLX_MAX_VARIANTS];
    plx_status st = plx_json_parse(e->ctx, weights_json, "weights", PLX_EINVAL, &weights);
    if (st == PLX_OK && !cJSON_IsObject(weights))
        st = plx_fail(e->ctx, PLX_EINVAL, "weights: expected an object {variant: weight}");
    if (st == PLX_OK)
        st = read_weights(e, weights, given);
    cJSON_Delete(weights);
    if (st == PLX_OK && !apply_weights(e, given))
        st = plx_fail(e->ctx, PLX_EINVAL, "weights: every weight of endpoint '%s' would be 0",
                      e->name);
    if (st == PLX_OK)
        plx_log(e->ctx, PLX_LOG_INFO, "endpoint '%s': weights changed", e->name);
    return st;
}
