/* The kserve kind and endpoints against a real MLServer (open inference
 * protocol v2) serving scikit-learn iris models v1 and v2
 * (with_mlserver.sh starts it and exports PLX_TEST_MLSERVER_URL). */
#include "../tap.h"

#include <plexus.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *url;

/* Rows whose class every sensible iris model agrees on. */
static const struct { const char *row; int cls; } IRIS[] = {
    {"[5.1,3.5,1.4,0.2]", 0}, {"[5.9,3.0,4.2,1.5]", 1}, {"[6.3,3.3,6.0,2.5]", 2},
    {"[4.9,3.0,1.4,0.2]", 0}, {"[6.4,3.2,4.5,1.5]", 1}, {"[7.7,3.8,6.7,2.2]", 2},
};
#define NIRIS (int)(sizeof IRIS / sizeof IRIS[0])

static plx_ctx *make_ctx(const char *endpoints)
{
    char config[4096];
    snprintf(config, sizeof config,
             "{\"log_level\":\"none\",\"providers\":{"
             "\"ml\":{\"kind\":\"kserve\",\"base_url\":\"%s\",\"model\":\"iris\","
             "\"timeout_ms\":20000,\"retry\":{\"max_attempts\":1}},"
             "\"dead\":{\"kind\":\"kserve\",\"base_url\":\"http://127.0.0.1:9\","
             "\"connect_timeout_ms\":1000,\"retry\":{\"max_attempts\":1}}}%s%s}",
             url, endpoints ? "," : "", endpoints ? endpoints : "");
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK)
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
    return ctx;
}

static long stat_int(const char *json, const char *after, const char *key)
{
    const char *at = json && after ? strstr(json, after) : json;
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    at = at ? strstr(at, pat) : NULL;
    return at ? strtol(at + strlen(pat), NULL, 10) : -1;
}

