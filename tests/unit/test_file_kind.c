/* Provider kind "file" through the public API: JSON lines appended with a
 * timestamp, whole lines from concurrent threads and processes, errors
 * with the path and the system's reason. */
#include "../tap.h"

#include <plexus.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/plexus-file-kind-XXXXXX";

static plx_provider *file_provider(plx_ctx *ctx, const char *path, const char *extra)
{
    char config[1024];
    snprintf(config, sizeof config, "{\"path\":\"%s\"%s}", path, extra ? extra : "");
    plx_provider *p = NULL;
    if (plx_provider_new(ctx, "file", config, &p) != PLX_OK)
        fprintf(stderr, "plx_provider_new: %s\n", plx_errmsg(ctx));
    return p;
}

/* The file's lines, parsed; *count receives their number. NULL entries for
 * lines that are not JSON. */
static cJSON **read_lines(const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    size_t n = 0, cap = 16;
    cJSON **lines = malloc(cap * sizeof *lines);
    char *line = NULL;
    size_t len = 0;
    ssize_t got;
    while (f && (got = getline(&line, &len, f)) > 0) {
        if (n == cap)
            lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[n++] = line[got - 1] == '\n' ? cJSON_Parse(line) : NULL;
    }
    free(line);
    if (f)
        fclose(f);
    *count = n;
    return lines;
}

static void free_lines(cJSON **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(lines[i]);
    free(lines);
}

static void test_append(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/out.jsonl", dir);
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, NULL);
    plx_provider *p = file_provider(ctx, path, NULL);
    char *out = NULL;
    CHECK_INT(plx_call(p, "write", "{\"id\":1,\"label\":\"negative\",\"text\":\"line\\nbreak\"}",
                       &out), PLX_OK);
    CHECK_CONTAINS(out, "\"written\":true");
    CHECK_CONTAINS(out, path);
    cJSON *result = cJSON_Parse(out);
    int bytes = cJSON_GetObjectItemCaseSensitive(result, "bytes")->valueint;
    cJSON_Delete(result);
    plx_free(out);
    CHECK_INT(plx_call(p, "write", "{\"id\":2}", &out), PLX_OK);
    plx_free(out);
    CHECK_INT(plx_call(p, "notify", "{\"title\":\"Negative ticket\",\"text\":\"Customer is "
                       "angry\",\"severity\":\"warning\",\"source\":\"triage\","
                       "\"dedup_key\":\"t-17\",\"fields\":{\"score\":-0.8}}", &out), PLX_OK);
    plx_free(out);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    size_t n;
    cJSON **lines = read_lines(path, &n);
    CHECK_INT(n, 3);
    if (n == 3) {
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(lines[0], "ts");
        CHECK(cJSON_IsString(ts) && strlen(ts->valuestring) == 24 &&
              ts->valuestring[10] == 'T' && ts->valuestring[23] == 'Z');
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(lines[0], "data");
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(data, "text")->valuestring, "line\nbreak");
        char *first = cJSON_PrintUnformatted(lines[0]);
        CHECK_INT(strlen(first) + 1, bytes);
        free(first);
        const cJSON *alert = cJSON_GetObjectItemCaseSensitive(lines[2], "alert");
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(alert, "title")->valuestring,
                  "Negative ticket");
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(alert, "severity")->valuestring, "warning");
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(alert, "dedup_key")->valuestring, "t-17");
    }
    free_lines(lines, n);
    /* A second provider on the same file appends too. */
    plx_provider *q = file_provider(ctx, path, ",\"fsync\":true");
    CHECK_INT(plx_call(q, "write", "{\"id\":3}", &out), PLX_OK);
    plx_free(out);
    lines = read_lines(path, &n);
    CHECK_INT(n, 4);
    free_lines(lines, n);
    /* plx_notify takes a file target like any notify kind. */
    char targets[512], *report = NULL;
    snprintf(targets, sizeof targets, "[{\"kind\":\"file\",\"name\":\"log\","
             "\"path\":\"%s\"}]", path);
    CHECK_INT(plx_notify(ctx, targets, "{\"title\":\"Cost spike\",\"text\":\"+200%\","
                         "\"severity\":\"critical\",\"source\":\"costs\"}", &report),
              PLX_OK);
    CHECK_CONTAINS(report, "\"target\":\"log\"");
    CHECK_CONTAINS(report, "\"ok\":true");
    plx_free(report);
    lines = read_lines(path, &n);
    CHECK_INT(n, 5);
    if (n == 5)
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(
                      cJSON_GetObjectItemCaseSensitive(lines[4], "alert"), "severity")->valuestring,
                  "critical");
    free_lines(lines, n);
    plx_provider_free(q);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    unlink(path);
}

