/* plx_pipeline_run_batch: JSONL records through the engine, `concurrency`
 * of them in flight, results to a JSONL file, crash-safe.
 *
 * Every input line takes a slot of a ring (the window) from reading to
 * committing. Committing a line appends its result (or dead letter) to the
 * files and counts it; in ordered mode lines commit strictly in input
 * order, otherwise as they finish. The first uncommitted line is the
 * resume point a checkpoint records (batch_state.c has the discipline). */
#include "batch_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TURN_MAX_WAIT_MS 100

static pl_pending *slot_of(pl_batch *b, uint64_t line)
{
    return &b->ring[line % b->window];
}

/* ---- committing ---- */

static void commit_slot(pl_batch *b, pl_pending *s)
{
    pl_writer *w = s->outcome == PL_OUT_OK ? &b->out : &b->dead;
    if (s->len && b->status == PLX_OK)
        b->status = pl_writer_append(w, s->text, s->len);
    pl_counts_add(&b->total, s, b->pl->nsteps);
    free(s->text);
    s->text = NULL;
    s->len = 0;
    s->state = SLOT_DONE;
    b->since_checkpoint++;
    b->lines_this_run++;
}

static void slot_ready(pl_batch *b, pl_pending *s)
{
    s->state = SLOT_READY;
    if (!b->o.ordered)
        commit_slot(b, s);
}

/* Commits the ready prefix (ordered) and moves the resume point past
 * every committed line. */
static void commit(pl_batch *b)
{
    while (b->base_line < b->next_line) {
        pl_pending *s = slot_of(b, b->base_line);
        if (s->state == SLOT_READY)
            commit_slot(b, s);
        if (s->state != SLOT_DONE)
            break;
        b->base_offset = s->end_offset;
        b->base_line++;
        s->state = SLOT_FREE;
    }
}

/* ---- result lines ---- */

static void set_text(pl_batch *b, pl_pending *s, plx_jw *w)
{
    plx_jw_end(w);
    if (w->status == PLX_OK)
        w->status = plx_buf_append(&w->buf, "\n", 1);
    s->text = plx_jw_finish(w);
    if (!s->text && b->status == PLX_OK)
        b->status = plx_fail(b->ctx, PLX_ENOMEM, "plx_pipeline_run_batch: out of memory");
    s->len = s->text ? strlen(s->text) : 0;
}

/* {"line": N, "error": {"step"?, "code", "message", ...}, "input": ...} */
static void dead_letter(pl_batch *b, pl_pending *s, const pl_run *r, plx_status st,
                        const char *message)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_int(&w, "line", (int64_t)s->line);
    plx_jw_begin(&w, "error");
    const cJSON *error = r->failed_step >= 0 ? r->steps[r->failed_step].error : NULL;
    if (r->failed_step >= 0) {
        const char *id = b->pl->steps[r->failed_step].id;
        plx_jw_string(&w, "step", id, strlen(id));
    }
    if (!error) {
        plx_jw_string(&w, "code", plx_status_name(st), strlen(plx_status_name(st)));
        plx_jw_string(&w, "message", message, strlen(message));
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, error)
        pl_jw_cjson(&w, item->string, item);
    plx_jw_end(&w);
    pl_jw_cjson(&w, "input", r->input);
    s->outcome = PL_OUT_FAILED;
    set_text(b, s, &w);
}

static void keep_stats(pl_batch *b, pl_pending *s, const pl_run *r)
{
    for (size_t i = 0; i < b->pl->nsteps; i++) {
        const pl_step_state *st = &r->steps[i];
        uint64_t us = st->started_us && st->ended_us > st->started_us
                          ? st->ended_us - st->started_us : 0;
        s->steps[i] = (pl_step_stat){.state = st->state, .attempts = st->attempts,
                                     .latency_ms = (uint32_t)(us / 1000),
                                     .cost_usd = st->cost_usd};
    }
}

