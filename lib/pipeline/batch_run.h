/* Internal to the batch runner: its options, counters and state. */
#ifndef PLX_PIPELINE_BATCH_RUN_H
#define PLX_PIPELINE_BATCH_RUN_H

#include "batch.h"

typedef struct pl_batch_opts {
    cJSON *json;                /* owns the strings below it */
    const char *input, *output;
    char *dead_letter, *checkpoint;
    bool resume, ordered;
    int64_t concurrency, window, checkpoint_every, checkpoint_ms, progress_ms;
    int64_t max_line_bytes;
    double max_cost_usd;
} pl_batch_opts;

plx_status pl_batch_opts_read(plx_ctx *ctx, const char *opts_json, pl_batch_opts *o);
void pl_batch_opts_free(pl_batch_opts *o);

/* How a line ended up. */
typedef enum pl_outcome {
    PL_OUT_OK,          /* a result line */
    PL_OUT_FAILED,      /* the record failed: a dead letter */
    PL_OUT_MALFORMED,   /* not JSON, or too long: a dead letter */
    PL_OUT_BLANK        /* an empty line: nothing written */
} pl_outcome;

/* One step of one record, kept until the record is committed. */
typedef struct pl_step_stat {
    uint8_t state;
    uint32_t attempts;
    uint32_t latency_ms;
    double cost_usd;
} pl_step_stat;

/* Totals of committed lines; a checkpoint carries them across resumes. */
typedef struct pl_counts {
    uint64_t lines, records, succeeded, failed, malformed, blank;
    double cost_usd;
    pl_step_totals *steps;      /* one per step */
} pl_counts;

/* A line between reading and committing. */
typedef enum pl_slot_state { SLOT_FREE, SLOT_RUNNING, SLOT_READY, SLOT_DONE } pl_slot_state;

typedef struct pl_pending {
    uint8_t state;
    uint8_t outcome;
    uint64_t line;
    uint64_t end_offset;        /* input offset after the line */
    char *text;                 /* the line to write, with its newline */
    size_t len;
    pl_step_stat *steps;
} pl_pending;

typedef struct pl_batch {
    plx_pipeline *pl;
    plx_ctx *ctx;
    pl_batch_opts o;
    pl_engine e;
    bool engine_ready;
    pl_reader in;
    pl_writer out, dead;
    pl_syncer syncer;
    pl_pending *ring;
    size_t window;
    uint64_t base_line;         /* first line not committed (lines count from 1) */
    uint64_t base_offset;       /* its input offset */
    uint64_t next_line;         /* the next line to read */
    uint64_t *skip;             /* resume: lines committed above base_line */
    size_t nskip, skip_at;
    pl_counts total;
    uint64_t since_checkpoint, last_checkpoint_ms, last_progress_ms, start_ms;
    uint64_t lines_this_run;
    double cost_at_start;
    int64_t total_lines;        /* -1: unknown */
    bool eof, stop, complete, resumed;
    uint64_t resumed_at_line;
    const char *stopped;        /* why it stopped early, or NULL */
    plx_status status;
    plx_progress_fn progress;
    void *user_data;
} pl_batch;

/* batch_state.c: checkpoints, summary, progress. */
/* Writes the files' buffered lines and has the checkpoint thread record
 * them; wait: until it is on disk (else, while the thread is busy with the
 * previous one, it is left for a later call). */
plx_status pl_batch_checkpoint(pl_batch *b, bool wait);
/* Reads the checkpoint into b (resume). PLX_ENOTFOUND: there is none. */
plx_status pl_batch_restore(pl_batch *b);
char *pl_batch_summary(const pl_batch *b);
char *pl_batch_progress(const pl_batch *b);
void pl_counts_add(pl_counts *c, const pl_pending *s, size_t nsteps);

#endif
