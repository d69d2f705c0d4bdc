/* bench_pipeline: the batch runner's throughput and memory.
 *
 * A 3-step pipeline (a -> b -> c, each step a GET of /ok on a local nginx,
 * each referencing the one before) runs through plx_pipeline_run_batch
 * with 64 records in flight (ordered output, default checkpoints). Its steps
 * per second are compared with the ceiling of the same machine in the same
 * run: raw libcurl, curl_multi with 64 transfers of the same URL.
 *
 *  1. Throughput, paired: --rounds times, raw curl_multi for --raw-seconds,
 *     then the pipeline over --round-records records; the ratio of each
 *     pair, median over rounds (a busy machine moves both sides of a pair
 *     alike, and the median drops the odd round).
 *  2. The long run and memory: the pipeline over --small (100k) and
 *     --records (1M) records, with raw curl_multi just before and after;
 *     peak RSS (VmHWM) of each. Every pipeline run is a fresh process (this
 *     program re-executed with --child), so the figure is the batch's own.
 *
 *   bench_pipeline --url URL [--records N] [--small N] [--rounds R]
 *                  [--round-records N] [--concurrency C] [--raw-seconds S]
 *                  [--dir DIR] [--opts JSON_MEMBERS] [--json]
 *
 * --opts adds batch options, e.g. --opts '"ordered":false,"window":1024'.
 *
 * Targets: steps/s >= 0.8 x raw curl_multi req/s (median of the paired
 * rounds); peak RSS < 64 MB and flat (1M within 8 MB of 100k).
 * bench/bench_pipeline.sh starts nginx. Exit status 1 when any request
 * failed (the run is invalid). */
#include <plexus.h>

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET_RATIO 0.8
#define TARGET_RSS_MB 64.0
#define TARGET_FLAT_MB 8.0
#define MAX_ROUNDS 32

typedef struct options {
    const char *url;
    long records, small, round_records;
    int rounds;
    int concurrency;
    double raw_seconds;
    const char *dir;
    bool json;
    const char *extra;          /* more batch options, JSON members */
    /* --child */
    bool child;
    const char *input, *output;
} options;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static bool parse_args(options *o, int argc, char **argv)
{
    *o = (options){.records = 1000000, .small = 100000, .round_records = 50000, .rounds = 5,
                   .concurrency = 64, .raw_seconds = 3,
                   .dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0 || strcmp(a, "--child") == 0) {
            *(strcmp(a, "--json") == 0 ? &o->json : &o->child) = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "bench_pipeline: %s needs a value (or is unknown)\n", a);
            return false;
        }
        i++;
        if (strcmp(a, "--url") == 0) o->url = v;
        else if (strcmp(a, "--records") == 0) o->records = atol(v);
        else if (strcmp(a, "--small") == 0) o->small = atol(v);
        else if (strcmp(a, "--rounds") == 0) o->rounds = atoi(v);
        else if (strcmp(a, "--round-records") == 0) o->round_records = atol(v);
        else if (strcmp(a, "--concurrency") == 0) o->concurrency = atoi(v);
        else if (strcmp(a, "--raw-seconds") == 0) o->raw_seconds = atof(v);
        else if (strcmp(a, "--dir") == 0) o->dir = v;
        else if (strcmp(a, "--input") == 0) o->input = v;
        else if (strcmp(a, "--output") == 0) o->output = v;
        else if (strcmp(a, "--opts") == 0) o->extra = v;
        else {
            fprintf(stderr, "bench_pipeline: unknown option %s\n", a);
            return false;
        }
    }
    if (!o->url || o->records < 1 || o->small < 1 || o->concurrency < 1 ||
        o->raw_seconds <= 0 || o->rounds < 1 || o->rounds > MAX_ROUNDS ||
        o->round_records < 1) {
        fprintf(stderr, "usage: bench_pipeline --url URL [--records N] [--small N] "
                "[--rounds R] [--round-records N] [--concurrency C] [--raw-seconds S] "
                "[--dir DIR] [--opts JSON_MEMBERS] [--json]\n");
        return false;
    }
    return true;
}

/* ---- raw curl_multi: the ceiling ---------------------------------------- */

static size_t sink(char *data, size_t size, size_t n, void *ud)
{
    (void)data;
    *(size_t *)ud += size * n;
    return size * n;
}

typedef struct raw_result {
    double rps;
    double cpu_us;              /* client CPU per request */
    long ok, failed;
} raw_result;

