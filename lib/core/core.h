/* Internal core of plexus: ctx, error detail, logging, redaction, buffers,
 * clock, randomness, JSON and config helpers. Knows no service. */
#ifndef PLX_CORE_H
#define PLX_CORE_H

#include <plexus.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#define PLX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PLX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct plx_provider;
struct plx_async;
struct plx_endpoint;

/* The ctx. Upper layers own the fields after "owned by". */
struct plx_ctx {
    pthread_mutex_t lock;          /* guards secrets and lazy members */
    plx_log_fn log_fn;
    void *log_user_data;
    plx_log_level log_level;
    bool log_to_stderr;            /* until plx_ctx_set_log is called */
    char **secrets;                /* redacted from logs and messages */
    size_t secret_count;
    /* owned by the http layer */
    plx_transport_funcs *transport;         /* user's, or NULL */
    plx_transport_funcs *default_transport; /* curl, made on first use */
    /* owned by the providers layer */
    struct plx_provider **providers;
    size_t provider_count;
    struct plx_async *async;
    struct plx_costs *costs;       /* usage totals, pricing, ctx budget */
    /* owned by the endpoints layer */
    struct plx_endpoint **endpoints;
    size_t endpoint_count;
};

/* ---- ctx core (lib/core/ctx.c) ---- */
plx_status plx_ctx_alloc(plx_ctx **out);
void plx_ctx_release_core(plx_ctx *ctx);

/* ---- error detail (lib/core/error.c) ---- */
/* Formats the thread's detail message for ctx, redacts secrets, logs it at
 * debug level, and returns status, so callers can `return plx_fail(...)`. */
plx_status plx_fail(const plx_ctx *ctx, plx_status status, const char *fmt, ...)
    PLX_PRINTF(3, 4);
/* Prefixes the current message with "prefix: " (adds context going up). */
void plx_errmsg_prefix(const plx_ctx *ctx, const char *fmt, ...) PLX_PRINTF(2, 3);
void plx_errmsg_clear(void);
/* The thread's message regardless of ctx. */
const char *plx_errmsg_current(void);

/* ---- logging (lib/core/log.c) ---- */
bool plx_log_enabled(const plx_ctx *ctx, plx_log_level level);
void plx_log(const plx_ctx *ctx, plx_log_level level, const char *fmt, ...)
    PLX_PRINTF(3, 4);

/* ---- redaction (lib/core/redact.c): the one place secrets are removed ---- */
plx_status plx_secret_register(plx_ctx *ctx, const char *secret);
/* Copies src into dst (capacity cap, always terminated) with every registered
 * secret replaced by "[REDACTED]". */
void plx_redact(const plx_ctx *ctx, const char *src, char *dst, size_t cap);
/* true if s contains any registered secret. */
bool plx_contains_secret(const plx_ctx *ctx, const char *s);

/* ---- buffers (lib/core/buf.c) ---- */
typedef struct plx_buf {
    char *data;   /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} plx_buf;
plx_status plx_buf_reserve(plx_buf *b, size_t extra);
plx_status plx_buf_append(plx_buf *b, const void *data, size_t len);
plx_status plx_buf_append_str(plx_buf *b, const char *s);
plx_status plx_buf_printf(plx_buf *b, const char *fmt, ...) PLX_PRINTF(2, 3);
void plx_buf_reset(plx_buf *b);
void plx_buf_free(plx_buf *b);
/* Hands the data over to the caller (plx_free) and empties b. */
char *plx_buf_steal(plx_buf *b);

/* ---- strings (lib/core/str.c) ---- */
char *plx_strdup(const char *s);
char *plx_strndup(const char *s, size_t n);
/* A printable, single-line excerpt of at most max bytes of data. */
void plx_excerpt(const void *data, size_t len, size_t max, char *dst, size_t cap);
bool plx_utf8_valid(const void *data, size_t len);

