/* The batch runner's durable state: checkpoint content (what was committed,
 * and where to go on), and the summary and progress it reports.
 *
 * Discipline: committed lines are appended to the output and dead-letter
 * files; a checkpoint first fdatasyncs both, then atomically replaces the
 * checkpoint file with (input offset and line of the first uncommitted
 * line, both files' lengths, the lines committed beyond it (unordered
 * mode), the totals). A resume truncates both files to those lengths and
 * reads on from that offset, so the files end up as an uninterrupted run
 * would have written them. */
#include "batch_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT "plexus-batch-checkpoint"
#define VERSION 1

void pl_counts_add(pl_counts *c, const pl_pending *s, size_t nsteps)
{
    c->lines++;
    c->records += s->outcome == PL_OUT_OK || s->outcome == PL_OUT_FAILED;
    c->succeeded += s->outcome == PL_OUT_OK;
    c->failed += s->outcome == PL_OUT_FAILED;
    c->malformed += s->outcome == PL_OUT_MALFORMED;
    c->blank += s->outcome == PL_OUT_BLANK;
    if (!s->steps || (s->outcome != PL_OUT_OK && s->outcome != PL_OUT_FAILED))
        return;
    for (size_t i = 0; i < nsteps; i++) {
        const pl_step_stat *st = &s->steps[i];
        pl_step_totals *t = &c->steps[i];
        t->ok += st->state == PL_OK;
        t->skipped += st->state == PL_SKIPPED;
        t->failed += st->state == PL_FAILED;
        t->defaulted += st->state == PL_DEFAULTED;
        t->not_run += st->state == PL_NOT_RUN;
        t->attempts += st->attempts;
        t->cost_usd += st->cost_usd;
        t->latency_ms += st->latency_ms;
        c->cost_usd += st->cost_usd;
    }
}

/* ---- writing ---- */

static void write_steps(plx_jw *w, const pl_batch *b, bool latency)
{
    plx_jw_begin(w, "steps");
    for (size_t i = 0; i < b->pl->nsteps; i++) {
        const pl_step_totals *t = &b->total.steps[i];
        plx_jw_begin(w, b->pl->steps[i].id);
        plx_jw_int(w, "ok", (int64_t)t->ok);
        plx_jw_int(w, "skipped", (int64_t)t->skipped);
        plx_jw_int(w, "failed", (int64_t)t->failed);
        plx_jw_int(w, "defaulted", (int64_t)t->defaulted);
        plx_jw_int(w, "not_run", (int64_t)t->not_run);
        plx_jw_int(w, "attempts", (int64_t)t->attempts);
        pl_jw_round(w, "cost_usd", t->cost_usd, PL_USD);
        uint64_t ran = t->ok + t->failed + t->defaulted;
        double mean = ran ? (double)t->latency_ms / (double)ran : 0;
        if (latency)
            pl_jw_round(w, "mean_latency_ms", mean, PL_FIGURE);
        else
            plx_jw_int(w, "latency_ms", (int64_t)t->latency_ms);
        plx_jw_end(w);
    }
    plx_jw_end(w);
}

static void write_counts(plx_jw *w, const pl_counts *c)
{
    plx_jw_int(w, "lines", (int64_t)c->lines);
    plx_jw_int(w, "records", (int64_t)c->records);
    plx_jw_int(w, "succeeded", (int64_t)c->succeeded);
    plx_jw_int(w, "failed", (int64_t)c->failed);
    plx_jw_int(w, "malformed", (int64_t)c->malformed);
    plx_jw_int(w, "blank", (int64_t)c->blank);
    pl_jw_round(w, "cost_usd", c->cost_usd, PL_USD);
}

/* Lines committed beyond base_line: done slots of the window, and lines of
 * the previous checkpoint's list not read again yet. */
static void write_done(plx_jw *w, const pl_batch *b)
{
    plx_jw_begin_array(w, "done");
    for (uint64_t line = b->base_line; line < b->next_line; line++)
        if (b->ring[line % b->window].state == SLOT_DONE)
            plx_jw_int(w, NULL, (int64_t)line);
    for (size_t i = b->skip_at; i < b->nskip; i++)
        if (b->skip[i] >= b->next_line)
            plx_jw_int(w, NULL, (int64_t)b->skip[i]);
    plx_jw_end_array(w);
}

