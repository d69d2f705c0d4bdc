/* The scheduler: many records' DAGs at once, on one thread, over
 * plx_call_async + plx_ctx_poll. A step becomes ready when the steps it
 * references have finished; a ready step evaluates `when`, renders its
 * request and calls the provider its route picks; a failure moves to the
 * next link of the route, then (step retry) to a new pass after a backoff,
 * then to on_error. Callbacks only record outcomes and queue ready steps;
 * calls start from pl_engine_turn, never from inside a callback. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pl_call {
    pl_engine *e;
    plx_provider *p;            /* NULL for an endpoint's call */
    size_t n;
    pl_token *tokens[];
} pl_call;

pl_token *pl_token_new(pl_run *r, uint16_t step)
{
    pl_token *t = calloc(1, sizeof *t);
    if (t) {
        t->run = r;
        t->step = step;
    }
    return t;
}

void pl_token_free(pl_token *t)
{
    if (!t)
        return;
    cJSON_Delete(t->request);
    cJSON_Delete(t->list);
    free(t);
}

cJSON *pl_error_json(plx_status st, const char *message)
{
    cJSON *e = cJSON_CreateObject();
    if (e && (!cJSON_AddStringToObject(e, "code", plx_status_name(st)) ||
              !cJSON_AddStringToObject(e, "message", message ? message : ""))) {
        cJSON_Delete(e);
        e = NULL;
    }
    return e;
}

/* ---- lists ---- */

static void make_ready(pl_engine *e, pl_step_state *s)
{
    s->state = PL_READY;
    s->next_ready = NULL;
    if (e->ready_tail)
        e->ready_tail->next_ready = s;
    else
        e->ready_head = s;
    e->ready_tail = s;
}

static pl_step_state *pop_ready(pl_engine *e)
{
    pl_step_state *s = e->ready_head;
    if (s) {
        e->ready_head = s->next_ready;
        if (!e->ready_head)
            e->ready_tail = NULL;
        s->next_ready = NULL;
    }
    return s;
}

static void unlink_active(pl_engine *e, pl_run *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        e->active_head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

static void run_finish(pl_engine *e, pl_run *r)
{
    r->finished = true;
    unlink_active(e, r);
    r->prev = e->finished_tail;
    if (e->finished_tail)
        e->finished_tail->next = r;
    else
        e->finished_head = r;
    e->finished_tail = r;
}

pl_run *pl_engine_take(pl_engine *e)
{
    pl_run *r = e->finished_head;
    if (r) {
        e->finished_head = r->next;
        if (e->finished_head)
            e->finished_head->prev = NULL;
        else
            e->finished_tail = NULL;
        r->next = r->prev = NULL;
        e->active--;
    }
    return r;
}

/* ---- step outcomes ---- */

static bool is_final(uint8_t state)
{
    return state >= PL_OK;
}

static void finish_step(pl_engine *e, pl_step_state *s)
{
    pl_run *r = s->run;
    s->ended_us = plx_now_us();
    r->left--;
    const pl_step *d = &e->pl->steps[s->index];
    for (size_t i = 0; i < d->ndependents; i++) {
        pl_step_state *ds = &r->steps[d->dependents[i]];
        if (--ds->deps_left == 0 && ds->state == PL_WAITING)
            make_ready(e, ds);
    }
    if (r->left == 0)
        run_finish(e, r);
}

/* The record failed at s: nothing else of it runs. */
static void fail_record(pl_engine *e, pl_step_state *s)
{
    pl_run *r = s->run;
    s->ended_us = plx_now_us();
    r->failed_step = s->index;
    for (size_t i = 0; i < e->pl->nsteps; i++) {
        pl_step_state *o = &r->steps[i];
        if (is_final(o->state))
            continue;
        if (o->token)
            o->token->run = NULL; /* its call ends unheard */
        o->token = NULL;
        o->state = PL_NOT_RUN;
    }
    run_finish(e, r);
}

static void fail_step(pl_engine *e, pl_step_state *s)
{
    const pl_step *d = &e->pl->steps[s->index];
    cJSON_Delete(s->output);
    s->output = NULL;
    if (d->on_error == PL_ON_ERROR_DEFAULT) {
        s->state = PL_DEFAULTED;
        s->output = cJSON_Duplicate(d->default_value, true);
        if (!s->output)
            e->fatal = PLX_ENOMEM;
    } else {
        s->state = PL_FAILED;
    }
    if (d->on_error == PL_ON_ERROR_FAIL)
        fail_record(e, s);
    else
        finish_step(e, s);
}

static bool retryable(const pl_step_state *s)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(s->error, "retryable");
    if (cJSON_IsBool(r))
        return cJSON_IsTrue(r);
    return s->code == PLX_ETRANSPORT || s->code == PLX_ETIMEOUT || s->code == PLX_ECIRCUIT ||
           s->code == PLX_ERATELIMIT;
}

