/* bench_predict: what plx_predict costs, and what client-side batching buys.
 *
 *   1 caller, per server (a canned nginx reply; MLServer if given):
 *     raw      one curl easy handle, POST of the bytes the kserve kind sends
 *     call     plx_call(kserve provider, "predict", {"instances": [row]})
 *     predict  plx_predict on an endpoint with that provider as its variant
 *     -> calls/s and client CPU microseconds per call, and ratios to raw
 *   64 callers (threads) on MLServer: plx_predict with batching off and on
 *     -> rows/s, p50 and p99 latency per call, client CPU per call, and
 *        the mean rows per request the server saw
 *
 * Every reply is checked (status PLX_OK / HTTP 200); a run with failures is
 * invalid and exits 1. bench/predict.sh starts nginx and MLServer. */
#include <plexus.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 256
#define LAT_CAP 200000
#define ROUNDS 5

/* The body the kserve kind builds for ROW (tests/unit/test_kserve.c). */
#define ROW "[5.1,3.5,1.4,0.2]"
#define WIRE_BODY "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[1,4],\"datatype\":\"FP64\"," \
                  "\"data\":[5.1,3.5,1.4,0.2]}]}"

typedef struct options {
    const char *url, *mlserver;
    double seconds;
    int threads;
    int max_batch, max_delay_us;
} options;

typedef struct result {
    long calls, failures;
    double wall_s, cpu_s;
} result;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static double cpu(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* ---- one caller ---------------------------------------------------------- */

typedef bool (*one_call_fn)(void *state);

static result run_loop(one_call_fn fn, void *state, double seconds)
{
    for (double until = wall() + 0.2; wall() < until;)
        fn(state); /* warm-up: connections, pools */
    result r = {0};
    double w0 = wall(), c0 = cpu(), until = w0 + seconds;
    while (wall() < until) {
        r.failures += !fn(state);
        r.calls++;
    }
    r.wall_s = wall() - w0;
    r.cpu_s = cpu() - c0;
    return r;
}

static size_t discard(char *data, size_t size, size_t n, void *ud)
{
    (void)data;
    (void)ud;
    return size * n;
}

static bool raw_call(void *state)
{
    CURL *curl = state;
    long code = 0;
    return curl_easy_perform(curl) == CURLE_OK &&
           curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code == 200;
}

/* The same bytes through the generic http kind: the cost of the call path
 * without the kserve adapter. */
static bool plx_http_once(void *state)
{
    char *out = NULL;
    plx_status st = plx_call(state, "request", "{\"method\":\"POST\",\"path\":"
                             "\"/v2/models/iris/versions/v1/infer\",\"body\":" WIRE_BODY "}", &out);
    plx_free(out);
    return st == PLX_OK;
}

static bool plx_call_once(void *state)
{
    char *out = NULL;
    plx_status st = plx_call(state, "predict", "{\"instances\":[" ROW "]}", &out);
    plx_free(out);
    return st == PLX_OK;
}

static bool plx_predict_once(void *state)
{
    char *out = NULL;
    plx_status st = plx_predict(state, "{\"instances\":[" ROW "]}", &out);
    plx_free(out);
    return st == PLX_OK;
}

static double rate_of(const result *r)
{
    return (double)r->calls / r->wall_s;
}

/* The round with the median calls per second. */
static result median(result *rounds)
{
    for (int i = 1; i < ROUNDS; i++)
        for (int j = i; j > 0 && rate_of(&rounds[j]) < rate_of(&rounds[j - 1]); j--) {
            result t = rounds[j];
            rounds[j] = rounds[j - 1];
            rounds[j - 1] = t;
        }
    return rounds[ROUNDS / 2];
}

static void print_row(const char *name, const result *r, const result *base)
{
    double rate = (double)r->calls / r->wall_s, us = r->cpu_s * 1e6 / (double)r->calls;
    printf("  %-32s %10.0f %12.1f", name, rate, us);
    if (base && base != r)
        printf("   %5.2fx calls/s, +%.1f us CPU per call",
               rate / ((double)base->calls / base->wall_s),
               us - base->cpu_s * 1e6 / (double)base->calls);
    printf("%s\n", r->failures ? "   (FAILURES)" : "");
}

static plx_ctx *make_ctx(const char *base_url, const char *endpoint_extra)
{
    char config[1024];
    snprintf(config, sizeof config,
             "{\"log_level\":\"error\",\"providers\":{\"ml\":{\"kind\":\"kserve\","
             "\"base_url\":\"%s\",\"model\":\"iris\",\"version\":\"v1\",\"timeout_ms\":30000},"
             "\"http\":{\"kind\":\"http\",\"base_url\":\"%s\"}},"
             "\"endpoints\":{\"iris\":{\"variants\":[{\"name\":\"blue\",\"provider\":\"ml\","
             "\"model\":\"iris\",\"version\":\"v1\"}]%s}}}", base_url, base_url, endpoint_extra);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK) {
        fprintf(stderr, "bench_predict: %s\n", plx_errmsg(NULL));
        exit(2);
    }
    return ctx;
}