static char *checkpoint_text(const pl_batch *b)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_string(&w, "format", FORMAT, strlen(FORMAT));
    plx_jw_int(&w, "version", VERSION);
    plx_jw_string(&w, "pipeline", b->pl->digest, strlen(b->pl->digest));
    plx_jw_string(&w, "input", b->o.input, strlen(b->o.input));
    plx_jw_bool(&w, "ordered", b->o.ordered);
    plx_jw_bool(&w, "complete", b->complete);
    plx_jw_int(&w, "input_offset", (int64_t)b->base_offset);
    plx_jw_int(&w, "input_line", (int64_t)(b->base_line - 1));
    plx_jw_int(&w, "output_bytes", (int64_t)b->out.length);
    plx_jw_int(&w, "dead_letter_bytes", (int64_t)b->dead.length);
    write_done(&w, b);
    plx_jw_begin(&w, "counts");
    write_counts(&w, &b->total);
    plx_jw_end(&w);
    write_steps(&w, b, false);
    plx_jw_end(&w);
    return plx_jw_finish(&w);
}

plx_status pl_batch_checkpoint(pl_batch *b, bool wait)
{
    plx_status st = wait ? pl_syncer_wait(&b->syncer) : pl_syncer_status(&b->syncer);
    if (st != PLX_OK || (!wait && pl_syncer_busy(&b->syncer)))
        return st;
    if ((st = pl_writer_flush(&b->out)) != PLX_OK || (st = pl_writer_flush(&b->dead)) != PLX_OK)
        return st;
    char *text = checkpoint_text(b);
    if (!text)
        return plx_fail(b->ctx, PLX_ENOMEM, "checkpoint: out of memory");
    pl_syncer_submit(&b->syncer, text); /* not busy: only this thread submits */
    b->since_checkpoint = 0;
    b->last_checkpoint_ms = plx_now_ms();
    return wait ? pl_syncer_wait(&b->syncer) : PLX_OK;
}

/* ---- reading ---- */

static bool get_u64(const cJSON *obj, const char *key, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble))
        return false;
    *out = (uint64_t)v->valuedouble;
    return true;
}

static bool get_double(const cJSON *obj, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v))
        return false;
    *out = v->valuedouble;
    return true;
}

static bool read_counts(const cJSON *c, pl_counts *n)
{
    return get_u64(c, "lines", &n->lines) && get_u64(c, "records", &n->records) &&
           get_u64(c, "succeeded", &n->succeeded) && get_u64(c, "failed", &n->failed) &&
           get_u64(c, "malformed", &n->malformed) && get_u64(c, "blank", &n->blank) &&
           get_double(c, "cost_usd", &n->cost_usd);
}

static bool read_steps(const cJSON *steps, const plx_pipeline *pl, pl_counts *n)
{
    for (size_t i = 0; i < pl->nsteps; i++) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(steps, pl->steps[i].id);
        pl_step_totals *t = &n->steps[i];
        if (!get_u64(s, "ok", &t->ok) || !get_u64(s, "skipped", &t->skipped) ||
            !get_u64(s, "failed", &t->failed) || !get_u64(s, "defaulted", &t->defaulted) ||
            !get_u64(s, "not_run", &t->not_run) || !get_u64(s, "attempts", &t->attempts) ||
            !get_double(s, "cost_usd", &t->cost_usd) ||
            !get_u64(s, "latency_ms", &t->latency_ms))
            return false;
    }
    return true;
}

static bool read_done(pl_batch *b, const cJSON *done)
{
    if (!cJSON_IsArray(done))
        return false;
    b->nskip = (size_t)cJSON_GetArraySize(done);
    b->skip = calloc(b->nskip + 1, sizeof *b->skip);
    if (!b->skip)
        return false;
    size_t i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, done) {
        uint64_t line = cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble : 0;
        if (line <= b->base_line || (i && line <= b->skip[i - 1]))
            return false; /* must be ascending, beyond the first uncommitted line */
        b->skip[i++] = line;
    }
    return true;
}

static plx_status check_same_run(pl_batch *b, const cJSON *c)
{
    const cJSON *pipeline = cJSON_GetObjectItemCaseSensitive(c, "pipeline");
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(c, "input");
    const cJSON *ordered = cJSON_GetObjectItemCaseSensitive(c, "ordered");
    const char *path = b->o.checkpoint;
    if (!cJSON_IsString(pipeline) || strcmp(pipeline->valuestring, b->pl->digest) != 0)
        return plx_fail(b->ctx, PLX_ECONFIG, "checkpoint '%s' was written by a different "
                        "pipeline definition: resume with the same one, or start afresh "
                        "(\"resume\": false)", path);
    if (!cJSON_IsString(input) || strcmp(input->valuestring, b->o.input) != 0)
        return plx_fail(b->ctx, PLX_ECONFIG, "checkpoint '%s' is for input '%s', not '%s'",
                        path, cJSON_IsString(input) ? input->valuestring : "?", b->o.input);
    if (!cJSON_IsBool(ordered) || cJSON_IsTrue(ordered) != b->o.ordered)
        return plx_fail(b->ctx, PLX_ECONFIG, "checkpoint '%s' is for \"ordered\": %s: resume "
                        "with the same", path, cJSON_IsTrue(ordered) ? "true" : "false");
    return PLX_OK;
}

