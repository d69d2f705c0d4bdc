/* pipeline: load a pipeline definition, run it on one record, then over a
 * JSONL file with the crash-safe batch runner and a progress callback.
 *
 * Run from the repository root (offline; no file is written except OUTPUT
 * and its .dead.jsonl and .checkpoint files):
 *   build/examples/pipeline examples/plexus.json \
 *       examples/pipelines/batch_scoring.json examples/data/tickets.jsonl scored.jsonl
 * Pipelines with `file` sinks (ticket_triage.json) write to out/ under the
 * working directory: create it first (mkdir -p out). */
#include <plexus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char RECORD[] =
    "{\"id\": \"demo-1\", \"customer\": \"Ada\", \"channel\": \"email\","
    " \"text\": \"My order never arrived and nobody answers the phone. I want a refund.\"}";

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *grown = realloc(text, cap);
            if (!grown)
                break;
            text = grown;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (text)
        text[len] = '\0';
    return text;
}

/* Progress of the batch run, about every progress_ms and once at the end:
 * {"done", "failed", "total", "rate", "eta_s", "cost_usd", "in_flight"}.
 * Returning non-zero would stop the run cleanly (resumable). */
static int on_progress(const char *progress_json, void *user_data)
{
    int *calls = user_data;
    (*calls)++;
    printf("  progress: %s\n", progress_json);
    return 0;
}

static int fail(const char *what, plx_ctx *ctx)
{
    fprintf(stderr, "pipeline: %s: %s\n", what, plx_errmsg(ctx));
    return 1;
}

/* Builds the batch options as JSON; paths are escaped for quotes only, as a
 * sketch (use a JSON library for arbitrary paths). */
static int batch(plx_pipeline *pl, plx_ctx *ctx, const char *input, const char *output)
{
    if (strchr(input, '"') || strchr(output, '"') || strchr(input, '\\') ||
        strchr(output, '\\'))
        return fail("paths with quotes or backslashes are not handled here", ctx);
    char opts[4096];
    snprintf(opts, sizeof opts,
             "{\"input\": \"%s\", \"output\": \"%s\", \"concurrency\": 32,"
             " \"progress_ms\": 200}", input, output);
    int calls = 0;
    char *summary = NULL;
    plx_status st = plx_pipeline_run_batch(pl, opts, on_progress, &calls, &summary);
    printf("batch: %s after %d progress reports\nsummary: %s\n", plx_status_name(st), calls,
           summary ? summary : plx_errmsg(ctx));
    plx_free(summary);
    return st == PLX_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s CONFIG.json PIPELINE.json INPUT.jsonl OUTPUT.jsonl\n",
                argv[0]);
        return 2;
    }
    char *config = read_file(argv[1]), *definition = read_file(argv[2]);
    if (!config || !definition) {
        fprintf(stderr, "pipeline: cannot read %s\n", config ? argv[2] : argv[1]);
        free(config);
        free(definition);
        return 1;
    }
    plx_ctx *ctx = NULL;
    plx_pipeline *pl = NULL;
    int rc = 1;
    if (plx_ctx_new(&ctx, config) != PLX_OK)
        rc = fail(argv[1], NULL);
    /* The definition is validated here: unknown providers, steps or keys,
     * bad references and cycles fail with a message naming the place. */
    else if (plx_pipeline_new(ctx, definition, &pl) != PLX_OK)
        rc = fail(argv[2], ctx);
    else {
        /* One record: the result carries the output template and, per step,
         * status, provider, attempts, latency and cost. */
        char *result = NULL;
        plx_status st = plx_pipeline_run(pl, RECORD, &result);
        printf("one record: %s\n%s\n\n", plx_status_name(st),
               result ? result : plx_errmsg(ctx));
        plx_free(result);
        rc = st == PLX_OK ? batch(pl, ctx, argv[3], argv[4]) : 1;
    }
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
    free(config);
    free(definition);
    return rc;
}
