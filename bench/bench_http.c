/* bench_http: plexus's per-call cost against raw libcurl, same URL, one run.
 *
 *   raw  N=1    one curl easy handle reused, curl_easy_perform in a loop
 *   plx  N=1    plx_call through an "http" provider (op "request")
 *   raw  N>1    curl_multi with N transfers in flight, one easy handle per
 *               slot, re-added as soon as it finishes (keep-alive)
 *   plx  N>1    plx_call_async + plx_ctx_poll with N calls in flight, a new
 *               call started from each done callback
 *
 * --mode chat: the plexus side calls op "chat" on an "openai" provider (the
 * canonical request, mapped to the OpenAI wire format, the reply parsed
 * into the canonical result); the raw side POSTs the very bytes plexus
 * sends (captured once at start) with the same headers and checks the
 * reply's status only.
 *
 * For each case: requests per second (wall) and client CPU microseconds per
 * request (CLOCK_PROCESS_CPUTIME_ID; user/sys split from getrusage), then
 * plexus/raw ratios. Every reply is checked (HTTP 200, non-empty body); a
 * run with any failure is invalid and exits 1. bench/run.sh starts the
 * nginx it needs; see bench/README.md. */
#include <plexus.h>

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC 1024
#define MAX_CASES 32
#define MAX_ROUNDS 64

/* Targets the library is held to (docs: bench/README.md). */
#define TARGET_EXTRA_CPU_US 5.0
#define TARGET_ASYNC_RATIO 0.90
#define TARGET_ASYNC_CONC 64

/* ---- options ------------------------------------------------------------ */

typedef struct options {
    const char *url;           /* base URL, e.g. http://127.0.0.1:PORT */
    const char *path;          /* request path */
    double seconds;            /* per case and round, when requests == 0 */
    long requests;             /* per case and round (0: use seconds) */
    double warmup;             /* seconds of warm-up before each measurement */
    int rounds;                /* cases run interleaved this many times; medians */
    int conc[8];
    int nconc;
    bool run_raw, run_plx;
    bool chat;                 /* --mode chat */
    bool json;
    int server_pid;            /* nginx worker, to report its CPU too (0: none) */
} options;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: bench_http --url URL [options]\n"
        "  --url URL          base URL of the server (or env PLX_BENCH_URL)\n"
        "  --path PATH        request path (default /ok; chat: /v1/chat/completions)\n"
        "  --mode http|chat   plexus side: an \"http\" provider, or op \"chat\" of an\n"
        "                     \"openai\" provider (default http)\n"
        "  --seconds S        measure each case for S seconds (default 0.7)\n"
        "  --requests N       measure each case for N requests instead\n"
        "  --warmup S         warm-up seconds before each measurement (default 0.15)\n"
        "  --rounds R         run all cases R times, interleaved; report medians (default 7)\n"
        "  --concurrency LIST comma list of in-flight counts (default 1,16,64);\n"
        "                     1 = blocking (easy / plx_call), >1 = multi / async\n"
        "  --only raw|plexus  run one side only (for profiling)\n"
        "  --server-pid PID   also report that process's CPU per request (nginx worker)\n"
        "  --json             print the results as one JSON object instead of tables\n");
}

static bool parse_conc(options *o, const char *s)
{
    o->nconc = 0;
    char *end;
    for (;;) {
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || end == s || v < 1 || v > MAX_CONC ||
            o->nconc == (int)(sizeof o->conc / sizeof o->conc[0]))
            return false;
        o->conc[o->nconc++] = (int)v;
        if (*end == '\0')
            return true;
        if (*end != ',')
            return false;
        s = end + 1;
    }
}