static bool read_position(pl_batch *b, const cJSON *c, uint64_t *out_bytes,
                          uint64_t *dead_bytes)
{
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(c, "format");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(c, "version");
    const cJSON *complete = cJSON_GetObjectItemCaseSensitive(c, "complete");
    uint64_t line = 0;
    if (!cJSON_IsString(format) || strcmp(format->valuestring, FORMAT) != 0 ||
        !cJSON_IsNumber(version) || version->valueint != VERSION || !cJSON_IsBool(complete) ||
        !get_u64(c, "input_offset", &b->base_offset) || !get_u64(c, "input_line", &line) ||
        !get_u64(c, "output_bytes", out_bytes) || !get_u64(c, "dead_letter_bytes", dead_bytes))
        return false;
    b->complete = cJSON_IsTrue(complete);
    b->base_line = b->next_line = line + 1;
    return true;
}

plx_status pl_batch_restore(pl_batch *b)
{
    cJSON *c = NULL;
    plx_status st = pl_checkpoint_read(b->ctx, b->o.checkpoint, &c);
    if (st != PLX_OK)
        return st;
    uint64_t out_bytes = 0, dead_bytes = 0;
    st = check_same_run(b, c);
    if (st == PLX_OK &&
        (!read_position(b, c, &out_bytes, &dead_bytes) ||
         !read_done(b, cJSON_GetObjectItemCaseSensitive(c, "done")) ||
         !read_counts(cJSON_GetObjectItemCaseSensitive(c, "counts"), &b->total) ||
         !read_steps(cJSON_GetObjectItemCaseSensitive(c, "steps"), b->pl, &b->total)))
        st = plx_fail(b->ctx, PLX_EIO, "checkpoint '%s': not a valid plexus batch "
                      "checkpoint", b->o.checkpoint);
    cJSON_Delete(c);
    b->out.length = out_bytes;
    b->dead.length = dead_bytes;
    return st;
}

/* ---- reports ---- */

static double elapsed_s(const pl_batch *b)
{
    return (double)(plx_now_ms() - b->start_ms) / 1000.0;
}

static double rate(const pl_batch *b)
{
    double s = elapsed_s(b);
    return s > 0 ? (double)b->lines_this_run / s : 0;
}

char *pl_batch_progress(const pl_batch *b)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_int(&w, "done", (int64_t)b->total.lines);
    plx_jw_int(&w, "failed", (int64_t)(b->total.failed + b->total.malformed));
    double r = rate(b);
    if (b->total_lines >= 0) {
        plx_jw_int(&w, "total", b->total_lines);
        double left = (double)b->total_lines - (double)b->total.lines;
        if (r > 0)
            pl_jw_round(&w, "eta_s", left > 0 ? left / r : 0, PL_FIGURE);
        else
            plx_jw_null(&w, "eta_s");
    } else {
        plx_jw_null(&w, "total");
        plx_jw_null(&w, "eta_s");
    }
    pl_jw_round(&w, "rate", r, PL_FIGURE);
    pl_jw_round(&w, "cost_usd", b->cost_at_start + b->e.spent_usd, PL_USD);
    plx_jw_int(&w, "in_flight", (int64_t)b->e.active);
    plx_jw_end(&w);
    return plx_jw_finish(&w);
}

static void write_files(plx_jw *w, const pl_batch *b)
{
    const pl_batch_opts *o = &b->o;
    plx_jw_begin(w, "files");
    plx_jw_string(w, "input", o->input, strlen(o->input));
    plx_jw_string(w, "output", o->output, strlen(o->output));
    plx_jw_string(w, "dead_letter", o->dead_letter, strlen(o->dead_letter));
    plx_jw_string(w, "checkpoint", o->checkpoint, strlen(o->checkpoint));
    plx_jw_end(w);
}

char *pl_batch_summary(const pl_batch *b)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_bool(&w, "complete", b->complete);
    if (b->stopped)
        plx_jw_string(&w, "stopped", b->stopped, strlen(b->stopped));
    else
        plx_jw_null(&w, "stopped");
    write_counts(&w, &b->total);
    pl_jw_round(&w, "spent_usd", b->e.spent_usd, PL_USD);
    plx_jw_int(&w, "requests", (int64_t)b->e.requests);
    plx_jw_bool(&w, "resumed", b->resumed);
    if (b->resumed)
        plx_jw_int(&w, "resumed_at_line", (int64_t)b->resumed_at_line);
    plx_jw_int(&w, "lines_this_run", (int64_t)b->lines_this_run);
    plx_jw_int(&w, "elapsed_ms", (int64_t)(plx_now_ms() - b->start_ms));
    pl_jw_round(&w, "rate", rate(b), PL_FIGURE);
    write_steps(&w, b, true);
    write_files(&w, b);
    plx_jw_end(&w);
    return plx_jw_finish(&w);
}
