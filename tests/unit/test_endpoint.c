/* Endpoints over an in-process model server: weighted routing with a seed,
 * sticky keys, forced variants, shadow copies, runtime weights (from
 * several threads), health and fallback, client-side batching, async
 * predictions, stats, configuration errors. */
#include "../tap.h"
#include "endpoints/endpoints.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- an in-process model server --------------------------------------- */

/* Answers kserve (/v2/models/M/versions/vN/infer) and tfserving
 * (/v1/models/M/versions/N:predict) requests with one output per row: the
 * row's first value times 10. Versions 1..3 can be made to fail or slow. */
typedef struct fake {
    pthread_mutex_t lock;
    int calls[4];
    int rows[4];
    int max_rows;
    plx_status fail[4];          /* a transport failure */
    int status[4];               /* an HTTP status to answer with */
    int slow_ms[4];
} fake;

static fake server = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void fake_reset(void)
{
    pthread_mutex_lock(&server.lock);
    memset(server.calls, 0, sizeof server.calls);
    memset(server.rows, 0, sizeof server.rows);
    memset(server.fail, 0, sizeof server.fail);
    memset(server.status, 0, sizeof server.status);
    memset(server.slow_ms, 0, sizeof server.slow_ms);
    server.max_rows = 0;
    pthread_mutex_unlock(&server.lock);
}

static int fake_calls(int version)
{
    pthread_mutex_lock(&server.lock);
    int n = server.calls[version];
    pthread_mutex_unlock(&server.lock);
    return n;
}

/* The first value of each row of the request, into x (at most cap). */
static int request_rows(const cJSON *body, double *x, int cap)
{
    const cJSON *inputs = cJSON_GetObjectItem(body, "inputs");
    const cJSON *instances = cJSON_GetObjectItem(body, "instances");
    int n = 0;
    if (instances) {
        const cJSON *r;
        cJSON_ArrayForEach(r, instances) {
            if (n < cap)
                x[n] = cJSON_IsArray(r) ? r->child->valuedouble : r->valuedouble;
            n++;
        }
        return n;
    }
    const cJSON *t = cJSON_GetArrayItem(inputs, 0);
    const cJSON *shape = cJSON_GetObjectItem(t, "shape");
    const cJSON *data = cJSON_GetObjectItem(t, "data");
    n = (int)cJSON_GetArrayItem(shape, 0)->valuedouble;
    int width = cJSON_GetArraySize(data) / (n ? n : 1);
    for (int i = 0; i < n && i < cap; i++)
        x[i] = cJSON_GetArrayItem(data, i * width)->valuedouble;
    return n;
}

static void write_reply(plx_response *resp, bool tf, int version, const double *x, int n)
{
    char body[8192];
    size_t used = 0;
    if (tf)
        used += (size_t)snprintf(body, sizeof body, "{\"predictions\":[");
    else
        used += (size_t)snprintf(body, sizeof body, "{\"model_name\":\"m\",\"model_version\":"
                                 "\"v%d\",\"outputs\":[{\"name\":\"y\",\"shape\":[%d,1],"
                                 "\"datatype\":\"FP64\",\"data\":[", version, n);
    for (int i = 0; i < n && used < sizeof body - 64; i++)
        used += (size_t)snprintf(body + used, sizeof body - used, "%s%g", i ? "," : "",
                                 x[i] * 10);
    snprintf(body + used, sizeof body - used, tf ? "]}" : "]}]}");
    plx_response_set_status(resp, 200);
    plx_response_add_header(resp, "Content-Type", "application/json");
    plx_response_append_body(resp, body, strlen(body));
}

static plx_status fake_send(const plx_request *req, plx_response *resp, void *ud)
{
    (void)ud;
    const char *url = plx_request_url(req);
    const char *at = strstr(url, "/versions/");
    int version = at ? atoi(at + 10 + (at[10] == 'v')) : 0;
    if (version < 0 || version > 3)
        version = 0;
    size_t len = 0;
    const char *text = plx_request_body(req, &len);
    cJSON *body = cJSON_ParseWithLength(text, len);
    double x[512];
    int n = body ? request_rows(body, x, 512) : 0;
    cJSON_Delete(body);
    pthread_mutex_lock(&server.lock);
    server.calls[version]++;
    server.rows[version] += n;
    if (n > server.max_rows)
        server.max_rows = n;
    plx_status fail = server.fail[version];
    int status = server.status[version], slow = server.slow_ms[version];
    pthread_mutex_unlock(&server.lock);
    if (slow)
        usleep((useconds_t)slow * 1000);
    if (fail) {
        plx_response_set_error_message(resp, "connection refused");
        return fail;
    }
    if (status) {
        plx_response_set_status(resp, status);
        plx_response_add_header(resp, "Content-Type", "application/json");
        const char *err = "{\"error\":\"model failed\"}";
        return plx_response_append_body(resp, err, strlen(err));
    }
    write_reply(resp, strstr(url, ":predict") != NULL, version, x, n < 512 ? n : 512);
    return PLX_OK;
}

