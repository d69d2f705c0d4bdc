/* The batch runner against the in-process fake service: ordered and
 * unordered output, dead letters (failed records, malformed and over-long
 * lines), crash and resume (a child process killed with SIGKILL in the
 * middle), the cost budget and cancellation (both resumable),
 * micro-batching, stdin, option errors. */
#include "../tap.h"
#include "pipeline/pipeline.h"
#include "test_pipeline_service.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static service svc;
static char dir[256];

static const char *DEF =
    "{\"steps\":["
    "{\"id\":\"label\",\"provider\":\"ok\",\"op\":\"request\",\"input\":{\"method\":\"POST\","
    " \"path\":\"/delay/{{input.d}}\",\"body\":{\"text\":\"{{input.text}}\"}}},"
    "{\"id\":\"check\",\"provider\":\"other\",\"op\":\"request\",\"input\":{\"method\":\"POST\","
    " \"path\":\"/fail-if-bad\",\"body\":{\"text\":\"{{input.text}}\"}},\"cost_per_call_usd\":0.01}],"
    "\"output\":{\"text\":\"{{steps.check.output.body.text}}\",\"ok\":\"{{steps.label.output.body.ok}}\"}}";

static char *path_of(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("(missing)");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = '\0';
    fclose(f);
    return s;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* n records; every 10th has "bad" text (a dead letter), line 5 is not
 * JSON, line 9 is blank; delays vary so records finish out of order. */
static void write_input(const char *name, int n, bool final_newline)
{
    FILE *f = fopen(path_of(name), "w");
    for (int i = 1; i <= n; i++) {
        if (i == 5)
            fprintf(f, "{not json");
        else if (i == 9)
            fprintf(f, "   ");
        else
            fprintf(f, "{\"text\":\"%s %d\",\"d\":%d}", i % 10 == 0 ? "bad" : "good", i,
                    (i * 7) % 5);
        if (i < n || final_newline)
            fputc('\n', f);
    }
    fclose(f);
}

static plx_ctx *make(plx_pipeline **pl, const char *def)
{
    plx_ctx *ctx = svc_ctx(&svc);
    *pl = NULL;
    if (plx_pipeline_new(ctx, def, pl) != PLX_OK)
        fprintf(stderr, "pipeline: %s\n", plx_errmsg(ctx));
    return ctx;
}

static plx_status batch(const char *def, const char *opts, char **summary)
{
    plx_pipeline *pl;
    plx_ctx *ctx = make(&pl, def);
    char *ignored = NULL;
    plx_status st = plx_pipeline_run_batch(pl, opts, NULL, NULL, summary ? summary : &ignored);
    if (st != PLX_OK && st != PLX_EBUDGET && st != PLX_ECANCELED)
        fprintf(stderr, "batch: %s\n", plx_errmsg(ctx));
    plx_free(ignored);
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
    return st;
}

static const char *opts(const char *in, const char *out, const char *extra)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "{\"input\":\"%s\",\"output\":\"%s\"%s%s}", path_of(in),
             path_of(out), *extra ? "," : "", extra);
    return buf;
}