static void finished(pl_batch *b, pl_run *r)
{
    pl_pending *s = r->user;
    keep_stats(b, s, r);
    plx_status st = pl_run_status(r);
    if (st != PLX_OK) {
        dead_letter(b, s, r, st, "");
        return;
    }
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_int(&w, "line", (int64_t)s->line);
    st = pl_run_render_output(b->pl, r, &w, "output");
    if (st == PLX_OK) {
        s->outcome = PL_OUT_OK;
        set_text(b, s, &w);
        return;
    }
    char message[1024];
    snprintf(message, sizeof message, "%s", plx_errmsg_current());
    plx_buf_free(&w.buf);
    dead_letter(b, s, r, st, message);
}

/* ---- reading ---- */

/* {"line": N, "error": {"code": "PLX_EINVAL", "message"}, "raw": excerpt} */
static void malformed(pl_batch *b, pl_pending *s, const pl_line *l, const char *why)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_int(&w, "line", (int64_t)s->line);
    plx_jw_begin(&w, "error");
    plx_jw_string(&w, "code", "PLX_EINVAL", 10);
    plx_jw_string(&w, "message", why, strlen(why));
    plx_jw_end(&w);
    plx_jw_string(&w, "raw", l->data, l->len < 4096 ? l->len : 4096);
    s->outcome = PL_OUT_MALFORMED;
    set_text(b, s, &w);
    slot_ready(b, s);
}

static bool blank(const pl_line *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->data[i] != ' ' && l->data[i] != '\t' && l->data[i] != '\r')
            return false;
    return true;
}

/* Parses a line; on failure describes where. */
static cJSON *parse_line(const pl_line *l, char *why, size_t cap)
{
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithLengthOpts(l->data, l->len, &end, false);
    const char *p = end ? end : l->data;
    while (json && p < l->data + l->len && (*p == ' ' || *p == '\t'))
        p++;
    if (json && p == l->data + l->len)
        return json;
    cJSON_Delete(json);
    snprintf(why, cap, "invalid JSON at column %zu", (size_t)(p - l->data) + 1);
    return NULL;
}

static bool skipped_on_resume(pl_batch *b, uint64_t line)
{
    while (b->skip_at < b->nskip && b->skip[b->skip_at] < line)
        b->skip_at++;
    return b->skip_at < b->nskip && b->skip[b->skip_at] == line;
}

static void start_line(pl_batch *b, pl_pending *s, const pl_line *l)
{
    char why[128];
    if (l->too_long) {
        snprintf(why, sizeof why, "the line has %zu bytes, more than max_line_bytes", l->bytes);
        malformed(b, s, l, why);
        return;
    }
    if (blank(l)) {
        s->outcome = PL_OUT_BLANK;
        slot_ready(b, s);
        return;
    }
    cJSON *input = parse_line(l, why, sizeof why);
    if (!input) {
        malformed(b, s, l, why);
        return;
    }
    s->state = SLOT_RUNNING;
    if (!pl_run_start(&b->e, input, s->line, s))
        b->status = plx_fail(b->ctx, PLX_ENOMEM, "plx_pipeline_run_batch: out of memory");
}

/* Reads lines while there is room in flight and in the window. */
static void admit(pl_batch *b)
{
    while (b->status == PLX_OK && !b->eof && !b->stop &&
           b->e.active < (size_t)b->o.concurrency && b->next_line - b->base_line < b->window) {
        pl_line l;
        int got = pl_reader_next(&b->in, &l, &b->status);
        if (got <= 0) {
            b->eof = got == 0;
            return;
        }
        uint64_t line = b->next_line++;
        pl_pending *s = slot_of(b, line);
        s->line = line;
        s->end_offset = l.end_offset;
        s->text = NULL;
        s->len = 0;
        if (skipped_on_resume(b, line))
            s->state = SLOT_DONE; /* committed before the crash */
        else
            start_line(b, s, &l);
    }
}

