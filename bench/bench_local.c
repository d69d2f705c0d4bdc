/* bench_local: the ops of provider kind "local" through plx_call, on a
 * realistic 62-word support ticket, in one run:
 *
 *   floor       plx_call on an "http" provider whose in-process transport
 *               answers {"ok":true} at once: the call path alone (request
 *               JSON parse, build, exchange, result JSON), no computation
 *   sentiment, language, summarize (2 sentences), classify (4 labels,
 *   13 keywords), embed (1 input, 256 dims), chat (the fallback answer)
 *
 * For each: calls per second and wall microseconds per call (median of
 * --rounds), CPU microseconds per call, and the op's cost over the floor.
 * With --threads N the same again from N threads on one provider, and the
 * speed-up over one thread. Every result is checked (PLX_OK and the
 * expected member); a run with any failure is invalid and exits 1.
 *
 *   bench_local [--seconds S] [--rounds R] [--threads N] [--calls N] [--only OP]
 *               [--json]
 *
 * --calls N makes each case exactly N calls, once (for allocation counts
 * under valgrind: run with two values of N and compare the totals); --only
 * OP runs that op's case and the floor only (for profiles). */
#include <plexus.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROUNDS 64
#define MAX_THREADS 256

static const char TICKET[] =
    "Hi, I ordered a wireless router three weeks ago and it still has not arrived. "
    "The tracking page has shown the same status for ten days and nobody answers my "
    "emails. This is really frustrating because I work from home. Please send a "
    "replacement or refund my order as soon as possible. I have been a customer for "
    "years. Order number 88123.";

typedef struct bench_case {
    const char *name;
    const char *op;
    char *request;
    const char *expect;         /* a member every result must have */
    plx_provider *p;
} bench_case;

typedef struct options {
    double seconds;
    int rounds;
    int threads;
    long calls;
    const char *only;           /* one case (and the floor), for profiling */
    bool json;
} options;

static uint64_t now_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static plx_status echo_send(const plx_request *req, plx_response *resp, void *ud)
{
    (void)req;
    (void)ud;
    plx_response_set_status(resp, 200);
    plx_response_add_header(resp, "content-type", "application/json");
    return plx_response_append_body(resp, "{\"ok\":true}", 11);
}

/* The request JSON for op with the ticket as its text. */
static char *make_request(const char *op)
{
    char *t = malloc(sizeof TICKET + 8);
    snprintf(t, sizeof TICKET + 8, "\"%s\"", TICKET);
    char *r = malloc(2048);
    if (strcmp(op, "summarize") == 0)
        snprintf(r, 2048, "{\"text\":%s,\"max_sentences\":2}", t);
    else if (strcmp(op, "classify") == 0)
        snprintf(r, 2048, "{\"text\":%s,\"labels\":{\"shipping\":[\"tracking\",\"arrived\","
                 "\"delivery\",\"package\"],\"billing\":[\"refund\",\"invoice\",\"charged "
                 "twice\"],\"technical\":[\"router\",\"wifi\",\"reset\",\"firmware\"],"
                 "\"account\":[\"password\",\"login\"]}}", t);
    else if (strcmp(op, "embed") == 0)
        snprintf(r, 2048, "{\"input\":[%s]}", t);
    else if (strcmp(op, "chat") == 0)
        snprintf(r, 2048, "{\"messages\":[{\"role\":\"user\",\"content\":%s}]}", t);
    else if (strcmp(op, "request") == 0)
        snprintf(r, 2048, "{\"path\":\"/x\"}");
    else
        snprintf(r, 2048, "{\"text\":%s}", t);
    free(t);
    return r;
}

typedef struct run_state {
    const bench_case *c;
    uint64_t until_ns;          /* 0: run `calls` calls */
    long calls;
    long done, failed;
    char first_error[512];
} run_state;

static void one_call(run_state *s)
{
    char *out = NULL;
    plx_status st = plx_call(s->c->p, s->c->op, s->c->request, &out);
    if (st != PLX_OK || !out || !strstr(out, s->c->expect)) {
        if (!s->failed++)
            snprintf(s->first_error, sizeof s->first_error, "%s: %s", plx_status_name(st),
                     out ? out : plx_errmsg(NULL));
    }
    plx_free(out);
    s->done++;
}

