/* plexus run PIPELINE.json --input F.jsonl: the batch runner
 * (plx_pipeline_run_batch) with a progress display and a summary. */
#include "progress.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct run_opts {
    const char *input, *output, *dead_letter;
    bool resume, unordered, no_progress;
    long concurrency;           /* 0: the runner's default */
    double max_cost;            /* 0: none */
    double progress_s;          /* plain progress lines: seconds apart */
} run_opts;

static int parse_number(const char *opt, const char *arg, double min, double *out)
{
    char *end = NULL;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v >= min) || v > 1e9)
        return cli_usage_error("run", "%s: expected a number >= %g, got '%s'", opt, min, arg);
    *out = v;
    return 0;
}

static int on_opt(cli *c, int id, const char *arg, void *ud)
{
    (void)c;
    run_opts *o = ud;
    switch (id) {
    case OPT_INPUT: o->input = arg; return 0;
    case OPT_OUTPUT: o->output = arg; return 0;
    case OPT_DEAD_LETTER: o->dead_letter = arg; return 0;
    case OPT_RESUME: o->resume = true; return 0;
    case OPT_ORDERED: o->unordered = false; return 0;
    case OPT_UNORDERED: o->unordered = true; return 0;
    case OPT_NO_PROGRESS: o->no_progress = true; return 0;
    case OPT_CONCURRENCY:
        if (!cli_parse_uint("run", "--concurrency", arg, 4096, &o->concurrency))
            return EXIT_USAGE;
        return o->concurrency ? 0 : cli_usage_error("run", "--concurrency: must be >= 1");
    case OPT_MAX_COST:
        return parse_number("--max-cost", arg, 0, &o->max_cost);
    case OPT_PROGRESS_EVERY:
        return parse_number("--progress-every", arg, 0.1, &o->progress_s);
    default:
        return EXIT_USAGE;
    }
}

/* F.jsonl -> F.out.jsonl; other names get ".out.jsonl" appended. */
static char *default_output(const char *input)
{
    size_t n = strlen(input);
    const char *ext = ".jsonl";
    size_t e = strlen(ext);
    if (n > e && strcmp(input + n - e, ext) == 0)
        n -= e;
    char *out = malloc(n + sizeof ".out.jsonl");
    if (out)
        sprintf(out, "%.*s.out.jsonl", (int)n, input);
    return out;
}

static char *build_opts(const run_opts *o, const char *output, int progress_ms)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "input", o->input);
    cJSON_AddStringToObject(j, "output", output);
    if (o->dead_letter)
        cJSON_AddStringToObject(j, "dead_letter", o->dead_letter);
    cJSON_AddBoolToObject(j, "resume", o->resume);
    cJSON_AddBoolToObject(j, "ordered", !o->unordered);
    if (o->concurrency)
        cJSON_AddNumberToObject(j, "concurrency", (double)o->concurrency);
    if (o->max_cost > 0)
        cJSON_AddNumberToObject(j, "max_cost_usd", o->max_cost);
    cJSON_AddNumberToObject(j, "progress_ms", progress_ms);
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return text;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "?";
}

static void print_steps(const cJSON *steps)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, steps) {
        fprintf(stderr, "  step %s: %.0f ok, %.0f skipped, %.0f failed, %.0f defaulted, "
                "%.0f attempts, mean %.0f ms, $%.4f\n", s->string, num(s, "ok"),
                num(s, "skipped"), num(s, "failed"), num(s, "defaulted"), num(s, "attempts"),
                num(s, "mean_latency_ms"), num(s, "cost_usd"));
    }
}

/* The human summary, on stderr. */
static void print_summary(const cJSON *sum)
{
    const cJSON *complete = cJSON_GetObjectItemCaseSensitive(sum, "complete");
    const cJSON *stopped = cJSON_GetObjectItemCaseSensitive(sum, "stopped");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(sum, "files");
    double bad = num(sum, "failed") + num(sum, "malformed");
    fprintf(stderr, "plexus: run %s: %.0f lines, %.0f succeeded, %.0f failed, %.0f not JSON; "
            "%.1f s, %.1f lines/s, $%.4f\n",
            cJSON_IsTrue(complete) ? "complete" : "stopped", num(sum, "lines"),
            num(sum, "succeeded"), num(sum, "failed"), num(sum, "malformed"),
            num(sum, "elapsed_ms") / 1000.0, num(sum, "rate"), num(sum, "cost_usd"));
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sum, "resumed")))
        fprintf(stderr, "  resumed after line %.0f\n", num(sum, "resumed_at_line"));
    print_steps(cJSON_GetObjectItemCaseSensitive(sum, "steps"));
    fprintf(stderr, "  output: %s\n", str(files, "output"));
    if (bad > 0)
        fprintf(stderr, "  dead letters: %s (%.0f)\n", str(files, "dead_letter"), bad);
    if (!cJSON_IsTrue(complete))
        fprintf(stderr, "  %s%scontinue with --resume\n",
                cJSON_IsString(stopped) ? stopped->valuestring : "",
                cJSON_IsString(stopped) ? "; " : "");
}

