/* plexus - HTTP requests and responses, pluggable transports and auth.
 *
 * Include <plexus.h>, not this file directly.
 *
 * Requests and responses are opaque; custom transports and auth schemes read
 * and change them through the accessors below. Transport and auth are "funcs"
 * objects: create one, set the slots you implement (each with its own
 * user_data and destroy callback), make it immutable, attach it. */
#ifndef PLEXUS_HTTP_H
#define PLEXUS_HTTP_H

#include "ctx.h"

PLX_BEGIN_DECLS

typedef struct plx_request plx_request;
typedef struct plx_response plx_response;

/* Frees user_data when a funcs object releases a slot. */
typedef void (*plx_destroy_fn)(void *user_data);

/* ---- request accessors ------------------------------------------------ */

/* "GET", "POST", ... Never NULL for a valid request. */
PLX_API const char *plx_request_method(const plx_request *req);

/* The absolute URL, query string included. */
PLX_API const char *plx_request_url(const plx_request *req);

/* Replaces the URL (e.g. to add presigning query parameters). It must be an
 * absolute http or https URL without CR, LF or spaces. */
PLX_API plx_status plx_request_set_url(plx_request *req, const char *url);

/* Number of headers, and the i-th one (0-based) in the order they are sent.
 * Returns PLX_EINVAL when i is out of range. */
PLX_API size_t plx_request_header_count(const plx_request *req);
PLX_API plx_status plx_request_header_at(const plx_request *req, size_t i,
                                         const char **name, const char **value);

/* Value of the first header with this name (case-insensitive), or NULL. */
PLX_API const char *plx_request_header(const plx_request *req, const char *name);

/* Sets a header, replacing every header of the same name. A name that is not
 * an HTTP token, or a CR, LF or NUL in the value, gives PLX_EINVAL. */
PLX_API plx_status plx_request_set_header(plx_request *req, const char *name,
                                          const char *value);

/* Removes every header of this name. Not an error if there is none. */
PLX_API plx_status plx_request_remove_header(plx_request *req, const char *name);

/* The body bytes (NULL and 0 when there is none). */
PLX_API const void *plx_request_body(const plx_request *req, size_t *len);

/* Per-attempt timeouts the transport must apply, in milliseconds (0: none). */
PLX_API uint32_t plx_request_timeout_ms(const plx_request *req);
PLX_API uint32_t plx_request_connect_timeout_ms(const plx_request *req);

/* Largest reply body the caller accepts, in bytes. */
PLX_API size_t plx_request_max_reply_bytes(const plx_request *req);

/* ---- response accessors ----------------------------------------------- */

/* HTTP status code; 0 until a transport sets it. */
PLX_API int plx_response_status(const plx_response *resp);
PLX_API plx_status plx_response_set_status(plx_response *resp, int http_status);

PLX_API size_t plx_response_header_count(const plx_response *resp);
PLX_API plx_status plx_response_header_at(const plx_response *resp, size_t i,
                                          const char **name, const char **value);
/* Value of the first header with this name (case-insensitive), or NULL. */
PLX_API const char *plx_response_header(const plx_response *resp, const char *name);
/* Appends a header as received. Same validation as plx_request_set_header. */
PLX_API plx_status plx_response_add_header(plx_response *resp, const char *name,
                                           const char *value);

/* The body received so far. */
PLX_API const void *plx_response_body(const plx_response *resp, size_t *len);

/* Sets a detail message for a failed exchange ("connection refused"), shown
 * in the call's error. Never include secrets. */
PLX_API plx_status plx_response_set_error_message(plx_response *resp,
                                                  const char *message);

/* Appends body bytes. Returns PLX_ETOOBIG once the body would pass the
 * request's max_reply_bytes; the transport should then abort the transfer. */
PLX_API plx_status plx_response_append_body(plx_response *resp, const void *data,
                                            size_t len);

/* ---- transport funcs -------------------------------------------------- */

/* A transport sends requests. Every slot is optional except send; a transport
 * with only send set is the "in-process" transport: asynchronous calls made
 * through it run send from plx_ctx_poll. The curl transport is the default. */
typedef struct plx_transport_funcs plx_transport_funcs;

/* Blocking exchange: fill resp (status, headers, body) and return PLX_OK, or
 * return PLX_ETRANSPORT / PLX_ETIMEOUT / PLX_ETLS / PLX_ETOOBIG when no
 * complete reply was received. May be called from several threads at once. */