/* ---- the loop ---- */

static void check_budget(pl_batch *b)
{
    /* A little slack: sums of prices like 0.01 are not exact. */
    if (b->o.max_cost_usd > 0 && !b->stop &&
        b->cost_at_start + b->e.spent_usd >= b->o.max_cost_usd * (1 - 1e-9)) {
        b->stop = true;
        b->stopped = "max_cost_usd";
    }
}

static void report_progress(pl_batch *b, bool force)
{
    uint64_t now = plx_now_ms();
    if (!b->progress || (!force && now - b->last_progress_ms < (uint64_t)b->o.progress_ms))
        return;
    b->last_progress_ms = now;
    char *json = pl_batch_progress(b);
    if (json && b->progress(json, b->user_data) != 0 && !b->stop) {
        b->stop = true;
        b->stopped = "canceled";
    }
    plx_free(json);
}

static void maybe_checkpoint(pl_batch *b)
{
    uint64_t now = plx_now_ms();
    if (b->since_checkpoint == 0 || b->status != PLX_OK)
        return;
    if (b->since_checkpoint >= (uint64_t)b->o.checkpoint_every ||
        now - b->last_checkpoint_ms >= (uint64_t)b->o.checkpoint_ms)
        b->status = pl_batch_checkpoint(b, false);
}

static int turn_wait(const pl_batch *b)
{
    uint64_t now = plx_now_ms();
    int64_t wait = TURN_MAX_WAIT_MS;
    int64_t to_checkpoint = (int64_t)(b->last_checkpoint_ms + (uint64_t)b->o.checkpoint_ms) -
                            (int64_t)now;
    if (b->since_checkpoint && to_checkpoint < wait)
        wait = to_checkpoint;
    return wait < 0 ? 0 : (int)wait;
}

static void loop(pl_batch *b)
{
    for (;;) {
        check_budget(b);
        admit(b);
        commit(b);
        if (b->status != PLX_OK)
            return;
        if (b->e.active == 0 && (b->eof || b->stop) && b->base_line == b->next_line)
            return;
        if (b->e.active)
            pl_engine_turn(&b->e, turn_wait(b));
        if (b->e.fatal) {
            b->status = plx_fail(b->ctx, b->e.fatal, "plx_pipeline_run_batch: %s",
                                 plx_status_str(b->e.fatal));
            return;
        }
        for (pl_run *r; (r = pl_engine_take(&b->e));) {
            finished(b, r);
            slot_ready(b, r->user);
            pl_run_free(r);
        }
        commit(b);
        check_budget(b);
        maybe_checkpoint(b);
        report_progress(b, false);
    }
}

/* ---- setting up ---- */

static plx_status open_files(pl_batch *b)
{
    bool resume = b->o.resume;
    plx_status st = PLX_OK;
    if (resume) {
        st = pl_batch_restore(b);
        b->resumed = st == PLX_OK;
        if (st == PLX_ENOTFOUND) /* nothing to resume: start afresh */
            resume = false, st = PLX_OK;
    }
    b->resumed_at_line = b->base_line;
    b->cost_at_start = b->total.cost_usd;
    if (st == PLX_OK)
        st = pl_writer_open(&b->out, b->ctx, b->o.output, resume, b->out.length);
    if (st == PLX_OK)
        st = pl_writer_open(&b->dead, b->ctx, b->o.dead_letter, resume, b->dead.length);
    if (st == PLX_OK)
        st = pl_reader_open(&b->in, b->ctx, b->o.input, (size_t)b->o.max_line_bytes);
    if (st == PLX_OK && b->base_offset)
        st = pl_reader_seek(&b->in, b->base_offset);
    if (st == PLX_OK)
        st = pl_syncer_start(&b->syncer, b->ctx, b->o.checkpoint, b->out.fd, b->dead.fd);
    if (st == PLX_OK && !resume)
        st = pl_batch_checkpoint(b, true); /* a stale checkpoint must not survive */
    return st;
}

