/* The options of plx_pipeline_run_batch. */
#include "batch_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const KEYS[] = {
    "input", "output", "dead_letter", "checkpoint", "resume", "concurrency", "ordered",
    "window", "checkpoint_every", "checkpoint_ms", "progress_ms", "max_cost_usd",
    "max_line_bytes", NULL};

static char *with_suffix(const char *path, const char *suffix)
{
    plx_buf b = {0};
    if (plx_buf_printf(&b, "%s%s", path, suffix) != PLX_OK)
        return NULL;
    return plx_buf_steal(&b);
}

static plx_status read_paths(const plx_cfg *cfg, const cJSON *json, pl_batch_opts *o)
{
    const char *dead = NULL, *checkpoint = NULL;
    plx_status st = plx_cfg_string(cfg, json, "input", &o->input);
    if (st == PLX_OK && !o->input)
        st = plx_cfg_fail(cfg, "input", "missing (a JSONL file, or \"-\" for stdin)");
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, json, "output", &o->output);
    if (st == PLX_OK && (!o->output || !*o->output || strcmp(o->output, "-") == 0))
        st = plx_cfg_fail(cfg, "output", "missing (a file for the JSONL results)");
    if (st == PLX_OK && strcmp(o->input, o->output) == 0)
        st = plx_cfg_fail(cfg, "output", "is the input file");
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, json, "dead_letter", &dead);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, json, "checkpoint", &checkpoint);
    if (st != PLX_OK)
        return st;
    o->dead_letter = dead ? plx_strdup(dead) : with_suffix(o->output, ".dead.jsonl");
    o->checkpoint = checkpoint ? plx_strdup(checkpoint) : with_suffix(o->output, ".checkpoint");
    if (!o->dead_letter || !o->checkpoint)
        return PLX_ENOMEM;
    if (strcmp(o->dead_letter, o->output) == 0 || strcmp(o->dead_letter, o->input) == 0 ||
        strcmp(o->checkpoint, o->output) == 0 || strcmp(o->checkpoint, o->input) == 0 ||
        strcmp(o->checkpoint, o->dead_letter) == 0)
        return plx_fail(cfg->ctx, PLX_ECONFIG, "opts: input, output, dead_letter and "
                        "checkpoint must be different files");
    return PLX_OK;
}

static plx_status read_numbers(const plx_cfg *cfg, const cJSON *json, pl_batch_opts *o)
{
    plx_status st = plx_cfg_int(cfg, json, "concurrency", 1, 4096, &o->concurrency);
    /* Lines between the oldest unfinished one and the newest read. Wide, so
     * that one slow record does not stop the others from being read (its
     * finished successors wait here, in order); memory is ~100 bytes a line. */
    o->window = o->concurrency * 32 < 256 ? 256 : o->concurrency * 32;
    if (o->window > 65536)
        o->window = 65536;
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, json, "window", o->concurrency, 1 << 20, &o->window);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, json, "checkpoint_every", 1, INT64_C(1) << 40,
                         &o->checkpoint_every);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, json, "checkpoint_ms", 1, 24 * 3600 * 1000, &o->checkpoint_ms);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, json, "progress_ms", 1, 24 * 3600 * 1000, &o->progress_ms);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, json, "max_line_bytes", 2, INT64_C(1) << 32, &o->max_line_bytes);
    if (st == PLX_OK)
        st = plx_cfg_double(cfg, json, "max_cost_usd", 0, 1e12, &o->max_cost_usd);
    return st;
}

plx_status pl_batch_opts_read(plx_ctx *ctx, const char *opts_json, pl_batch_opts *o)
{
    *o = (pl_batch_opts){.ordered = true, .concurrency = 16, .checkpoint_every = 10000,
                         .checkpoint_ms = 1000, .progress_ms = 1000,
                         .max_line_bytes = 16 << 20};
    plx_cfg cfg = {ctx, "opts"};
    plx_status st = plx_json_parse(ctx, opts_json, "opts", PLX_ECONFIG, &o->json);
    if (st == PLX_OK && !cJSON_IsObject(o->json))
        st = plx_fail(ctx, PLX_ECONFIG, "opts: expected a JSON object");
    if (st == PLX_OK)
        st = plx_cfg_check_keys(&cfg, o->json, KEYS);
    if (st == PLX_OK)
        st = read_paths(&cfg, o->json, o);
    if (st == PLX_OK)
        st = plx_cfg_bool(&cfg, o->json, "resume", &o->resume);
    if (st == PLX_OK)
        st = plx_cfg_bool(&cfg, o->json, "ordered", &o->ordered);
    if (st == PLX_OK)
        st = read_numbers(&cfg, o->json, o);
    return st;
}

void pl_batch_opts_free(pl_batch_opts *o)
{
    free(o->dead_letter);
    free(o->checkpoint);
    cJSON_Delete(o->json);
    *o = (pl_batch_opts){0};
}