#define PROVIDERS \
    "\"providers\":{\"ks\":{\"kind\":\"kserve\",\"base_url\":\"http://ml.test\"," \
    "\"retry\":{\"max_attempts\":1},\"circuit\":{\"failure_threshold\":0}}," \
    "\"ks2\":{\"kind\":\"kserve\",\"base_url\":\"http://ml2.test\"," \
    "\"retry\":{\"max_attempts\":1},\"circuit\":{\"failure_threshold\":0}}," \
    "\"tf\":{\"kind\":\"tfserving\",\"base_url\":\"http://tf.test\"," \
    "\"retry\":{\"max_attempts\":1}}}"

#define AB(weights) \
    "{\"name\":\"ab\",\"seed\":42,\"variants\":[" \
    "{\"name\":\"a\",\"provider\":\"ks\",\"model\":\"m\",\"version\":\"v1\",\"weight\":" weights \
    "}]}"

static plx_ctx *make_ctx(const char *endpoints)
{
    char config[4096];
    snprintf(config, sizeof config, "{\"log_level\":\"none\"," PROVIDERS "%s%s}",
             endpoints ? "," : "", endpoints ? endpoints : "");
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK) {
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
        return NULL;
    }
    plx_transport_funcs *t = NULL;
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, fake_send, NULL, NULL);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    fake_reset();
    return ctx;
}

static plx_endpoint *make_endpoint(plx_ctx *ctx, const char *config)
{
    plx_endpoint *e = NULL;
    if (plx_endpoint_new(ctx, config, &e) != PLX_OK)
        fprintf(stderr, "plx_endpoint_new: %s\n", plx_errmsg(ctx));
    return e;
}

#define TWO(wa, wb, extra) \
    "{\"name\":\"ab\",\"seed\":42,\"variants\":[" \
    "{\"name\":\"a\",\"provider\":\"ks\",\"model\":\"m\",\"version\":\"v1\",\"weight\":" #wa "}," \
    "{\"name\":\"b\",\"provider\":\"ks\",\"model\":\"m\",\"version\":\"v2\",\"weight\":" #wb "}]" \
    extra "}"

/* The value of "variant" in a result ("" if none). */
static const char *variant_of(const char *json, char *buf, size_t cap)
{
    const char *at = json ? strstr(json, "\"variant\":\"") : NULL;
    buf[0] = '\0';
    if (at)
        snprintf(buf, cap, "%.*s", (int)strcspn(at + 11, "\""), at + 11);
    return buf;
}

static long stat_int(const char *json, const char *after, const char *key)
{
    const char *at = json && after ? strstr(json, after) : json;
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    at = at ? strstr(at, pat) : NULL;
    return at ? strtol(at + strlen(pat), NULL, 10) : -1;
}

#define ROW "{\"instances\":[[1,2,3,4]]}"

/* ---- tests --------------------------------------------------------------- */

static void test_weighted_with_seed(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, TWO(90, 10, ""));
    plx_endpoint *same = make_endpoint(ctx, TWO(90, 10, ""));
    int a = 0, b = 0, differ = 0;
    for (int i = 0; i < 2000; i++) {
        char *out = NULL, *out2 = NULL, v[16], v2[16];
        CHECK_INT(plx_predict(e, ROW, &out), PLX_OK);
        plx_predict(same, ROW, &out2);
        variant_of(out, v, sizeof v);
        a += strcmp(v, "a") == 0;
        b += strcmp(v, "b") == 0;
        differ += strcmp(v, variant_of(out2, v2, sizeof v2)) != 0;
        plx_free(out);
        plx_free(out2);
    }
    /* 90/10 within 4 standard deviations (sd = sqrt(2000 * 0.9 * 0.1) ~ 13). */
    CHECK(a > 1800 - 55 && a < 1800 + 55);
    CHECK_INT(a + b, 2000);
    CHECK_INT(differ, 0);            /* the same seed, the same sequence */
    CHECK_INT(fake_calls(1), 2 * a);
    char *stats = NULL;
    CHECK_INT(plx_endpoint_stats(e, &stats), PLX_OK);
    CHECK_INT(stat_int(stats, NULL, "calls"), 2000);
    CHECK_INT(stat_int(stats, "\"name\":\"a\"", "calls"), a);
    CHECK_INT(stat_int(stats, "\"name\":\"b\"", "calls"), b);
    plx_free(stats);
    plx_endpoint_free(e);
    plx_endpoint_free(same);
    plx_ctx_free(ctx);
}

