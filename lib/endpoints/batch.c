/* Client-side dynamic batching. Concurrent plx_predict calls to a variant
 * whose requests can share a batch (the same keys besides their rows) are
 * merged: the first caller leads, waits up to max_delay_us for others (or
 * until max_batch rows), sends one request with all the rows, splits the
 * reply's outputs and predictions back by row, and wakes each caller with
 * its own share. Requests that cannot be merged go alone. */
#include "endpoints.h"
#include "../providers/tensor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct waiter {
    struct waiter *next;
    cJSON *request;
    int64_t rows, offset;
    pthread_cond_t cond;
    bool done, alone;
    plx_status st;
    int final;
    char *out;
} waiter;

typedef struct batch {
    const char *key;
    waiter *head, *tail;
    size_t n;
    int64_t rows;
    bool closed;
    pthread_cond_t cond;          /* the leader waits: full, or its deadline */
} batch;

struct plx_batcher {
    pthread_mutex_t lock;
    batch *open;                  /* the batch taking callers, if any */
};

plx_status plx_batcher_new(plx_batcher **out)
{
    plx_batcher *b = calloc(1, sizeof *b);
    if (!b || pthread_mutex_init(&b->lock, NULL) != 0) {
        free(b);
        return PLX_ENOMEM;
    }
    *out = b;
    return PLX_OK;
}

void plx_batcher_free(plx_batcher *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/* ---- which requests can share a batch ----------------------------------- */

/* The request printed without its rows: the rest must be equal. */
static char *print_without(cJSON *request, const char *key)
{
    cJSON *rows = cJSON_DetachItemFromObjectCaseSensitive(request, key);
    char *text = plx_json_print(request);
    cJSON_AddItemToObject(request, key, rows);
    return text;
}

/* Rows of v2 tensors (the first dimension, equal for all) and their
 * signature (names, datatypes, other dimensions); -1 if not batchable. */
static int64_t tensor_rows(const cJSON *inputs, plx_buf *sig)
{
    int64_t rows = -1;
    const cJSON *t;
    cJSON_ArrayForEach(t, inputs) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "name");
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(t, "datatype");
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
        if (!cJSON_IsString(name) || !cJSON_IsString(dt) || !cJSON_IsArray(shape) ||
            !cJSON_IsNumber(shape->child) || shape->child->valuedouble < 1)
            return -1;
        int64_t n = (int64_t)shape->child->valuedouble;
        if (rows >= 0 && n != rows)
            return -1;
        rows = n;
        plx_buf_printf(sig, "%s:%s", name->valuestring, dt->valuestring);
        for (const cJSON *d = shape->child->next; d; d = d->next)
            plx_buf_printf(sig, ",%.0f", d->valuedouble);
        plx_buf_append(sig, ";", 1);
    }
    return rows;
}

char *plx_batch_key(cJSON *request, uint32_t max_batch, int64_t *rows)
{
    const cJSON *instances = cJSON_GetObjectItemCaseSensitive(request, "instances");
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(request, "inputs");
    if (cJSON_GetObjectItemCaseSensitive(request, "raw") || (instances && inputs))
        return NULL;
    plx_buf key = {0};
    char *rest = NULL;
    if (cJSON_IsArray(instances) && instances->child) {
        *rows = cJSON_GetArraySize(instances);
        plx_buf_append_str(&key, "i|");
        rest = print_without(request, "instances");
    } else if (cJSON_IsArray(inputs) && cJSON_IsObject(inputs->child)) {
        plx_buf_append_str(&key, "t|");
        *rows = tensor_rows(inputs, &key);
        rest = *rows > 0 ? print_without(request, "inputs") : NULL;
    }
    if (!rest || *rows >= (int64_t)max_batch || plx_buf_append_str(&key, rest) != PLX_OK) {
        plx_free(rest);
        plx_buf_free(&key);
        return NULL;
    }
    plx_free(rest);
    return plx_buf_steal(&key);
}

/* ---- the merged request ------------------------------------------------- */

static bool skipped(const char *key, const plx_variant *v)
{
    return strcmp(key, "instances") == 0 || strcmp(key, "inputs") == 0 ||
           (v->model && strcmp(key, "model") == 0) ||
           (v->version && (strcmp(key, "version") == 0 || strcmp(key, "label") == 0));
}

