/* JSONL files for the batch runner: a line reader that knows the byte
 * offset of every line (checkpoints record it), and an appending writer
 * that knows its logical length (resume truncates to it). */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (1u << 20)
#define WRITE_FLUSH (256u * 1024u)
#define TOO_LONG_KEEP 256   /* bytes of an over-long line kept for the dead letter */

static plx_status io_fail(plx_ctx *ctx, const char *what, const char *path)
{
    return plx_fail(ctx, PLX_EIO, "%s '%s': %s", what, path, strerror(errno));
}

plx_status pl_reader_open(pl_reader *r, plx_ctx *ctx, const char *path, size_t max_line)
{
    *r = (pl_reader){.fd = -1, .ctx = ctx, .path = path, .max_line = max_line};
    r->is_stdin = strcmp(path, "-") == 0;
    r->fd = r->is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return io_fail(ctx, "cannot open the input", path);
    r->buf = malloc(READ_CHUNK);
    return r->buf ? PLX_OK : PLX_ENOMEM;
}

void pl_reader_close(pl_reader *r)
{
    if (r->fd >= 0 && !r->is_stdin)
        close(r->fd);
    r->fd = -1;
    free(r->buf);
    r->buf = NULL;
    plx_buf_free(&r->line);
}

static plx_status fill(pl_reader *r)
{
    for (;;) {
        ssize_t n = read(r->fd, r->buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return io_fail(r->ctx, "cannot read the input", r->path);
        r->start = 0;
        r->end = (size_t)n;
        r->eof = n == 0;
        return PLX_OK;
    }
}

plx_status pl_reader_seek(pl_reader *r, uint64_t offset)
{
    struct stat sb;
    if (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size < offset)
        return plx_fail(r->ctx, PLX_EIO, "the input '%s' has %llu bytes, fewer than the "
                        "checkpoint's offset %llu: not the same input", r->path,
                        (unsigned long long)sb.st_size, (unsigned long long)offset);
    if (lseek(r->fd, (off_t)offset, SEEK_SET) == (off_t)offset) {
        r->offset = offset;
        r->start = r->end = 0;
        return PLX_OK;
    }
    if (!r->is_stdin)
        return io_fail(r->ctx, "cannot seek in the input", r->path);
    /* A pipe: the same input again, and the first offset bytes skipped. */
    while (r->offset < offset) {
        plx_status st = fill(r);
        if (st != PLX_OK)
            return st;
        if (r->eof)
            return plx_fail(r->ctx, PLX_EIO, "the input ends at byte %llu, before the "
                            "checkpoint's offset %llu: not the same input",
                            (unsigned long long)r->offset, (unsigned long long)offset);
        size_t take = r->end - r->start;
        if (take > offset - r->offset)
            take = (size_t)(offset - r->offset);
        r->start += take;
        r->offset += take;
    }
    return PLX_OK;
}

/* Adds bytes of the current line, keeping at most max_line (then only an
 * excerpt, and the line is marked too long). */
static plx_status keep(pl_reader *r, const char *data, size_t n, pl_line *out)
{
    out->bytes += n;
    if (out->too_long)
        return PLX_OK;
    if (out->bytes > r->max_line) {
        out->too_long = true;
        size_t have = r->line.len < TOO_LONG_KEEP ? r->line.len : TOO_LONG_KEEP;
        r->line.len = have;
        size_t more = TOO_LONG_KEEP - have;
        return plx_buf_append(&r->line, data, n < more ? n : more);
    }
    return plx_buf_append(&r->line, data, n);
}

static void finish_line(pl_reader *r, const char *data, size_t len, pl_line *out)
{
    if (len && data[len - 1] == '\r' && !out->too_long)
        len--; /* CRLF files */
    out->data = data;
    out->len = len;
    out->end_offset = r->offset;
}

int pl_reader_next(pl_reader *r, pl_line *out, plx_status *st)
{
    *out = (pl_line){0};
    r->line.len = 0;
    bool partial = false;
    for (;;) {
        if (r->start == r->end) {
            if (!r->eof && (*st = fill(r)) != PLX_OK)
                return -1;
            if (r->start == r->end) {
                if (!partial)
                    return 0;
                finish_line(r, r->line.data, r->line.len, out); /* no final newline */
                return 1;
            }
        }
        const char *from = r->buf + r->start;
        const char *nl = memchr(from, '\n', r->end - r->start);
        size_t n = nl ? (size_t)(nl - from) : r->end - r->start;
        r->start += n + (nl ? 1 : 0);
        r->offset += n + (nl ? 1 : 0);
        if (nl && !partial) {
            out->bytes = n;
            out->too_long = n > r->max_line;
            if (!out->too_long) {
                finish_line(r, from, n, out);
                return 1;
            }
            n = n < TOO_LONG_KEEP ? n : TOO_LONG_KEEP;
            if ((*st = plx_buf_append(&r->line, from, n)) != PLX_OK)
                return -1;
            finish_line(r, r->line.data, r->line.len, out);
            return 1;
        }
        partial = true;
        if ((*st = keep(r, from, n, out)) != PLX_OK)
            return -1;
        if (nl) {
            finish_line(r, r->line.data ? r->line.data : "", r->line.len, out);
            return 1;
        }
    }
}

/* Lines in a regular file, for progress; -1 when not a regular file. */
int64_t pl_count_lines(const char *path)
{
    if (strcmp(path, "-") == 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char *buf = malloc(READ_CHUNK);
    int64_t lines = 0;
    char last = '\n';
    ssize_t n;
    while (buf && (n = read(fd, buf, READ_CHUNK)) > 0) {
        for (char *p = buf, *end = buf + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
            lines++;
        last = buf[n - 1];
    }
    if (last != '\n')
        lines++;
    free(buf);
    close(fd);
    return buf ? lines : -1;
}

/* ---- the writer ---- */

plx_status pl_writer_open(pl_writer *w, plx_ctx *ctx, const char *path, bool resume,
                          uint64_t length)
{
    *w = (pl_writer){.fd = -1, .ctx = ctx, .path = path};
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (resume ? 0 : O_TRUNC);
    w->fd = open(path, flags, 0644);
    if (w->fd < 0)
        return io_fail(ctx, "cannot open", path);
    struct stat sb;
    if (fstat(w->fd, &sb) != 0)
        return io_fail(ctx, "cannot stat", path);
    if (resume && (uint64_t)sb.st_size < length)
        return plx_fail(ctx, PLX_EIO, "'%s' has %llu bytes, fewer than the %llu the "
                        "checkpoint recorded: it was changed since", path,
                        (unsigned long long)sb.st_size, (unsigned long long)length);
    if (resume && ftruncate(w->fd, (off_t)length) != 0)
        return io_fail(ctx, "cannot truncate", path);
    if (lseek(w->fd, (off_t)length, SEEK_SET) < 0)
        return io_fail(ctx, "cannot seek in", path);
    w->length = length;
    return PLX_OK;
}

plx_status pl_writer_flush(pl_writer *w)
{
    size_t done = 0;
    while (done < w->buf.len) {
        ssize_t n = write(w->fd, w->buf.data + done, w->buf.len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return io_fail(w->ctx, "cannot write", w->path);
        done += (size_t)n;
    }
    w->buf.len = 0;
    return PLX_OK;
}

plx_status pl_writer_append(pl_writer *w, const char *data, size_t len)
{
    plx_status st = plx_buf_append(&w->buf, data, len);
    if (st != PLX_OK)
        return st;
    w->length += len;
    return w->buf.len >= WRITE_FLUSH ? pl_writer_flush(w) : PLX_OK;
}

void pl_writer_close(pl_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    plx_buf_free(&w->buf);
}