static void test_result_names_variant(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, TWO(1, 1, ""));
    char *out = NULL;
    CHECK_INT(plx_predict(e, "{\"variant\":\"b\",\"model\":\"x\",\"version\":\"v9\","
                          "\"instances\":[[3,1]]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"predictions\":[[30]]");
    CHECK_CONTAINS(out, "\"model\":\"m\",\"model_version\":\"v2\"");
    CHECK_CONTAINS(out, "\"variant\":\"b\",\"endpoint\":\"ab\"");
    CHECK_CONTAINS(out, "\"provider\":\"ks\"");
    plx_free(out);
    CHECK_INT(plx_predict(e, "{\"variant\":\"c\",\"instances\":[[1]]}", &out), PLX_EINVAL);
    CHECK(out == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.variant: endpoint 'ab' has no such variant");
    CHECK_INT(plx_predict(e, "{\"routing_key\":[1],\"instances\":[[1]]}", &out), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.routing_key: expected a string or a number");
    CHECK_INT(plx_predict(e, "[1]", &out), PLX_EINVAL);
    CHECK_INT(plx_predict(e, "{bad", &out), PLX_EINVAL);
    CHECK_INT(plx_predict(NULL, "{}", &out), PLX_EINVAL);
    /* A tensor that does not match its shape: nothing is sent, no fallback. */
    int before = fake_calls(1) + fake_calls(2);
    CHECK_INT(plx_predict(e, "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":"
                          "\"FP32\",\"data\":[1,2,3]}]}", &out), PLX_EINVAL);
    CHECK(out == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.inputs[0] ('x'): shape [2,2] needs 4 values, "
                   "data has 3");
    CHECK_CONTAINS(plx_errmsg(ctx), "endpoint 'ab', variant '");
    CHECK_INT(fake_calls(1) + fake_calls(2), before);
    plx_endpoint_free(e);
    plx_ctx_free(ctx);
}

static void test_sticky(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, TWO(50, 50, ""));
    int on_a = 0, moved = 0;
    for (int user = 0; user < 200; user++) {
        char req[128], first[16] = "", v[16];
        for (int k = 0; k < 5; k++) {
            snprintf(req, sizeof req, "{\"routing_key\":\"user-%d\",\"instances\":[[1]]}", user);
            char *out = NULL;
            CHECK_INT(plx_predict(e, req, &out), PLX_OK);
            variant_of(out, v, sizeof v);
            if (k == 0)
                snprintf(first, sizeof first, "%s", v);
            moved += strcmp(first, v) != 0;
            plx_free(out);
        }
        on_a += strcmp(first, "a") == 0;
    }
    CHECK_INT(moved, 0);
    CHECK(on_a > 60 && on_a < 140);
    /* Numbers are keys too. */
    char *o1 = NULL, *o2 = NULL, v1[16], v2[16];
    plx_predict(e, "{\"routing_key\":12345,\"instances\":[[1]]}", &o1);
    plx_predict(e, "{\"routing_key\":12345,\"instances\":[[1]]}", &o2);
    CHECK_STR(variant_of(o1, v1, sizeof v1), variant_of(o2, v2, sizeof v2));
    plx_free(o1);
    plx_free(o2);
    plx_endpoint_free(e);
    plx_ctx_free(ctx);
}

static void test_set_weights(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, TWO(100, 0, ""));
    char *out = NULL, v[16];
    for (int i = 0; i < 20; i++) {
        plx_predict(e, ROW, &out);
        CHECK_STR(variant_of(out, v, sizeof v), "a");
        plx_free(out);
    }
    CHECK_INT(plx_endpoint_set_weights(e, "{\"a\":0,\"b\":100}"), PLX_OK);
    for (int i = 0; i < 20; i++) {
        plx_predict(e, ROW, &out);
        CHECK_STR(variant_of(out, v, sizeof v), "b");
        plx_free(out);
    }
    CHECK_INT(plx_endpoint_set_weights(e, "{\"c\":1}"), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "weights.c: endpoint 'ab' has no such variant");
    CHECK_INT(plx_endpoint_set_weights(e, "{\"a\":-1}"), PLX_EINVAL);
    CHECK_INT(plx_endpoint_set_weights(e, "{\"a\":5,\"b\":\"x\"}"), PLX_EINVAL);
    CHECK_INT(plx_endpoint_set_weights(e, "{\"b\":0}"), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "every weight of endpoint 'ab' would be 0");
    CHECK_INT(plx_endpoint_set_weights(e, "[]"), PLX_EINVAL);
    char *stats = NULL;
    plx_endpoint_stats(e, &stats);
    CHECK_CONTAINS(stats, "\"name\":\"a\",\"provider\":\"ks\",\"model\":\"m\",\"version\":\"v1\","
                   "\"weight\":0,");
    CHECK_CONTAINS(stats, "\"version\":\"v2\",\"weight\":100,");
    plx_free(stats);
    plx_endpoint_free(e);
    plx_ctx_free(ctx);
}

