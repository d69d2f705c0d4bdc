/* The whole call path (http kind, resilience, curl transport) against a real
 * nginx on 127.0.0.1 started by with_nginx.sh. Public API only. */
#include "../tap.h"

#include <plexus.h>
#include <pthread.h>
#include <stdlib.h>

static const char *http_url;
static const char *https_url;
static const char *ca_file;

/* A ctx with one provider "p" whose config is base + extra keys. */
static plx_ctx *ctx_for(const char *base_url, const char *extra, plx_provider **p)
{
    char config[2048];
    snprintf(config, sizeof config,
             "{\"log_level\":\"error\",\"providers\":{\"p\":{\"kind\":\"http\","
             "\"base_url\":\"%s\"%s%s}}}", base_url, extra[0] ? "," : "", extra);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK) {
        fprintf(stderr, "config: %s\n", plx_errmsg(NULL));
        exit(1);
    }
    plx_ctx_provider(ctx, "p", p);
    return ctx;
}

/* Calls GET path; returns the status and stores the response (free it). */
static plx_status get(plx_provider *p, const char *path, char **out)
{
    char req[512];
    snprintf(req, sizeof req, "{\"path\":\"%s\"}", path);
    return plx_call(p, "request", req, out);
}

static long json_number(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = json ? strstr(json, pat) : NULL;
    if (!at)
        return -1;
    at += strlen(pat);
    if (*at == '"')
        at++;
    return strtol(at, NULL, 10);
}

#define FAST "\"retry\":{\"max_attempts\":3,\"base_delay_ms\":10,\"max_delay_ms\":3000}"

static void test_post_json_roundtrip(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, "\"headers\":{\"User-Agent\":\"plexus-test\"}", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"method\":\"POST\",\"path\":\"/echo-body\","
                       "\"body\":{\"msg\":\"h\\u00e9llo\",\"n\":[1,2,3]}}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"status\":200");
    CHECK_CONTAINS(out, "\"x-echo-method\":\"POST\"");
    CHECK_CONTAINS(out, "\"x-echo-content-type\":\"application/json\"");
    CHECK_CONTAINS(out, "\\\"msg\\\":\\\"h\u00e9llo\\\"");
    plx_free(out);
    CHECK_INT(get(p, "/echo?a=1", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"user_agent\":\"plexus-test\"");
    CHECK_CONTAINS(out, "\"uri\":\"/echo?a=1\"");
    CHECK_CONTAINS(out, "\"accept_encoding\":\"\""); /* compression is opt-in */
    plx_free(out);
    plx_ctx_free(ctx);
    ctx = ctx_for(http_url, "\"compression\":true", &p);
    CHECK_INT(get(p, "/echo", &out), PLX_OK);
    CHECK_CONTAINS(out, "gzip");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_keep_alive(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, "", &p);
    long first = -1;
    int same = 0;
    for (int i = 0; i < 5; i++) {
        char *out = NULL;
        CHECK_INT(get(p, "/echo", &out), PLX_OK);
        long conn = json_number(strstr(out ? out : "", "\"body\""), "connection");
        if (i == 0)
            first = conn;
        else
            same += conn == first;
        plx_free(out);
    }
    CHECK_INT(same, 4);
    plx_ctx_free(ctx);
}