static bool parse_args(options *o, int argc, char **argv)
{
    *o = (options){.url = getenv("PLX_BENCH_URL"), .path = "/ok", .seconds = 0.7,
                   .warmup = 0.15, .rounds = 7, .conc = {1, 16, 64}, .nconc = 3,
                   .run_raw = true, .run_plx = true};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (!v) {
            fprintf(stderr, "bench_http: %s needs a value (or is unknown)\n", a);
            return false;
        }
        i++;
        if (strcmp(a, "--url") == 0)
            o->url = v;
        else if (strcmp(a, "--path") == 0)
            o->path = v;
        else if (strcmp(a, "--mode") == 0) {
            o->chat = strcmp(v, "chat") == 0;
            ok = o->chat || strcmp(v, "http") == 0;
            if (o->chat && strcmp(o->path, "/ok") == 0)
                o->path = "/v1/chat/completions";
        }
        else if (strcmp(a, "--seconds") == 0)
            ok = (o->seconds = atof(v)) > 0;
        else if (strcmp(a, "--requests") == 0)
            ok = (o->requests = atol(v)) > 0;
        else if (strcmp(a, "--warmup") == 0)
            ok = (o->warmup = atof(v)) >= 0;
        else if (strcmp(a, "--rounds") == 0)
            ok = (o->rounds = atoi(v)) >= 1 && o->rounds <= MAX_ROUNDS;
        else if (strcmp(a, "--concurrency") == 0)
            ok = parse_conc(o, v);
        else if (strcmp(a, "--server-pid") == 0)
            ok = (o->server_pid = atoi(v)) > 0;
        else if (strcmp(a, "--only") == 0) {
            o->run_raw = strcmp(v, "raw") == 0;
            o->run_plx = strcmp(v, "plexus") == 0 || strcmp(v, "plx") == 0;
            ok = o->run_raw || o->run_plx;
        } else {
            fprintf(stderr, "bench_http: unknown option %s\n", a);
            return false;
        }
        if (!ok) {
            fprintf(stderr, "bench_http: bad value for %s: '%s'\n", a, v);
            return false;
        }
    }
    if (!o->url || !*o->url) {
        fprintf(stderr, "bench_http: no --url (bench/run.sh starts nginx and passes it)\n");
        return false;
    }
    return true;
}

/* ---- clocks ------------------------------------------------------------- */

static uint64_t ns_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void) { return ns_of(CLOCK_MONOTONIC); }

typedef struct sample {
    uint64_t wall, cpu, user, sys, server; /* ns; server: clock ticks -> ns */
} sample;

/* utime + stime of another process, in ns (0 when unavailable). */
static uint64_t proc_cpu_ns(int pid)
{
    if (pid <= 0)
        return 0;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* after "pid (comm)" */
    if (!p)
        return 0;
    unsigned long long ut = 0, st = 0;
    /* fields 3..15: state ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &ut, &st) != 2)
        return 0;
    static long hz;
    if (!hz)
        hz = sysconf(_SC_CLK_TCK);
    return (ut + st) * (1000000000ull / (uint64_t)hz);
}

static sample take_sample(int server_pid)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (sample){
        .wall = wall_ns(),
        .cpu = ns_of(CLOCK_PROCESS_CPUTIME_ID),
        .user = (uint64_t)ru.ru_utime.tv_sec * 1000000000u + (uint64_t)ru.ru_utime.tv_usec * 1000u,
        .sys = (uint64_t)ru.ru_stime.tv_sec * 1000000000u + (uint64_t)ru.ru_stime.tv_usec * 1000u,
        .server = proc_cpu_ns(server_pid),
    };
}

/* ---- run control -------------------------------------------------------- */

/* One measured (or warm-up) run: starts requests until the budget is used,
 * then lets the ones in flight finish. */
typedef struct run {
    long budget;        /* requests to start (count mode), or -1 */
    uint64_t stop_ns;   /* no new request after this (time mode), or 0 */
    long started;
    long ok;
    long failed;
    char first_error[256];
} run;

static void run_init(run *r, long requests, double seconds)
{
    *r = (run){.budget = requests > 0 ? requests : -1};
    if (requests <= 0)
        r->stop_ns = wall_ns() + (uint64_t)(seconds * 1e9);
}

static bool run_may_start(run *r)
{
    if (r->budget >= 0 ? r->started >= r->budget : wall_ns() >= r->stop_ns)
        return false;
    r->started++;
    return true;
}

static void run_fail(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void run_fail(run *r, const char *fmt, ...)
{
    r->failed++;
    if (r->first_error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->first_error, sizeof r->first_error, fmt, ap);
    va_end(ap);
}

/* ---- raw curl ----------------------------------------------------------- */

typedef struct raw_slot {
    CURL *easy;
    size_t body_len;
    char body[4096];
} raw_slot;

static size_t raw_write(char *data, size_t size, size_t n, void *ud)
{
    raw_slot *s = ud;
    size_t len = size * n;
    if (s->body_len + len <= sizeof s->body)
        memcpy(s->body + s->body_len, data, len);
    s->body_len += len;
    return len;
}

/* Chat mode: the body and headers plexus sends, which raw sends too. */
static char *raw_post_body;
static struct curl_slist *raw_headers;

static bool raw_slot_init(raw_slot *s, const char *url)
{
    s->easy = curl_easy_init();
    if (!s->easy)
        return false;
    /* The minimum a careful client sets; options stay set across transfers. */
    curl_easy_setopt(s->easy, CURLOPT_URL, url);
    curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, raw_write);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    if (raw_post_body) {
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, raw_post_body);
        curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, raw_headers);
    }
    return true;
}