typedef struct flip_state {
    plx_endpoint *e;
    int failures;
    int done;
} flip_state;

static void *predict_loop(void *arg)
{
    flip_state *s = arg;
    for (int i = 0; i < 300; i++) {
        char *out = NULL;
        if (plx_predict(s->e, ROW, &out) != PLX_OK)
            __atomic_add_fetch(&s->failures, 1, __ATOMIC_RELAXED);
        plx_free(out);
    }
    return NULL;
}

/* Rollout and rollback while four threads predict. */
static void test_weights_under_load(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, TWO(100, 0, ""));
    flip_state s = {.e = e};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, predict_loop, &s);
    for (int step = 0; step <= 100; step += 5) {
        char w[64];
        snprintf(w, sizeof w, "{\"a\":%d,\"b\":%d}", 100 - step, step);
        CHECK_INT(plx_endpoint_set_weights(e, w), PLX_OK);
        usleep(200);
    }
    CHECK_INT(plx_endpoint_set_weights(e, "{\"a\":100,\"b\":0}"), PLX_OK); /* rollback */
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK_INT(s.failures, 0);
    char *stats = NULL;
    plx_endpoint_stats(e, &stats);
    CHECK_INT(stat_int(stats, NULL, "calls"), 1200);
    plx_free(stats);
    plx_endpoint_free(e);
    plx_ctx_free(ctx);
}

static void test_fallback_and_health(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, TWO(100, 0, ",\"health\":{\"failure_threshold\":2,"
                                            "\"cooldown_ms\":150}"));
    pthread_mutex_lock(&server.lock);
    server.fail[1] = PLX_ETRANSPORT;
    pthread_mutex_unlock(&server.lock);
    char *out = NULL, v[16];
    for (int i = 0; i < 2; i++) {
        CHECK_INT(plx_predict(e, ROW, &out), PLX_OK);
        CHECK_STR(variant_of(out, v, sizeof v), "b");
        CHECK_CONTAINS(out, "\"fallback_from\":[\"a\"]");
        CHECK_CONTAINS(out, "\"model_version\":\"v2\"");
        plx_free(out);
    }
    /* Two failures in a row: a is skipped until the cool-down ends. */
    int tried_a = fake_calls(1);
    CHECK_INT(tried_a, 2);
    for (int i = 0; i < 5; i++) {
        CHECK_INT(plx_predict(e, ROW, &out), PLX_OK);
        CHECK(strstr(out, "fallback_from") == NULL);
        plx_free(out);
    }
    CHECK_INT(fake_calls(1), tried_a);
    char *stats = NULL;
    plx_endpoint_stats(e, &stats);
    CHECK_CONTAINS(stats, "\"name\":\"a\",\"provider\":\"ks\",\"model\":\"m\",\"version\":\"v1\","
                   "\"weight\":100,\"healthy\":false");
    CHECK_INT(stat_int(stats, NULL, "fallbacks"), 2);
    CHECK_INT(stat_int(stats, "\"name\":\"a\"", "failures"), 2);
    plx_free(stats);
    /* After the cool-down a gets a trial, and is back once it answers. */
    pthread_mutex_lock(&server.lock);
    server.fail[1] = PLX_OK;
    pthread_mutex_unlock(&server.lock);
    usleep(200 * 1000);
    CHECK_INT(plx_predict(e, ROW, &out), PLX_OK);
    CHECK_STR(variant_of(out, v, sizeof v), "a");
    plx_free(out);
    /* A 503 also falls back; a 400 (the caller's fault) does not. */
    pthread_mutex_lock(&server.lock);
    server.status[1] = 503;
    pthread_mutex_unlock(&server.lock);
    CHECK_INT(plx_predict(e, ROW, &out), PLX_OK);
    CHECK_STR(variant_of(out, v, sizeof v), "b");
    plx_free(out);
    usleep(200 * 1000);
    pthread_mutex_lock(&server.lock);
    server.status[1] = 400;
    pthread_mutex_unlock(&server.lock);
    CHECK_INT(plx_predict(e, ROW, &out), PLX_EHTTP);
    CHECK_STR(variant_of(out, v, sizeof v), "a");
    CHECK_CONTAINS(out, "\"service_message\":\"model failed\"");
    CHECK_CONTAINS(plx_errmsg(ctx), "endpoint 'ab', variant 'a'");
    plx_free(out);
    /* Everything down: the last failure is returned. */
    pthread_mutex_lock(&server.lock);
    server.status[1] = 0;
    server.fail[1] = server.fail[2] = PLX_ETRANSPORT;
    pthread_mutex_unlock(&server.lock);
    CHECK_INT(plx_predict(e, ROW, &out), PLX_ETRANSPORT);
    CHECK_CONTAINS(out, "\"variant\":\"b\"");
    CHECK_CONTAINS(out, "\"fallback_from\":[\"a\"]");
    CHECK_CONTAINS(out, "\"code\":\"PLX_ETRANSPORT\"");
    plx_free(out);
    plx_endpoint_free(e);
    /* With fallback off, a failure is returned as it is. */
    e = make_endpoint(ctx, TWO(100, 0, ",\"fallback\":false"));
    CHECK_INT(plx_predict(e, ROW, &out), PLX_ETRANSPORT);
    CHECK_STR(variant_of(out, v, sizeof v), "a");
    plx_free(out);
    plx_endpoint_free(e);
    plx_ctx_free(ctx);
}