static void test_retries_on_503(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, FAST, &p);
    char *out = NULL;
    CHECK_INT(get(p, "/status/503", &out), PLX_EHTTP);
    CHECK_INT(json_number(out, "attempts"), 3);
    CHECK_INT(json_number(out, "http_status"), 503);
    CHECK_CONTAINS(out, "service unavailable");
    CHECK_CONTAINS(out, "\"retryable\":true");
    plx_free(out);
    CHECK_INT(get(p, "/status/404", &out), PLX_EHTTP);
    CHECK_INT(json_number(out, "attempts"), 1);
    plx_free(out);
    CHECK_INT(get(p, "/status/401", &out), PLX_EAUTH);
    CHECK_INT(json_number(out, "attempts"), 1);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_retry_after_honoured(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, "\"retry\":{\"max_attempts\":2,\"base_delay_ms\":1,"
                                     "\"max_delay_ms\":5000}", &p);
    char *out = NULL;
    CHECK_INT(get(p, "/ratelimited", &out), PLX_ERATELIMIT);
    CHECK_INT(json_number(out, "attempts"), 2);
    CHECK(json_number(out, "latency_ms") >= 1000); /* waited the Retry-After: 1 */
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_reset_is_retried(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, FAST, &p);
    char *out = NULL;
    CHECK_INT(get(p, "/reset", &out), PLX_ETRANSPORT);
    CHECK_INT(json_number(out, "attempts"), 3);
    CHECK_CONTAINS(out, "\"code\":\"PLX_ETRANSPORT\"");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_timeout_and_deadline(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, "\"timeout_ms\":300,\"retry\":{\"max_attempts\":2,"
                                     "\"base_delay_ms\":1}", &p);
    char *out = NULL;
    CHECK_INT(get(p, "/slow", &out), PLX_ETIMEOUT);
    CHECK_INT(json_number(out, "attempts"), 2);
    long ms = json_number(out, "latency_ms");
    CHECK(ms >= 550 && ms < 3000);
    plx_free(out);
    plx_ctx_free(ctx);
    ctx = ctx_for(http_url, "\"deadline_ms\":500,\"retry\":{\"max_attempts\":10,"
                            "\"base_delay_ms\":1}", &p);
    CHECK_INT(get(p, "/slow", &out), PLX_ETIMEOUT);
    ms = json_number(out, "latency_ms");
    CHECK(ms >= 450 && ms < 2000);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_reply_cap(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, "\"max_reply_bytes\":100000", &p);
    char *out = NULL;
    CHECK_INT(get(p, "/big", &out), PLX_ETOOBIG);
    CHECK_INT(json_number(out, "attempts"), 1);
    plx_free(out);
    CHECK_INT(get(p, "/big-gzip", &out), PLX_ETOOBIG);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_redirects_and_credentials(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, "\"auth\":{\"type\":\"bearer\",\"token\":\"tok-s3cr3t\"}", &p);
    char *out = NULL;
    CHECK_INT(get(p, "/redirect-same", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"authorization\":\"Bearer tok-s3cr3t\"");
    plx_free(out);
    CHECK_INT(get(p, "/redirect-other", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"host\":\"localhost\"");
    CHECK_CONTAINS(out, "\"authorization\":\"\"");
    plx_free(out);
    plx_ctx_free(ctx);
    ctx = ctx_for(http_url, "\"max_redirects\":0", &p);
    CHECK_INT(get(p, "/redirect-same", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "max_redirects");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_tls(void)
{
    char extra[512];
    plx_provider *p;
    snprintf(extra, sizeof extra, "\"tls\":{\"ca_file\":\"%s\"}", ca_file);
    plx_ctx *ctx = ctx_for(https_url, extra, &p);
    char *out = NULL;
    CHECK_INT(get(p, "/echo", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"protocol\":\"HTTP/2.0\"");
    plx_free(out);
    plx_ctx_free(ctx);
    ctx = ctx_for(https_url, "\"retry\":{\"max_attempts\":3}", &p);
    CHECK_INT(get(p, "/echo", &out), PLX_ETLS);
    CHECK_INT(json_number(out, "attempts"), 1);
    plx_free(out);
    plx_ctx_free(ctx);
    ctx = ctx_for(https_url, "\"tls\":{\"verify\":false}", &p);
    CHECK_INT(get(p, "/echo", &out), PLX_OK);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_circuit_breaker(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, "\"retry\":{\"max_attempts\":1},"
                                     "\"circuit\":{\"failure_threshold\":2,\"open_ms\":200}", &p);
    char *out = NULL;
    for (int i = 0; i < 2; i++) {
        CHECK_INT(get(p, "/status/500", &out), PLX_EHTTP);
        plx_free(out);
    }
    CHECK_INT(get(p, "/status/200", &out), PLX_ECIRCUIT);
    CHECK_INT(json_number(out, "attempts"), 0);
    plx_free(out);
    struct timespec ts = {0, 250 * 1000000L};
    nanosleep(&ts, NULL);
    CHECK_INT(get(p, "/status/200", &out), PLX_OK); /* half-open trial closes it */
    plx_free(out);
    plx_ctx_free(ctx);
}

typedef struct async_state {
    plx_provider *p;
    int started, ok, failed, target;
    char connections[2048];
} async_state;

static void on_done(plx_status st, const char *json, void *ud)
{
    async_state *s = ud;
    if (st == PLX_OK && json && strstr(json, "\"status\":200"))
        s->ok++;
    else
        s->failed++;
    if (s->started < s->target) {
        s->started++;
        plx_call_async(s->p, "request", "{\"path\":\"/echo\"}", on_done, s);
    }
}

static void test_async_many_in_flight(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, "", &p);
    async_state s = {.p = p, .target = 640};
    for (; s.started < 64; s.started++)
        CHECK_INT(plx_call_async(p, "request", "{\"path\":\"/echo\"}", on_done, &s), PLX_OK);
    size_t left = 1;
    for (int i = 0; left && i < 10000; i++)
        plx_ctx_poll(ctx, 1000, &left);
    CHECK_INT(s.ok, 640);
    CHECK_INT(s.failed, 0);
    plx_ctx_free(ctx);
}

typedef struct worker {
    plx_provider *p;
    int ok;
} worker;

static void *worker_run(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 100; i++) {
        char *out = NULL;
        if (get(w->p, "/echo", &out) == PLX_OK)
            w->ok++;
        plx_free(out);
    }
    return NULL;
}

static void test_threads_share_provider(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for(http_url, "", &p);
    pthread_t th[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){p, 0};
        pthread_create(&th[i], NULL, worker_run, &w[i]);
    }
    int ok = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
    }
    CHECK_INT(ok, 400);
    plx_ctx_free(ctx);
}

static void test_connection_refused(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_for("http://127.0.0.1:9", FAST, &p);
    char *out = NULL;
    CHECK_INT(get(p, "/", &out), PLX_ETRANSPORT);
    CHECK_INT(json_number(out, "attempts"), 3);
    CHECK_CONTAINS(plx_errmsg(ctx), "127.0.0.1");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void setup(void)
{
    http_url = getenv("PLX_TEST_HTTP_URL");
    https_url = getenv("PLX_TEST_HTTPS_URL");
    ca_file = getenv("PLX_TEST_CA_FILE");
    if (!http_url || !https_url || !ca_file)
        TAP_SKIP("run through tests/integration/with_nginx.sh (PLX_TEST_HTTP_URL unset)");
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
}

static void test_setup(void)
{
    setup();
}

TEST_MAIN(test_setup, test_post_json_roundtrip, test_keep_alive, test_retries_on_503,
          test_retry_after_honoured, test_reset_is_retried, test_timeout_and_deadline,
          test_reply_cap, test_redirects_and_credentials, test_tls, test_circuit_breaker,
          test_async_many_in_flight, test_threads_share_provider, test_connection_refused)
