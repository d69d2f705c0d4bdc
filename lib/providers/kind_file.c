/* Kind "file": a JSONL sink for alerts and results. Each call appends one
 * line:
 *
 *   op notify (a canonical alert)  {"ts":"2025-01-31T12:00:00.123Z","alert":{...}}
 *   op write (any JSON object)     {"ts":"...","data":{...}}
 *
 * and returns {"written": true, "path", "bytes"}. Lines from many threads
 * and processes never mix: the file is opened with O_APPEND and each line
 * goes out in one write(). build checks and serializes the request (pure);
 * the kind's in-process transport, installed by configure, does the I/O,
 * so retries, stats and async work as for any other kind. */
#include "providers.h"
#include "alert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REOPEN_CHECK_MS 1000    /* how often to notice a rotated or removed file */
#define INLINE_LINE 4096

static const char *const CONFIG_KEYS[] = {"path", "fsync", "max_bytes", NULL};

typedef struct file_state {
    char *path;
    bool fsync;
    int64_t max_bytes;          /* 0: no limit */
    pthread_mutex_t lock;       /* guards what follows */
    int fd;                     /* -1 until the first write */
    dev_t dev;
    ino_t ino;
    uint64_t checked_ms;
} file_state;

/* ---- the in-process transport: appends the line ---- */

static plx_status io_error(plx_response *resp, const file_state *fs, const char *what,
                           int err)
{
    char buf[128], message[1024];
    const char *text = strerror_r(err, buf, sizeof buf);
    snprintf(message, sizeof message, "%s '%s': %s", what, fs->path, text);
    plx_response_set_error_message(resp, message);
    return PLX_EIO;
}

/* Opens the file, or reopens it when the path now names another file
 * (rotated, removed). Under the lock. */
static plx_status ensure_open(file_state *fs, plx_response *resp)
{
    uint64_t now = plx_now_ms();
    if (fs->fd >= 0 && now - fs->checked_ms < REOPEN_CHECK_MS)
        return PLX_OK;
    struct stat st;
    if (fs->fd >= 0) {
        fs->checked_ms = now;
        if (stat(fs->path, &st) == 0 && st.st_dev == fs->dev && st.st_ino == fs->ino)
            return PLX_OK;
        close(fs->fd);
        fs->fd = -1;
    }
    int fd = open(fs->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return io_error(resp, fs, "cannot open", errno);
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return io_error(resp, fs, "cannot stat", err);
    }
    fs->fd = fd;
    fs->dev = st.st_dev;
    fs->ino = st.st_ino;
    fs->checked_ms = now;
    return PLX_OK;
}

/* One write() of the whole line. Under the lock. */
static plx_status append_line(file_state *fs, const char *line, size_t len,
                              plx_response *resp)
{
    plx_status st = ensure_open(fs, resp);
    if (st != PLX_OK)
        return st;
    struct stat info;
    if (fs->max_bytes && fstat(fs->fd, &info) == 0 &&
        info.st_size + (int64_t)len > fs->max_bytes) {
        char message[1024];
        snprintf(message, sizeof message, "'%s' would grow past max_bytes (%lld): line "
                 "of %zu bytes not written", fs->path, (long long)fs->max_bytes, len);
        plx_response_set_error_message(resp, message);
        return PLX_EIO;
    }
    ssize_t n;
    do
        n = write(fs->fd, line, len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return io_error(resp, fs, "cannot write to", errno);
    if ((size_t)n != len)
        return io_error(resp, fs, "short write (disk full?) to", ENOSPC);
    if (fs->fsync && fdatasync(fs->fd) != 0)
        return io_error(resp, fs, "cannot sync", errno);
    return PLX_OK;
}

/* "2025-01-31T12:00:00.123Z" (UTC, milliseconds). */
static size_t timestamp(char *dst, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(dst, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(dst + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000L);
    return n;
}

static plx_status write_result(plx_response *resp, const file_state *fs, size_t bytes)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_bool(&w, "written", true);
    plx_jw_string(&w, "path", fs->path, strlen(fs->path));
    plx_jw_int(&w, "bytes", (int64_t)bytes);
    plx_jw_end(&w);
    char *json = plx_jw_finish(&w);
    if (!json)
        return PLX_ENOMEM;
    plx_status st = plx_response_set_status(resp, 200);
    if (st == PLX_OK)
        st = plx_response_add_header(resp, "content-type", "application/json");
    if (st == PLX_OK)
        st = plx_response_append_body(resp, json, strlen(json));
    plx_free(json);
    return st;
}

static plx_status file_send(const plx_request *req, plx_response *resp, void *user_data)
{
    file_state *fs = user_data;
    const char *url = plx_request_url(req);
    const char *key = strcmp(url, "http://file/notify") == 0  ? "alert"
                      : strcmp(url, "http://file/write") == 0 ? "data" : NULL;
    size_t len = 0;
    const char *body = plx_request_body(req, &len);
    if (!key || !body || !len) {
        plx_response_set_error_message(resp, "not a request of kind 'file'");
        return PLX_EINTERNAL;
    }
    char ts[48], inline_line[INLINE_LINE];
    size_t tlen = timestamp(ts, sizeof ts);
    size_t total = 8 + tlen + 4 + strlen(key) + 2 + len + 2;
    char *line = total <= sizeof inline_line ? inline_line : malloc(total);
    if (!line)
        return PLX_ENOMEM;
    int head = snprintf(line, total, "{\"ts\":\"%s\",\"%s\":", ts, key);
    size_t n = (size_t)head;
    memcpy(line + n, body, len);
    n += len;
    line[n++] = '}';
    line[n++] = '\n';
    pthread_mutex_lock(&fs->lock);
    plx_status st = append_line(fs, line, n, resp);
    pthread_mutex_unlock(&fs->lock);
    if (line != inline_line)
        free(line);
    return st == PLX_OK ? write_result(resp, fs, n) : st;
}

/* ---- configure ---- */

static void state_free(void *state)
{
    file_state *fs = state;
    if (!fs)
        return;
    if (fs->fd >= 0)
        close(fs->fd);
    pthread_mutex_destroy(&fs->lock);
    free(fs->path);
    free(fs);
}

static plx_status read_config(const plx_cfg *cfg, const cJSON *config, file_state *fs)
{
    const char *path = NULL;
    plx_status st = plx_cfg_string(cfg, config, "path", &path);
    if (st == PLX_OK && (!path || !*path))
        st = plx_cfg_fail(cfg, "path", "required: the file to append JSON lines to");
    if (st == PLX_OK)
        st = plx_cfg_bool(cfg, config, "fsync", &fs->fsync);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, config, "max_bytes", 0, INT64_MAX, &fs->max_bytes);
    if (st == PLX_OK && !(fs->path = plx_strdup(path)))
        st = PLX_ENOMEM;
    return st;
}