static long wait_stat(plx_endpoint *e, const char *after, const char *key, long want)
{
    long n = -1;
    for (int i = 0; i < 300 && n < want; i++) {
        char *stats = NULL;
        plx_endpoint_stats(e, &stats);
        n = stat_int(stats, after, key);
        plx_free(stats);
        if (n < want)
            usleep(10 * 1000);
    }
    return n;
}

static void test_shadow(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, TWO(1, 0, ",\"shadow\":\"b\""));
    pthread_mutex_lock(&server.lock);
    server.slow_ms[2] = 100;        /* the shadow is slow: callers must not wait */
    pthread_mutex_unlock(&server.lock);
    uint64_t start = plx_now_us();
    for (int i = 0; i < 6; i++) {
        char *out = NULL, v[16];
        CHECK_INT(plx_predict(e, ROW, &out), PLX_OK);
        CHECK_STR(variant_of(out, v, sizeof v), "a");
        plx_free(out);
    }
    CHECK(plx_now_us() - start < 100 * 1000);
    CHECK_INT(wait_stat(e, "\"shadow\":", "calls", 6), 6);
    char *stats = NULL;
    plx_endpoint_stats(e, &stats);
    CHECK_INT(stat_int(stats, "\"shadow\":", "agree"), 6); /* the fake answers alike */
    CHECK_INT(stat_int(stats, "\"shadow\":", "errors"), 0);
    CHECK_INT(stat_int(stats, "\"name\":\"b\"", "calls"), 0); /* never a primary */
    CHECK_CONTAINS(stats, "\"percent\":100,\"latency_ms\":{\"p50\":");
    plx_free(stats);
    CHECK_INT(fake_calls(2), 6);
    plx_endpoint_free(e);
    /* A failing shadow changes nothing for the caller; a full queue drops. */
    fake_reset();
    e = make_endpoint(ctx, TWO(1, 0, ",\"shadow\":{\"variant\":\"b\",\"percent\":100,"
                               "\"concurrency\":1,\"queue\":1}"));
    pthread_mutex_lock(&server.lock);
    server.fail[2] = PLX_ETRANSPORT;
    server.slow_ms[2] = 50;
    pthread_mutex_unlock(&server.lock);
    for (int i = 0; i < 5; i++) {
        char *out = NULL;
        CHECK_INT(plx_predict(e, ROW, &out), PLX_OK);
        plx_free(out);
    }
    plx_endpoint_stats(e, &stats);
    CHECK(stat_int(stats, "\"shadow\":", "dropped") >= 1);
    plx_free(stats);
    CHECK(wait_stat(e, "\"shadow\":", "errors", 1) >= 1);
    plx_endpoint_free(e);
    /* Sampling: percent 0 sends no copy. */
    e = make_endpoint(ctx, TWO(1, 0, ",\"shadow\":{\"variant\":\"b\",\"percent\":0}"));
    fake_reset();
    for (int i = 0; i < 5; i++) {
        char *out = NULL;
        plx_predict(e, ROW, &out);
        plx_free(out);
    }
    plx_endpoint_free(e);
    CHECK_INT(fake_calls(2), 0);
    plx_ctx_free(ctx);
}