static void test_ordered_output_and_dead_letters(void)
{
    write_input("in.jsonl", 200, true);
    char *summary = NULL;
    CHECK_INT(batch(DEF, opts("in.jsonl", "out.jsonl", "\"concurrency\":16"), &summary), PLX_OK);
    CHECK_CONTAINS(summary, "\"complete\":true,\"stopped\":null,\"lines\":200,\"records\":198,"
                            "\"succeeded\":178,\"failed\":20,\"malformed\":1,\"blank\":1,");
    CHECK_CONTAINS(summary, "\"cost_usd\":1.78"); /* check costs 0.01 when it succeeds */
    CHECK_CONTAINS(summary, "\"check\":{\"ok\":178,\"skipped\":0,\"failed\":20,");
    char *out = slurp(path_of("out.jsonl")), *dead = slurp(path_of("out.jsonl.dead.jsonl"));
    CHECK_INT(count_lines(out), 178);
    CHECK(strncmp(out, "{\"line\":1,\"output\":{\"text\":\"good 1\",\"ok\":true}}\n"
                       "{\"line\":2,\"output\":{\"text\":\"good 2\",\"ok\":true}}\n"
                       "{\"line\":3,", 100) == 0);
    int last = 0;
    bool ordered = true;
    for (const char *p = out; (p = strstr(p, "{\"line\":")); p++) {
        int line = atoi(p + 8);
        ordered = ordered && line > last;
        last = line;
    }
    CHECK(ordered);
    CHECK_INT(last, 199);
    CHECK_INT(count_lines(dead), 21);
    CHECK_CONTAINS(dead, "{\"line\":5,\"error\":{\"code\":\"PLX_EINVAL\",\"message\":\"invalid JSON "
                         "at column 3\"},\"raw\":\"{not json\"}\n");
    CHECK_CONTAINS(dead, "{\"line\":10,\"error\":{\"step\":\"check\",\"code\":\"PLX_EHTTP\",");
    CHECK_CONTAINS(dead, "\"http_status\":500,");
    CHECK_CONTAINS(dead, "\"input\":{\"text\":\"bad 10\",\"d\":0}}\n");
    CHECK(strstr(dead, "\"line\":5,") < strstr(dead, "\"line\":10,"));
    CHECK_CONTAINS(summary, "\"checkpoint\":\"");
    char *ckpt = slurp(path_of("out.jsonl.checkpoint"));
    CHECK_CONTAINS(ckpt, "\"complete\":true,\"input_offset\":");
    free(ckpt);
    free(out);
    free(dead);
    plx_free(summary);
}

/* Lines of a file, sorted, as one string: for comparing unordered output. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted(const char *path)
{
    char *s = slurp(path);
    int n = count_lines(s);
    char **lines = calloc((size_t)n + 1, sizeof *lines);
    int k = 0;
    for (char *save = NULL, *l = strtok_r(s, "\n", &save); l && k < n;
         l = strtok_r(NULL, "\n", &save))
        lines[k++] = l;
    qsort(lines, (size_t)k, sizeof *lines, cmp_str);
    char *joined = calloc(1, strlen(path) + (size_t)n * 2 + 16 + 4096 * (size_t)(n + 1));
    for (int i = 0; i < k; i++) {
        strcat(joined, lines[i]);
        strcat(joined, "\n");
    }
    free(lines);
    free(s);
    return joined;
}

static bool same_file(const char *a, const char *b)
{
    char *x = slurp(path_of(a)), *y = slurp(path_of(b));
    bool same = strcmp(x, y) == 0;
    if (!same)
        fprintf(stderr, "%s and %s differ\n", a, b);
    free(x);
    free(y);
    return same;
}

static void test_reference_run(void)
{
    /* The uninterrupted runs the later tests compare with. */
    write_input("in.jsonl", 200, true);
    CHECK_INT(batch(DEF, opts("in.jsonl", "ref.jsonl", "\"concurrency\":16"), NULL), PLX_OK);
    CHECK_INT(batch(DEF, opts("in.jsonl", "ref-u.jsonl", "\"concurrency\":16,\"ordered\":false"),
                    NULL), PLX_OK);
}

static void test_unordered_output(void)
{
    char *summary = NULL;
    CHECK_INT(batch(DEF, opts("in.jsonl", "u.jsonl", "\"concurrency\":32,\"ordered\":false"),
                    &summary), PLX_OK);
    CHECK_CONTAINS(summary, "\"lines\":200,\"records\":198,\"succeeded\":178,\"failed\":20,");
    char *a = sorted(path_of("u.jsonl")), *b = sorted(path_of("ref.jsonl"));
    CHECK_STR(a, b); /* the same lines, in another order */
    char *raw = slurp(path_of("u.jsonl")), *ref = slurp(path_of("ref.jsonl"));
    CHECK(strcmp(raw, ref) != 0);
    free(raw);
    free(ref);
    free(a);
    free(b);
    plx_free(summary);
}

typedef struct killer {
    int calls;
    int kill_at;
} killer;

static int kill_self(const char *progress, void *ud)
{
    (void)progress;
    killer *k = ud;
    if (++k->calls == k->kill_at)
        raise(SIGKILL);
    return 0;
}

/* Runs the batch in a child that SIGKILLs itself at its kill_at-th
 * progress report; true if it died that way. */
