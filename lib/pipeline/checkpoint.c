/* Checkpoint files, replaced atomically: the new content goes to PATH.tmp,
 * is fsynced, renamed over PATH, and the directory is fsynced, so PATH
 * always holds one complete checkpoint, old or new, whatever the moment
 * of a crash. */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECKPOINT_MAX (64u * 1024u * 1024u)

static plx_status io_fail(plx_ctx *ctx, const char *what, const char *path)
{
    return plx_fail(ctx, PLX_EIO, "checkpoint: cannot %s '%s': %s", what, path,
                    strerror(errno));
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

static plx_status sync_dir(plx_ctx *ctx, const char *path)
{
    char *copy = plx_strdup(path);
    if (!copy)
        return PLX_ENOMEM;
    const char *dir = dirname(copy);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    plx_status st = PLX_OK;
    if (fd < 0 || fsync(fd) != 0)
        st = io_fail(ctx, "sync the directory of", path);
    if (fd >= 0)
        close(fd);
    free(copy);
    return st;
}

plx_status pl_checkpoint_write(plx_ctx *ctx, const char *path, const char *text)
{
    plx_buf tmp = {0};
    if (plx_buf_printf(&tmp, "%s.tmp", path) != PLX_OK)
        return PLX_ENOMEM;
    plx_status st = PLX_OK;
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        st = io_fail(ctx, "create", tmp.data);
    else if (!write_all(fd, text, strlen(text)) || !write_all(fd, "\n", 1))
        st = io_fail(ctx, "write", tmp.data);
    else if (fsync(fd) != 0)
        st = io_fail(ctx, "sync", tmp.data);
    if (fd >= 0 && close(fd) != 0 && st == PLX_OK)
        st = io_fail(ctx, "close", tmp.data);
    if (st == PLX_OK && rename(tmp.data, path) != 0)
        st = io_fail(ctx, "rename to", path);
    if (st == PLX_OK)
        st = sync_dir(ctx, path);
    plx_buf_free(&tmp);
    return st;
}

plx_status pl_checkpoint_read(plx_ctx *ctx, const char *path, cJSON **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return PLX_ENOTFOUND;
    if (fd < 0)
        return io_fail(ctx, "open", path);
    plx_buf text = {0};
    char chunk[65536];
    ssize_t n;
    plx_status st = PLX_OK;
    while (st == PLX_OK && (n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || text.len + (size_t)n > CHECKPOINT_MAX)
            st = n < 0 ? io_fail(ctx, "read", path)
                       : plx_fail(ctx, PLX_EIO, "checkpoint '%s': too large", path);
        else
            st = plx_buf_append(&text, chunk, (size_t)n);
    }
    close(fd);
    if (st == PLX_OK) {
        char what[600];
        snprintf(what, sizeof what, "checkpoint '%s'", path);
        st = plx_json_parse(ctx, text.data ? text.data : "", what, PLX_EIO, out);
    }
    plx_buf_free(&text);
    return st;
}