/* ---- batching ------------------------------------------------------------ */

typedef struct batch_caller {
    plx_endpoint *e;
    int id;
    int rows;
    bool tensors;
    plx_status st;
    char *out;
} batch_caller;

static void *batch_call(void *arg)
{
    batch_caller *c = arg;
    char req[512];
    if (c->tensors)
        snprintf(req, sizeof req, "{\"inputs\":[{\"name\":\"x\",\"shape\":[%d,2],\"datatype\":"
                 "\"FP32\",\"data\":[%d,0%s]}]}", c->rows, c->id, c->rows == 2 ? ",1000,0" : "");
    else
        snprintf(req, sizeof req, "{\"instances\":[[%d,0]%s]}", c->id,
                 c->rows == 2 ? ",[1000,0]" : "");
    c->st = plx_predict(c->e, req, &c->out);
    return NULL;
}

static void run_batched(const char *config, bool tensors, const char *expect_fmt,
                        const char *second)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, config);
    enum { N = 24 };
    batch_caller c[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        c[i] = (batch_caller){.e = e, .id = i + 1, .rows = 1 + i % 2, .tensors = tensors};
        pthread_create(&t[i], NULL, batch_call, &c[i]);
    }
    int total_rows = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(c[i].st, PLX_OK);
        char expect[128];
        snprintf(expect, sizeof expect, expect_fmt, (i + 1) * 10, c[i].rows == 2 ? second : "");
        CHECK_CONTAINS(c[i].out, expect);
        total_rows += c[i].rows;
        plx_free(c[i].out);
    }
    /* Every row reached the server once, in fewer requests than calls. */
    CHECK_INT(server.rows[1], total_rows);
    CHECK(server.calls[1] < N);
    CHECK(server.max_rows > 2 && server.max_rows <= 8);
    char *stats = NULL;
    plx_endpoint_stats(e, &stats);
    CHECK(stat_int(stats, "\"batching\":", "batches") >= 1);
    CHECK_CONTAINS(stats, "\"enabled\":true,\"max_batch\":8");
    CHECK_INT(stat_int(stats, NULL, "calls"), N);
    plx_free(stats);
    plx_endpoint_free(e);
    plx_ctx_free(ctx);
}

static void test_batching(void)
{
    static const char kserve[] =
        "{\"name\":\"b\",\"batching\":{\"max_batch\":8,\"max_delay_us\":50000},\"variants\":["
        "{\"name\":\"a\",\"provider\":\"ks\",\"model\":\"m\",\"version\":\"v1\"}]}";
    run_batched(kserve, false, "\"predictions\":[[%d]%s]", ",[10000]");
    run_batched(kserve, true, "\"data\":[%d%s]}],\"predictions\"", ",10000");
    static const char tf[] =
        "{\"name\":\"b\",\"batching\":{\"max_batch\":8,\"max_delay_us\":50000},\"variants\":["
        "{\"name\":\"a\",\"provider\":\"tf\",\"model\":\"m\",\"version\":1}]}";
    run_batched(tf, false, "\"predictions\":[%d%s]", ",10000");
}

/* A lone caller waits max_delay_us at most, then goes alone; requests that
 * differ in anything but their rows are not merged. */
static void test_batching_edges(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, "{\"name\":\"b\",\"batching\":{\"max_batch\":4,"
                                    "\"max_delay_us\":2000},\"variants\":[{\"name\":\"a\","
                                    "\"provider\":\"ks\",\"model\":\"m\",\"version\":\"v1\"}]}");
    char *out = NULL;
    uint64_t start = plx_now_us();
    CHECK_INT(plx_predict(e, "{\"instances\":[[7]]}", &out), PLX_OK);
    CHECK(plx_now_us() - start < 500 * 1000);
    CHECK_CONTAINS(out, "\"predictions\":[[70]]");
    CHECK(strstr(out, "\"batch\"") == NULL);
    plx_free(out);
    /* More rows than max_batch, and raw requests, go straight. */
    CHECK_INT(plx_predict(e, "{\"instances\":[[1],[2],[3],[4],[5]]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"predictions\":[[10],[20],[30],[40],[50]]");
    plx_free(out);
    cJSON *raw = cJSON_Parse("{\"raw\":{}}");
    int64_t rows = 0;
    CHECK(plx_batch_key(raw, 4, &rows) == NULL);
    cJSON_Delete(raw);
    cJSON *r1 = cJSON_Parse("{\"id\":\"x\",\"instances\":[[1]]}");
    cJSON *r2 = cJSON_Parse("{\"id\":\"y\",\"instances\":[[1],[2]]}");
    cJSON *r3 = cJSON_Parse("{\"instances\":[[1],[2]],\"id\":\"x\"}");
    char *k1 = plx_batch_key(r1, 4, &rows), *k2 = plx_batch_key(r2, 4, &rows);
    char *k3 = plx_batch_key(r3, 4, &rows);
    CHECK_INT(rows, 2);
    CHECK(k1 && k2 && strcmp(k1, k2) != 0);
    CHECK(k1 && k3 && strcmp(k1, k3) == 0);
    free(k1);
    free(k2);
    free(k3);
    cJSON_Delete(r1);
    cJSON_Delete(r2);
    cJSON_Delete(r3);
    plx_endpoint_free(e);
    plx_ctx_free(ctx);
}

