/* A batch run against nginx injecting faults at random into 10% of the
 * requests (pipeline_nginx.conf.in, /pl/maybe: 500, 502, 503, 429,
 * connection resets), 100000 records through a two-step pipeline, 64 in
 * flight, with retries. Every line must come out exactly once, in the
 * output or the dead-letter file; every result must belong to its record;
 * every dead letter must say why: the records that ask for a permanent
 * failure, and records whose retries all met injected faults.
 *
 *   with_nginx.sh test_pipeline_faults [RECORDS]     (PLX_NGINX_CONF set)
 *
 * Under valgrind it runs 3000 records. */
#include "../tap.h"

#include <plexus.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long records = 100000;
static char dir[256];
static const char *url;

static char *path_of(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Line i holds record i; every 100th asks for /pl/fail. */
static void write_input(void)
{
    FILE *f = fopen(path_of("in.jsonl"), "w");
    for (long i = 1; i <= records; i++)
        fprintf(f, "{\"id\":%ld,\"kind\":\"%s\"}\n", i, i % 100 == 0 ? "fail" : "maybe");
    fclose(f);
}

static plx_status run_batch(char **summary, double *seconds)
{
    char config[512];
    snprintf(config, sizeof config,
             "{\"log_level\":\"none\",\"providers\":{\"p\":{\"kind\":\"http\",\"base_url\":\"%s\","
             "\"retry\":{\"max_attempts\":3,\"base_delay_ms\":1,\"max_delay_ms\":10},"
             "\"circuit\":{\"failure_threshold\":0}}}}", url);
    const char *def =
        "{\"steps\":["
        "{\"id\":\"a\",\"provider\":\"p\",\"op\":\"request\","
        " \"input\":{\"path\":\"/pl/{{input.kind}}?id={{input.id}}&step=a\"}},"
        "{\"id\":\"b\",\"provider\":\"p\",\"op\":\"request\","
        " \"input\":{\"path\":\"/pl/maybe?id={{steps.a.output.body.id}}&step=b\"}}],"
        "\"output\":{\"id\":\"{{steps.b.output.body.id}}\"}}";
    char opts[1024];
    snprintf(opts, sizeof opts, "{\"input\":\"%s\",\"output\":\"%s\",\"concurrency\":64}",
             path_of("in.jsonl"), path_of("out.jsonl"));
    plx_ctx *ctx = NULL;
    plx_pipeline *pl = NULL;
    plx_status st = plx_ctx_new(&ctx, config);
    if (st == PLX_OK)
        st = plx_pipeline_new(ctx, def, &pl);
    double t0 = now_s();
    if (st == PLX_OK)
        st = plx_pipeline_run_batch(pl, opts, NULL, NULL, summary);
    *seconds = now_s() - t0;
    if (st != PLX_OK)
        fprintf(stderr, "batch: %s\n", plx_errmsg(ctx));
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
    return st;
}

typedef struct tally {
    unsigned char *seen;        /* per line: times it came out */
    long results, dead, wrong_id, permanent, transient, unexplained;
} tally;

static long field(const char *line, const char *key)
{
    const char *at = strstr(line, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

static void read_results(tally *t)
{
    FILE *f = fopen(path_of("out.jsonl"), "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        long n = field(line, "{\"line\":");
        if (n < 1 || n > records)
            continue;
        t->seen[n]++;
        t->results++;
        /* the result must be this record's: id == line */
        if (field(line, "\"output\":{\"id\":\"") != n)
            t->wrong_id++;
    }
    if (f)
        fclose(f);
}

static bool transient(const char *line)
{
    static const char *const codes[] = {"\"code\":\"PLX_EHTTP\",", "\"code\":\"PLX_ERATELIMIT\",",
                                        "\"code\":\"PLX_ETRANSPORT\","};
    if (!strstr(line, "\"retryable\":true"))
        return false;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strstr(line, codes[i]))
            return true;
    return false;
}

static void read_dead_letters(tally *t)
{
    FILE *f = fopen(path_of("out.jsonl.dead.jsonl"), "r");
    char line[8192];
    while (f && fgets(line, sizeof line, f)) {
        long n = field(line, "{\"line\":");
        if (n < 1 || n > records)
            continue;
        t->seen[n]++;
        t->dead++;
        if (n % 100 == 0 && strstr(line, "\"step\":\"a\"") && strstr(line, "\"http_status\":400"))
            t->permanent++;
        else if (n % 100 != 0 && transient(line))
            t->transient++;
        else
            t->unexplained++;
    }
    if (f)
        fclose(f);
}

static void test_faults_100k(void)
{
    write_input();
    char *summary = NULL;
    double seconds = 0;
    CHECK_INT(run_batch(&summary, &seconds), PLX_OK);
    tally t = {.seen = calloc((size_t)records + 1, 1)};
    read_results(&t);
    read_dead_letters(&t);
    long lost = 0, twice = 0, permanent_expected = records / 100;
    for (long i = 1; i <= records; i++) {
        lost += t.seen[i] == 0;
        twice += t.seen[i] > 1;
    }
    printf("# %ld records in %.1f s: %ld results, %ld dead letters (%ld permanent, %ld after "
           "retries met faults), %ld lost, %ld twice\n", records, seconds, t.results, t.dead,
           t.permanent, t.transient, lost, twice);
    printf("# %s\n", summary ? summary : "");
    CHECK_INT(lost, 0);
    CHECK_INT(twice, 0);
    CHECK_INT(t.results + t.dead, records);
    CHECK_INT(t.wrong_id, 0);
    CHECK_INT(t.permanent, permanent_expected);
    CHECK_INT(t.unexplained, 0);
    /* 3 attempts at 10% faults: about 1 in 1000 steps fails for good */
    CHECK(t.transient < records / 200);
    char expect[128];
    snprintf(expect, sizeof expect, "\"lines\":%ld,\"records\":%ld,\"succeeded\":%ld,\"failed\":%ld,",
             records, records, t.results, t.dead);
    CHECK_CONTAINS(summary, expect);
    free(t.seen);
    plx_free(summary);
}

static bool under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload");
}

static void setup(void)
{
    url = getenv("PLX_TEST_HTTP_URL");
    if (!url)
        TAP_SKIP("PLX_TEST_HTTP_URL unset: run me through with_nginx.sh");
    if (under_valgrind())
        records = 3000;
    snprintf(dir, sizeof dir, "%s/plexus-faults-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                           : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
}

static void cleanup(void)
{
    static const char *const names[] = {"in.jsonl", "out.jsonl", "out.jsonl.dead.jsonl",
                                        "out.jsonl.checkpoint", "out.jsonl.checkpoint.tmp"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(path_of(names[i]));
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        records = atol(argv[1]);
    static const tap_test_fn fns[] = {setup, test_faults_100k, cleanup};
    static const char *const names[] = {"setup", "test_faults_100k", "cleanup"};
    return tap_run(names, fns, 3);
}