#define THREADS 8
#define PER_THREAD 150
#define CHILD_WRITES 300

typedef struct writer {
    plx_provider *p;
    int id;
    int failures;
} writer;

/* Record i of writer id: {"w": id, "i": i, "pad": "xxx..."} with a size
 * that varies from a few bytes to ~20 KB (past PIPE_BUF and page size). */
static void write_record(plx_provider *p, int id, int i, int *failures)
{
    static const size_t sizes[] = {1, 100, 3000, 5000, 20000};
    size_t pad = sizes[(size_t)(id + i) % 5];
    char *req = malloc(pad + 64);
    int n = snprintf(req, 64, "{\"w\":%d,\"i\":%d,\"pad\":\"", id, i);
    memset(req + n, 'a' + id % 26, pad);
    memcpy(req + n + pad, "\"}", 3);
    char *out = NULL;
    if (plx_call(p, "write", req, &out) != PLX_OK)
        ++*failures;
    plx_free(out);
    free(req);
}

static void *writer_main(void *arg)
{
    writer *w = arg;
    for (int i = 0; i < PER_THREAD; i++)
        write_record(w->p, w->id, i, &w->failures);
    return NULL;
}

/* Every line whole, and each writer's records all there. */
static void check_records(const char *path, int writers, const int *expected)
{
    size_t n;
    cJSON **lines = read_lines(path, &n);
    int seen[THREADS + 1] = {0};
    int whole = 0;
    for (size_t i = 0; i < n; i++) {
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(lines[i], "data");
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(data, "w");
        const cJSON *pad = cJSON_GetObjectItemCaseSensitive(data, "pad");
        if (!cJSON_IsNumber(w) || w->valueint < 0 || w->valueint >= writers ||
            !cJSON_IsString(pad))
            continue;
        bool same = true;
        for (const char *c = pad->valuestring; *c; c++)
            same = same && *c == 'a' + w->valueint % 26;
        whole += same;
        seen[w->valueint] += same;
    }
    int total = 0;
    for (int i = 0; i < writers; i++) {
        CHECK_INT(seen[i], expected[i]);
        total += expected[i];
    }
    CHECK_INT(whole, total);
    CHECK_INT(n, total);
    free_lines(lines, n);
}

