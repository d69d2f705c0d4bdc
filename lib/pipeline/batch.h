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
/* Flushes and fdatasyncs. */
plx_status pl_writer_sync(pl_writer *w);
void pl_writer_close(pl_writer *w);

/* ---- checkpoints (checkpoint.c) ---- */
/* Writes text to path atomically: path.tmp, fsync, rename, fsync of the
 * directory. */
plx_status pl_checkpoint_write(plx_ctx *ctx, const char *path, const char *text);
/* Reads the checkpoint; PLX_ENOTFOUND (no message) if there is none. */
plx_status pl_checkpoint_read(plx_ctx *ctx, const char *path, cJSON **out);

#endif
