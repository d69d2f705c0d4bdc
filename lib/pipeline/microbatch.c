/* Micro-batching: a step with batch_size > 1 sends one request for up to
 * batch_size records. Each record's rendered request has a list at
 * batch_list (a lone value counts as a one-item list); the request sent is
 * the first record's with the lists concatenated. Records whose requests
 * differ elsewhere go to separate requests. The result's list at
 * batch_results is split back, in order, by each record's item count, and
 * cost_usd is shared by item count; without batch_results every record
 * gets the whole result. A batch goes out when full, after batch_wait_ms,
 * or at once when nothing else is in flight. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pl_batcher {
    pl_token **tokens;
    size_t n;
    uint64_t first_us;          /* when the oldest entry came */
};

/* Batchers of step i: one per route link, or NULL. */
static pl_batcher *batchers_of(pl_engine *e, size_t i)
{
    return e->batchers ? e->batchers[i] : NULL;
}

plx_status pl_batchers_new(pl_engine *e)
{
    plx_pipeline *pl = e->pl;
    bool any = false;
    for (size_t i = 0; i < pl->nsteps; i++)
        any = any || pl->steps[i].batch_size > 1;
    if (!any)
        return PLX_OK;
    e->batchers = calloc(pl->nsteps, sizeof *e->batchers);
    if (!e->batchers)
        return PLX_ENOMEM;
    for (size_t i = 0; i < pl->nsteps; i++) {
        const pl_step *d = &pl->steps[i];
        if (d->batch_size <= 1)
            continue;
        if (!(e->batchers[i] = calloc(d->route.n, sizeof *e->batchers[i])))
            return PLX_ENOMEM;
        for (size_t k = 0; k < d->route.n; k++)
            if (!(e->batchers[i][k].tokens = calloc(d->batch_size, sizeof(pl_token *))))
                return PLX_ENOMEM;
    }
    return PLX_OK;
}

void pl_batchers_free(pl_engine *e)
{
    for (size_t i = 0; e->batchers && i < e->pl->nsteps; i++) {
        pl_batcher *b = e->batchers[i];
        for (size_t k = 0; b && k < e->pl->steps[i].route.n; k++) {
            for (size_t j = 0; j < b[k].n; j++)
                pl_token_free(b[k].tokens[j]);
            free(b[k].tokens);
        }
        free(b);
    }
    free(e->batchers);
    e->batchers = NULL;
}

static void fail_token(pl_engine *e, pl_token *t, plx_status st, const char *message)
{
    pl_engine_deliver(e, t, st, NULL, message, NULL);
}

/* The combined request: the first entry's, with every entry's items. */
static char *combined_request(const pl_step *d, pl_token **tokens, size_t n)
{
    cJSON *req = cJSON_Duplicate(tokens[0]->request, true);
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; req && list && i < n; i++) {
        const cJSON *l = tokens[i]->list;
        if (!cJSON_IsArray(l)) {
            cJSON_AddItemToArray(list, cJSON_Duplicate(l, true));
            continue;
        }
        const cJSON *item;
        cJSON_ArrayForEach(item, l)
            cJSON_AddItemToArray(list, cJSON_Duplicate(item, true));
    }
    char *text = NULL;
    if (req && list && pl_path_set(req, &d->batch_list, list))
        text = plx_json_print(req);
    else if (!req)
        cJSON_Delete(list);
    cJSON_Delete(req);
    return text;
}

/* Sends what b holds: entries nobody waits for any more are dropped. */
static void send(pl_engine *e, size_t step, size_t slot)
{
    pl_batcher *b = &e->batchers[step][slot];
    const pl_step *d = &e->pl->steps[step];
    size_t live = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->tokens[i]->run)
            b->tokens[live++] = b->tokens[i];
        else
            pl_token_free(b->tokens[i]);
    }
    b->n = 0;
    if (live == 0)
        return;
    plx_provider *p = pl_route_pick(&d->route, slot, &e->pl->rng);
    char *request = p ? combined_request(d, b->tokens, live) : NULL;
    plx_status st = !p ? PLX_ECIRCUIT : !request ? PLX_ENOMEM
                       : pl_engine_call(e, p, NULL, d->op, request, b->tokens, live);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", !p ? "the circuit breaker of every provider of the "
             "route link is open" : plx_errmsg_current());
    free(request);
    for (size_t i = 0; st != PLX_OK && i < live; i++)
        fail_token(e, b->tokens[i], st, msg);
}

/* Splits the request into the part records share and their list. */
static bool take_list(pl_engine *e, const pl_step *d, pl_token *t, const char *request)
{
    t->request = cJSON_Parse(request);
    t->list = t->request ? pl_path_detach(t->request, &d->batch_list) : NULL;
    if (!t->list) {
        char msg[512];
        snprintf(msg, sizeof msg, "steps.%s.input: the rendered request has nothing at "
                 "batch_list", d->id);
        fail_token(e, t, t->request ? PLX_EINVAL : PLX_ENOMEM, msg);
        return false;
    }
    t->items = cJSON_IsArray(t->list) ? (size_t)cJSON_GetArraySize(t->list) : 1;
    return true;
}