static plx_status setup(pl_batch *b, const char *opts_json)
{
    plx_status st = pl_batch_opts_read(b->ctx, opts_json, &b->o);
    if (st != PLX_OK)
        return st;
    b->window = (size_t)b->o.window;
    b->ring = calloc(b->window, sizeof *b->ring);
    b->total.steps = calloc(b->pl->nsteps, sizeof *b->total.steps);
    pl_step_stat *stats = calloc(b->window * b->pl->nsteps, sizeof *stats);
    if (!b->ring || !b->total.steps || !stats) {
        free(stats);
        return plx_fail(b->ctx, PLX_ENOMEM, "plx_pipeline_run_batch: out of memory");
    }
    for (size_t i = 0; i < b->window; i++)
        b->ring[i].steps = stats + i * b->pl->nsteps;
    b->base_line = b->next_line = 1;
    if ((st = open_files(b)) != PLX_OK)
        return st;
    b->total_lines = pl_count_lines(b->o.input);
    if ((st = pl_engine_init(&b->e, b->pl)) == PLX_OK)
        b->engine_ready = true;
    return st;
}

static void teardown(pl_batch *b)
{
    if (b->engine_ready)
        pl_engine_cleanup(&b->e);
    pl_syncer_stop(&b->syncer);
    for (size_t i = 0; b->ring && i < b->window; i++)
        free(b->ring[i].text);
    if (b->ring)
        free(b->ring[0].steps);
    free(b->ring);
    free(b->total.steps);
    free(b->skip);
    pl_reader_close(&b->in);
    pl_writer_close(&b->out);
    pl_writer_close(&b->dead);
    pl_batch_opts_free(&b->o);
}

static plx_status finish(pl_batch *b)
{
    if (b->status != PLX_OK)
        return b->status; /* the last good checkpoint stands */
    b->complete = b->complete || (b->eof && !b->stop);
    plx_status st = pl_batch_checkpoint(b, true);
    report_progress(b, true);
    if (st != PLX_OK || !b->stopped)
        return st;
    if (strcmp(b->stopped, "max_cost_usd") == 0)
        return plx_fail(b->ctx, PLX_EBUDGET, "max_cost_usd (%.6g) reached at line %llu: "
                        "resume with a larger budget to go on", b->o.max_cost_usd,
                        (unsigned long long)b->base_line);
    return plx_fail(b->ctx, PLX_ECANCELED, "stopped by the progress callback at line %llu: "
                    "resume to go on", (unsigned long long)b->base_line);
}

PLX_API plx_status plx_pipeline_run_batch(plx_pipeline *pl, const char *opts_json,
                                          plx_progress_fn progress_fn, void *user_data,
                                          char **summary_json)
{
    if (summary_json)
        *summary_json = NULL;
    if (!pl || !opts_json || !summary_json)
        return plx_fail(pl ? pl->ctx : NULL, PLX_EINVAL, "plx_pipeline_run_batch: "
                        "pipeline, opts and summary must not be NULL");
    if (!pl_begin(pl))
        return PLX_EBUSY;
    pl_batch b = {.pl = pl, .ctx = pl->ctx, .progress = progress_fn, .user_data = user_data,
                  .start_ms = plx_now_ms(), .in.fd = -1, .out.fd = -1, .dead.fd = -1};
    b.last_progress_ms = b.last_checkpoint_ms = b.start_ms;
    b.status = setup(&b, opts_json);
    plx_status st = b.status;
    if (st == PLX_OK && !b.complete)
        loop(&b);
    if (st == PLX_OK) {
        st = finish(&b);
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", plx_errmsg_current());
        *summary_json = pl_batch_summary(&b);
        if (st != PLX_OK)
            plx_fail(pl->ctx, st, "%s", msg);
    }
    teardown(&b);
    pl_end(pl);
    return st;
}