/* Exit code of a finished or stopped run, with its summary. */
static int outcome(cli *c, plx_status st, const char *summary_json)
{
    cJSON *sum = summary_json ? cJSON_Parse(summary_json) : NULL;
    if (sum && !c->json && !c->quiet)
        print_summary(sum);
    if (summary_json && c->json)
        cli_print_json(summary_json, c->pretty);
    int rc;
    if (st == PLX_OK)
        rc = num(sum, "failed") + num(sum, "malformed") > 0 ? EXIT_PARTIAL : EXIT_OK_;
    else if (st == PLX_ECANCELED && cli_interrupted())
        rc = EXIT_INTERRUPTED;
    else
        rc = cli_exit_code(st);
    cJSON_Delete(sum);
    return rc;
}

static int run_batch(cli *c, const run_opts *o, plx_pipeline *pl, const char *output)
{
    progress pr;
    progress_init(&pr, !o->no_progress && !c->quiet, o->progress_s);
    char *opts = build_opts(o, output, progress_interval_ms(&pr));
    char *summary = NULL;
    cli_catch_interrupts();
    plx_status st = plx_pipeline_run_batch(pl, opts, progress_update, &pr, &summary);
    progress_end(&pr);
    char detail[1024];
    snprintf(detail, sizeof detail, "%s", plx_errmsg(c->ctx));
    int rc = outcome(c, st, summary);
    if (st != PLX_OK && !(st == PLX_ECANCELED && cli_interrupted()))
        cli_error("run: %s [%s]", detail[0] ? detail : plx_status_str(st),
                  plx_status_name(st));
    plx_free(summary);
    cJSON_free(opts);
    return rc;
}

static int load_pipeline(cli *c, const char *path, plx_pipeline **pl)
{
    char *text = cli_read_all(path, NULL);
    if (!text) {
        cli_error("run: cannot read the pipeline %s: %s", path, strerror(errno));
        return EXIT_CONFIG;
    }
    plx_status st = plx_pipeline_new(c->ctx, text, pl);
    free(text);
    if (st == PLX_OK)
        return EXIT_OK_;
    cli_error("run: %s: %s", path, plx_errmsg(c->ctx));
    return cli_exit_code(st);
}

int cmd_run(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS,
        {"input", required_argument, NULL, OPT_INPUT},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"dead-letter", required_argument, NULL, OPT_DEAD_LETTER},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
        {"ordered", no_argument, NULL, OPT_ORDERED},
        {"unordered", no_argument, NULL, OPT_UNORDERED},
        {"max-cost", required_argument, NULL, OPT_MAX_COST},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"progress-every", required_argument, NULL, OPT_PROGRESS_EVERY},
        {NULL, 0, NULL, 0},
    };
    run_opts o = {0};
    int first = 0;
    int rc = cli_parse(c, argc, argv, "", longopts, on_opt, &o, &first);
    if (rc >= 0)
        return rc;
    if (first >= argc)
        return cli_usage_error(argv[0], "expected PIPELINE.json");
    if (argc - first > 1)
        return cli_usage_error(argv[0], "unexpected argument '%s'", argv[first + 1]);
    if (!o.input)
        return cli_usage_error(argv[0], "--input F.jsonl is required ('-': stdin)");
    if (strcmp(o.input, "-") == 0 && !o.output)
        return cli_usage_error(argv[0], "--output is required when the input is stdin");
    char *output = o.output ? strdup(o.output) : default_output(o.input);
    plx_pipeline *pl = NULL;
    if ((rc = cli_open(c)) == EXIT_OK_ && (rc = load_pipeline(c, argv[first], &pl)) == EXIT_OK_)
        rc = run_batch(c, &o, pl, output);
    plx_pipeline_free(pl);
    free(output);
    return rc;
}