/* ---- async, ctx endpoints, stats, config -------------------------------- */

typedef struct async_result {
    int calls;
    plx_status st;
    char variant[16];
    bool fell_back;
} async_result;

static void on_done(plx_status st, const char *json, void *ud)
{
    async_result *r = ud;
    r->calls++;
    r->st = st;
    variant_of(json, r->variant, sizeof r->variant);
    r->fell_back = json && strstr(json, "\"fallback_from\":[\"a\"]");
}

static void test_async(void)
{
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = make_endpoint(ctx, TWO(100, 0, ""));
    async_result r = {0};
    CHECK_INT(plx_predict_async(e, ROW, on_done, &r), PLX_OK);
    size_t left = 1;
    while (left)
        plx_ctx_poll(ctx, 1000, &left);
    CHECK_INT(r.calls, 1);
    CHECK_INT(r.st, PLX_OK);
    CHECK_STR(r.variant, "a");
    pthread_mutex_lock(&server.lock);
    server.fail[1] = PLX_ETRANSPORT;
    pthread_mutex_unlock(&server.lock);
    r = (async_result){0};
    CHECK_INT(plx_predict_async(e, ROW, on_done, &r), PLX_OK);
    left = 1;
    while (left)
        plx_ctx_poll(ctx, 1000, &left);
    CHECK_INT(r.calls, 1);
    CHECK_INT(r.st, PLX_OK);
    CHECK_STR(r.variant, "b");
    CHECK(r.fell_back);
    CHECK_INT(plx_predict_async(e, "{\"inputs\":[{\"name\":\"x\",\"shape\":[9],"
                                "\"datatype\":\"FP32\",\"data\":[1]}]}", on_done, &r),
              PLX_EINVAL);
    CHECK_INT(plx_predict_async(e, "{}", NULL, NULL), PLX_EINVAL);
    plx_endpoint_free(e);
    plx_ctx_free(ctx);
}

