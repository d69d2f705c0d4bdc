/* bench_notify: plx_notify fan-out of one alert to five webhook targets
 * that answer after different delays (bench/notify.sh starts the nginx).
 *
 *   wall    median time of one fan-out vs the slowest target notified alone,
 *           and vs the five notified one after another (plx_call in turn);
 *           the target is fan-out <= 1.1 x slowest alone
 *   cpu     client CPU (CLOCK_PROCESS_CPUTIME_ID) per delivered notification
 *           with zero-delay receivers: fan-out to named providers, fan-out to
 *           target URLs (a provider made per call), and plx_call in turn
 *
 * Every delivery is checked; a run with any failure is invalid (exit 1). */
#include <plexus.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TARGETS 5
#define TARGET_RATIO 1.10
#define MAX_ROUNDS 1000

static const char ALERT[] =
    "{\"title\":\"Cost spike on EC2\",\"text\":\"Spend is up 200% in the last hour.\","
    "\"severity\":\"critical\",\"source\":\"cost-optimizer\",\"dedup_key\":\"cost-spike-ec2\","
    "\"fields\":{\"account\":\"prod\",\"delta_usd\":1234.5}}";

typedef struct options {
    const char *url;
    int delays_ms[TARGETS];
    int rounds;          /* fan-outs timed for the wall figures */
    int cpu_rounds;      /* fan-outs for the CPU figures */
    bool json;
} options;

static double now_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* The ctx config: providers d0..d4, webhooks to /delay?s=... */
static void config(const options *o, const int *delays, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "{\"log_level\":\"error\",\"providers\":{");
    for (int i = 0; i < TARGETS; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s\"d%d\":{\"kind\":\"webhook\",\"url\":"
                              "\"%s/delay?s=%.3f\",\"retry\":{\"max_attempts\":1}}",
                              i ? "," : "", i, o->url, delays[i] / 1000.0);
    snprintf(out + n, cap - n, "}}");
}

static plx_ctx *make_ctx(const options *o, const int *delays)
{
    char cfg[4096];
    config(o, delays, cfg, sizeof cfg);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, cfg) != PLX_OK) {
        fprintf(stderr, "bench_notify: %s\n", plx_errmsg(NULL));
        exit(2);
    }
    return ctx;
}

static int failures;

static void notify(plx_ctx *ctx, const char *targets)
{
    char *report = NULL;
    if (plx_notify(ctx, targets, ALERT, &report) != PLX_OK) {
        if (failures++ < 3)
            fprintf(stderr, "bench_notify: %s\n", plx_errmsg(ctx));
    }
    plx_free(report);
}

static void call_each(plx_ctx *ctx)
{
    for (int i = 0; i < TARGETS; i++) {
        char name[8];
        snprintf(name, sizeof name, "d%d", i);
        plx_provider *p = NULL;
        char *out = NULL;
        plx_ctx_provider(ctx, name, &p);
        if (plx_call(p, "notify", ALERT, &out) != PLX_OK && failures++ < 3)
            fprintf(stderr, "bench_notify: %s\n", plx_errmsg(ctx));
        plx_free(out);
    }
}

typedef enum mode { FAN_OUT, CALL_EACH } mode;

/* Median wall seconds of rounds runs. */
static double wall(plx_ctx *ctx, mode m, const char *targets, int rounds)
{
    static double t[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        double start = now_s(CLOCK_MONOTONIC);
        if (m == FAN_OUT)
            notify(ctx, targets);
        else
            call_each(ctx);
        t[r] = now_s(CLOCK_MONOTONIC) - start;
    }
    return median(t, rounds);
}

/* CPU microseconds per delivered notification over rounds runs. */
static double cpu_us(plx_ctx *ctx, mode m, const char *targets, int rounds)
{
    double start = now_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int r = 0; r < rounds; r++) {
        if (m == FAN_OUT)
            notify(ctx, targets);
        else
            call_each(ctx);
    }
    return (now_s(CLOCK_PROCESS_CPUTIME_ID) - start) * 1e6 / ((double)rounds * TARGETS);
}

static const char *const NAMED = "[\"d0\",\"d1\",\"d2\",\"d3\",\"d4\"]";

static void url_targets(const options *o, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < TARGETS; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s/delay?s=0\"", i ? "," : "", o->url);
    snprintf(out + n, cap - n, "]");
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_notify --url URL [--delays MS,MS,MS,MS,MS] [--rounds N]\n"
                    "                    [--cpu-rounds N] [--json]\n"
                    "  URL: an nginx with bench/notify_nginx.conf.in (bench/notify.sh)\n");
    exit(2);
}