/* After a failed call: the next route link, a new pass, or on_error. */
static void after_failure(pl_engine *e, pl_step_state *s)
{
    const pl_step *d = &e->pl->steps[s->index];
    if (s->slot + 1u < d->route.n) {
        s->slot++;
        make_ready(e, s);
    } else if (s->passes + 1u < d->retry.max_attempts && retryable(s)) {
        s->passes++;
        s->slot = 0;
        s->state = PL_BACKOFF;
        s->wake_us = plx_now_us() + 1000u * plx_retry_backoff_ms(&d->retry, s->passes);
    } else {
        fail_step(e, s);
    }
}

static void set_failure(pl_step_state *s, plx_status st, cJSON *error, const char *message)
{
    cJSON_Delete(s->error);
    s->error = error ? error : pl_error_json(st, message);
    s->code = st;
}

/* Adds the call's attempts and cost; the result keeps cost_usd. */
static void account(pl_engine *e, pl_step_state *s, const cJSON *result, plx_status st)
{
    const pl_step *d = &e->pl->steps[s ? s->index : 0];
    const cJSON *attempts = cJSON_GetObjectItemCaseSensitive(result, "attempts");
    const cJSON *cost = cJSON_GetObjectItemCaseSensitive(result, "cost_usd");
    double usd = cJSON_IsNumber(cost) ? cost->valuedouble
                                      : (st == PLX_OK && s ? d->cost_per_call_usd : 0);
    e->spent_usd += usd;
    if (!s)
        return;
    s->cost_usd += usd;
    if (cJSON_IsNumber(attempts) && attempts->valuedouble > 0)
        s->attempts += (uint32_t)attempts->valuedouble;
}

/* An endpoint's result names the provider of the variant that answered. */
static plx_provider *answering_provider(pl_engine *e, const cJSON *result)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(result, "provider");
    plx_provider *p = NULL;
    if (cJSON_IsString(name))
        plx_ctx_provider(e->ctx, name->valuestring, &p);
    return p;
}

void pl_engine_deliver(pl_engine *e, pl_token *t, plx_status st, cJSON *result,
                       const char *message, plx_provider *p)
{
    pl_run *r = t->run;
    pl_step_state *s = r ? &r->steps[t->step] : NULL;
    account(e, s, result, st);
    pl_token_free(t);
    if (!s) {
        cJSON_Delete(result);
        return;
    }
    s->token = NULL;
    s->provider = p ? p : answering_provider(e, result);
    if (st == PLX_OK && !result)
        st = PLX_ENOMEM;
    if (st == PLX_OK) {
        cJSON_DeleteItemFromObjectCaseSensitive(result, "attempts");
        cJSON_DeleteItemFromObjectCaseSensitive(result, "latency_ms");
        cJSON_Delete(s->output);
        s->output = result;
        s->state = PL_OK;
        finish_step(e, s);
        return;
    }
    set_failure(s, st, cJSON_DetachItemFromObjectCaseSensitive(result, "error"), message);
    cJSON_Delete(result);
    after_failure(e, s);
}

/* ---- calls ---- */

static void on_done(plx_status st, const char *json, void *user_data)
{
    pl_call *c = user_data;
    pl_engine *e = c->e;
    e->calls--;
    bool batch = c->n > 1 || c->tokens[0]->list;
    const pl_step *d = &e->pl->steps[c->tokens[0]->step];
    cJSON *result = NULL;
    if (json && st == PLX_OK && !batch && !d->out_all)
        result = pl_parse_members(json, d);
    if (json && !result)
        result = cJSON_Parse(json);
    const char *message = json ? "the result is not JSON" : plx_errmsg_current();
    if (json && !result && st == PLX_OK)
        st = PLX_EINTERNAL;
    if (batch)
        pl_batch_deliver(e, c->tokens, c->n, st, result, message, c->p);
    else
        pl_engine_deliver(e, c->tokens[0], st, result, message, c->p);
    free(c);
}

