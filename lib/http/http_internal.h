/* Internal HTTP layer: request/response objects, URLs, dates, transport
 * funcs, and the curl transport. The only layer that includes curl. */
#ifndef PLX_HTTP_INTERNAL_H
#define PLX_HTTP_INTERNAL_H

#include "../core/core.h"

typedef struct plx_header {
    char *name;
    char *value;
} plx_header;

typedef struct plx_headers {
    plx_header *items;
    size_t count;
    size_t cap;
} plx_headers;

/* TLS options a provider hands to the transport with each request. */
typedef struct plx_tls_options {
    bool verify;
    const char *ca_file;
    const char *ca_dir;
} plx_tls_options;

/* Receives body bytes as they arrive instead of buffering them (streaming).
 * resp has the status and headers already (transports set them before the
 * first body byte); a sink may buffer into resp->body itself, e.g. an error
 * reply. A non-OK return aborts the transfer with that status. */
typedef plx_status (*plx_body_sink_fn)(plx_response *resp, const void *data, size_t len,
                                       void *user_data);

struct plx_request {
    char *method;
    char *url;
    plx_headers headers;
    unsigned char *body;
    size_t body_len;
    uint32_t timeout_ms;
    uint32_t connect_timeout_ms;
    size_t max_reply_bytes;
    const plx_tls_options *tls;     /* borrowed from the provider */
    bool accept_compressed;         /* ask for gzip/deflate/br replies */
    plx_body_sink_fn sink;          /* optional */
    void *sink_data;
};

struct plx_response {
    int status;
    plx_headers headers;
    plx_buf body;
    size_t max_body;                /* copied from the request */
    size_t received;                /* bytes seen, sunk or buffered */
    plx_body_sink_fn sink;
    void *sink_data;
    char *error;                    /* transport's detail, or NULL */
};

/* ---- headers (headers.c) ---- */
bool plx_header_name_valid(const char *name);
bool plx_header_value_valid(const char *value);
plx_status plx_headers_add(plx_headers *h, const char *name, const char *value);
/* The same with lengths (no NUL needed); one allocation per header. */
plx_status plx_headers_add_n(plx_headers *h, const char *name, size_t name_len,
                             const char *value, size_t value_len);
plx_status plx_headers_set(plx_headers *h, const char *name, const char *value);
void plx_headers_remove(plx_headers *h, const char *name);
const char *plx_headers_get(const plx_headers *h, const char *name);
plx_status plx_headers_copy(plx_headers *dst, const plx_headers *src);
void plx_headers_free(plx_headers *h);

/* ---- requests and responses (request.c, response.c) ---- */
plx_status plx_request_create(const char *method, const char *url, plx_request **out);
void plx_request_free(plx_request *req);
/* A deep copy (body included); sink and tls are shared. */
plx_status plx_request_clone(const plx_request *req, plx_request **out);
plx_status plx_request_set_method(plx_request *req, const char *method);
/* Copies the body; len 0 removes it. */
plx_status plx_request_set_body(plx_request *req, const void *data, size_t len);
/* Takes ownership of a malloc'ed body. */
void plx_request_take_body(plx_request *req, void *data, size_t len);

plx_status plx_response_create(const plx_request *req, plx_response **out);
void plx_response_free(plx_response *resp);
/* Empties status, headers, body and error so the response can be reused. */
void plx_response_clear(plx_response *resp);
/* The transport's error detail, or NULL. */
const char *plx_response_error(const plx_response *resp);

/* ---- URLs (url.c) ---- */
/* Appends s to b, percent-encoding everything but RFC 3986 unreserved
 * characters (and '/' when keep_slash). */
plx_status plx_url_encode(plx_buf *b, const char *s, size_t len, bool keep_slash);
/* Resolves location (absolute or relative) against base. */
plx_status plx_url_resolve(const char *base, const char *location, char **out);
/* true when a and b have the same scheme, host and port. */
bool plx_url_same_origin(const char *a, const char *b);
/* true for an absolute http:// or https:// URL with a host. */
bool plx_url_is_http(const char *url);
/* Copies scheme://host[:port] of url into dst for messages (no userinfo,
 * path or query, which may carry secrets). */
void plx_url_origin(const char *url, char *dst, size_t cap);

/* ---- dates (date.c) ---- */
/* Parses an HTTP-date (RFC 9110: IMF-fixdate, RFC 850, asctime); -1 on error. */
int64_t plx_http_date_parse(const char *s);

/* ---- transport funcs (transport_funcs.c) ---- */
typedef struct plx_slot {
    void *fn;
    void *user_data;
    plx_destroy_fn destroy;
} plx_slot;

struct plx_transport_funcs {
    int refs;                        /* atomic */
    bool immutable;
    plx_slot send, submit, poll, wakeup;
};

plx_status plx_transport_send(const plx_transport_funcs *t, const plx_request *req,
                              plx_response *resp);
bool plx_transport_is_async(const plx_transport_funcs *t);
plx_status plx_transport_submit(const plx_transport_funcs *t, const plx_request *req,
                                plx_response *resp, plx_transport_done_fn done,
                                void *done_data);
plx_status plx_transport_poll(const plx_transport_funcs *t, int timeout_ms);
void plx_transport_wakeup(const plx_transport_funcs *t);

/* Stores funcs in *slot (made immutable, referenced), releasing the old one.
 * NULL clears the slot. Fails if funcs has no send slot. */
plx_status plx_transport_attach(const plx_ctx *ctx, plx_transport_funcs **slot,
                                plx_transport_funcs *funcs);
/* The transport of a ctx: the user's, else the ctx's curl transport (made on
 * first use). Borrowed; NULL with a message on failure. */
plx_transport_funcs *plx_ctx_transport(plx_ctx *ctx);
/* Releases what the http layer holds in ctx. */
void plx_ctx_release_http(plx_ctx *ctx);

/* ---- the curl transport (transport_curl.c) ---- */
/* Makes a curl transport as an immutable funcs object with send, submit,
 * poll and wakeup slots. */
plx_status plx_curl_transport_new(plx_ctx *ctx, plx_transport_funcs **out);

#endif