/* The i-th tensor of every waiter, concatenated along the first dimension. */
static bool write_merged_tensor(plx_jw *w, plx_ctx *ctx, const batch *b, int i)
{
    plx_tensor *parts = calloc(b->n, sizeof *parts);
    bool ok = parts != NULL;
    size_t k = 0;
    for (const waiter *wt = b->head; wt && ok; wt = wt->next, k++) {
        const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(wt->request, "inputs");
        ok = plx_tensor_read_v2(ctx, cJSON_GetArrayItem(inputs, i), "request.inputs",
                                &parts[k]) == PLX_OK;
    }
    if (ok) {
        const plx_tensor *t = &parts[0];
        plx_jw_begin(w, NULL);
        plx_jw_string(w, "name", t->name, strlen(t->name));
        plx_jw_begin_array(w, "shape");
        plx_jw_int(w, NULL, b->rows);
        for (int d = 1; d < t->ndims; d++)
            plx_jw_int(w, NULL, t->shape[d]);
        plx_jw_end_array(w);
        plx_jw_string(w, "datatype", plx_dtype_name(t->dtype), strlen(plx_dtype_name(t->dtype)));
        if (t->parameters)
            plx_json_write_value(w, "parameters", t->parameters);
        plx_jw_begin_array(w, "data");
        for (k = 0; k < b->n; k++)
            for (size_t j = 0; j < parts[k].count; j++)
                plx_json_write_value(w, NULL, parts[k].values[j]);
        plx_jw_end_array(w);
        plx_jw_end(w);
    }
    for (k = 0; parts && k < b->n; k++)
        plx_tensor_free(&parts[k]);
    free(parts);
    return ok;
}

static char *merged_text(plx_endpoint *e, const plx_variant *v, void *user_data)
{
    batch *b = user_data;
    const cJSON *first = b->head->request, *m;
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    cJSON_ArrayForEach(m, first)
        if (!skipped(m->string, v))
            plx_json_write_value(&w, m->string, m);
    if (v->model)
        plx_jw_string(&w, "model", v->model, strlen(v->model));
    if (v->version)
        plx_jw_string(&w, "version", v->version, strlen(v->version));
    bool ok = true;
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(first, "inputs");
    if (inputs) {
        plx_jw_begin_array(&w, "inputs");
        for (int i = 0; ok && i < cJSON_GetArraySize(inputs); i++)
            ok = write_merged_tensor(&w, e->ctx, b, i);
        plx_jw_end_array(&w);
    } else {
        plx_jw_begin_array(&w, "instances");
        for (const waiter *wt = b->head; wt; wt = wt->next) {
            const cJSON *rows = cJSON_GetObjectItemCaseSensitive(wt->request, "instances"), *r;
            cJSON_ArrayForEach(r, rows)
                plx_json_write_value(&w, NULL, r);
        }
        plx_jw_end_array(&w);
    }
    plx_jw_end(&w);
    if (!ok) {
        plx_buf_free(&w.buf);
        return NULL;
    }
    return plx_jw_finish(&w);
}

/* ---- splitting the reply ------------------------------------------------ */

typedef struct reply_parts {
    cJSON *json;
    const cJSON *predictions;     /* one entry per row, or NULL */
    plx_tensor_list outputs;      /* read from "outputs" (v2 tensors) */
    bool outputs_ok;
} reply_parts;

/* Whether anything in the reply is per row, so it can be split. */
static bool read_reply(plx_ctx *ctx, const char *json, int64_t rows, reply_parts *rp)
{
    rp->json = cJSON_Parse(json);
    const cJSON *pred = cJSON_GetObjectItemCaseSensitive(rp->json, "predictions");
    rp->predictions = cJSON_IsArray(pred) && cJSON_GetArraySize(pred) == rows ? pred : NULL;
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(rp->json, "outputs"), *o;
    rp->outputs_ok = cJSON_IsArray(outputs);
    const cJSON *list = rp->outputs_ok ? outputs : NULL;
    bool per_row = rp->predictions != NULL;
    cJSON_ArrayForEach(o, list) {
        plx_tensor t;
        rp->outputs_ok = plx_tensor_read_v2(ctx, o, "reply.outputs", &t) == PLX_OK &&
                         plx_tensor_list_push(&rp->outputs, &t) == PLX_OK;
        if (!rp->outputs_ok)
            break;
        const plx_tensor *last = &rp->outputs.items[rp->outputs.count - 1];
        per_row = per_row || (last->ndims && last->shape[0] == rows);
    }
    return per_row;
}

static void write_share(plx_jw *w, const reply_parts *rp, const batch *b, const waiter *wt)
{
    const cJSON *m;
    plx_jw_begin(w, NULL);
    cJSON_ArrayForEach(m, rp->json) {
        if (strcmp(m->string, "outputs") == 0 && rp->outputs_ok) {
            plx_jw_begin_array(w, "outputs");
            for (size_t i = 0; i < rp->outputs.count; i++) {
                const plx_tensor *t = &rp->outputs.items[i];
                bool split = t->ndims && t->shape[0] == b->rows;
                plx_tensor_write_v2(w, NULL, t, split ? wt->offset : 0,
                                    split ? wt->offset + wt->rows : plx_tensor_rows(t));
            }
            plx_jw_end_array(w);
        } else if (strcmp(m->string, "predictions") == 0 && rp->predictions) {
            plx_jw_begin_array(w, "predictions");
            int64_t i = 0;
            const cJSON *r;
            cJSON_ArrayForEach(r, rp->predictions) {
                if (i >= wt->offset && i < wt->offset + wt->rows)
                    plx_json_write_value(w, NULL, r);
                i++;
            }
            plx_jw_end_array(w);
        } else {
            plx_json_write_value(w, m->string, m);
        }
    }
    plx_jw_begin(w, "batch");
    plx_jw_int(w, "calls", (int64_t)b->n);
    plx_jw_int(w, "rows", b->rows);
    plx_jw_int(w, "offset", wt->offset);
    plx_jw_end(w);
    plx_jw_end(w);
}