static raw_result raw_ceiling(const options *o)
{
    char url[1024];
    snprintf(url, sizeof url, "%s/ok", o->url);
    CURLM *m = curl_multi_init();
    CURL **h = calloc((size_t)o->concurrency, sizeof *h);
    size_t got = 0;
    for (int i = 0; i < o->concurrency; i++) {
        h[i] = curl_easy_init();
        curl_easy_setopt(h[i], CURLOPT_URL, url);
        curl_easy_setopt(h[i], CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(h[i], CURLOPT_WRITEDATA, &got);
        curl_multi_add_handle(m, h[i]);
    }
    raw_result r = {0};
    double start = now_s(), stop = start + o->raw_seconds, cpu0 = cpu_s();
    int running = o->concurrency;
    while (running > 0) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            bool ok = msg->data.result == CURLE_OK && code == 200;
            r.ok += ok;
            r.failed += !ok;
            CURL *e = msg->easy_handle;
            curl_multi_remove_handle(m, e);
            if (now_s() < stop) {
                curl_multi_add_handle(m, e);
                running++;
            }
        }
        if (running)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    r.rps = (double)r.ok / (now_s() - start);
    r.cpu_us = r.ok ? (cpu_s() - cpu0) * 1e6 / (double)r.ok : 0;
    for (int i = 0; i < o->concurrency; i++)
        curl_easy_cleanup(h[i]);
    free(h);
    curl_multi_cleanup(m);
    return r;
}

/* ---- the child: one batch run ------------------------------------------- */

static const char *DEFINITION =
    "{\"steps\":["
    "{\"id\":\"a\",\"provider\":\"nginx\",\"op\":\"request\",\"input\":{\"path\":\"/ok\"}},"
    "{\"id\":\"b\",\"provider\":\"nginx\",\"op\":\"request\","
    " \"input\":{\"path\":\"/ok\",\"query\":{\"prev\":\"{{steps.a.output.body.ok}}\"}}},"
    "{\"id\":\"c\",\"provider\":\"nginx\",\"op\":\"request\","
    " \"input\":{\"path\":\"/ok\",\"query\":{\"prev\":\"{{steps.b.output.body.ok}}\"}}}],"
    "\"output\":{\"id\":\"{{input.id}}\",\"ok\":\"{{steps.c.output.body.ok}}\"}}";

static long vmhwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static int progress(const char *json, void *ud)
{
    double *last = ud;
    if (now_s() - *last >= 10) {
        fprintf(stderr, "bench_pipeline: %s\n", json);
        *last = now_s();
    }
    return 0;
}

static int child(const options *o)
{
    char config[1024];
    snprintf(config, sizeof config, "{\"log_level\":\"error\",\"providers\":{\"nginx\":"
             "{\"kind\":\"http\",\"base_url\":\"%s\"}}}", o->url);
    char opts[2048];
    snprintf(opts, sizeof opts, "{\"input\":\"%s\",\"output\":\"%s\",\"concurrency\":%d%s%s}",
             o->input, o->output, o->concurrency, o->extra ? "," : "", o->extra ? o->extra : "");
    plx_ctx *ctx = NULL;
    plx_pipeline *pl = NULL;
    char *summary = NULL;
    plx_status st = plx_ctx_new(&ctx, config);
    if (st == PLX_OK)
        st = plx_pipeline_new(ctx, DEFINITION, &pl);
    double t0 = now_s(), c0 = cpu_s(), last = t0;
    if (st == PLX_OK)
        st = plx_pipeline_run_batch(pl, opts, progress, &last, &summary);
    double elapsed = now_s() - t0, cpu = cpu_s() - c0;
    if (st != PLX_OK)
        fprintf(stderr, "bench_pipeline: %s\n", plx_errmsg(ctx));
    const char *failed = summary ? strstr(summary, "\"failed\":") : NULL;
    printf("{\"elapsed_s\":%.3f,\"cpu_s\":%.3f,\"vmhwm_kb\":%ld,\"failed\":%ld,\"ok\":%d}\n",
           elapsed, cpu, vmhwm_kb(), failed ? atol(failed + 9) : -1, st == PLX_OK);
    plx_free(summary);
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
    return st == PLX_OK ? 0 : 1;
}

/* ---- the parent ----------------------------------------------------------- */

typedef struct batch_result {
    long records;
    double elapsed_s, cpu_s, rss_mb;
    long failed;
    bool ok;
} batch_result;

static bool write_input(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    for (long i = 1; i <= n; i++)
        fprintf(f, "{\"id\":%ld}\n", i);
    return fclose(f) == 0;
}

static const char *input_path(const options *o, long records)
{
    static char paths[3][512];
    static int next;
    char *p = paths[next++ % 3];
    snprintf(p, sizeof paths[0], "%s/bench-pipeline-%ld.jsonl", o->dir, records);
    return p;
}

/* Runs this program with --child over an input of `records` lines and
 * reads its one-line report. */
