/* plexus - the context: configuration, logging, error detail.
 *
 * Include <plexus.h>, not this file directly. */
#ifndef PLEXUS_CTX_H
#define PLEXUS_CTX_H

#include "common.h"

PLX_BEGIN_DECLS

/* A context holds configuration, named providers, the default transport and
 * the logger. Thread safety: a ctx and its providers may be shared by any
 * number of threads making calls at once. Configure it (set_log,
 * set_transport) before sharing it; plx_ctx_free it after every thread is
 * done. */
typedef struct plx_ctx plx_ctx;

/* Log levels, most severe first. A logger set with level L receives messages
 * of level <= L. */
typedef enum plx_log_level {
    PLX_LOG_NONE = 0,
    PLX_LOG_ERROR = 1,
    PLX_LOG_WARN = 2,
    PLX_LOG_INFO = 3,
    PLX_LOG_DEBUG = 4
} plx_log_level;

/* Receives one log line (no trailing newline). Known secrets are already
 * redacted. May be called from any thread that uses the ctx. */
typedef void (*plx_log_fn)(plx_log_level level, const char *message,
                           void *user_data);

/* Creates a context from a JSON configuration (NULL or "" for none):
 *
 *   {"log_level": "error"|"warn"|"info"|"debug"|"none",
 *    "providers": {NAME: {"kind": KIND, ...provider config...}, ...}}
 *
 * Unknown or invalid keys fail with PLX_ECONFIG and a message naming the key
 * path (e.g. "providers.api.retry.max_attempts: expected an integer >= 1").
 * On failure *out is NULL and plx_errmsg(NULL) says why. Until a logger is
 * set, messages at "warn" or above go to stderr. */
PLX_API plx_status plx_ctx_new(plx_ctx **out, const char *config_json);

/* Frees the context and the providers it owns. NULL is allowed. No call may
 * be in flight on it, and no provider of it may be used afterwards. */
PLX_API void plx_ctx_free(plx_ctx *ctx);

/* Sends log messages of level <= max_level to fn (NULL fn: discard all).
 * Returns PLX_EINVAL on a NULL ctx. */
PLX_API plx_status plx_ctx_set_log(plx_ctx *ctx, plx_log_fn fn, void *user_data,
                                   plx_log_level max_level);

/* The detail message of the last failure in the calling thread, e.g.
 * "providers.api.base_url: expected a string". Pass the ctx of that call, or
 * NULL (for plx_ctx_new failures, or any ctx). Never NULL; "" if there is
 * none. Valid until the next plexus call in this thread. */
PLX_API const char *plx_errmsg(const plx_ctx *ctx);

PLX_END_DECLS

#endif