static void raw_check(run *r, raw_slot *s, CURLcode rc)
{
    long code = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK)
        run_fail(r, "curl: %s", curl_easy_strerror(rc));
    else if (code != 200)
        run_fail(r, "HTTP %ld", code);
    else if (s->body_len == 0)
        run_fail(r, "empty body");
    else
        r->ok++;
}

static void raw_easy_run(run *r, raw_slot *s)
{
    while (run_may_start(r)) {
        s->body_len = 0;
        raw_check(r, s, curl_easy_perform(s->easy));
    }
}

static void raw_multi_run(run *r, CURLM *multi, raw_slot *slots, int n)
{
    int active = 0;
    for (int i = 0; i < n && run_may_start(r); i++) {
        slots[i].body_len = 0;
        curl_multi_add_handle(multi, slots[i].easy);
        active++;
    }
    while (active > 0) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(multi, &running);
        if (mc != CURLM_OK) {
            run_fail(r, "curl_multi_perform: %s", curl_multi_strerror(mc));
            return;
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *easy = msg->easy_handle;
            CURLcode rc = msg->data.result;
            raw_slot *s = NULL;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s);
            curl_multi_remove_handle(multi, easy);
            raw_check(r, s, rc);
            active--;
            if (run_may_start(r)) {
                s->body_len = 0;
                curl_multi_add_handle(multi, easy);
                active++;
            }
        }
        if (active > 0 && running > 0)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
}

/* ---- plexus ------------------------------------------------------------- */

typedef struct plx_state {
    plx_ctx *ctx;
    plx_provider *p;
    const char *op;
    char *request;
} plx_state;

/* Result of a successful http request: {"status":200,"headers":...}. */
static bool chat_mode;

/* Result of a successful http request: {"status":200,"headers":...}; of a
 * chat: {"text":"Hello!...",...}. */
static void plx_check(run *r, plx_status st, const char *json, const plx_ctx *ctx)
{
    const char *ok_prefix = chat_mode ? "{\"text\":\"Hello" : "{\"status\":200,";
    if (st != PLX_OK)
        run_fail(r, "%s: %s", plx_status_name(st), json ? json : plx_errmsg(ctx));
    else if (!json || strncmp(json, ok_prefix, strlen(ok_prefix)) != 0)
        run_fail(r, "unexpected result: %.200s", json ? json : "(null)");
    else if (!chat_mode && !strstr(json, "\"body\":"))
        run_fail(r, "no body in the result: %.200s", json);
    else
        r->ok++;
}

static void plx_sync_run(run *r, plx_state *ps)
{
    while (run_may_start(r)) {
        char *json = NULL;
        plx_status st = plx_call(ps->p, ps->op, ps->request, &json);
        plx_check(r, st, json, ps->ctx);
        plx_free(json);
    }
}

