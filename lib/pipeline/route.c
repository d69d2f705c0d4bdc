/* Routes: which provider a step calls.
 *   "name"                               one provider
 *   ["a", "b", "local"]                  a fallback chain: the next link on
 *                                        failure or when a circuit is open
 *   {"weights": {"a": 90, "b": 10}}      weighted choice (A/B, canary)
 *   [{"weights": {...}}, "local"]        links may be weighted groups
 * Providers whose circuit breaker is open are passed over. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t pl_rng_next(uint64_t *state)
{
    /* splitmix64: tiny, seedable, good enough to pick among weights. */
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

bool pl_provider_circuit_open(plx_provider *p)
{
    if (p->circuit.failure_threshold == 0)
        return false;
    return plx_circuit_get_state(&p->circuit, plx_now_ms()) == PLX_CIRCUIT_OPEN;
}

static plx_status find_provider(plx_ctx *ctx, const char *name, const char *where,
                                plx_provider **out)
{
    if (plx_ctx_provider(ctx, name, out) == PLX_OK)
        return PLX_OK;
    return plx_fail(ctx, PLX_ECONFIG, "%s: no provider named '%s' in the ctx config", where,
                    name);
}

static plx_status parse_weights(plx_ctx *ctx, const cJSON *json, const char *where,
                                pl_slot *slot)
{
    const cJSON *weights = cJSON_GetObjectItemCaseSensitive(json, "weights");
    if (!cJSON_IsObject(weights) || cJSON_GetArraySize(json) != 1 || !weights->child)
        return plx_fail(ctx, PLX_ECONFIG, "%s: expected {\"weights\": {PROVIDER: WEIGHT, ...}}",
                        where);
    if (cJSON_GetArraySize(weights) > PL_MAX_CHOICES)
        return plx_fail(ctx, PLX_ECONFIG, "%s.weights: at most %d providers", where,
                        PL_MAX_CHOICES);
    slot->choices = calloc((size_t)cJSON_GetArraySize(weights), sizeof *slot->choices);
    if (!slot->choices)
        return PLX_ENOMEM;
    uint64_t total = 0;
    const cJSON *w;
    cJSON_ArrayForEach(w, weights) {
        char path[512];
        snprintf(path, sizeof path, "%s.weights.%s", where, w->string);
        double v = w->valuedouble;
        if (!cJSON_IsNumber(w) || v < 0 || v > 1000000 || v != (double)(uint32_t)v)
            return plx_fail(ctx, PLX_ECONFIG, "%s: expected an integer from 0 to 1000000", path);
        pl_choice *c = &slot->choices[slot->n++];
        c->weight = (uint32_t)v;
        total += c->weight;
        plx_status st = find_provider(ctx, w->string, path, &c->p);
        if (st != PLX_OK)
            return st;
    }
    if (total == 0)
        return plx_fail(ctx, PLX_ECONFIG, "%s.weights: the weights add up to 0", where);
    return PLX_OK;
}

static plx_status parse_slot(plx_ctx *ctx, const cJSON *json, const char *where, pl_slot *slot)
{
    if (cJSON_IsObject(json))
        return parse_weights(ctx, json, where, slot);
    if (!cJSON_IsString(json))
        return plx_fail(ctx, PLX_ECONFIG, "%s: expected a provider name, a list of them "
                        "(fallbacks) or {\"weights\": {...}}", where);
    slot->choices = calloc(1, sizeof *slot->choices);
    if (!slot->choices)
        return PLX_ENOMEM;
    slot->n = 1;
    slot->choices[0].weight = 1;
    return find_provider(ctx, json->valuestring, where, &slot->choices[0].p);
}

plx_status pl_route_parse(plx_ctx *ctx, const cJSON *json, const char *where, pl_route *out)
{
    *out = (pl_route){0};
    bool chain = cJSON_IsArray(json);
    size_t n = chain ? (size_t)cJSON_GetArraySize(json) : 1;
    if (chain && n == 0)
        return plx_fail(ctx, PLX_ECONFIG, "%s: an empty list of providers", where);
    out->slots = calloc(n, sizeof *out->slots);
    if (!out->slots)
        return PLX_ENOMEM;
    if (!chain) {
        out->n = 1;
        return parse_slot(ctx, json, where, &out->slots[0]);
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, json) {
        char path[512];
        snprintf(path, sizeof path, "%s[%zu]", where, out->n);
        plx_status st = parse_slot(ctx, item, path, &out->slots[out->n++]);
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

void pl_route_free(pl_route *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->slots[i].choices);
    free(r->slots);
    *r = (pl_route){0};
}

plx_provider *pl_route_pick(const pl_route *r, size_t i, uint64_t *rng)
{
    const pl_slot *slot = &r->slots[i];
    uint32_t weight[PL_MAX_CHOICES];
    uint64_t total = 0;
    for (size_t k = 0; k < slot->n; k++) {
        weight[k] = pl_provider_circuit_open(slot->choices[k].p) ? 0 : slot->choices[k].weight;
        total += weight[k];
    }
    if (total == 0)
        return NULL;
    uint64_t x = slot->n > 1 ? pl_rng_next(rng) % total : 0;
    for (size_t k = 0; k < slot->n; k++) {
        if (x < weight[k])
            return slot->choices[k].p;
        x -= weight[k];
    }
    return NULL;
}