static bool crash(const char *def, const char *options, int kill_at)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        plx_pipeline *pl;
        make(&pl, def);
        killer k = {0, kill_at};
        char *summary = NULL;
        plx_pipeline_run_batch(pl, options, kill_self, &k, &summary);
        _exit(3); /* finished before the kill */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static void test_crash_and_resume_ordered(void)
{
    static const char *extra = "\"concurrency\":16,\"checkpoint_every\":7,\"progress_ms\":1";
    int crashes = 0;
    for (int kill_at = 3; kill_at <= 12; kill_at += 3) {
        char o[2048];
        snprintf(o, sizeof o, "%s", opts("in.jsonl", "c.jsonl", extra));
        if (kill_at > 3) /* later crashes interrupt a resumed run */
            snprintf(o + strlen(o) - 1, sizeof o - strlen(o) + 1, ",\"resume\":true}");
        crashes += crash(DEF, o, kill_at);
    }
    CHECK(crashes >= 1);
    char *summary = NULL;
    char o[2048];
    snprintf(o, sizeof o, "%s", opts("in.jsonl", "c.jsonl", extra));
    snprintf(o + strlen(o) - 1, sizeof o - strlen(o) + 1, ",\"resume\":true}");
    CHECK_INT(batch(DEF, o, &summary), PLX_OK);
    CHECK_CONTAINS(summary, "\"complete\":true,\"stopped\":null,\"lines\":200,\"records\":198,"
                            "\"succeeded\":178,\"failed\":20,\"malformed\":1,\"blank\":1,");
    CHECK(same_file("c.jsonl", "ref.jsonl"));
    CHECK(same_file("c.jsonl.dead.jsonl", "ref.jsonl.dead.jsonl"));
    plx_free(summary);
}

static void test_crash_and_resume_unordered(void)
{
    static const char *extra = "\"concurrency\":16,\"ordered\":false,\"checkpoint_every\":5,"
                               "\"progress_ms\":1";
    CHECK(crash(DEF, opts("in.jsonl", "cu.jsonl", extra), 6));
    char o[2048];
    snprintf(o, sizeof o, "%s", opts("in.jsonl", "cu.jsonl", extra));
    snprintf(o + strlen(o) - 1, sizeof o - strlen(o) + 1, ",\"resume\":true}");
    char *summary = NULL;
    CHECK_INT(batch(DEF, o, &summary), PLX_OK);
    CHECK_CONTAINS(summary, "\"resumed\":true");
    CHECK_CONTAINS(summary, "\"lines\":200,\"records\":198,\"succeeded\":178,\"failed\":20,");
    char *a = sorted(path_of("cu.jsonl")), *b = sorted(path_of("ref.jsonl"));
    CHECK_STR(a, b); /* none lost, none twice */
    free(a);
    free(b);
    a = sorted(path_of("cu.jsonl.dead.jsonl"));
    b = sorted(path_of("ref.jsonl.dead.jsonl"));
    CHECK_STR(a, b);
    free(a);
    free(b);
    plx_free(summary);
}

static void test_budget_stops_and_resumes(void)
{
    char *summary = NULL;
    CHECK_INT(batch(DEF, opts("in.jsonl", "b.jsonl", "\"concurrency\":4,\"max_cost_usd\":0.5"),
                    &summary), PLX_EBUDGET);
    CHECK_CONTAINS(summary, "\"complete\":false,\"stopped\":\"max_cost_usd\"");
    char *out = slurp(path_of("b.jsonl"));
    int lines = count_lines(out);
    CHECK(lines >= 50 && lines < 60);
    free(out);
    plx_free(summary);
    /* the budget counts what was spent before: the same budget stops at once */
    CHECK_INT(batch(DEF, opts("in.jsonl", "b.jsonl", "\"concurrency\":4,\"max_cost_usd\":0.5,"
                                                     "\"resume\":true"), &summary), PLX_EBUDGET);
    CHECK_CONTAINS(summary, "\"requests\":0");
    plx_free(summary);
    CHECK_INT(batch(DEF, opts("in.jsonl", "b.jsonl", "\"concurrency\":4,\"max_cost_usd\":100,"
                                                     "\"resume\":true"), &summary), PLX_OK);
    CHECK_CONTAINS(summary, "\"complete\":true");
    CHECK_CONTAINS(summary, "\"cost_usd\":1.78");
    CHECK(same_file("b.jsonl", "ref.jsonl"));
    CHECK(same_file("b.jsonl.dead.jsonl", "ref.jsonl.dead.jsonl"));
    plx_free(summary);
}