typedef struct async_run {
    run *r;
    plx_state *ps;
    long start_errors;
} async_run;

static void async_start(async_run *ar);

static void async_done(plx_status st, const char *json, void *ud)
{
    async_run *ar = ud;
    plx_check(ar->r, st, json, ar->ps->ctx);
    if (run_may_start(ar->r))
        async_start(ar);
}

static void async_start(async_run *ar)
{
    plx_status st = plx_call_async(ar->ps->p, ar->ps->op, ar->ps->request, async_done, ar);
    if (st != PLX_OK)
        run_fail(ar->r, "plx_call_async: %s: %s", plx_status_name(st), plx_errmsg(ar->ps->ctx));
}

static void plx_async_run(run *r, plx_state *ps, int n)
{
    async_run ar = {.r = r, .ps = ps};
    for (int i = 0; i < n && run_may_start(r); i++)
        async_start(&ar);
    size_t left = 1;
    while (left > 0) {
        plx_status st = plx_ctx_poll(ps->ctx, -1, &left);
        if (st != PLX_OK) {
            run_fail(r, "plx_ctx_poll: %s: %s", plx_status_name(st), plx_errmsg(ps->ctx));
            return;
        }
    }
}

/* Chat mode: records the request plexus sends, for the raw side. */
static plx_status capture_send(const plx_request *req, plx_response *resp, void *ud)
{
    (void)ud;
    plx_response_set_status(resp, 400); /* not retried */
    if (raw_post_body)
        return PLX_OK;
    size_t len = 0;
    const char *body = plx_request_body(req, &len);
    raw_post_body = strndup(body ? body : "", len);
    for (size_t i = 0; i < plx_request_header_count(req); i++) {
        const char *name, *value;
        char line[1024];
        plx_request_header_at(req, i, &name, &value);
        snprintf(line, sizeof line, "%s: %s", name, value);
        raw_headers = curl_slist_append(raw_headers, line);
    }
    raw_headers = curl_slist_append(raw_headers, "Expect:");
    return PLX_OK;
}

static bool capture_chat_request(plx_state *ps)
{
    plx_transport_funcs *t = NULL;
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, capture_send, NULL, NULL);
    plx_provider_set_transport(ps->p, t);
    plx_transport_funcs_unref(t);
    char *json = NULL;
    plx_call(ps->p, ps->op, ps->request, &json);
    plx_free(json);
    plx_provider_set_transport(ps->p, NULL);
    return raw_post_body != NULL;
}

static bool plx_state_init(plx_state *ps, const options *o)
{
    /* One provider with the retry and circuit defaults (the realistic
     * path); no logging. */
    char config[1024], request[512];
    const char *base = o->chat ? "/v1" : "";
    snprintf(config, sizeof config,
             "{\"log_level\": \"none\", \"providers\": {\"bench\": {\"kind\": \"%s\","
             " \"base_url\": \"%s%s\"%s}}}", o->chat ? "openai" : "http", o->url, base,
             o->chat ? ", \"api_key\": \"bench-key\"" : "");
    if (o->chat)
        snprintf(request, sizeof request, "{\"model\": \"gpt-4o-mini\", \"messages\": "
                 "[{\"role\": \"user\", \"content\": \"Say hello.\"}], \"max_tokens\": 16}");
    else
        snprintf(request, sizeof request, "{\"path\": \"%s\"}", o->path);
    ps->op = o->chat ? "chat" : "request";
    chat_mode = o->chat;
    if (plx_ctx_new(&ps->ctx, config) != PLX_OK) {
        fprintf(stderr, "bench_http: plx_ctx_new: %s\n", plx_errmsg(NULL));
        return false;
    }
    plx_ctx_set_log(ps->ctx, NULL, NULL, PLX_LOG_NONE);
    if (plx_ctx_provider(ps->ctx, "bench", &ps->p) != PLX_OK) {
        fprintf(stderr, "bench_http: plx_ctx_provider: %s\n", plx_errmsg(ps->ctx));
        return false;
    }
    ps->request = strdup(request);
    if (!ps->request)
        return false;
    if (o->chat && !capture_chat_request(ps)) {
        fprintf(stderr, "bench_http: could not capture the chat request\n");
        return false;
    }
    return true;
}