static long one_caller(const char *label, const char *base_url, double seconds)
{
    char url[512];
    snprintf(url, sizeof url, "%s/v2/models/iris/versions/v1/infer", base_url);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, WIRE_BODY);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    plx_ctx *ctx = make_ctx(base_url, "");
    plx_provider *p = NULL, *http = NULL;
    plx_endpoint *e = NULL;
    plx_ctx_provider(ctx, "ml", &p);
    plx_ctx_provider(ctx, "http", &http);
    plx_ctx_endpoint(ctx, "iris", &e);
    static const char *const names[] = {"raw libcurl POST", "plx_call (kind http, same bytes)",
                                        "plx_call (kind kserve)", "plx_predict (endpoint)"};
    one_call_fn fns[] = {raw_call, plx_http_once, plx_call_once, plx_predict_once};
    void *states[] = {curl, http, p, e};
    enum { CASES = 4 };
    result r[ROUNDS][CASES], med[CASES];
    /* Rounds interleave the cases so that drifts hit all alike. */
    for (int round = 0; round < ROUNDS; round++)
        for (int c = 0; c < CASES; c++)
            r[round][c] = run_loop(fns[c], states[c], seconds / ROUNDS);
    long failures = 0;
    for (int c = 0; c < CASES; c++) {
        result col[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            col[round] = r[round][c];
            failures += col[round].failures;
        }
        med[c] = median(col);
    }
    printf("\n== %s, 1 caller, %.1f s per case in %d rounds (medians) ==\n", label, seconds,
           ROUNDS);
    printf("  %-32s %10s %12s\n", "case", "calls/s", "CPU us/call");
    for (int c = 0; c < CASES; c++)
        print_row(names[c], &med[c], &med[0]);
    plx_ctx_free(ctx);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return failures;
}

/* ---- many callers ---------------------------------------------------------- */

typedef struct worker {
    plx_endpoint *e;
    double until;
    long calls, failures;
    float *lat_us;
    size_t nlat;
} worker;

