/* A batch run through the fault-injecting peer of ../shared/peers (mitmdump
 * with mitm_faults.py, in front of prism-openai): each record picks its
 * fault with the x-fault header, set from the record by the step's
 * template. 10% of 2000 records ask for one (503, 500, kill, garbage, 429);
 * every other record must come out as a result, and every faulted one as
 * a dead letter with the matching error, exactly once. Skips, saying why,
 * when the peer or its upstream is not running. */
#include "../tap.h"

#include <plexus.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECORDS 2000

static const char *faults_url;
static char dir[256];

static const char *const FAULTS[] = {"503", "500", "kill", "garbage", "429"};
static const char *const CODES[] = {"PLX_EHTTP", "PLX_EHTTP", "PLX_ETRANSPORT", "PLX_EPROTOCOL",
                                    "PLX_ERATELIMIT"};

static char *path_of(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

/* The fault of record i (1-based): every 10th, cycling through FAULTS. */
static int fault_of(long i)
{
    return i % 10 == 3 ? (int)((i / 10) % 5) : -1;
}

static plx_ctx *make_ctx(void)
{
    char config[512];
    snprintf(config, sizeof config,
             "{\"log_level\":\"none\",\"providers\":{\"p\":{\"kind\":\"http\",\"base_url\":\"%s\","
             "\"timeout_ms\":5000,\"retry\":{\"max_attempts\":2,\"base_delay_ms\":5,"
             "\"max_delay_ms\":1500},\"circuit\":{\"failure_threshold\":0}}}}", faults_url);
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, config) != PLX_OK)
        TAP_SKIP("bad config: %s", plx_errmsg(NULL));
    return ctx;
}

static const char *DEF =
    "{\"steps\":[{\"id\":\"models\",\"provider\":\"p\",\"op\":\"request\",\"input\":{"
    "\"path\":\"/models\",\"headers\":{\"x-fault\":\"{{input.fault}}\","
    "\"Authorization\":\"Bearer sk-test\"}}}],"
    "\"output\":{\"id\":\"{{input.id}}\",\"status\":\"{{steps.models.output.status}}\"}}";

static void test_peer_faults(void)
{
    FILE *f = fopen(path_of("in.jsonl"), "w");
    for (long i = 1; i <= RECORDS; i++)
        fprintf(f, "{\"id\":%ld,\"fault\":\"%s\"}\n", i, fault_of(i) < 0 ? "" : FAULTS[fault_of(i)]);
    fclose(f);
    plx_ctx *ctx = make_ctx();
    plx_pipeline *pl = NULL;
    CHECK_INT(plx_pipeline_new(ctx, DEF, &pl), PLX_OK);
    char opts[1024], *summary = NULL;
    snprintf(opts, sizeof opts, "{\"input\":\"%s\",\"output\":\"%s\",\"concurrency\":32}",
             path_of("in.jsonl"), path_of("out.jsonl"));
    CHECK_INT(plx_pipeline_run_batch(pl, opts, NULL, NULL, &summary), PLX_OK);
    printf("# %s\n", summary ? summary : plx_errmsg(ctx));
    static unsigned char seen[RECORDS + 1];
    long wrong = 0, results = 0, dead = 0;
    char line[8192];
    FILE *out = fopen(path_of("out.jsonl"), "r");
    while (out && fgets(line, sizeof line, out)) {
        long n = strtol(line + 8, NULL, 10);
        if (n < 1 || n > RECORDS)
            continue;
        seen[n]++;
        results++;
        wrong += fault_of(n) >= 0 || !strstr(line, "\"status\":200}");
    }
    if (out)
        fclose(out);
    FILE *dl = fopen(path_of("out.jsonl.dead.jsonl"), "r");
    while (dl && fgets(line, sizeof line, dl)) {
        long n = strtol(line + 8, NULL, 10);
        if (n < 1 || n > RECORDS)
            continue;
        seen[n]++;
        dead++;
        char code[64];
        snprintf(code, sizeof code, "\"code\":\"%s\"", fault_of(n) >= 0 ? CODES[fault_of(n)] : "?");
        wrong += !strstr(line, code);
    }
    if (dl)
        fclose(dl);
    long once = 0;
    for (long i = 1; i <= RECORDS; i++)
        once += seen[i] == 1;
    CHECK_INT(once, RECORDS);
    CHECK_INT(dead, RECORDS / 10);
    CHECK_INT(results, RECORDS - RECORDS / 10);
    CHECK_INT(wrong, 0);
    plx_free(summary);
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
}

static void test_setup(void)
{
    faults_url = getenv("PEER_FAULTS_URL");
    if (!faults_url)
        TAP_SKIP("PEER_FAULTS_URL unset: start ../shared/peers (scripts/start.sh faults "
                 "prism-openai) and eval scripts/env.sh");
    plx_ctx *ctx = make_ctx();
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "p", &p);
    char *out = NULL;
    plx_status st = plx_call(p, "request", "{\"path\":\"/models\",\"headers\":"
                             "{\"Authorization\":\"Bearer sk-test\"}}", &out);
    plx_free(out);
    plx_ctx_free(ctx);
    if (st == PLX_ETRANSPORT)
        TAP_SKIP("the faults peer at %s is not running (scripts/start.sh faults)", faults_url);
    if (st != PLX_OK)
        TAP_SKIP("the faults peer's upstream does not answer GET /models (%s): start "
                 "prism-openai (scripts/start.sh prism-openai)", plx_status_name(st));
    snprintf(dir, sizeof dir, "%s/plexus-peer-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                        : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
}

static void test_cleanup(void)
{
    static const char *const names[] = {"in.jsonl", "out.jsonl", "out.jsonl.dead.jsonl",
                                        "out.jsonl.checkpoint"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(path_of(names[i]));
    rmdir(dir);
}

TEST_MAIN(test_setup, test_peer_faults, test_cleanup)
