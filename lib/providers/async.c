/* The async engine: one thread (the poller) drives many calls. Calls start
 * from any thread into an incoming queue; everything else happens inside
 * plx_ctx_poll, which runs each call's exchange over the transport's
 * submit/poll, or its send for in-process transports. */
#include "providers.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

typedef struct async_call async_call;

struct async_call {
    async_call *next;
    plx_provider *p;
    char *op;
    plx_exchange x;
    const plx_transport_funcs *t;
    plx_status transport_status;
    plx_call_done_fn done;
    void *user_data;
};

/* A singly linked FIFO. */
typedef struct call_list {
    async_call *head, *tail;
} call_list;

struct plx_async {
    pthread_mutex_t lock;
    pthread_cond_t cond;          /* signals new incoming calls to an idle poller */
    call_list incoming;           /* lock */
    bool polling;                 /* lock */
    const plx_transport_funcs *blocked_in; /* lock: transport the poller waits in */
    size_t in_flight;             /* lock */
    /* poller only */
    call_list runnable;           /* advance these */
    call_list waiting;            /* backing off or rate limited */
    call_list finished;           /* run their done callbacks */
    const plx_transport_funcs *active[8]; /* async transports with transfers */
    size_t active_transfers[8];
    size_t active_count;
};

static void push(call_list *l, async_call *c)
{
    c->next = NULL;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
}

static async_call *pop(call_list *l)
{
    async_call *c = l->head;
    if (c) {
        l->head = c->next;
        if (!l->head)
            l->tail = NULL;
    }
    return c;
}

static void call_free(async_call *c)
{
    plx_exchange_cleanup(&c->x);
    free(c->op);
    free(c);
}

static struct plx_async *async_get(plx_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    if (!ctx->async) {
        struct plx_async *a = calloc(1, sizeof *a);
        if (a && pthread_mutex_init(&a->lock, NULL) == 0) {
            pthread_cond_init(&a->cond, NULL);
            ctx->async = a;
        } else {
            free(a);
        }
    }
    struct plx_async *a = ctx->async;
    pthread_mutex_unlock(&ctx->lock);
    return a;
}

void plx_async_free(plx_ctx *ctx)
{
    struct plx_async *a = ctx->async;
    if (!a)
        return;
    call_list *lists[] = {&a->incoming, &a->runnable, &a->waiting, &a->finished};
    for (size_t i = 0; i < PLX_ARRAY_LEN(lists); i++)
        for (async_call *c; (c = pop(lists[i]));)
            call_free(c);
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->lock);
    free(a);
    ctx->async = NULL;
}

PLX_API plx_status plx_call_async(plx_provider *p, const char *op, const char *request_json,
                                  plx_call_done_fn done, void *user_data)
{
    if (!p || !op || !request_json || !done)
        return plx_fail(p ? p->ctx : NULL, PLX_EINVAL,
                        "plx_call_async: provider, op, request and done must not be NULL");
    struct plx_async *a = async_get(p->ctx);
    const plx_transport_funcs *t = plx_provider_transport(p);
    async_call *c = calloc(1, sizeof *c);
    if (!a || !t || !c || !(c->op = plx_strdup(op))) {
        free(c);
        return plx_fail(p->ctx, PLX_ENOMEM, "plx_call_async: out of memory");
    }
    plx_status st = plx_call_prepare(p, op, request_json, &c->x);
    if (st != PLX_OK) {
        free(c->op);
        free(c);
        return st;
    }
    *c = (async_call){.p = p, .op = c->op, .x = c->x, .t = t, .done = done,
                      .user_data = user_data};
    pthread_mutex_lock(&a->lock);
    push(&a->incoming, c);
    a->in_flight++;
    const plx_transport_funcs *blocked = a->blocked_in;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->lock);
    if (blocked)
        plx_transport_wakeup(blocked);
    return PLX_OK;
}

/* ---- the poller ---- */

static size_t active_slot(struct plx_async *a, const plx_transport_funcs *t)
{
    for (size_t i = 0; i < a->active_count; i++)
        if (a->active[i] == t)
            return i;
    if (a->active_count == PLX_ARRAY_LEN(a->active))
        return SIZE_MAX;
    a->active[a->active_count] = t;
    a->active_transfers[a->active_count] = 0;
    return a->active_count++;
}

static void transfer_done(plx_response *resp, plx_status status, void *done_data)
{
    (void)resp;
    async_call *c = done_data;
    c->transport_status = status;
    struct plx_async *a = c->p->ctx->async;
    size_t slot = active_slot(a, c->t);
    if (slot != SIZE_MAX && a->active_transfers[slot])
        a->active_transfers[slot]--;
    plx_exchange_complete(&c->x, status, plx_now_us());
    push(&a->runnable, c);
}

/* Sends one attempt: through submit for async transports, else inline. */
static void start_send(struct plx_async *a, async_call *c)
{
    size_t slot = plx_transport_is_async(c->t) ? active_slot(a, c->t) : SIZE_MAX;
    if (slot != SIZE_MAX) {
        plx_status st = plx_transport_submit(c->t, c->x.attempt_req, c->x.resp,
                                             transfer_done, c);
        if (st == PLX_OK) {
            a->active_transfers[slot]++;
            return;
        }
        plx_response_set_error_message(c->x.resp, "the transport refused the request");
        plx_exchange_complete(&c->x, st, plx_now_us());
    } else {
        plx_status st = plx_transport_send(c->t, c->x.attempt_req, c->x.resp);
        plx_exchange_complete(&c->x, st, plx_now_us());
    }
    push(&a->runnable, c);
}