static void *run_thread(void *arg)
{
    run_state *s = arg;
    if (!s->until_ns) {
        for (long i = 0; i < s->calls; i++)
            one_call(s);
        return NULL;
    }
    while (now_ns(CLOCK_MONOTONIC) < s->until_ns)
        for (int i = 0; i < 64; i++)
            one_call(s);
    return NULL;
}

typedef struct result {
    double calls_per_s, us_per_call, cpu_us_per_call;
    long failed;
} result;

/* One measurement of case c with n threads. */
static result measure(const bench_case *c, int n, const options *o, char *error, size_t cap)
{
    run_state states[MAX_THREADS];
    pthread_t threads[MAX_THREADS];
    uint64_t wall0 = now_ns(CLOCK_MONOTONIC), cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < n; i++) {
        states[i] = (run_state){.c = c, .calls = o->calls};
        if (!o->calls)
            states[i].until_ns = wall0 + (uint64_t)(o->seconds * 1e9);
        pthread_create(&threads[i], NULL, run_thread, &states[i]);
    }
    long done = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(threads[i], NULL);
        done += states[i].done;
        if (states[i].failed && !failed)
            snprintf(error, cap, "%s", states[i].first_error);
        failed += states[i].failed;
    }
    double wall = (double)(now_ns(CLOCK_MONOTONIC) - wall0) / 1e3;
    double cpu = (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1e3;
    return (result){done / (wall / 1e6), wall * n / (double)done, cpu / (double)done, failed};
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median over rounds (by calls per second). */
static result median(const bench_case *c, int n, const options *o, long *failed, char *error,
                     size_t cap)
{
    if (!o->calls) {
        options warm = *o;
        warm.seconds = 0.1;
        measure(c, n, &warm, error, cap);
    }
    int rounds = o->calls ? 1 : o->rounds;
    double cps[MAX_ROUNDS], us[MAX_ROUNDS], cpu[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        result x = measure(c, n, o, error, cap);
        cps[r] = x.calls_per_s;
        us[r] = x.us_per_call;
        cpu[r] = x.cpu_us_per_call;
        *failed += x.failed;
    }
    qsort(cps, (size_t)rounds, sizeof *cps, cmp_double);
    qsort(us, (size_t)rounds, sizeof *us, cmp_double);
    qsort(cpu, (size_t)rounds, sizeof *cpu, cmp_double);
    return (result){cps[rounds / 2], us[rounds / 2], cpu[rounds / 2], 0};
}

static bool parse_args(options *o, int argc, char **argv)
{
    *o = (options){.seconds = 0.5, .rounds = 5, .threads = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        bool ok = true;
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "--seconds") == 0)
            ok = (o->seconds = atof(v)) > 0;
        else if (strcmp(a, "--rounds") == 0)
            ok = (o->rounds = atoi(v)) >= 1 && o->rounds <= MAX_ROUNDS;
        else if (strcmp(a, "--threads") == 0)
            ok = (o->threads = atoi(v)) >= 1 && o->threads <= MAX_THREADS;
        else if (strcmp(a, "--calls") == 0)
            ok = (o->calls = atol(v)) >= 1;
        else if (strcmp(a, "--only") == 0)
            o->only = v;
        else {
            fprintf(stderr, "usage: bench_local [--seconds S] [--rounds R] [--threads N] "
                            "[--calls N] [--only OP] [--json]\n");
            return false;
        }
        if (!ok) {
            fprintf(stderr, "bench_local: bad value for %s: '%s'\n", a, v);
            return false;
        }
        i++;
    }
    return true;
}