static void test_ctx_endpoints(void)
{
    plx_ctx *ctx = make_ctx("\"endpoints\":{\"iris\":{\"variants\":[{\"name\":\"blue\","
                            "\"provider\":\"ks\",\"model\":\"iris\",\"version\":1},"
                            "{\"name\":\"green\",\"provider\":\"tf\",\"model\":\"iris\","
                            "\"version\":2,\"weight\":0}]}}");
    plx_endpoint *e = NULL;
    CHECK_INT(plx_ctx_endpoint(ctx, "iris", &e), PLX_OK);
    char *out = NULL;
    CHECK_INT(plx_predict(e, "{\"instances\":[[2]]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"variant\":\"blue\",\"endpoint\":\"iris\"");
    plx_free(out);
    /* A variant of another kind answers in the same canonical form. */
    CHECK_INT(plx_predict(e, "{\"variant\":\"green\",\"instances\":[[2]]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"predictions\":[20]");
    CHECK_CONTAINS(out, "\"model\":\"iris\",\"model_version\":\"2\"");
    plx_free(out);
    plx_endpoint_free(e); /* owned by the ctx: nothing happens */
    CHECK_INT(plx_ctx_endpoint(ctx, "nope", &e), PLX_ENOTFOUND);
    CHECK(e == NULL);
    CHECK_INT(plx_ctx_endpoint(NULL, "iris", &e), PLX_EINVAL);
    plx_ctx_free(ctx);
}

static void test_config_errors(void)
{
    static const struct { const char *endpoints, *message; } cases[] = {
        {"{\"e\":{\"variants\":[]}}", "endpoints.e.variants: expected an array of 1 to 64"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"nope\"}]}}",
         "endpoints.e.variants[0].provider: no provider named 'nope' in the config"},
        {"{\"e\":{\"variants\":[{\"provider\":\"ks\"}]}}", "endpoints.e.variants[0].name: missing"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\"},{\"name\":\"a\","
         "\"provider\":\"ks\"}]}}", "endpoints.e.variants[1].name: a second variant named 'a'"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\",\"weight\":0}]}}",
         "endpoints.e.variants: every weight is 0"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\",\"weight\":-1}]}}",
         "endpoints.e.variants[0].weight: expected a number from 0"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\",\"version\":1.5}]}}",
         "endpoints.e.variants[0].version: expected a non-empty string or an integer"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\",\"modle\":\"x\"}]}}",
         "endpoints.e.variants[0].modle: unknown key"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\"}],\"shadow\":\"z\"}}",
         "endpoints.e.shadow: no variant named 'z'"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\"}],\"shadow\":{\"variant\":"
         "\"a\",\"percent\":200}}}", "endpoints.e.shadow.percent: expected a number from 0"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\"}],\"batching\":"
         "{\"max_batch\":0}}}", "endpoints.e.batching.max_batch: expected an integer from 1"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\"}],\"health\":"
         "{\"failure_threshold\":0}}}", "endpoints.e.health.failure_threshold"},
        {"{\"e\":{\"variants\":[{\"name\":\"a\",\"provider\":\"ks\"}],\"name\":\"x\"}}",
         "endpoints.e.name: unknown key"},
        {"{\"e\":[]}", "endpoints.e: expected an object"},
        {"[]", "endpoints: expected an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char config[1024];
        snprintf(config, sizeof config, "{" PROVIDERS ",\"endpoints\":%s}", cases[i].endpoints);
        plx_ctx *ctx = NULL;
        CHECK_INT(plx_ctx_new(&ctx, config), PLX_ECONFIG);
        CHECK_CONTAINS(plx_errmsg(NULL), cases[i].message);
        CHECK(ctx == NULL);
    }
    plx_ctx *ctx = make_ctx(NULL);
    plx_endpoint *e = NULL;
    CHECK_INT(plx_endpoint_new(ctx, "{\"variants\":[{\"name\":\"a\",\"provider\":\"x\"}]}", &e),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "variants[0].provider: no provider named 'x'");
    CHECK_INT(plx_endpoint_new(ctx, "{nope", &e), PLX_ECONFIG);
    CHECK_INT(plx_endpoint_new(NULL, "{}", &e), PLX_EINVAL);
    CHECK_INT(plx_endpoint_new(ctx, AB("1"), &e), PLX_OK);
    char *stats = NULL;
    CHECK_INT(plx_endpoint_stats(e, &stats), PLX_OK);
    CHECK_STR(stats, "{\"name\":\"ab\",\"calls\":0,\"errors\":0,\"fallbacks\":0,\"batching\":"
              "{\"enabled\":false,\"max_batch\":0,\"max_delay_us\":0,\"batches\":0,\"calls\":0,"
              "\"rows\":0,\"mean_rows\":0},\"variants\":[{\"name\":\"a\",\"provider\":\"ks\","
              "\"model\":\"m\",\"version\":\"v1\",\"weight\":1,\"healthy\":true,\"calls\":0,"
              "\"errors\":0,\"failures\":0,\"fallbacks\":0,\"latency_ms\":{\"p50\":0,\"p99\":0,"
              "\"max\":0,\"mean\":0}}]}");
    plx_free(stats);
    CHECK_INT(plx_endpoint_stats(NULL, &stats), PLX_EINVAL);
    plx_endpoint_free(e);
    plx_endpoint_free(NULL);
    plx_ctx_free(ctx);
}

static void test_latency_histogram(void)
{
    static plx_latency l;
    memset(&l, 0, sizeof l);
    CHECK(plx_latency_quantile(&l, 0.5) == 0);
    for (uint64_t us = 1; us <= 10000; us++)
        plx_latency_add(&l, us);
    double p50 = plx_latency_quantile(&l, 0.5), p99 = plx_latency_quantile(&l, 0.99);
    CHECK(p50 > 5000 * 0.96 && p50 < 5000 * 1.04);
    CHECK(p99 > 9900 * 0.96 && p99 < 9900 * 1.04);
    CHECK(plx_latency_quantile(&l, 1.0) <= 10000);
    plx_latency_add(&l, UINT64_C(1) << 50); /* far past the last bucket */
    CHECK(plx_latency_quantile(&l, 1.0) > 1e10);
    CHECK_INT(l.count, 10001);
}

TEST_MAIN(test_weighted_with_seed, test_result_names_variant, test_sticky, test_set_weights,
          test_weights_under_load, test_fallback_and_health, test_shadow, test_batching,
          test_batching_edges, test_async, test_ctx_endpoints, test_config_errors,
          test_latency_histogram)