typedef struct progress_log {
    int calls;
    int stop_at;
    char last[512];
} progress_log;

static int on_progress(const char *json, void *ud)
{
    progress_log *p = ud;
    snprintf(p->last, sizeof p->last, "%s", json);
    return ++p->calls == p->stop_at;
}

static void test_progress_and_cancel(void)
{
    plx_pipeline *pl;
    plx_ctx *ctx = make(&pl, DEF);
    progress_log p = {.stop_at = 3};
    char *summary = NULL;
    CHECK_INT(plx_pipeline_run_batch(pl, opts("in.jsonl", "p.jsonl", "\"progress_ms\":1,"
                                              "\"concurrency\":2"),
                                     on_progress, &p, &summary), PLX_ECANCELED);
    CHECK_CONTAINS(plx_errmsg(ctx), "stopped by the progress callback");
    CHECK_CONTAINS(summary, "\"stopped\":\"canceled\"");
    CHECK_CONTAINS(p.last, "\"total\":200,");
    CHECK_CONTAINS(p.last, "\"rate\":");
    CHECK_CONTAINS(p.last, "\"eta_s\":");
    plx_free(summary);
    p = (progress_log){.stop_at = -1};
    CHECK_INT(plx_pipeline_run_batch(pl, opts("in.jsonl", "p.jsonl", "\"resume\":true"),
                                     on_progress, &p, &summary), PLX_OK);
    CHECK_CONTAINS(p.last, "{\"done\":200,\"failed\":21,\"total\":200,\"eta_s\":0,");
    CHECK(same_file("p.jsonl", "ref.jsonl"));
    plx_free(summary);
    /* resuming a complete run does nothing */
    CHECK_INT(plx_pipeline_run_batch(pl, opts("in.jsonl", "p.jsonl", "\"resume\":true"), NULL,
                                     NULL, &summary), PLX_OK);
    CHECK_CONTAINS(summary, "\"requests\":0");
    CHECK_CONTAINS(summary, "\"complete\":true");
    CHECK(same_file("p.jsonl", "ref.jsonl"));
    plx_free(summary);
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
}

static void test_micro_batching(void)
{
    FILE *f = fopen(path_of("words.jsonl"), "w");
    for (int i = 0; i < 100; i++)
        fprintf(f, "{\"text\":\"%.*s\"}\n", 1 + i % 7, "abcdefgh");
    fclose(f);
    const char *def =
        "{\"steps\":[{\"id\":\"e\",\"provider\":\"ok\",\"op\":\"request\",\"batch_size\":10,"
        "\"batch_list\":\"body.input\",\"batch_results\":\"body.vectors\",\"cost_per_call_usd\":1,"
        "\"input\":{\"method\":\"POST\",\"path\":\"/embed\",\"body\":{\"input\":\"{{input.text}}\"}}}],"
        "\"output\":{\"t\":\"{{input.text}}\",\"len\":\"{{steps.e.output.body.vectors[0][0]}}\"}}";
    char *summary = NULL;
    CHECK_INT(batch(def, opts("words.jsonl", "w.jsonl", "\"concurrency\":32"), &summary), PLX_OK);
    CHECK(svc.embed_requests >= 10 && svc.embed_requests <= 16);
    CHECK_INT(svc.embed_items, 100);
    char *out = slurp(path_of("w.jsonl"));
    CHECK_INT(count_lines(out), 100);
    bool right = true;
    for (const char *p = out; (p = strstr(p, "{\"t\":\"")); p++) {
        const char *q = strchr(p + 6, '"');
        right = right && atoi(strstr(q, "\"len\":") + 6) == (int)(q - (p + 6));
    }
    CHECK(right);
    CHECK_CONTAINS(summary, "\"cost_usd\":");
    double cost = strtod(strstr(summary, "\"cost_usd\":") + 11, NULL);
    CHECK(cost > svc.embed_requests - 0.001 && cost < svc.embed_requests + 0.001);
    free(out);
    plx_free(summary);
}