int main(int argc, char **argv)
{
    options o;
    if (!parse_args(&o, argc, argv))
        return 2;
    plx_ctx *ctx = NULL;
    plx_provider *local = NULL, *floor_p = NULL;
    plx_transport_funcs *echo = NULL;
    if (plx_ctx_new(&ctx, "{\"log_level\":\"none\"}") != PLX_OK ||
        plx_provider_new(ctx, "local", NULL, &local) != PLX_OK ||
        plx_provider_new(ctx, "http", "{\"base_url\":\"http://bench.invalid\"}", &floor_p) !=
            PLX_OK ||
        plx_transport_funcs_new(&echo) != PLX_OK) {
        fprintf(stderr, "bench_local: setup failed: %s\n", plx_errmsg(ctx));
        return 1;
    }
    plx_transport_funcs_set_send(echo, echo_send, NULL, NULL);
    plx_provider_set_transport(floor_p, echo);
    plx_transport_funcs_unref(echo);
    bench_case cases[] = {
        {"floor (http, in-process echo)", "request", NULL, "\"status\":200", floor_p},
        {"sentiment", "sentiment", NULL, "\"label\":\"negative\"", local},
        {"language", "language", NULL, "\"language\":\"en\"", local},
        {"summarize", "summarize", NULL, "\"sentences\":[", local},
        {"classify", "classify", NULL, "\"label\":\"shipping\"", local},
        {"embed", "embed", NULL, "\"model\":\"local-hash-256\"", local},
        {"chat", "chat", NULL, "\"finish_reason\":\"stop\"", local},
    };
    size_t ncases = sizeof cases / sizeof cases[0];
    result one[16], many[16];
    long failed = 0;
    char error[512] = "";
    for (size_t i = 0; i < ncases; i++) {
        cases[i].request = make_request(cases[i].op);
        if (o.only && i && strcmp(o.only, cases[i].op) != 0) {
            one[i] = many[i] = (result){0};
            continue;
        }
        one[i] = median(&cases[i], 1, &o, &failed, error, sizeof error);
        if (o.threads > 1)
            many[i] = median(&cases[i], o.threads, &o, &failed, error, sizeof error);
    }
    if (o.json) {
        printf("{\"words\":62,\"threads\":%d,\"cases\":[", o.threads);
        for (size_t i = 0, n = 0; i < ncases; i++) {
            if (one[i].calls_per_s == 0)
                continue;           /* left out by --only */
            printf("%s{\"name\":\"%s\",\"calls_per_s\":%.0f,\"us_per_call\":%.2f,"
                   "\"cpu_us_per_call\":%.2f,\"cpu_over_floor_us\":%.2f", n++ ? "," : "",
                   cases[i].name, one[i].calls_per_s, one[i].us_per_call,
                   one[i].cpu_us_per_call, one[i].cpu_us_per_call - one[0].cpu_us_per_call);
            if (o.threads > 1)
                printf(",\"threaded_calls_per_s\":%.0f,\"speedup\":%.2f",
                       many[i].calls_per_s, many[i].calls_per_s / one[i].calls_per_s);
            printf("}");
        }
        printf("],\"failed\":%ld}\n", failed);
    } else {
        printf("plx_call on kind \"local\", 62-word ticket, 1 thread (median of %d)\n",
               o.calls ? 1 : o.rounds);
        printf("%-31s %10s %9s %12s %14s", "case", "calls/s", "us/call", "cpu us/call",
               "cpu over floor");
        if (o.threads > 1)
            printf(" %14s %8s", "calls/s x" , "speedup");
        printf("\n");
        for (size_t i = 0; i < ncases; i++) {
            if (one[i].calls_per_s == 0)
                continue;
            printf("%-31s %10.0f %9.2f %12.2f %14.2f", cases[i].name, one[i].calls_per_s,
                   one[i].us_per_call, one[i].cpu_us_per_call,
                   one[i].cpu_us_per_call - one[0].cpu_us_per_call);
            if (o.threads > 1)
                printf(" %10.0f (%d) %7.2fx", many[i].calls_per_s, o.threads,
                       many[i].calls_per_s / one[i].calls_per_s);
            printf("\n");
        }
    }
    if (failed)
        fprintf(stderr, "INVALID: %ld calls failed; first: %s\n", failed, error);
    for (size_t i = 0; i < ncases; i++)
        free(cases[i].request);
    plx_provider_free(local);
    plx_provider_free(floor_p);
    plx_ctx_free(ctx);
    return failed ? 1 : 0;
}