/* Sends the batch and gives every waiter its result (or sends it alone). */
static void run_batch(plx_endpoint *e, int v, batch *b)
{
    int64_t offset = 0;
    for (waiter *wt = b->head; wt; wt = wt->next) {
        wt->offset = offset;
        offset += wt->rows;
        wt->alone = b->n == 1;
    }
    if (b->n == 1)
        return;
    int final = v;
    char *json = NULL;
    plx_status st = plx_endpoint_call(e, v, merged_text, b, &final, &json);
    reply_parts rp = {0};
    bool split = json && (st != PLX_OK || read_reply(e->ctx, json, b->rows, &rp));
    if (json && !split)
        plx_log(e->ctx, PLX_LOG_WARN, "endpoint '%s': the batched reply of variant '%s' has "
                "nothing per row; sending the %zu calls one by one", e->name,
                e->variants[final].name, b->n);
    for (waiter *wt = b->head; wt; wt = wt->next) {
        wt->alone = !split;
        wt->st = st;
        wt->final = final;
        if (split && st != PLX_OK) {
            wt->out = plx_strdup(json);
        } else if (split) {
            plx_jw w = {0};
            write_share(&w, &rp, b, wt);
            wt->out = plx_jw_finish(&w);
        }
    }
    if (split) {
        __atomic_add_fetch(&e->batches, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&e->batch_rows, (uint64_t)b->rows, __ATOMIC_RELAXED);
        __atomic_add_fetch(&e->batch_calls, (uint64_t)b->n, __ATOMIC_RELAXED);
    }
    plx_tensor_list_free(&rp.outputs);
    cJSON_Delete(rp.json);
    plx_free(json);
}

/* ---- joining and leading ------------------------------------------------ */

static void join(batch *b, waiter *w)
{
    if (b->tail)
        b->tail->next = w;
    else
        b->head = w;
    b->tail = w;
    b->n++;
    b->rows += w->rows;
}

/* Takes b out of the batcher so that no one joins it any more. */
static void close_batch(plx_batcher *bt, batch *b)
{
    if (bt->open == b)
        bt->open = NULL;
    b->closed = true;
    pthread_cond_signal(&b->cond);
}

static void deadline_after(struct timespec *ts, uint32_t us)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    uint64_t ns = (uint64_t)ts->tv_nsec + (uint64_t)us * 1000u;
    ts->tv_sec += (time_t)(ns / 1000000000u);
    ts->tv_nsec = (long)(ns % 1000000000u);
}

static void lead(plx_endpoint *e, int v, plx_batcher *bt, batch *b)
{
    struct timespec until;
    deadline_after(&until, e->max_delay_us);
    while (!b->closed && b->rows < (int64_t)e->max_batch)
        if (pthread_cond_timedwait(&b->cond, &bt->lock, &until) == ETIMEDOUT)
            break;
    close_batch(bt, b);
    pthread_mutex_unlock(&bt->lock);
    run_batch(e, v, b);
    pthread_mutex_lock(&bt->lock);
    for (waiter *wt = b->head->next; wt; wt = wt->next) {
        wt->done = true;
        pthread_cond_signal(&wt->cond);
    }
}

plx_status plx_batch_predict(plx_endpoint *e, int v, cJSON *request, char *key, int64_t rows,
                             int *final, char **out, bool *alone)
{
    plx_batcher *bt = e->variants[v].batcher;
    waiter self = {.request = request, .rows = rows};
    pthread_cond_init(&self.cond, NULL);
    pthread_mutex_lock(&bt->lock);
    batch *open = bt->open;
    if (open && strcmp(open->key, key) == 0 && open->rows + rows <= (int64_t)e->max_batch) {
        join(open, &self);
        if (open->rows >= (int64_t)e->max_batch)
            close_batch(bt, open);
        while (!self.done)
            pthread_cond_wait(&self.cond, &bt->lock);
    } else {
        if (open)
            close_batch(bt, open); /* it cannot take this call: send it now */
        batch mine = {.key = key};
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&mine.cond, &attr);
        pthread_condattr_destroy(&attr);
        join(&mine, &self);
        bt->open = &mine;
        lead(e, v, bt, &mine);
        pthread_cond_destroy(&mine.cond);
    }
    pthread_mutex_unlock(&bt->lock);
    pthread_cond_destroy(&self.cond);
    free(key);
    *alone = self.alone;
    *final = self.final;
    *out = self.out;
    return self.st;
}