plx_status pl_engine_call(pl_engine *e, plx_provider *p, plx_endpoint *ep, const char *op,
                          const char *request, pl_token **tokens, size_t n)
{
    pl_call *c = malloc(sizeof *c + n * sizeof *tokens);
    if (!c)
        return plx_fail(e->ctx, PLX_ENOMEM, "out of memory");
    *c = (pl_call){.e = e, .p = p, .n = n};
    memcpy(c->tokens, tokens, n * sizeof *tokens);
    plx_status st = ep ? plx_predict_async(ep, request, on_done, c)
                       : plx_call_async(p, op, request, on_done, c);
    if (st != PLX_OK) {
        free(c);
        return st;
    }
    e->calls++;
    e->requests++;
    return PLX_OK;
}

/* ---- starting steps ---- */

static bool render_request(pl_engine *e, pl_step_state *s)
{
    pl_run *r = s->run;
    const pl_step *d = &e->pl->steps[s->index];
    pl_scope scope = {r->input, r->steps};
    plx_jw w = {0};
    plx_status st = pl_tmpl_render(d->input, &scope, e->ctx, &w, NULL);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", plx_errmsg_current());
    s->request = plx_jw_finish(&w);
    if (st == PLX_OK && !s->request)
        st = PLX_ENOMEM;
    if (st == PLX_OK)
        return true;
    free(s->request);
    s->request = NULL;
    set_failure(s, st, NULL, st == PLX_ENOMEM ? "out of memory" : msg);
    fail_step(e, s); /* a template error does not go away on retry */
    return false;
}

/* First time a step is ready: its `when`, deadline and request. */
static bool begin_step(pl_engine *e, pl_step_state *s)
{
    const pl_step *d = &e->pl->steps[s->index];
    pl_run *r = s->run;
    s->started_us = plx_now_us();
    if (d->timeout_ms)
        s->deadline_us = s->started_us + 1000u * (uint64_t)d->timeout_ms;
    pl_scope scope = {r->input, r->steps};
    if (d->when && !pl_cond_eval(d->when, &scope)) {
        s->state = PL_SKIPPED;
        finish_step(e, s);
        return false;
    }
    return render_request(e, s);
}

static void call_step(pl_engine *e, pl_step_state *s)
{
    const pl_step *d = &e->pl->steps[s->index];
    plx_provider *p = NULL;
    while (s->slot < d->route.n && !(p = pl_route_pick(&d->route, s->slot, &e->pl->rng)))
        s->slot++;
    if (!p && !d->endpoint) {
        s->slot = (uint16_t)(d->route.n - 1);
        set_failure(s, PLX_ECIRCUIT, NULL, "the circuit breaker of every provider of the "
                    "route is open");
        after_failure(e, s);
        return;
    }
    pl_token *t = pl_token_new(s->run, s->index);
    if (!t) {
        e->fatal = PLX_ENOMEM;
        return;
    }
    s->token = t;
    s->state = PL_RUNNING;
    plx_status st = pl_engine_call(e, p, d->endpoint, d->op, s->request, &t, 1);
    if (st != PLX_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", plx_errmsg_current());
        pl_engine_deliver(e, t, st, NULL, msg, p);
    }
}

static void start_step(pl_engine *e, pl_step_state *s)
{
    if (!s->started_us && !begin_step(e, s))
        return;
    if (e->pl->steps[s->index].batch_size > 1) {
        s->state = PL_RUNNING;
        pl_batch_add(e, s);
    } else {
        call_step(e, s);
    }
}

static void drain_ready(pl_engine *e)
{
    for (;;) {
        for (pl_step_state *s; !e->fatal && (s = pop_ready(e));)
            if (s->state == PL_READY && !s->run->finished)
                start_step(e, s);
        if (e->fatal)
            e->ready_head = e->ready_tail = NULL;
        /* Sending a batch can fail at once and queue steps again. */
        pl_batch_flush(e, false);
        if (!e->ready_head)
            return;
    }
}

/* ---- timers: retry backoff and step deadlines ---- */

static void time_out(pl_engine *e, pl_step_state *s)
{
    const pl_step *d = &e->pl->steps[s->index];
    if (s->token)
        s->token->run = NULL;
    s->token = NULL;
    char msg[256];
    snprintf(msg, sizeof msg, "steps.%s: no result within timeout_ms (%u ms)", d->id,
             d->timeout_ms);
    set_failure(s, PLX_ETIMEOUT, NULL, msg);
    fail_step(e, s);
}

/* Wakes due steps; returns the next time something is due. */
static uint64_t run_timers(pl_engine *e)
{
    uint64_t now = plx_now_us(), next = UINT64_MAX;
    for (pl_run *r = e->active_head, *after; r; r = after) {
        after = r->next; /* r may finish (and move lists) below */
        for (size_t i = 0; i < e->pl->nsteps && !r->finished; i++) {
            pl_step_state *s = &r->steps[i];
            if (is_final(s->state) || !s->started_us)
                continue;
            if (s->deadline_us && now >= s->deadline_us) {
                time_out(e, s);
                continue;
            }
            if (s->state == PL_BACKOFF && now >= s->wake_us)
                make_ready(e, s);
            else if (s->state == PL_BACKOFF && s->wake_us < next)
                next = s->wake_us;
            if (s->deadline_us && s->deadline_us < next)
                next = s->deadline_us;
        }
    }
    return next;
}