static batch_result run_child(const options *o, const char *self, long records)
{
    batch_result r = {.records = records};
    char output[512], conc[16], cmd[4096];
    const char *input = input_path(o, records);
    snprintf(output, sizeof output, "%s/bench-pipeline-%ld.out.jsonl", o->dir, records);
    snprintf(conc, sizeof conc, "%d", o->concurrency);
    snprintf(cmd, sizeof cmd, "'%s' --child --url '%s' --input '%s' --output '%s' "
             "--concurrency %s%s%s%s", self, o->url, input, output, conc,
             o->extra ? " --opts '" : "", o->extra ? o->extra : "", o->extra ? "'" : "");
    FILE *p = popen(cmd, "r");
    char line[512] = "";
    if (!p || !fgets(line, sizeof line, p))
        line[0] = '\0';
    int status = p ? pclose(p) : -1;
    long kb = 0;
    int ok = 0;
    if (sscanf(line, "{\"elapsed_s\":%lf,\"cpu_s\":%lf,\"vmhwm_kb\":%ld,\"failed\":%ld,\"ok\":%d}",
               &r.elapsed_s, &r.cpu_s, &kb, &r.failed, &ok) == 5)
        r.ok = ok && status == 0;
    r.rss_mb = (double)kb / 1024.0;
    char path[600];
    const char *suffixes[] = {"", ".dead.jsonl", ".checkpoint"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", output, suffixes[i]);
        unlink(path);
    }
    return r;
}

static bool write_inputs(const options *o)
{
    long sizes[] = {o->round_records, o->small, o->records};
    for (size_t i = 0; i < 3; i++) {
        if (!write_input(input_path(o, sizes[i]), sizes[i])) {
            fprintf(stderr, "bench_pipeline: cannot write %s: %s\n", input_path(o, sizes[i]),
                    strerror(errno));
            return false;
        }
    }
    return true;
}

static void remove_inputs(const options *o)
{
    unlink(input_path(o, o->round_records));
    unlink(input_path(o, o->small));
    unlink(input_path(o, o->records));
}

