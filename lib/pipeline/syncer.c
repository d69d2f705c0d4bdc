/* The checkpoint writer thread. fdatasync and the atomic checkpoint write
 * take milliseconds to tens of milliseconds; done on the running thread
 * they would stop the calls in flight from being answered and new ones
 * from starting. The running thread flushes its writes, snapshots the
 * checkpoint text and hands it over; this thread syncs the files (which
 * makes durable at least every byte the snapshot counts: they were written
 * before) and then replaces the checkpoint file. One checkpoint at a time:
 * while one is being written, the next waits for a later turn. */
#include "batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static plx_status sync_fd(pl_syncer *s, int fd, const char *what)
{
    if (fd < 0 || fdatasync(fd) == 0)
        return PLX_OK;
    return plx_fail(s->ctx, PLX_EIO, "cannot sync the %s file: %s", what, strerror(errno));
}

/* Writes one checkpoint; records a failure for the running thread. */
static void write_one(pl_syncer *s, char *text)
{
    plx_status st = sync_fd(s, s->out_fd, "output");
    if (st == PLX_OK)
        st = sync_fd(s, s->dead_fd, "dead-letter");
    if (st == PLX_OK)
        st = pl_checkpoint_write(s->ctx, s->path, text);
    free(text);
    pthread_mutex_lock(&s->lock);
    if (st != PLX_OK && s->status == PLX_OK) {
        s->status = st;
        snprintf(s->message, sizeof s->message, "%s", plx_errmsg_current());
    }
    s->busy = false;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void *run(void *arg)
{
    pl_syncer *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->pending && !s->quit)
            pthread_cond_wait(&s->cond, &s->lock);
        if (!s->pending)
            break;
        char *text = s->pending;
        s->pending = NULL;
        pthread_mutex_unlock(&s->lock);
        write_one(s, text);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

plx_status pl_syncer_start(pl_syncer *s, plx_ctx *ctx, const char *path, int out_fd,
                           int dead_fd)
{
    *s = (pl_syncer){.ctx = ctx, .path = path, .out_fd = out_fd, .dead_fd = dead_fd};
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
        return plx_fail(ctx, PLX_ENOMEM, "cannot start the checkpoint thread");
    }
    s->started = true;
    return PLX_OK;
}

bool pl_syncer_busy(pl_syncer *s)
{
    pthread_mutex_lock(&s->lock);
    bool busy = s->busy;
    pthread_mutex_unlock(&s->lock);
    return busy;
}

bool pl_syncer_submit(pl_syncer *s, char *text)
{
    pthread_mutex_lock(&s->lock);
    bool free_slot = !s->busy;
    if (free_slot) {
        s->busy = true;
        s->pending = text;
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
    return free_slot;
}

plx_status pl_syncer_wait(pl_syncer *s)
{
    if (!s->started)
        return PLX_OK;
    pthread_mutex_lock(&s->lock);
    while (s->busy)
        pthread_cond_wait(&s->cond, &s->lock);
    plx_status st = s->status;
    pthread_mutex_unlock(&s->lock);
    if (st != PLX_OK)
        plx_fail(s->ctx, st, "%s", s->message);
    return st;
}

plx_status pl_syncer_status(pl_syncer *s)
{
    pthread_mutex_lock(&s->lock);
    plx_status st = s->status;
    pthread_mutex_unlock(&s->lock);
    if (st != PLX_OK)
        plx_fail(s->ctx, st, "%s", s->message);
    return st;
}

void pl_syncer_stop(pl_syncer *s)
{
    if (!s->started)
        return;
    pthread_mutex_lock(&s->lock);
    s->quit = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    free(s->pending);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    s->started = false;
}