static void parse_args(int argc, char **argv, options *o)
{
    *o = (options){.delays_ms = {0, 20, 50, 100, 200}, .rounds = 21, .cpu_rounds = 400};
    o->url = getenv("PLX_BENCH_URL");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--url") == 0)
            o->url = v;
        else if (strcmp(a, "--rounds") == 0)
            o->rounds = atoi(v);
        else if (strcmp(a, "--cpu-rounds") == 0)
            o->cpu_rounds = atoi(v);
        else if (strcmp(a, "--delays") != 0 ||
                 sscanf(v, "%d,%d,%d,%d,%d", &o->delays_ms[0], &o->delays_ms[1],
                        &o->delays_ms[2], &o->delays_ms[3], &o->delays_ms[4]) != TARGETS)
            usage();
    }
    if (!o->url || o->rounds < 1 || o->rounds > MAX_ROUNDS || o->cpu_rounds < 1)
        usage();
}

int main(int argc, char **argv)
{
    options o;
    parse_args(argc, argv, &o);
    int slowest = 0;
    for (int i = 1; i < TARGETS; i++)
        slowest = o.delays_ms[i] > o.delays_ms[slowest] ? i : slowest;
    char alone[16], urls[2048];
    snprintf(alone, sizeof alone, "[\"d%d\"]", slowest);
    url_targets(&o, urls, sizeof urls);

    plx_ctx *ctx = make_ctx(&o, o.delays_ms);
    notify(ctx, NAMED);                       /* warm: connections, thread stacks */
    double t_alone = wall(ctx, FAN_OUT, alone, o.rounds);
    double t_fan = wall(ctx, FAN_OUT, NAMED, o.rounds);
    double t_seq = wall(ctx, CALL_EACH, NULL, o.rounds);
    plx_ctx_free(ctx);

    int zero[TARGETS] = {0};
    ctx = make_ctx(&o, zero);
    notify(ctx, NAMED);
    double cpu_fan = cpu_us(ctx, FAN_OUT, NAMED, o.cpu_rounds);
    double cpu_urls = cpu_us(ctx, FAN_OUT, urls, o.cpu_rounds);
    double cpu_seq = cpu_us(ctx, CALL_EACH, NULL, o.cpu_rounds);
    plx_ctx_free(ctx);

    double ratio = t_fan / t_alone;
    if (o.json) {
        printf("{\"delays_ms\":[%d,%d,%d,%d,%d],\"slowest_alone_ms\":%.2f,\"fan_out_ms\":%.2f,"
               "\"one_by_one_ms\":%.2f,\"fan_out_vs_slowest\":%.3f,\"target\":%.2f,"
               "\"cpu_us_per_notification\":{\"fan_out\":%.1f,\"fan_out_urls\":%.1f,"
               "\"plx_call\":%.1f},\"failures\":%d}\n",
               o.delays_ms[0], o.delays_ms[1], o.delays_ms[2], o.delays_ms[3], o.delays_ms[4],
               t_alone * 1e3, t_fan * 1e3, t_seq * 1e3, ratio, TARGET_RATIO, cpu_fan, cpu_urls,
               cpu_seq, failures);
    } else {
        printf("targets: 5 webhooks answering after %d, %d, %d, %d, %d ms; medians of %d\n",
               o.delays_ms[0], o.delays_ms[1], o.delays_ms[2], o.delays_ms[3], o.delays_ms[4],
               o.rounds);
        printf("  slowest target alone      %8.2f ms\n", t_alone * 1e3);
        printf("  fan-out to all five       %8.2f ms   %.3f x slowest alone (target <= %.2f: %s)\n",
               t_fan * 1e3, ratio, TARGET_RATIO, ratio <= TARGET_RATIO ? "met" : "NOT met");
        printf("  one after another         %8.2f ms   fan-out is %.2f x faster\n", t_seq * 1e3,
               t_seq / t_fan);
        printf("client CPU per delivered notification (zero-delay receivers, %d rounds):\n",
               o.cpu_rounds);
        printf("  fan-out, named providers  %8.1f us\n", cpu_fan);
        printf("  fan-out, target URLs      %8.1f us   %.2f x named (a provider per call)\n",
               cpu_urls, cpu_urls / cpu_fan);
        printf("  plx_call one by one       %8.1f us   fan-out costs %.2f x (threads)\n", cpu_seq,
               cpu_fan / cpu_seq);
    }
    if (failures)
        fprintf(stderr, "bench_notify: %d deliveries failed: the run is invalid\n", failures);
    return failures ? 1 : 0;
}