static void advance(struct plx_async *a, async_call *c)
{
    switch (plx_exchange_next(&c->x, plx_now_us())) {
    case PLX_STEP_DONE: push(&a->finished, c); break;
    case PLX_STEP_WAIT: push(&a->waiting, c); break;
    case PLX_STEP_SEND: start_send(a, c); break;
    }
}

/* Moves calls whose wait is over to runnable; returns the next wake time. */
static uint64_t wake_due(struct plx_async *a, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    call_list still = {0};
    for (async_call *c; (c = pop(&a->waiting));) {
        if (c->x.wake_at_us <= now) {
            push(&a->runnable, c);
        } else {
            next = c->x.wake_at_us < next ? c->x.wake_at_us : next;
            push(&still, c);
        }
    }
    a->waiting = still;
    return next;
}

static size_t run_finished(struct plx_async *a)
{
    size_t n = 0;
    for (async_call *c; (c = pop(&a->finished)); n++) {
        char *json = NULL;
        plx_status st = plx_call_finish(c->p, c->op, &c->x, &json);
        pthread_mutex_lock(&a->lock);
        a->in_flight--;
        pthread_mutex_unlock(&a->lock);
        c->done(st, json, c->user_data);
        plx_free(json);
        call_free(c);
    }
    return n;
}

/* Blocks up to wait_us in the transport, or on the condition variable when
 * no transfer is running, so that new calls wake the poller either way. */
static void block(struct plx_async *a, uint64_t wait_us)
{
    int wait_ms = wait_us >= 1000u * 1000u ? 1000 : (int)((wait_us + 999u) / 1000u);
    size_t busy = 0;
    for (size_t i = 0; i < a->active_count; i++)
        busy += a->active_transfers[i] ? 1 : 0;
    for (size_t i = 0; i < a->active_count && busy; i++) {
        if (!a->active_transfers[i])
            continue;
        pthread_mutex_lock(&a->lock);
        bool pending = a->incoming.head != NULL;
        a->blocked_in = a->active[i];
        pthread_mutex_unlock(&a->lock);
        plx_transport_poll(a->active[i], pending ? 0 : (busy > 1 ? (wait_ms < 5 ? wait_ms : 5) : wait_ms));
        pthread_mutex_lock(&a->lock);
        a->blocked_in = NULL;
        pthread_mutex_unlock(&a->lock);
    }
    if (busy || wait_ms == 0)
        return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    uint64_t ns = (uint64_t)until.tv_nsec + (uint64_t)wait_ms * 1000000u;
    until.tv_sec += (time_t)(ns / 1000000000u);
    until.tv_nsec = (long)(ns % 1000000000u);
    pthread_mutex_lock(&a->lock);
    if (!a->incoming.head)
        pthread_cond_timedwait(&a->cond, &a->lock, &until);
    pthread_mutex_unlock(&a->lock);
}

static size_t take_incoming(struct plx_async *a)
{
    pthread_mutex_lock(&a->lock);
    for (async_call *c; (c = pop(&a->incoming));)
        push(&a->runnable, c);
    size_t in_flight = a->in_flight;
    pthread_mutex_unlock(&a->lock);
    return in_flight;
}

PLX_API plx_status plx_ctx_poll(plx_ctx *ctx, int timeout_ms, size_t *in_flight)
{
    if (in_flight)
        *in_flight = 0;
    if (!ctx)
        return plx_fail(NULL, PLX_EINVAL, "plx_ctx_poll: ctx is NULL");
    struct plx_async *a = async_get(ctx);
    if (!a)
        return PLX_ENOMEM;
    pthread_mutex_lock(&a->lock);
    bool busy = a->polling;
    a->polling = true;
    pthread_mutex_unlock(&a->lock);
    if (busy)
        return plx_fail(ctx, PLX_EBUSY, "plx_ctx_poll: another thread is polling this ctx");
    uint64_t until = timeout_ms < 0 ? UINT64_MAX : plx_now_us() + (uint64_t)timeout_ms * 1000u;
    size_t left = take_incoming(a), completed = 0;
    for (;;) {
        for (async_call *c; (c = pop(&a->runnable));)
            advance(a, c);
        completed += run_finished(a);
        left = take_incoming(a);
        uint64_t now = plx_now_us();
        uint64_t next_wake = wake_due(a, now);
        if (a->runnable.head)
            continue;
        if (completed || left == 0 || now >= until)
            break;
        uint64_t wake = next_wake < until ? next_wake : until;
        block(a, wake > now ? wake - now : 0);
        wake_due(a, plx_now_us());
    }
    pthread_mutex_lock(&a->lock);
    a->polling = false;
    left = a->in_flight;
    pthread_mutex_unlock(&a->lock);
    if (in_flight)
        *in_flight = left;
    return PLX_OK;
}