/* ---- cases -------------------------------------------------------------- */

typedef struct result {
    long ok, failed;
    double rps, cpu_us, user_us, sys_us, server_us;
    double rps_spread, cpu_spread; /* median only: (max - min) / median, in % */
} result;

typedef struct bench_case {
    bool plexus;
    int conc;
    const char *label;
    raw_slot *slots;    /* raw: conc slots */
    CURLM *multi;       /* raw, conc > 1 */
    result rounds[MAX_ROUNDS];
    result median;
    long failed_total;
    char first_error[256];
} bench_case;

static void case_once(bench_case *c, plx_state *ps, long requests, double seconds, run *r)
{
    run_init(r, requests, seconds);
    if (!c->plexus && c->conc == 1)
        raw_easy_run(r, &c->slots[0]);
    else if (!c->plexus)
        raw_multi_run(r, c->multi, c->slots, c->conc);
    else if (c->conc == 1)
        plx_sync_run(r, ps);
    else
        plx_async_run(r, ps, c->conc);
}

static void note_failures(bench_case *c, const run *r)
{
    c->failed_total += r->failed;
    if (r->failed && !c->first_error[0])
        snprintf(c->first_error, sizeof c->first_error, "%s", r->first_error);
}

static void case_measure(bench_case *c, plx_state *ps, const options *o, int round)
{
    run r;
    if (o->warmup > 0) {
        case_once(c, ps, 0, o->warmup, &r);
        note_failures(c, &r);
    }
    sample a = take_sample(o->server_pid);
    case_once(c, ps, o->requests, o->seconds, &r);
    sample b = take_sample(o->server_pid);
    note_failures(c, &r);
    long n = r.ok + r.failed;
    double per = n ? 1.0 / (double)n : 0;
    c->rounds[round] = (result){
        .ok = r.ok, .failed = r.failed,
        .rps = (double)n / ((double)(b.wall - a.wall) / 1e9),
        .cpu_us = (double)(b.cpu - a.cpu) / 1e3 * per,
        .user_us = (double)(b.user - a.user) / 1e3 * per,
        .sys_us = (double)(b.sys - a.sys) / 1e3 * per,
        .server_us = o->server_pid ? (double)(b.server - a.server) / 1e3 * per : 0,
    };
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(const bench_case *c, int rounds, size_t offset)
{
    double v[MAX_ROUNDS];
    for (int i = 0; i < rounds; i++)
        v[i] = *(const double *)((const char *)&c->rounds[i] + offset);
    qsort(v, (size_t)rounds, sizeof v[0], cmp_double);
    return rounds % 2 ? v[rounds / 2] : (v[rounds / 2 - 1] + v[rounds / 2]) / 2;
}

/* (max - min) / median of one field over the rounds, in percent. */
static double spread_of(const bench_case *c, int rounds, size_t offset, double median)
{
    double lo = 0, hi = 0;
    for (int i = 0; i < rounds; i++) {
        double v = *(const double *)((const char *)&c->rounds[i] + offset);
        lo = i == 0 || v < lo ? v : lo;
        hi = i == 0 || v > hi ? v : hi;
    }
    return median > 0 ? (hi - lo) / median * 100.0 : 0;
}

static void case_summarize(bench_case *c, int rounds)
{
    result *m = &c->median;
    *m = (result){0};
    for (int i = 0; i < rounds; i++) {
        m->ok += c->rounds[i].ok;
        m->failed += c->rounds[i].failed;
    }
    m->rps = median_of(c, rounds, offsetof(result, rps));
    m->cpu_us = median_of(c, rounds, offsetof(result, cpu_us));
    m->user_us = median_of(c, rounds, offsetof(result, user_us));
    m->sys_us = median_of(c, rounds, offsetof(result, sys_us));
    m->server_us = median_of(c, rounds, offsetof(result, server_us));
    m->rps_spread = spread_of(c, rounds, offsetof(result, rps), m->rps);
    m->cpu_spread = spread_of(c, rounds, offsetof(result, cpu_us), m->cpu_us);
}

/* ---- output ------------------------------------------------------------- */

/* plexus against raw at one concurrency. The headline figures pair the
 * two cases round by round (they ran back to back, under the same machine
 * conditions) and take the median of the per-round ratio and difference;
 * "best" compares the fastest round of each (least disturbed by anything
 * else on the machine). */
typedef struct comparison {
    int conc;
    const bench_case *raw, *plx;
    double ratio, extra_cpu;            /* paired medians: judged on these */
    double best_ratio, best_extra_cpu;  /* max req/s ratio, min CPU difference */
    bool cpu_ok, rps_checked, rps_ok;
} comparison;

static double median_d(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void compare(comparison *k, const bench_case *r, const bench_case *p, int rounds)
{
    double ratio[MAX_ROUNDS], extra[MAX_ROUNDS];
    double raw_best_rps = 0, plx_best_rps = 0, raw_best_cpu = 0, plx_best_cpu = 0;
    for (int i = 0; i < rounds; i++) {
        const result *a = &r->rounds[i], *b = &p->rounds[i];
        ratio[i] = a->rps > 0 ? b->rps / a->rps : 0;
        extra[i] = b->cpu_us - a->cpu_us;
        raw_best_rps = a->rps > raw_best_rps ? a->rps : raw_best_rps;
        plx_best_rps = b->rps > plx_best_rps ? b->rps : plx_best_rps;
        raw_best_cpu = i == 0 || a->cpu_us < raw_best_cpu ? a->cpu_us : raw_best_cpu;
        plx_best_cpu = i == 0 || b->cpu_us < plx_best_cpu ? b->cpu_us : plx_best_cpu;
    }
    *k = (comparison){.conc = r->conc, .raw = r, .plx = p,
                      .ratio = median_d(ratio, rounds), .extra_cpu = median_d(extra, rounds),
                      .best_ratio = raw_best_rps > 0 ? plx_best_rps / raw_best_rps : 0,
                      .best_extra_cpu = plx_best_cpu - raw_best_cpu};
    k->cpu_ok = k->extra_cpu <= TARGET_EXTRA_CPU_US;
    k->rps_checked = r->conc == TARGET_ASYNC_CONC;
    k->rps_ok = k->ratio >= TARGET_ASYNC_RATIO;
}

static const char *verdict(bool ok) { return ok ? "PASS" : "FAIL"; }

static void print_tables(const options *o, bench_case *cases, int ncases,
                         const comparison *cmp, int ncmp, bool valid)
{
    printf("plexus %s, %s, %s%s\n", plx_version_string(), curl_version(), o->url, o->path);
    if (o->requests)
        printf("%ld requests per case, ", o->requests);
    else
        printf("%.2f s per case, ", o->seconds);
    printf("warm-up %.2f s, %d round(s) interleaved; medians shown, +-%% = (max-min)/median "
           "over rounds,\nrequests = all rounds; cpu = client process CPU (user+sys)%s\n\n",
           o->warmup, o->rounds, o->server_pid ? "; nginx = its worker's CPU" : "");
    printf("%-22s %4s %9s %4s %9s %6s %10s %6s %7s %7s", "case", "N", "requests", "fail",
           "req/s", "+-%", "cpu us/req", "+-%", "user", "sys");
    if (o->server_pid)
        printf(" %9s", "nginx us");
    printf("\n");
    for (int i = 0; i < ncases; i++) {
        const bench_case *c = &cases[i];
        const result *m = &c->median;
        printf("%-22s %4d %9ld %4ld %9.0f %6.1f %10.2f %6.1f %7.2f %7.2f", c->label, c->conc,
               m->ok + m->failed, c->failed_total, m->rps, m->rps_spread, m->cpu_us,
               m->cpu_spread, m->user_us, m->sys_us);
        if (o->server_pid)
            printf(" %9.2f", m->server_us);
        printf("\n");
    }
    if (ncmp) {
        printf("\nplexus vs raw, paired by round (median of per-round figures; best = "
               "fastest round of each)\n");
        printf("%-5s %17s %8s   %17s %8s   %s\n", "N", "req/s ratio", "best",
               "extra CPU us/call", "best", "verdict");
        for (int i = 0; i < ncmp; i++) {
            const comparison *k = &cmp[i];
            printf("%-5d %17.3f %8.3f   %+17.2f %+8.2f   cpu %s", k->conc, k->ratio,
                   k->best_ratio, k->extra_cpu, k->best_extra_cpu, verdict(k->cpu_ok));
            if (k->rps_checked)
                printf(", req/s %s", verdict(k->rps_ok));
            printf("\n");
        }
        printf("\ntargets: extra client CPU <= %.1f us per call; plexus async req/s >= "
               "%.2fx raw curl_multi at N=%d\n", TARGET_EXTRA_CPU_US, TARGET_ASYNC_RATIO,
               TARGET_ASYNC_CONC);
    }
    for (int i = 0; i < ncases; i++)
        if (cases[i].failed_total)
            printf("FAILURES in '%s' (N=%d): %ld, first: %s\n", cases[i].label,
                   cases[i].conc, cases[i].failed_total, cases[i].first_error);
    if (!valid)
        printf("INVALID RUN: some requests failed\n");
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void print_json(const options *o, bench_case *cases, int ncases,
                       const comparison *cmp, int ncmp, bool valid)
{
    printf("{\"plexus\":");
    json_string(plx_version_string());
    printf(",\"curl\":");
    json_string(curl_version());
    printf(",\"url\":");
    json_string(o->url);
    printf(",\"path\":");
    json_string(o->path);
    printf(",\"seconds\":%g,\"requests\":%ld,\"warmup\":%g,\"rounds\":%d,\"valid\":%s,"
           "\"cases\":[", o->requests ? 0 : o->seconds, o->requests, o->warmup, o->rounds,
           valid ? "true" : "false");
    for (int i = 0; i < ncases; i++) {
        const bench_case *c = &cases[i];
        const result *m = &c->median;
        printf("%s{\"name\":\"%s%d\",\"impl\":\"%s\",\"label\":", i ? "," : "",
               c->plexus ? "plexus" : "raw", c->conc, c->plexus ? "plexus" : "raw");
        json_string(c->label);
        printf(",\"concurrency\":%d,\"requests\":%ld,\"failed\":%ld,\"req_per_s\":%.1f,"
               "\"cpu_us_per_req\":%.3f,\"user_us_per_req\":%.3f,\"sys_us_per_req\":%.3f,"
               "\"req_per_s_spread_pct\":%.2f,\"cpu_spread_pct\":%.2f",
               c->conc, m->ok + m->failed, c->failed_total, m->rps, m->cpu_us, m->user_us,
               m->sys_us, m->rps_spread, m->cpu_spread);
        if (o->server_pid)
            printf(",\"server_cpu_us_per_req\":%.3f", m->server_us);
        if (c->first_error[0]) {
            printf(",\"first_error\":");
            json_string(c->first_error);
        }
        printf(",\"rounds\":[");
        for (int j = 0; j < o->rounds; j++)
            printf("%s{\"req_per_s\":%.1f,\"cpu_us_per_req\":%.3f}", j ? "," : "",
                   c->rounds[j].rps, c->rounds[j].cpu_us);
        printf("]}");
    }
    printf("],\"comparisons\":[");
    for (int i = 0; i < ncmp; i++) {
        const comparison *k = &cmp[i];
        printf("%s{\"concurrency\":%d,\"req_per_s_ratio\":%.4f,\"extra_cpu_us_per_call\":%.3f,"
               "\"best_req_per_s_ratio\":%.4f,\"best_extra_cpu_us_per_call\":%.3f,"
               "\"cpu_target_met\":%s", i ? "," : "", k->conc, k->ratio, k->extra_cpu,
               k->best_ratio, k->best_extra_cpu, k->cpu_ok ? "true" : "false");
        if (k->rps_checked)
            printf(",\"req_per_s_target_met\":%s", k->rps_ok ? "true" : "false");
        printf("}");
    }
    printf("],\"targets\":{\"extra_cpu_us_per_call_max\":%.1f,\"async_req_per_s_ratio_min\":%.2f,"
           "\"async_concurrency\":%d}}\n", TARGET_EXTRA_CPU_US, TARGET_ASYNC_RATIO,
           TARGET_ASYNC_CONC);
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
    options o;
    if (!parse_args(&o, argc, argv)) {
        usage(stderr);
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bench_http: curl_global_init failed\n");
        return 1;
    }
    char url[2048];
    snprintf(url, sizeof url, "%s%s", o.url, o.path);

    plx_state ps = {0};
    if ((o.run_plx || o.chat) && !plx_state_init(&ps, &o))
        return 1;

    bench_case cases[MAX_CASES];
    int ncases = 0;
    for (int i = 0; i < o.nconc; i++) {
        for (int side = 0; side < 2; side++) {
            bool plexus = side == 1;
            if (plexus ? !o.run_plx : !o.run_raw)
                continue;
            bench_case *c = &cases[ncases++];
            *c = (bench_case){.plexus = plexus, .conc = o.conc[i]};
            if (plexus) {
                c->label = o.conc[i] == 1 ? "plexus plx_call" : "plexus plx_call_async";
                continue;
            }
            c->label = o.conc[i] == 1 ? "raw curl easy" : "raw curl_multi";
            c->slots = calloc((size_t)c->conc, sizeof *c->slots);
            if (!c->slots)
                return 1;
            for (int k = 0; k < c->conc; k++)
                if (!raw_slot_init(&c->slots[k], url))
                    return 1;
            if (c->conc > 1 && !(c->multi = curl_multi_init()))
                return 1;
        }
    }

    /* Rounds interleave the cases, so a slow moment of the machine hits
     * every case alike rather than one. */
    bool progress = !o.json && isatty(STDERR_FILENO);
    for (int round = 0; round < o.rounds; round++)
        for (int i = 0; i < ncases; i++) {
            if (progress) {
                fprintf(stderr, "\rround %d/%d: %-26s N=%-4d", round + 1, o.rounds,
                        cases[i].label, cases[i].conc);
                fflush(stderr);
            }
            case_measure(&cases[i], &ps, &o, round);
        }
    if (progress)
        fprintf(stderr, "\r%60s\r", "");

    bool valid = true;
    for (int i = 0; i < ncases; i++) {
        case_summarize(&cases[i], o.rounds);
        valid = valid && cases[i].failed_total == 0 && cases[i].median.ok > 0;
    }

    comparison cmp[MAX_CASES];
    int ncmp = 0;
    for (int i = 0; i + 1 < ncases; i++) {
        const bench_case *r = &cases[i], *p = &cases[i + 1];
        if (r->plexus || !p->plexus || r->conc != p->conc)
            continue;
        compare(&cmp[ncmp++], r, p, o.rounds);
    }

    if (o.json)
        print_json(&o, cases, ncases, cmp, ncmp, valid);
    else
        print_tables(&o, cases, ncases, cmp, ncmp, valid);

    for (int i = 0; i < ncases; i++) {
        for (int k = 0; cases[i].slots && k < cases[i].conc; k++)
            curl_easy_cleanup(cases[i].slots[k].easy);
        free(cases[i].slots);
        if (cases[i].multi)
            curl_multi_cleanup(cases[i].multi);
    }
    if (ps.ctx)
        plx_ctx_free(ps.ctx);
    free(ps.request);
    curl_global_cleanup();
    return valid ? 0 : 1;
}