static void test_server_ops(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "ml", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "server_live", "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"live\":true");
    plx_free(out);
    CHECK_INT(plx_call(p, "server_ready", "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"ready\":true");
    plx_free(out);
    CHECK_INT(plx_call(p, "server_metadata", "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"metadata\":{\"name\":\"mlserver\"");
    plx_free(out);
    CHECK_INT(plx_call(p, "ready", "{\"version\":\"v2\"}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"ready\":true");
    plx_free(out);
    CHECK_INT(plx_call(p, "metadata", "{\"version\":\"v1\"}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"metadata\":{\"name\":\"iris\"");
    plx_free(out);
    CHECK_INT(plx_call(p, "ready", "{\"model\":\"nope\"}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"ready\":false");
    CHECK_CONTAINS(out, "\"http_status\":404");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_predict(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "ml", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "predict", "{\"version\":\"v1\",\"id\":\"req-1\",\"instances\":["
                       "[5.1,3.5,1.4,0.2],[6.3,3.3,6.0,2.5]]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"predictions\":[[0],[2]]");
    CHECK_CONTAINS(out, "\"model\":\"iris\",\"model_version\":\"v1\",\"id\":\"req-1\"");
    CHECK_CONTAINS(out, "\"datatype\":\"INT64\"");
    plx_free(out);
    CHECK_INT(plx_call(p, "predict", "{\"version\":\"v2\",\"inputs\":[{\"name\":\"x\","
                       "\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[5.9,3.0,4.2,1.5]}],"
                       "\"parameters\":{\"content_type\":\"np\"}}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"predictions\":[[1]]");
    CHECK_CONTAINS(out, "\"model_version\":\"v2\"");
    plx_free(out);
    /* The server's error body becomes the result's service_message. */
    CHECK_INT(plx_call(p, "predict", "{\"version\":\"v9\",\"instances\":[[1,2,3,4]]}", &out),
              PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_message\":\"Model iris with version v9 not found\"");
    plx_free(out);
    CHECK_INT(plx_call(p, "predict", "{\"instances\":[[1,2,3]]}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"http_status\":");
    CHECK_CONTAINS(out, "\"service_message\":");
    plx_free(out);
    /* A tensor that does not hold its shape never reaches the server. */
    CHECK_INT(plx_call(p, "predict", "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],"
                       "\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6,7]}]}", &out), PLX_EINVAL);
    CHECK(out == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.inputs[0] ('x'): shape [2,4] needs 8 values, "
                   "data has 7");
    char *stats = NULL;
    plx_provider_stats(p, &stats);
    CHECK_INT(stat_int(stats, NULL, "calls"), 4);
    plx_free(stats);
    plx_ctx_free(ctx);
}

#define AB "\"endpoints\":{\"iris\":{\"seed\":7,\"variants\":[" \
    "{\"name\":\"blue\",\"provider\":\"ml\",\"model\":\"iris\",\"version\":\"v1\",\"weight\":80}," \
    "{\"name\":\"green\",\"provider\":\"ml\",\"model\":\"iris\",\"version\":\"v2\",\"weight\":20}]"

static void test_endpoint_ab_and_sticky(void)
{
    plx_ctx *ctx = make_ctx(AB "}}");
    plx_endpoint *e = NULL;
    CHECK_INT(plx_ctx_endpoint(ctx, "iris", &e), PLX_OK);
    int green = 0;
    for (int i = 0; i < 200; i++) {
        char req[128], *out = NULL;
        snprintf(req, sizeof req, "{\"instances\":[%s]}", IRIS[i % NIRIS].row);
        CHECK_INT(plx_predict(e, req, &out), PLX_OK);
        char expect[32];
        snprintf(expect, sizeof expect, "\"predictions\":[[%d]]", IRIS[i % NIRIS].cls);
        CHECK_CONTAINS(out, expect);
        bool g = out && strstr(out, "\"variant\":\"green\"");
        CHECK_CONTAINS(out, g ? "\"model_version\":\"v2\"" : "\"model_version\":\"v1\"");
        green += g;
        plx_free(out);
    }
    CHECK(green > 15 && green < 70); /* 20% of 200 = 40, sd ~ 5.7 */
    /* The same user always meets the same variant. */
    for (int user = 0; user < 20; user++) {
        char req[160], first[64] = "";
        for (int k = 0; k < 3; k++) {
            char *out = NULL;
            snprintf(req, sizeof req, "{\"routing_key\":\"user-%d\",\"instances\":[%s]}", user,
                     IRIS[0].row);
            plx_predict(e, req, &out);
            const char *v = out ? strstr(out, "\"variant\":") : NULL;
            char got[64];
            snprintf(got, sizeof got, "%.20s", v ? v : "");
            if (k == 0)
                snprintf(first, sizeof first, "%s", got);
            CHECK_STR(got, first);
            plx_free(out);
        }
    }
    char *stats = NULL;
    CHECK_INT(plx_endpoint_stats(e, &stats), PLX_OK);
    CHECK_INT(stat_int(stats, NULL, "calls"), 260);
    CHECK_INT(stat_int(stats, NULL, "errors"), 0);
    CHECK_CONTAINS(stats, "\"latency_ms\":{\"p50\":");
    plx_free(stats);
    /* Instant rollback. */
    CHECK_INT(plx_endpoint_set_weights(e, "{\"green\":0}"), PLX_OK);
    for (int i = 0; i < 20; i++) {
        char *out = NULL;
        plx_predict(e, "{\"instances\":[[5.1,3.5,1.4,0.2]]}", &out);
        CHECK_CONTAINS(out, "\"variant\":\"blue\"");
        plx_free(out);
    }
    plx_ctx_free(ctx);
}

static void test_endpoint_shadow_and_fallback(void)
{
    plx_ctx *ctx = make_ctx("\"endpoints\":{\"iris\":{\"variants\":["
        "{\"name\":\"down\",\"provider\":\"dead\",\"model\":\"iris\",\"weight\":100},"
        "{\"name\":\"blue\",\"provider\":\"ml\",\"model\":\"iris\",\"version\":\"v1\",\"weight\":0},"
        "{\"name\":\"green\",\"provider\":\"ml\",\"model\":\"iris\",\"version\":\"v2\",\"weight\":0}],"
        "\"shadow\":\"green\",\"health\":{\"failure_threshold\":1,\"cooldown_ms\":60000}}}");
    plx_endpoint *e = NULL;
    plx_ctx_endpoint(ctx, "iris", &e);
    for (int i = 0; i < NIRIS; i++) {
        char req[128], *out = NULL, expect[32];
        snprintf(req, sizeof req, "{\"instances\":[%s]}", IRIS[i].row);
        CHECK_INT(plx_predict(e, req, &out), PLX_OK);
        snprintf(expect, sizeof expect, "\"predictions\":[[%d]]", IRIS[i].cls);
        CHECK_CONTAINS(out, expect);
        CHECK(strstr(out, "\"variant\":\"green\"") == NULL);
        if (i == 0)
            CHECK_CONTAINS(out, "\"fallback_from\":[\"down\"]");
        plx_free(out);
    }
    /* Shadow copies run in the background: wait for them. */
    char *stats = NULL;
    long shadow = 0;
    for (int i = 0; i < 250 && shadow < NIRIS; i++) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        if (i)
            nanosleep(&ts, NULL);
        plx_free(stats);
        plx_endpoint_stats(e, &stats);
        shadow = stat_int(stats, "\"shadow\":", "calls");
    }
    CHECK_INT(shadow, NIRIS);
    CHECK_INT(stat_int(stats, "\"shadow\":", "agree"), NIRIS);
    CHECK_CONTAINS(stats, "\"name\":\"down\",\"provider\":\"dead\",\"model\":\"iris\","
                   "\"version\":null,\"weight\":100,\"healthy\":false");
    CHECK_INT(stat_int(stats, "\"name\":\"down\"", "failures"), 1);
    plx_free(stats);
    plx_ctx_free(ctx);
}

typedef struct caller {
    plx_endpoint *e;
    int i;
    plx_status st;
    char *out;
} caller;

static void *call_one(void *arg)
{
    caller *c = arg;
    char req[128];
    snprintf(req, sizeof req, "{\"instances\":[%s]}", IRIS[c->i % NIRIS].row);
    c->st = plx_predict(c->e, req, &c->out);
    return NULL;
}

/* Concurrent callers share batched requests; each gets its own row. */
static void test_batching(void)
{
    plx_ctx *ctx = make_ctx("\"endpoints\":{\"iris\":{\"batching\":{\"max_batch\":8,"
                            "\"max_delay_us\":20000},\"variants\":[{\"name\":\"blue\","
                            "\"provider\":\"ml\",\"version\":\"v1\"}]}}");
    plx_endpoint *e = NULL;
    plx_ctx_endpoint(ctx, "iris", &e);
    enum { N = 32 };
    caller c[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        c[i] = (caller){.e = e, .i = i};
        pthread_create(&t[i], NULL, call_one, &c[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(c[i].st, PLX_OK);
        char expect[32];
        snprintf(expect, sizeof expect, "\"predictions\":[[%d]]", IRIS[i % NIRIS].cls);
        CHECK_CONTAINS(c[i].out, expect);
        plx_free(c[i].out);
    }
    char *stats = NULL;
    plx_endpoint_stats(e, &stats);
    CHECK(stat_int(stats, "\"batching\":", "batches") >= 1);
    CHECK_INT(stat_int(stats, NULL, "calls"), N);
    plx_free(stats);
    plx_ctx_free(ctx);
}

typedef struct async_state {
    int done;
    plx_status st;
    bool right;
} async_state;

static void on_done(plx_status st, const char *json, void *ud)
{
    async_state *s = ud;
    s->done++;
    s->st = st;
    s->right = json && strstr(json, "\"predictions\":[[2]]") && strstr(json, "\"variant\":");
}

static void test_async(void)
{
    plx_ctx *ctx = make_ctx(AB "}}");
    plx_endpoint *e = NULL;
    plx_ctx_endpoint(ctx, "iris", &e);
    async_state s = {0};
    for (int i = 0; i < 10; i++)
        CHECK_INT(plx_predict_async(e, "{\"instances\":[[6.3,3.3,6.0,2.5]]}", on_done, &s),
                  PLX_OK);
    size_t left = 1;
    for (int i = 0; i < 1000 && left; i++)
        plx_ctx_poll(ctx, 1000, &left);
    CHECK_INT(s.done, 10);
    CHECK_INT(s.st, PLX_OK);
    CHECK(s.right);
    plx_ctx_free(ctx);
}

static void test_setup(void)
{
    url = getenv("PLX_TEST_MLSERVER_URL");
    if (!url)
        TAP_SKIP("PLX_TEST_MLSERVER_URL unset: run through tests/integration/with_mlserver.sh");
}

TEST_MAIN(test_setup, test_server_ops, test_predict, test_endpoint_ab_and_sticky,
          test_endpoint_shadow_and_fallback, test_batching, test_async)