static double steps_per_s(batch_result r)
{
    return r.elapsed_s > 0 ? 3.0 * (double)r.records / r.elapsed_s : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct paired {
    double raw[MAX_ROUNDS], steps[MAX_ROUNDS], ratio[MAX_ROUNDS], cpu_ratio[MAX_ROUNDS];
    double median_ratio, best_ratio, median_raw, median_steps;
    double median_cpu_ratio;    /* raw CPU per request / pipeline CPU per step */
    double raw_cpu_us, pipeline_cpu_us;
    bool valid;
} paired;

/* Phase 1: raw, then pipeline, --rounds times. */
static paired paired_rounds(const options *o, const char *self)
{
    paired p = {.valid = true};
    double best_raw = 0, best_steps = 0;
    for (int i = 0; i < o->rounds; i++) {
        raw_result raw = raw_ceiling(o);
        batch_result b = run_child(o, self, o->round_records);
        p.valid = p.valid && raw.failed == 0 && b.ok && b.failed == 0;
        p.raw[i] = raw.rps;
        p.steps[i] = steps_per_s(b);
        p.ratio[i] = raw.rps > 0 ? p.steps[i] / raw.rps : 0;
        best_raw = raw.rps > best_raw ? raw.rps : best_raw;
        best_steps = p.steps[i] > best_steps ? p.steps[i] : best_steps;
        double step_cpu_us = b.records ? b.cpu_s * 1e6 / (3.0 * (double)b.records) : 0;
        p.cpu_ratio[i] = step_cpu_us > 0 ? raw.cpu_us / step_cpu_us : 0;
        p.raw_cpu_us += raw.cpu_us / o->rounds;
        p.pipeline_cpu_us += step_cpu_us / o->rounds;
        if (!o->json)
            printf("round %d: raw %8.0f req/s %6.2f us CPU/req, pipeline %8.0f steps/s %6.2f us "
                   "CPU/step, ratio %.3f\n", i + 1, raw.rps, raw.cpu_us, p.steps[i], step_cpu_us,
                   p.ratio[i]);
        fflush(stdout);
    }
    double tmp[MAX_ROUNDS];
    memcpy(tmp, p.ratio, sizeof tmp);
    p.median_ratio = median(tmp, o->rounds);
    memcpy(tmp, p.raw, sizeof tmp);
    p.median_raw = median(tmp, o->rounds);
    memcpy(tmp, p.steps, sizeof tmp);
    p.median_steps = median(tmp, o->rounds);
    memcpy(tmp, p.cpu_ratio, sizeof tmp);
    p.median_cpu_ratio = median(tmp, o->rounds);
    p.best_ratio = best_raw > 0 ? best_steps / best_raw : 0;
    return p;
}

static void report(const options *o, const paired *p, raw_result before, raw_result after,
                   batch_result small, batch_result big)
{
    double ceiling = (before.rps + after.rps) / 2;
    double steps_s = steps_per_s(big);
    double ratio = ceiling > 0 ? steps_s / ceiling : 0;
    double cpu_us = big.records ? big.cpu_s * 1e6 / (3.0 * (double)big.records) : 0;
    bool ratio_ok = p->median_ratio >= TARGET_RATIO;
    bool rss_ok = big.rss_mb < TARGET_RSS_MB && small.rss_mb < TARGET_RSS_MB;
    bool flat = big.rss_mb - small.rss_mb < TARGET_FLAT_MB;
    if (o->json) {
        printf("{\"rounds\":%d,\"round_records\":%ld,\"median_raw_rps\":%.0f,"
               "\"median_steps_per_s\":%.0f,\"median_ratio\":%.3f,\"best_ratio\":%.3f,"
               "\"median_cpu_ratio\":%.3f,\"raw_cpu_us\":%.2f,\"pipeline_cpu_us\":%.2f,"
               "\"raw_rps_before\":%.0f,\"raw_rps_after\":%.0f,\"records\":%ld,"
               "\"elapsed_s\":%.2f,\"steps_per_s\":%.0f,\"ratio\":%.3f,\"cpu_us_per_step\":%.2f,"
               "\"rss_mb_small\":%.1f,\"small\":%ld,\"rss_mb\":%.1f,\"ratio_pass\":%s,"
               "\"rss_pass\":%s,\"flat_pass\":%s}\n", o->rounds, o->round_records, p->median_raw,
               p->median_steps, p->median_ratio, p->best_ratio, p->median_cpu_ratio,
               p->raw_cpu_us, p->pipeline_cpu_us, before.rps, after.rps,
               big.records, big.elapsed_s, steps_s, ratio, cpu_us, small.rss_mb, small.records,
               big.rss_mb, ratio_ok ? "true" : "false", rss_ok ? "true" : "false",
               flat ? "true" : "false");
        return;
    }
    printf("paired rounds (%d x: raw %.1f s, pipeline %ld records): median raw %.0f req/s, "
           "median pipeline %.0f steps/s\n", o->rounds, o->raw_seconds, o->round_records,
           p->median_raw, p->median_steps);
    printf("steps/s vs raw, paired:         median %.3f, best vs best %.3f   (target >= %.1f)  %s\n",
           p->median_ratio, p->best_ratio, TARGET_RATIO, ratio_ok ? "PASS" : "FAIL");
    printf("client CPU:                     raw %.2f us/request, pipeline %.2f us/step: "
           "CPU-bound ceiling ratio %.3f (median of rounds)\n", p->raw_cpu_us,
           p->pipeline_cpu_us, p->median_cpu_ratio);
    printf("raw curl_multi, %d in flight:   %8.0f req/s before, %8.0f after (ceiling %.0f)\n",
           o->concurrency, before.rps, after.rps, ceiling);
    printf("pipeline a->b->c, %ld records: %.1f s, %8.0f steps/s, %.2f us client CPU per step\n",
           big.records, big.elapsed_s, steps_s, cpu_us);
    printf("the long run vs raw around it:  %.3f\n", ratio);
    printf("peak RSS:                       %.1f MB at %ld records, %.1f MB at %ld "
           "(target < %.0f MB, flat within %.0f MB)  %s %s\n", small.rss_mb, small.records,
           big.rss_mb, big.records, TARGET_RSS_MB, TARGET_FLAT_MB, rss_ok ? "PASS" : "FAIL",
           flat ? "PASS" : "FAIL");
}

int main(int argc, char **argv)
{
    options o;
    if (!parse_args(&o, argc, argv))
        return 2;
    if (o.child)
        return child(&o);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char self[1024];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "bench_pipeline: cannot find my own executable\n");
        return 2;
    }
    self[n] = '\0';
    if (!write_inputs(&o))
        return 2;
    paired p = paired_rounds(&o, self);
    raw_result before = raw_ceiling(&o);
    batch_result small = run_child(&o, self, o.small);
    batch_result big = run_child(&o, self, o.records);
    raw_result after = raw_ceiling(&o);
    remove_inputs(&o);
    report(&o, &p, before, after, small, big);
    curl_global_cleanup();
    bool valid = p.valid && before.failed == 0 && after.failed == 0 && small.ok && big.ok &&
                 small.failed == 0 && big.failed == 0;
    if (!valid)
        fprintf(stderr, "bench_pipeline: INVALID: some requests or runs failed\n");
    return valid ? 0 : 1;
}
