/* plx_call_async and plx_ctx_poll: many calls in flight on one thread,
 * retries with backoff timers, calls started from callbacks and threads. */
#include "../tap.h"
#include "scripted.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct outcome {
    int done;
    int ok;
    int failed;
    char last[512];
} outcome;

static void on_done(plx_status st, const char *json, void *ud)
{
    outcome *o = ud;
    o->done++;
    if (st == PLX_OK)
        o->ok++;
    else
        o->failed++;
    snprintf(o->last, sizeof o->last, "%s", json ? json : "");
}

static plx_ctx *make_ctx(scripted *s, const scripted_reply *r, int n, plx_provider **p)
{
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, "{\"providers\":{\"api\":{\"kind\":\"http\","
                      "\"base_url\":\"http://svc.test\","
                      "\"retry\":{\"max_attempts\":3,\"base_delay_ms\":5,\"max_delay_ms\":20}}}}");
    plx_transport_funcs *t = scripted_funcs(s, r, n);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_ctx_provider(ctx, "api", p);
    return ctx;
}

static void drain(plx_ctx *ctx)
{
    size_t left = 1;
    for (int i = 0; left && i < 1000; i++)
        CHECK_INT(plx_ctx_poll(ctx, 100, &left), PLX_OK);
    CHECK_INT(left, 0);
}

static void test_many_in_flight(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, NULL, "ok"}};
    scripted s;
    plx_provider *p;
    plx_ctx *ctx = make_ctx(&s, r, 1, &p);
    outcome o = {0};
    for (int i = 0; i < 100; i++)
        CHECK_INT(plx_call_async(p, "request", "{}", on_done, &o), PLX_OK);
    CHECK_INT(o.done, 0); /* never called before poll */
    drain(ctx);
    CHECK_INT(o.ok, 100);
    CHECK_CONTAINS(o.last, "\"body\":\"ok\"");
    plx_ctx_free(ctx);
}

static void test_retries_use_timers(void)
{
    static const scripted_reply r[] = {{PLX_OK, 503, NULL, NULL}, {PLX_OK, 200, NULL, "ok"}};
    scripted s;
    plx_provider *p;
    plx_ctx *ctx = make_ctx(&s, r, 2, &p);
    outcome o = {0};
    CHECK_INT(plx_call_async(p, "request", "{}", on_done, &o), PLX_OK);
    drain(ctx);
    CHECK_INT(o.ok, 1);
    CHECK_CONTAINS(o.last, "\"attempts\":2");
    plx_ctx_free(ctx);
}

static void test_failure_reported(void)
{
    static const scripted_reply r[] = {{PLX_OK, 400, NULL, "bad"}};
    scripted s;
    plx_provider *p;
    plx_ctx *ctx = make_ctx(&s, r, 1, &p);
    outcome o = {0};
    CHECK_INT(plx_call_async(p, "request", "{}", on_done, &o), PLX_OK);
    drain(ctx);
    CHECK_INT(o.failed, 1);
    CHECK_CONTAINS(o.last, "\"http_status\":400");
    /* a request that cannot start fails at once and never calls back */
    CHECK_INT(plx_call_async(p, "request", "{bad", on_done, &o), PLX_EINVAL);
    CHECK_INT(plx_call_async(p, "request", "{}", NULL, &o), PLX_EINVAL);
    drain(ctx);
    CHECK_INT(o.done, 1);
    plx_ctx_free(ctx);
}

typedef struct chain {
    plx_provider *p;
    int remaining;
    int done;
} chain;

static void on_chain(plx_status st, const char *json, void *ud)
{
    (void)json;
    chain *c = ud;
    c->done += st == PLX_OK;
    if (--c->remaining > 0)
        plx_call_async(c->p, "request", "{}", on_chain, c);
}

static void test_call_from_callback(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, NULL, NULL}};
    scripted s;
    plx_provider *p;
    plx_ctx *ctx = make_ctx(&s, r, 1, &p);
    chain c = {p, 10, 0};
    plx_call_async(p, "request", "{}", on_chain, &c);
    drain(ctx);
    CHECK_INT(c.done, 10);
    plx_ctx_free(ctx);
}

static void test_poll_idle_returns(void)
{
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, NULL);
    size_t left = 99;
    CHECK_INT(plx_ctx_poll(ctx, -1, &left), PLX_OK); /* nothing in flight: no wait */
    CHECK_INT(left, 0);
    CHECK_INT(plx_ctx_poll(NULL, 0, &left), PLX_EINVAL);
    plx_ctx_free(ctx);
}

typedef struct submitter {
    plx_provider *p;
    outcome *o;
} submitter;

static void *submit_later(void *arg)
{
    submitter *sub = arg;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    plx_call_async(sub->p, "request", "{}", on_done, sub->o);
    return NULL;
}

static void test_call_from_other_thread_wakes_poller(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, NULL, NULL}};
    scripted s;
    plx_provider *p;
    plx_ctx *ctx = make_ctx(&s, r, 1, &p);
    outcome o = {0};
    /* keep one call waiting on a long rate-limit-free timer: a 2 s poll */
    submitter sub = {p, &o};
    pthread_t th;
    pthread_create(&th, NULL, submit_later, &sub);
    for (int i = 0; i < 200 && o.done == 0; i++) {
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
        plx_ctx_poll(ctx, 0, NULL);
    }
    pthread_join(th, NULL);
    CHECK_INT(o.done, 1);
    plx_ctx_free(ctx);
}

TEST_MAIN(test_many_in_flight, test_retries_use_timers, test_failure_reported,
          test_call_from_callback, test_poll_idle_returns,
          test_call_from_other_thread_wakes_poller)
