/* plexus - object storage: streamed downloads and multipart uploads.
 *
 * Include <plexus.h>, not this file directly.
 *
 * Provider kind "s3" (Amazon S3 and S3-compatible servers) answers the
 * canonical object ops through plx_call: get_object, put_object,
 * head_object, delete_object and list_objects (docs/OPERATIONS.md,
 * "objects"). A plx_call reply holds the whole object in memory, up to the
 * provider's max_reply_bytes. For objects of any size, the two functions
 * below stream: memory stays bounded whatever the object's size. */
#ifndef PLEXUS_OBJECTS_H
#define PLEXUS_OBJECTS_H

#include "provider.h"

PLX_BEGIN_DECLS

/* Receives len bytes of the object (len > 0), in order, each byte exactly
 * once, on the calling thread. Return 0 to go on, anything else to stop:
 * the call then ends with PLX_ECANCELED. */
typedef int (*plx_object_sink_fn)(const void *data, size_t len, void *user_data);

/* Supplies the bytes to upload: copy up to cap bytes into buf and return
 * how many; return 0 at the end of the data, and a negative number to stop
 * (the call then ends with PLX_ECANCELED and nothing is left behind). Called
 * on the calling thread, in order. */
typedef int64_t (*plx_object_source_fn)(void *buf, size_t cap, void *user_data);

/* Downloads an object into sink as it arrives.
 *
 *   {"bucket"?: "b", "key": "k", "range"?: {"start": 0, "end"?: 99},
 *    "file"?: PATH}
 *
 * bucket defaults to the provider's. range is inclusive, as in HTTP. With
 * sink NULL, "file" names a file to write instead (created or truncated;
 * removed again if the download fails).
 *
 * A transfer that breaks (connection reset, a body shorter than its
 * Content-Length, a timeout) resumes from the first byte not yet delivered,
 * with a Range request that carries If-Match with the object's ETag, so a
 * changed object fails (PLX_EHTTP, service_code "PreconditionFailed", or
 * PLX_EPROTOCOL when a server ignores If-Match and sends another ETag)
 * instead of delivering a mix of two versions. Every request, first and
 * resumed, counts against the provider's retry.max_attempts; timeout_ms
 * bounds each request. A short download is never reported as success.
 *
 * *result_json (free with plx_free) is like plx_call's:
 *   {"size": bytes delivered, "object_size", "etag", "content_type",
 *    "last_modified", "resumed": N, "provider", "attempts", "latency_ms"}
 * and on failure "error" and "delivered" (the bytes the sink did get). It
 * is NULL only when the call could not start (PLX_EINVAL, PLX_EUNSUPPORTED
 * for a kind that is not "s3", PLX_EIO for a file that cannot be created,
 * PLX_ENOMEM). */
PLX_API plx_status plx_object_get(plx_provider *p, const char *request_json,
                                  plx_object_sink_fn sink, void *user_data,
                                  char **result_json);

/* Uploads an object from source, from a file, or from the request.
 *
 *   {"bucket"?: "b", "key": "k", "content_type"?: "text/csv",
 *    "metadata"?: {"name": "value"}, "file"?: PATH,
 *    "body"?: "text" | "body_base64"?: "..."}
 *
 * With source NULL, "file" (or "body" / "body_base64") gives the data. Up
 * to the provider's multipart_threshold (default 8 MiB) it goes in one PUT.
 * Above, it goes as a multipart upload: parts of part_size (default 8 MiB,
 * at least 5 MiB; raised for a file too big for 10000 parts), up to
 * concurrency (default 4) in flight at once, each retried by the retry
 * policy, then CompleteMultipartUpload with the parts' ETags in order.
 * Memory: at most concurrency part buffers. On any failure (a part that
 * keeps failing, the source stopping, Complete failing) the upload is
 * aborted (AbortMultipartUpload) so that no parts are left stored; the
 * error message says whether the abort worked.
 *
 * Parts travel in parallel over a private curl multi handle when the
 * provider uses the default curl transport. With a transport of your own
 * (plx_ctx_set_transport, plx_provider_set_transport), parts go through
 * its send slot one after another: its submit and poll belong to the
 * thread that polls the ctx.
 *
 * *result_json: {"size", "etag", "multipart": bool, "parts"?, "upload_id"?,
 * "version_id"?, "provider", "attempts" (of every request), "latency_ms"}
 * and "error" on failure; NULL only when the call could not start (as for
 * plx_object_get, PLX_EIO for a file that cannot be read). */
PLX_API plx_status plx_object_put(plx_provider *p, const char *request_json,
                                  plx_object_source_fn source, void *user_data,
                                  char **result_json);

PLX_END_DECLS

#endif