/* ---- clock and randomness (lib/core/clock.c) ---- */
uint64_t plx_now_ms(void);      /* monotonic */
uint64_t plx_now_us(void);      /* monotonic */
int64_t plx_wall_time_s(void);  /* seconds since the epoch */
void plx_sleep_ms(uint64_t ms);
uint64_t plx_random_u64(void);  /* thread-local xorshift; not for secrets */
/* Uniform in [0, bound]. */
uint64_t plx_random_below(uint64_t bound);

/* ---- JSON and config helpers (lib/core/json.c, lib/core/config.c) ---- */
/* Parses text; on failure sets a message "<what>: invalid JSON at line L
 * column C" and returns fail_status. */
plx_status plx_json_parse(const plx_ctx *ctx, const char *text, const char *what,
                          plx_status fail_status, cJSON **out);
/* Prints compactly; NULL on allocation failure. */
char *plx_json_print(const cJSON *json);
/* Parses exactly len bytes holding one JSON value (whitespace around it
 * allowed, nothing else); NULL if they do not. */
cJSON *plx_json_parse_exact(const char *text, size_t len);

/* A compact JSON writer (lib/core/json_writer.c). Errors are sticky in
 * status; plx_jw_finish returns NULL if any write failed. Keys are NULL for
 * array elements and the top-level value. */
typedef struct plx_jw {
    plx_buf buf;
    bool need_comma;
    plx_status status;
} plx_jw;
void plx_jw_begin(plx_jw *w, const char *key);   /* an object */
void plx_jw_end(plx_jw *w);
void plx_jw_begin_array(plx_jw *w, const char *key);
void plx_jw_end_array(plx_jw *w);
void plx_jw_string(plx_jw *w, const char *key, const char *s, size_t len);
void plx_jw_int(plx_jw *w, const char *key, int64_t v);
void plx_jw_bool(plx_jw *w, const char *key, bool v);
/* A number that reads back exactly; NaN and infinities become null. */
void plx_jw_double(plx_jw *w, const char *key, double v);
void plx_jw_null(plx_jw *w, const char *key);
/* Appends already valid JSON text. */
void plx_jw_raw(plx_jw *w, const char *key, const char *json, size_t len);
/* The text (free with plx_free), or NULL after an error. */
char *plx_jw_finish(plx_jw *w);

/* Config reading with errors that name the key path ("providers.a.retry"). */
typedef struct plx_cfg {
    const plx_ctx *ctx;
    const char *path;   /* path of the object being read, "" at the top */
} plx_cfg;
/* Fails on any key of obj not in allowed (NULL-terminated). */
plx_status plx_cfg_check_keys(const plx_cfg *cfg, const cJSON *obj,
                              const char *const *allowed);
/* Each getter leaves *out unchanged when the key is absent (so it keeps the
 * default) and fails with PLX_ECONFIG when it is present but invalid. */
plx_status plx_cfg_int(const plx_cfg *cfg, const cJSON *obj, const char *key,
                       int64_t min, int64_t max, int64_t *out);
/* A finite number from min to max. */
plx_status plx_cfg_double(const plx_cfg *cfg, const cJSON *obj, const char *key,
                          double min, double max, double *out);
plx_status plx_cfg_bool(const plx_cfg *cfg, const cJSON *obj, const char *key,
                        bool *out);
plx_status plx_cfg_string(const plx_cfg *cfg, const cJSON *obj, const char *key,
                          const char **out);
/* plx_cfg_string into a new copy (free it); *out unchanged when absent. */
plx_status plx_cfg_string_dup(const plx_cfg *cfg, const cJSON *obj, const char *key,
                              char **out);
plx_status plx_cfg_object(const plx_cfg *cfg, const cJSON *obj, const char *key,
                          const cJSON **out);
/* Writes "<cfg path>.<key>" into dst. */
void plx_cfg_subpath(const plx_cfg *cfg, const char *key, char *dst, size_t cap);
/* Fails with "<path>.<key>: <message>". */
plx_status plx_cfg_fail(const plx_cfg *cfg, const char *key, const char *fmt, ...)
    PLX_PRINTF(3, 4);

#endif