static plx_status file_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                 void **state)
{
    file_state *fs = calloc(1, sizeof *fs);
    if (!fs)
        return PLX_ENOMEM;
    fs->fd = -1;
    if (pthread_mutex_init(&fs->lock, NULL) != 0) {
        free(fs);
        return PLX_ENOMEM;
    }
    plx_status st = read_config(cfg, config, fs);
    plx_transport_funcs *t = NULL;
    if (st == PLX_OK)
        st = plx_transport_funcs_new(&t);
    if (st == PLX_OK &&
        (st = plx_transport_funcs_set_send(t, file_send, fs, state_free)) == PLX_OK) {
        plx_transport_funcs_make_immutable(t);
        p->kind_transport = t;  /* owns the state; the provider unrefs it */
        *state = fs;
        return PLX_OK;
    }
    plx_transport_funcs_unref(t);
    state_free(fs);
    return st;
}

/* ---- build: check and serialize the request ---- */

/* Every string (and key) in v is valid UTF-8, so the line is valid JSON. */
static plx_status check_utf8(const plx_provider *p, const cJSON *v, char *path, size_t cap)
{
    size_t used = strlen(path);
    if (cJSON_IsString(v) && !plx_utf8_valid(v->valuestring, strlen(v->valuestring)))
        return plx_fail(p->ctx, PLX_EINVAL, "%s: not valid UTF-8", path);
    int i = 0;
    const cJSON *container = cJSON_IsArray(v) || cJSON_IsObject(v) ? v : NULL;
    const cJSON *c;
    cJSON_ArrayForEach(c, container) {
        if (cJSON_IsObject(v)) {
            if (!plx_utf8_valid(c->string, strlen(c->string)))
                return plx_fail(p->ctx, PLX_EINVAL, "%s: a key is not valid UTF-8", path);
            snprintf(path + used, cap - used, ".%s", c->string);
        } else {
            snprintf(path + used, cap - used, "[%d]", i++);
        }
        plx_status st = check_utf8(p, c, path, cap);
        path[used] = '\0';
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

static plx_status make_request(const plx_provider *p, const char *url, char *json,
                               plx_request **out)
{
    if (!json)
        return PLX_ENOMEM;
    plx_status st = plx_provider_request(p, "POST", url, out);
    if (st != PLX_OK) {
        free(json);
        return st;
    }
    plx_request_take_body(*out, json, strlen(json));
    return PLX_OK;
}

static plx_status file_build(const plx_provider *p, const char *op, const cJSON *request,
                             plx_request **out)
{
    if (strcmp(op, "notify") == 0) {
        plx_alert alert;
        plx_status st = plx_alert_parse(p->ctx, "request", request, &alert);
        if (st != PLX_OK)
            return st;
        plx_jw w = {0};
        plx_alert_write(&w, NULL, &alert);
        return make_request(p, "http://file/notify", plx_jw_finish(&w), out);
    }
    if (strcmp(op, "write") == 0) {
        char path[512] = "request";
        plx_status st = check_utf8(p, request, path, sizeof path);
        if (st != PLX_OK)
            return st;
        return make_request(p, "http://file/write", plx_json_print(request), out);
    }
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'file' has no op '%s' (ops: notify, "
                    "write)", op);
}

/* ---- parse: {"written", "path", "bytes"} ---- */

static plx_status file_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)op;
    size_t len = 0;
    const char *body = plx_response_body(r->resp, &len);
    if (r->failed) {
        plx_excerpt(body, len, 200, r->service_message, sizeof r->service_message);
        return PLX_OK;
    }
    cJSON *json = body ? plx_json_parse_exact(body, len) : NULL;
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(json, "path");
    const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(json, "bytes");
    plx_status st = PLX_OK;
    if (cJSON_IsString(path) && cJSON_IsNumber(bytes)) {
        plx_jw_bool(r->out, "written", true);
        plx_jw_string(r->out, "path", path->valuestring, strlen(path->valuestring));
        plx_jw_int(r->out, "bytes", (int64_t)bytes->valuedouble);
    } else {
        st = plx_fail(p->ctx, PLX_EPROTOCOL, "reply of kind 'file' is not "
                      "{\"written\", \"path\", \"bytes\"}");
    }
    cJSON_Delete(json);
    return st;
}

const plx_kind plx_kind_file = {
    .name = "file",
    .config_keys = CONFIG_KEYS,
    .configure = file_configure,
    .build = file_build,
    .parse = file_parse,
    .no_cost = true,
};