static void *worker_run(void *arg)
{
    static const char *const rows[] = {"[5.1,3.5,1.4,0.2]", "[5.9,3.0,4.2,1.5]",
                                       "[6.3,3.3,6.0,2.5]"};
    worker *w = arg;
    char req[128];
    for (long i = 0; wall() < w->until; i++) {
        snprintf(req, sizeof req, "{\"instances\":[%s]}", rows[i % 3]);
        char *out = NULL;
        double t0 = wall();
        plx_status st = plx_predict(w->e, req, &out);
        double us = (wall() - t0) * 1e6;
        plx_free(out);
        w->failures += st != PLX_OK;
        w->calls++;
        if (w->nlat < LAT_CAP)
            w->lat_us[w->nlat++] = (float)us;
    }
    return NULL;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static long many_callers(const options *o, bool batching)
{
    char extra[160] = "";
    if (batching)
        snprintf(extra, sizeof extra, ",\"batching\":{\"max_batch\":%d,\"max_delay_us\":%d}",
                 o->max_batch, o->max_delay_us);
    plx_ctx *ctx = make_ctx(o->mlserver, extra);
    plx_endpoint *e = NULL;
    plx_ctx_endpoint(ctx, "iris", &e);
    worker w[MAX_THREADS];
    pthread_t t[MAX_THREADS];
    /* Warm-up with the same threads, then measure. */
    for (int phase = 0; phase < 2; phase++) {
        double until = wall() + (phase ? o->seconds : 0.5);
        double w0 = wall(), c0 = cpu();
        for (int i = 0; i < o->threads; i++) {
            w[i] = (worker){.e = e, .until = until, .lat_us = malloc(LAT_CAP * sizeof(float))};
            pthread_create(&t[i], NULL, worker_run, &w[i]);
        }
        long calls = 0, failures = 0;
        size_t n = 0;
        for (int i = 0; i < o->threads; i++) {
            pthread_join(t[i], NULL);
            calls += w[i].calls;
            failures += w[i].failures;
            n += w[i].nlat;
        }
        double wall_s = wall() - w0, cpu_s = cpu() - c0;
        float *all = malloc((n ? n : 1) * sizeof *all);
        size_t k = 0;
        for (int i = 0; i < o->threads; i++) {
            memcpy(all + k, w[i].lat_us, w[i].nlat * sizeof *all);
            k += w[i].nlat;
            free(w[i].lat_us);
        }
        if (phase == 1) {
            qsort(all, n, sizeof *all, cmp_float);
            char *stats = NULL;
            plx_endpoint_stats(e, &stats);
            const char *mean = stats ? strstr(stats, "\"mean_rows\":") : NULL;
            double rows_per_request = batching && mean ? strtod(mean + 12, NULL) : 1;
            printf("  batching %-4s %10.0f %10.2f %10.2f %12.1f %12.1f%s\n",
                   batching ? "on" : "off", (double)calls / wall_s,
                   n ? all[n / 2] / 1000.0 : 0, n ? all[(size_t)((double)n * 0.99)] / 1000.0 : 0,
                   cpu_s * 1e6 / (double)(calls ? calls : 1),
                   rows_per_request, failures ? "  (FAILURES)" : "");
            plx_free(stats);
            free(all);
            plx_ctx_free(ctx);
            return failures;
        }
        free(all);
    }
    return 0;
}

/* ---- main ------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_predict [--url URL] [--mlserver URL] [options]\n"
            "  --url URL           a server answering every v2 infer with a canned reply\n"
            "  --mlserver URL      MLServer serving model iris version v1\n"
            "  --seconds S         per case (default 2)\n"
            "  --threads N         callers for the batching comparison (default 64)\n"
            "  --max-batch N       rows per batched request (default 32)\n"
            "  --max-delay-us US   how long a batch waits for callers (default 2000)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    options o = {.url = getenv("PLX_TEST_HTTP_URL"), .mlserver = getenv("PLX_TEST_MLSERVER_URL"),
                 .seconds = 2, .threads = 64, .max_batch = 32, .max_delay_us = 2000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(a, "--url") == 0)
            o.url = v;
        else if (strcmp(a, "--mlserver") == 0)
            o.mlserver = v;
        else if (strcmp(a, "--seconds") == 0)
            o.seconds = atof(v);
        else if (strcmp(a, "--threads") == 0)
            o.threads = atoi(v);
        else if (strcmp(a, "--max-batch") == 0)
            o.max_batch = atoi(v);
        else if (strcmp(a, "--max-delay-us") == 0)
            o.max_delay_us = atoi(v);
        else
            usage();
        i++;
    }
    if ((!o.url && !o.mlserver) || o.seconds <= 0 || o.threads < 1 || o.threads > MAX_THREADS)
        usage();
    curl_global_init(CURL_GLOBAL_ALL);
    long failures = 0;
    if (o.url)
        failures += one_caller("canned v2 reply (nginx)", o.url, o.seconds);
    if (o.mlserver) {
        failures += one_caller("MLServer 1.7, scikit-learn iris", o.mlserver, o.seconds);
        printf("\n== MLServer, %d callers (threads), %.1f s, max_batch %d, max_delay_us %d ==\n",
               o.threads, o.seconds, o.max_batch, o.max_delay_us);
        printf("  %-13s %10s %10s %10s %12s %12s\n", "", "rows/s", "p50 ms", "p99 ms",
               "CPU us/call", "rows/request");
        failures += many_callers(&o, false);
        failures += many_callers(&o, true);
    } else {
        printf("\n(no MLServer: the batching comparison needs one; bench/predict.sh starts it)\n");
    }
    curl_global_cleanup();
    if (failures)
        fprintf(stderr, "bench_predict: %ld calls failed: the run is invalid\n", failures);
    return failures ? 1 : 0;
}