typedef plx_status (*plx_transport_send_fn)(const plx_request *req,
                                            plx_response *resp, void *user_data);

/* Called by an asynchronous transport when a submitted exchange finishes,
 * from inside its poll function, with the same meaning of status as send. */
typedef void (*plx_transport_done_fn)(plx_response *resp, plx_status status,
                                      void *done_data);

/* Starts an exchange without blocking; call done(resp, status, done_data)
 * later from poll. req and resp stay valid until done is called. submit and
 * poll are only called from the thread that polls the ctx. */
typedef plx_status (*plx_transport_submit_fn)(const plx_request *req,
                                              plx_response *resp,
                                              plx_transport_done_fn done,
                                              void *done_data, void *user_data);

/* Waits up to timeout_ms for submitted exchanges to progress and calls their
 * done callbacks. Only ever called from one thread at a time. */
typedef plx_status (*plx_transport_poll_fn)(int timeout_ms, void *user_data);

/* Interrupts a poll in progress (called from another thread). */
typedef void (*plx_transport_wakeup_fn)(void *user_data);

PLX_API plx_status plx_transport_funcs_new(plx_transport_funcs **out);
PLX_API plx_transport_funcs *plx_transport_funcs_ref(plx_transport_funcs *funcs);
PLX_API void plx_transport_funcs_unref(plx_transport_funcs *funcs);
/* After this, setters return PLX_EBUSY. Attaching a funcs object makes it
 * immutable. */
PLX_API void plx_transport_funcs_make_immutable(plx_transport_funcs *funcs);
PLX_API int plx_transport_funcs_is_immutable(const plx_transport_funcs *funcs);

/* One setter per slot. A previous user_data of the slot is destroyed. */
PLX_API plx_status plx_transport_funcs_set_send(plx_transport_funcs *funcs,
                                                plx_transport_send_fn fn,
                                                void *user_data,
                                                plx_destroy_fn destroy);
PLX_API plx_status plx_transport_funcs_set_submit(plx_transport_funcs *funcs,
                                                  plx_transport_submit_fn fn,
                                                  void *user_data,
                                                  plx_destroy_fn destroy);
PLX_API plx_status plx_transport_funcs_set_poll(plx_transport_funcs *funcs,
                                                plx_transport_poll_fn fn,
                                                void *user_data,
                                                plx_destroy_fn destroy);
PLX_API plx_status plx_transport_funcs_set_wakeup(plx_transport_funcs *funcs,
                                                  plx_transport_wakeup_fn fn,
                                                  void *user_data,
                                                  plx_destroy_fn destroy);

/* Uses funcs for every provider of ctx that has no transport of its own,
 * instead of the curl transport. NULL restores curl. Set it before sharing
 * the ctx across threads. Takes a reference and makes funcs immutable. */
PLX_API plx_status plx_ctx_set_transport(plx_ctx *ctx, plx_transport_funcs *funcs);

/* ---- auth funcs ------------------------------------------------------- */

/* An auth scheme adds credentials to each outgoing request. */
typedef struct plx_auth_funcs plx_auth_funcs;

/* Adds credentials to req (headers, or the URL for presigning). Called once
 * per attempt, from any thread. Return PLX_EAUTH if credentials are missing;
 * never put a secret in an error message. */
typedef plx_status (*plx_auth_sign_fn)(plx_request *req, void *user_data);

PLX_API plx_status plx_auth_funcs_new(plx_auth_funcs **out);
PLX_API plx_auth_funcs *plx_auth_funcs_ref(plx_auth_funcs *funcs);
PLX_API void plx_auth_funcs_unref(plx_auth_funcs *funcs);
PLX_API void plx_auth_funcs_make_immutable(plx_auth_funcs *funcs);
PLX_API int plx_auth_funcs_is_immutable(const plx_auth_funcs *funcs);
PLX_API plx_status plx_auth_funcs_set_sign(plx_auth_funcs *funcs,
                                           plx_auth_sign_fn fn, void *user_data,
                                           plx_destroy_fn destroy);

/* Registers a secret with the ctx so that it is redacted ("[REDACTED]") from
 * every log line and error message plexus produces. Built-in auth schemes do
 * this for their own secrets; custom auth should too. Secrets shorter than 4
 * bytes are ignored. */
PLX_API plx_status plx_ctx_add_secret(plx_ctx *ctx, const char *secret);

PLX_END_DECLS

#endif