static void test_stdin_and_long_lines(void)
{
    FILE *f = fopen(path_of("long.jsonl"), "w");
    fprintf(f, "{\"text\":\"short\",\"d\":0}\n{\"text\":\"%0200d\",\"d\":0}\n{\"text\":\"end\",\"d\":0}", 7);
    fclose(f);
    int saved = dup(0);
    FILE *in = fopen(path_of("long.jsonl"), "r");
    dup2(fileno(in), 0);
    char o[1024];
    snprintf(o, sizeof o, "{\"input\":\"-\",\"output\":\"%s\",\"max_line_bytes\":100}",
             path_of("s.jsonl"));
    char *summary = NULL;
    CHECK_INT(batch(DEF, o, &summary), PLX_OK);
    dup2(saved, 0);
    close(saved);
    fclose(in);
    CHECK_CONTAINS(summary, "\"lines\":3,\"records\":2,\"succeeded\":2,\"failed\":0,\"malformed\":1,");
    char *out = slurp(path_of("s.jsonl")), *dead = slurp(path_of("s.jsonl.dead.jsonl"));
    CHECK_CONTAINS(out, "{\"line\":3,\"output\":{\"text\":\"end\",\"ok\":true}}\n");
    CHECK_CONTAINS(dead, "{\"line\":2,\"error\":{\"code\":\"PLX_EINVAL\",\"message\":\"the line has "
                         "217 bytes, more than max_line_bytes\"},\"raw\":\"{\\\"text\\\":\\\"0000");
    free(out);
    free(dead);
    plx_free(summary);
}

static void test_option_errors(void)
{
    plx_pipeline *pl;
    plx_ctx *ctx = make(&pl, DEF);
    static const struct { const char *opts; plx_status st; const char *msg; } cases[] = {
        {"{}", PLX_ECONFIG, "opts.input: missing"},
        {"{\"input\":\"a\"}", PLX_ECONFIG, "opts.output: missing"},
        {"{\"input\":\"a\",\"output\":\"a\"}", PLX_ECONFIG, "opts.output: is the input file"},
        {"{\"input\":\"a\",\"output\":\"b\",\"concurrency\":0}", PLX_ECONFIG,
         "opts.concurrency: expected an integer from 1 to 4096"},
        {"{\"input\":\"a\",\"output\":\"b\",\"paralell\":2}", PLX_ECONFIG,
         "opts.paralell: unknown key"},
        {"{\"input\":\"a\",\"output\":\"b\",\"checkpoint\":\"b\"}", PLX_ECONFIG,
         "must be different files"},
        {"[", PLX_ECONFIG, "opts: invalid JSON"},
    };
    char *summary = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT(plx_pipeline_run_batch(pl, cases[i].opts, NULL, NULL, &summary), cases[i].st);
        CHECK_CONTAINS(plx_errmsg(ctx), cases[i].msg);
        CHECK(summary == NULL);
    }
    CHECK_INT(plx_pipeline_run_batch(pl, opts("nope.jsonl", "x.jsonl", ""), NULL, NULL, &summary),
              PLX_EIO);
    CHECK_CONTAINS(plx_errmsg(ctx), "cannot open the input");
    CHECK_INT(plx_pipeline_run_batch(pl, NULL, NULL, NULL, &summary), PLX_EINVAL);
    plx_pipeline_free(pl);
    /* a checkpoint of another definition is refused */
    CHECK_INT(plx_pipeline_new(ctx, "{\"steps\":[{\"id\":\"x\",\"provider\":\"ok\",\"op\":\"request\"}]}",
                               &pl), PLX_OK);
    CHECK_INT(plx_pipeline_run_batch(pl, opts("in.jsonl", "ref.jsonl", "\"resume\":true"), NULL,
                                     NULL, &summary), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "was written by a different pipeline definition");
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
}

static void test_setup(void)
{
    snprintf(dir, sizeof dir, "%s/plexus-batch-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
}

static void test_cleanup(void)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.')
            unlink(path_of(e->d_name));
    if (d)
        closedir(d);
    rmdir(dir);
}

TEST_MAIN(test_setup, test_ordered_output_and_dead_letters, test_reference_run,
          test_unordered_output, test_crash_and_resume_ordered, test_crash_and_resume_unordered,
          test_budget_stops_and_resumes, test_progress_and_cancel, test_micro_batching,
          test_stdin_and_long_lines, test_option_errors, test_cleanup)