static int wait_ms(uint64_t until_us, int max_wait_ms)
{
    if (until_us == UINT64_MAX)
        return max_wait_ms;
    uint64_t now = plx_now_us();
    uint64_t ms = until_us > now ? (until_us - now + 999) / 1000 : 0;
    return ms < (uint64_t)max_wait_ms ? (int)ms : max_wait_ms;
}

void pl_engine_turn(pl_engine *e, int max_wait_ms)
{
    drain_ready(e);
    uint64_t due = pl_batch_flush(e, e->calls == 0);
    if (e->ready_head)
        drain_ready(e);
    uint64_t timer = e->timers ? run_timers(e) : UINT64_MAX;
    if (timer < due)
        due = timer;
    int wait = e->finished_head || e->ready_head ? 0 : wait_ms(due, max_wait_ms);
    if (e->calls == 0 && due == UINT64_MAX && !e->finished_head && !e->ready_head &&
        e->active_head) {
        /* Nothing in flight and nothing due, yet records are unfinished:
         * waiting would hang. */
        e->fatal = plx_fail(e->ctx, PLX_EINTERNAL, "pipeline: records wait for nothing");
        return;
    }
    if (e->calls > 0) {
        plx_status st = plx_ctx_poll(e->ctx, wait, NULL);
        if (st != PLX_OK)
            e->fatal = st;
    } else if (wait > 0 && due != UINT64_MAX) {
        plx_sleep_ms((uint64_t)wait);
    }
    if (e->timers)
        run_timers(e);
    drain_ready(e);
}

/* ---- runs ---- */

pl_run *pl_run_start(pl_engine *e, cJSON *input, uint64_t line, void *user)
{
    size_t n = e->pl->nsteps;
    pl_run *r = calloc(1, sizeof *r);
    pl_step_state *steps = calloc(n, sizeof *steps);
    if (!r || !steps) {
        free(r);
        free(steps);
        cJSON_Delete(input);
        return NULL;
    }
    *r = (pl_run){.engine = e, .input = input, .steps = steps, .left = n, .failed_step = -1,
                  .started_us = plx_now_us(), .line = line, .user = user};
    r->next = e->active_head;
    if (r->next)
        r->next->prev = r;
    e->active_head = r;
    e->active++;
    for (size_t i = 0; i < n; i++) {
        steps[i] = (pl_step_state){.run = r, .index = (uint16_t)i, .state = PL_WAITING,
                                   .deps_left = (uint16_t)e->pl->steps[i].ndeps};
        if (steps[i].deps_left == 0)
            make_ready(e, &steps[i]);
    }
    return r;
}

void pl_run_free(pl_run *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->steps && i < r->engine->pl->nsteps; i++) {
        pl_step_state *s = &r->steps[i];
        if (s->token)
            s->token->run = NULL;
        free(s->request);
        cJSON_Delete(s->output);
        cJSON_Delete(s->error);
    }
    free(r->steps);
    cJSON_Delete(r->input);
    free(r);
}

plx_status pl_run_status(const pl_run *r)
{
    if (r->failed_step < 0)
        return PLX_OK;
    plx_status st = r->steps[r->failed_step].code;
    return st == PLX_OK ? PLX_EINTERNAL : st;
}

plx_status pl_engine_init(pl_engine *e, plx_pipeline *pl)
{
    *e = (pl_engine){.pl = pl, .ctx = pl->ctx};
    for (size_t i = 0; i < pl->nsteps; i++)
        if (pl->steps[i].timeout_ms || pl->steps[i].retry.max_attempts > 1)
            e->timers = true;
    return pl_batchers_new(e);
}

void pl_engine_cleanup(pl_engine *e)
{
    e->ready_head = e->ready_tail = NULL;
    for (pl_run *r; (r = e->active_head);) {
        unlink_active(e, r);
        pl_run_free(r);
    }
    for (pl_run *r; (r = pl_engine_take(e));)
        pl_run_free(r);
    pl_batchers_free(e);
    /* Calls nobody waits for still hold their tokens: let them end. */
    while (e->calls > 0)
        if (plx_ctx_poll(e->ctx, 100, NULL) != PLX_OK)
            break;
}
