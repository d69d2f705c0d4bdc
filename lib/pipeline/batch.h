/* Internal to the batch runner: JSONL reading and writing with byte
 * offsets, and atomic checkpoint files. */
#ifndef PLX_PIPELINE_BATCH_H
#define PLX_PIPELINE_BATCH_H

#include "pipeline.h"

/* ---- reading (jsonl.c) ---- */
typedef struct pl_line {
    const char *data;       /* without the newline; valid until the next read */
    size_t len;
    size_t bytes;           /* the line's real length (data is an excerpt if too long) */
    bool too_long;
    uint64_t end_offset;    /* input offset just after the line */
} pl_line;

typedef struct pl_reader {
    plx_ctx *ctx;
    const char *path;
    int fd;
    bool is_stdin;
    bool eof;
    char *buf;
    size_t start, end;      /* unread bytes of buf */
    plx_buf line;           /* a line that crosses reads */
    uint64_t offset;        /* bytes consumed */
    size_t max_line;
} pl_reader;

plx_status pl_reader_open(pl_reader *r, plx_ctx *ctx, const char *path, size_t max_line);
void pl_reader_close(pl_reader *r);
/* Continues at offset (a pipe: reads and drops that many bytes). */
plx_status pl_reader_seek(pl_reader *r, uint64_t offset);
/* 1: a line; 0: the end; -1: an error (*st). */
int pl_reader_next(pl_reader *r, pl_line *out, plx_status *st);
int64_t pl_count_lines(const char *path);

/* ---- writing (jsonl.c) ---- */
typedef struct pl_writer {
    plx_ctx *ctx;
    const char *path;
    int fd;
    plx_buf buf;            /* written at flush */
    uint64_t length;        /* the file's length once buf is flushed */
} pl_writer;

/* Opens for appending at length: a new run truncates the file to 0; a
 * resumed run truncates it to length (failing if it is shorter). */
plx_status pl_writer_open(pl_writer *w, plx_ctx *ctx, const char *path, bool resume,
                          uint64_t length);
plx_status pl_writer_append(pl_writer *w, const char *data, size_t len);
plx_status pl_writer_flush(pl_writer *w);
void pl_writer_close(pl_writer *w);

/* ---- the checkpoint thread (syncer.c) ---- */
typedef struct pl_syncer {
    plx_ctx *ctx;
    const char *path;           /* the checkpoint file */
    int out_fd, dead_fd;        /* synced before each checkpoint */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool started;
    bool busy;                  /* lock: a checkpoint is handed over or being written */
    bool quit;                  /* lock */
    char *pending;              /* lock: the text to write */
    plx_status status;          /* lock: the first failure, sticky */
    char message[512];
} pl_syncer;

plx_status pl_syncer_start(pl_syncer *s, plx_ctx *ctx, const char *path, int out_fd,
                           int dead_fd);
bool pl_syncer_busy(pl_syncer *s);
/* Hands text (malloc'd) over: false, keeping nothing, while busy. The
 * files must have been written up to what text counts. */
bool pl_syncer_submit(pl_syncer *s, char *text);
/* Waits until no checkpoint is being written; the first failure, if any. */
plx_status pl_syncer_wait(pl_syncer *s);
plx_status pl_syncer_status(pl_syncer *s);
/* Finishes the checkpoint being written and ends the thread. */
void pl_syncer_stop(pl_syncer *s);

/* ---- checkpoints (checkpoint.c) ---- */
/* Writes text to path atomically: path.tmp, fsync, rename, fsync of the
 * directory. */
plx_status pl_checkpoint_write(plx_ctx *ctx, const char *path, const char *text);
/* Reads the checkpoint; PLX_ENOTFOUND (no message) if there is none. */
plx_status pl_checkpoint_read(plx_ctx *ctx, const char *path, cJSON **out);

#endif