static void test_concurrent(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/concurrent.jsonl", dir);
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        /* Another process appending to the same file at the same time. */
        plx_ctx *ctx = NULL;
        plx_ctx_new(&ctx, NULL);
        plx_provider *p = file_provider(ctx, path, NULL);
        int failures = 0;
        for (int i = 0; i < CHILD_WRITES; i++)
            write_record(p, THREADS, i, &failures);
        plx_provider_free(p);
        plx_ctx_free(ctx);
        _exit(failures ? 1 : 0);
    }
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, NULL);
    plx_provider *p = file_provider(ctx, path, NULL);
    pthread_t threads[THREADS];
    writer w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (writer){p, i, 0};
        pthread_create(&threads[i], NULL, writer_main, &w[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK_INT(w[i].failures, 0);
    }
    int status = -1;
    CHECK_INT(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int expected[THREADS + 1];
    for (int i = 0; i < THREADS; i++)
        expected[i] = PER_THREAD;
    expected[THREADS] = CHILD_WRITES;
    check_records(path, THREADS + 1, expected);
    char *stats = NULL;
    plx_provider_stats(p, &stats);
    CHECK_CONTAINS(stats, "\"succeeded\":1200");
    plx_free(stats);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    unlink(path);
}

static void check_io_error(plx_provider *p, const char *what)
{
    char *out = NULL;
    CHECK_INT(plx_call(p, "write", "{\"x\":1}", &out), PLX_EIO);
    CHECK_CONTAINS(plx_errmsg(NULL), what);
    CHECK_CONTAINS(out, "\"code\":\"PLX_EIO\"");
    CHECK_CONTAINS(out, "\"retryable\":false");
    CHECK_CONTAINS(out, "\"attempts\":1");
    plx_free(out);
}

static void test_errors(void)
{
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/no/such/dir/x.jsonl", dir);
    plx_provider *p = file_provider(ctx, path, NULL);
    check_io_error(p, "cannot open");
    check_io_error(p, path);
    check_io_error(p, "No such file or directory");
    plx_provider_free(p);
    if (access("/dev/full", W_OK) == 0) {
        p = file_provider(ctx, "/dev/full", NULL);
        check_io_error(p, "No space left on device");
        plx_provider_free(p);
    }
    /* max_bytes: the line that would pass it is refused, whole. */
    snprintf(path, sizeof path, "%s/capped.jsonl", dir);
    p = file_provider(ctx, path, ",\"max_bytes\":60");
    char *out = NULL;
    CHECK_INT(plx_call(p, "write", "{\"n\":1}", &out), PLX_OK);
    plx_free(out);
    check_io_error(p, "max_bytes (60)");
    size_t n;
    cJSON **lines = read_lines(path, &n);
    CHECK_INT(n, 1);
    free_lines(lines, n);
    unlink(path);
    /* Bad requests and configs. */
    CHECK_INT(plx_call(p, "notify", "{\"text\":\"x\",\"source\":\"s\",\"severity\":\"info\"}",
                       &out), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(NULL), "request.title");
    CHECK_INT(plx_call(p, "notify", "{\"title\":\"t\",\"text\":\"x\",\"source\":\"s\","
                       "\"severity\":\"loud\"}", &out), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(NULL), "request.severity");
    CHECK_INT(plx_call(p, "write", "{\"a\":{\"b\":[\"ok\",\"\xff\"]}}", &out), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(NULL), "request.a.b[1]: not valid UTF-8");
    CHECK_INT(plx_call(p, "read", "{}", &out), PLX_EUNSUPPORTED);
    CHECK(out == NULL);
    plx_provider_free(p);
    plx_provider *bad = NULL;
    CHECK_INT(plx_provider_new(ctx, "file", "{}", &bad), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "path");
    CHECK_INT(plx_provider_new(ctx, "file", "{\"path\":\"x\",\"fsync\":1}", &bad), PLX_ECONFIG);
    CHECK_INT(plx_provider_new(ctx, "file", "{\"path\":\"x\",\"max_bytes\":-1}", &bad),
              PLX_ECONFIG);
    CHECK(bad == NULL);
    plx_ctx_free(ctx);
}

/* A file moved away (log rotation) or removed: later lines go to a new
 * file at the path. */
static void test_reopen(void)
{
    char path[256], moved[256];
    snprintf(path, sizeof path, "%s/rotate.jsonl", dir);
    snprintf(moved, sizeof moved, "%s/rotate.jsonl.1", dir);
    plx_ctx *ctx = NULL;
    CHECK_INT(plx_ctx_new(&ctx, "{\"providers\":{\"sink\":{\"kind\":\"file\","
                                "\"path\":\"" "/tmp/unused" "\"}}}"), PLX_OK);
    plx_provider *p = file_provider(ctx, path, NULL);
    char *out = NULL;
    CHECK_INT(plx_call(p, "write", "{\"n\":1}", &out), PLX_OK);
    plx_free(out);
    CHECK_INT(rename(path, moved), 0);
    usleep(1100 * 1000);
    CHECK_INT(plx_call(p, "write", "{\"n\":2}", &out), PLX_OK);
    plx_free(out);
    size_t n;
    cJSON **lines = read_lines(path, &n);
    CHECK_INT(n, 1);
    free_lines(lines, n);
    lines = read_lines(moved, &n);
    CHECK_INT(n, 1);
    free_lines(lines, n);
    unlink(path);
    unlink(moved);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void setup(void)
{
    if (!mkdtemp(dir))
        TAP_SKIP("cannot make a temporary directory: %s", strerror(errno));
}

static void teardown(void)
{
    rmdir(dir);
}

TEST_MAIN(setup, test_append, test_concurrent, test_errors, test_reopen, teardown)