void pl_batch_add(pl_engine *e, pl_step_state *s)
{
    const pl_step *d = &e->pl->steps[s->index];
    pl_batcher *b = &e->batchers[s->index][s->slot];
    pl_token *t = pl_token_new(s->run, s->index);
    if (!t) {
        e->fatal = PLX_ENOMEM;
        return;
    }
    s->token = t;
    if (!take_list(e, d, t, s->request))
        return;
    if (b->n > 0 && !cJSON_Compare(b->tokens[0]->request, t->request, true))
        send(e, s->index, s->slot);
    if (b->n == 0)
        b->first_us = plx_now_us();
    b->tokens[b->n++] = t;
    if (b->n >= d->batch_size)
        send(e, s->index, s->slot);
}

uint64_t pl_batch_flush(pl_engine *e, bool idle)
{
    uint64_t next = UINT64_MAX, now = plx_now_us();
    for (size_t i = 0; e->batchers && i < e->pl->nsteps; i++) {
        const pl_step *d = &e->pl->steps[i];
        for (size_t k = 0; batchers_of(e, i) && k < d->route.n; k++) {
            pl_batcher *b = &e->batchers[i][k];
            if (b->n == 0)
                continue;
            uint64_t due = b->first_us + 1000u * (uint64_t)d->batch_wait_ms;
            if (idle || now >= due)
                send(e, i, k);
            else if (due < next)
                next = due;
        }
    }
    return next;
}

/* ---- results ---- */

static void fail_all(pl_engine *e, pl_token **tokens, size_t n, plx_status st,
                     const cJSON *result, const char *message, plx_provider *p)
{
    for (size_t i = 0; i < n; i++)
        pl_engine_deliver(e, tokens[i], st, result ? cJSON_Duplicate(result, true) : NULL,
                          message, p);
}

/* The call's cost: the result's, or the step's price per call. */
static double call_cost(const pl_step *d, const cJSON *result)
{
    const cJSON *cost = cJSON_GetObjectItemCaseSensitive(result, "cost_usd");
    return cJSON_IsNumber(cost) ? cost->valuedouble : d->cost_per_call_usd;
}

/* One record's share: the result with its items and its part of the cost. */
static cJSON *share(const pl_step *d, const cJSON *rest, cJSON *all, size_t items,
                    double cost, size_t total)
{
    cJSON *r = cJSON_Duplicate(rest, true);
    if (!r)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(r, "cost_usd");
    cJSON_AddNumberToObject(r, "cost_usd", total ? cost * (double)items / (double)total : 0);
    if (!all)
        return r;
    cJSON *slice = cJSON_CreateArray();
    for (size_t i = 0; slice && i < items; i++)
        cJSON_AddItemToArray(slice, cJSON_DetachItemFromArray(all, 0));
    if (!slice || !pl_path_set(r, &d->batch_results, slice)) {
        cJSON_Delete(r);
        return NULL;
    }
    return r;
}

void pl_batch_deliver(pl_engine *e, pl_token **tokens, size_t n, plx_status st,
                      cJSON *result, const char *message, plx_provider *p)
{
    const pl_step *d = &e->pl->steps[tokens[0]->step];
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += tokens[i]->items;
    cJSON *all = st == PLX_OK && d->has_batch_results ? pl_path_detach(result, &d->batch_results)
                                                       : NULL;
    if (st == PLX_OK && d->has_batch_results &&
        (!cJSON_IsArray(all) || (size_t)cJSON_GetArraySize(all) != total)) {
        char msg[512];
        snprintf(msg, sizeof msg, "steps.%s: the batched reply has %d items at batch_results "
                 "for %zu inputs", d->id, cJSON_IsArray(all) ? cJSON_GetArraySize(all) : 0,
                 total);
        cJSON_Delete(all);
        all = NULL;
        st = PLX_EPROTOCOL;
        message = msg;
        fail_all(e, tokens, n, st, NULL, message, p);
        cJSON_Delete(result);
        return;
    }
    if (st != PLX_OK) {
        fail_all(e, tokens, n, st, result, message, p);
        cJSON_Delete(result);
        return;
    }
    double cost = call_cost(d, result);
    for (size_t i = 0; i < n; i++) {
        cJSON *mine = share(d, result, all, tokens[i]->items, cost, total);
        pl_engine_deliver(e, tokens[i], mine ? PLX_OK : PLX_ENOMEM, mine, "out of memory", p);
    }
    cJSON_Delete(all);
    cJSON_Delete(result);
}
