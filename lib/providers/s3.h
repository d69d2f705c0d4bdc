/* Internal to the s3 kind: its state, request builders (s3_request.c),
 * reply readers (s3_reply.c), and the streamed get (s3_get.c) and
 * multipart put (s3_put.c, s3_multipart.c) behind include/plexus/objects.h. */
#ifndef PLX_S3_H
#define PLX_S3_H

#include "providers.h"

#define PLX_S3_MIB ((size_t)1 << 20)
#define PLX_S3_MIN_PART (5 * PLX_S3_MIB)        /* S3's smallest part but the last */
#define PLX_S3_MAX_PART (5120 * PLX_S3_MIB)     /* and largest */
#define PLX_S3_DEFAULT_PART (8 * PLX_S3_MIB)
#define PLX_S3_MAX_PARTS 10000
#define PLX_S3_DEFAULT_CONCURRENCY 4
#define PLX_S3_MAX_CONCURRENCY 64

/* How request bodies are hashed for SigV4. */
typedef enum plx_s3_payload {
    PLX_S3_PAYLOAD_AUTO,        /* SHA-256 over http, UNSIGNED-PAYLOAD over https */
    PLX_S3_PAYLOAD_SIGNED,      /* always SHA-256 */
    PLX_S3_PAYLOAD_UNSIGNED     /* always UNSIGNED-PAYLOAD */
} plx_s3_payload;

typedef struct plx_s3_state {
    char *region;
    char *bucket;               /* the default bucket, or NULL */
    char *scheme_host;          /* "https://s3.eu-west-1.amazonaws.com", no '/' */
    char *base_path;            /* a custom endpoint's path ("" or "/s3"), no trailing '/' */
    bool custom_endpoint;
    bool virtual_hosted;        /* bucket in the host name where it can be */
    bool https;
    plx_s3_payload payload;
    size_t part_size;
    size_t multipart_threshold; /* <= part_size */
    uint32_t concurrency;
} plx_s3_state;

/* The object (or, key NULL, the bucket) a request is about. Borrowed. */
typedef struct plx_s3_target {
    const char *bucket;
    const char *key;
} plx_s3_target;

/* ---- requests (s3_request.c): pure, no I/O ---- */

/* 3 to 255 letters, digits, '.', '-', '_' (legacy names included). */
bool plx_s3_bucket_valid(const char *bucket);

/* Reads "bucket" (else the provider's) and "key" (when need_key) of a
 * request object and checks them; errors name "request.<field>". */
plx_status plx_s3_target_read(const plx_provider *p, const cJSON *request, bool need_key,
                              plx_s3_target *t);
/* A request for method on t; query is encoded ("" or "a=1&b=2"). It
 * carries the signing scope header and the provider's headers. */
plx_status plx_s3_request(const plx_provider *p, const char *method, const plx_s3_target *t,
                          const char *query, plx_request **out);
/* Whether bodies are signed with their SHA-256 (payload_signing and the
 * endpoint's scheme), not UNSIGNED-PAYLOAD. */
bool plx_s3_signs_payload(const plx_provider *p);
/* Sets x-amz-content-sha256 for a body of len bytes: its SHA-256, or
 * UNSIGNED-PAYLOAD, as payload_signing says for this endpoint. */
plx_status plx_s3_payload_hash(const plx_provider *p, plx_request *req, const void *body,
                               size_t len);
/* Content-Type and x-amz-meta-* headers from "content_type" and
 * "metadata" of a request object (either may be absent). */
plx_status plx_s3_put_headers(const plx_provider *p, const cJSON *request, plx_request *req);
/* Multipart: CreateMultipartUpload, UploadPart (without its body, which
 * the caller attaches per attempt; payload_hash is the part's hex SHA-256
 * or UNSIGNED-PAYLOAD), Complete (the ETags in part order) and Abort. */
plx_status plx_s3_create_upload(const plx_provider *p, const plx_s3_target *t,
                                const cJSON *request, plx_request **out);
plx_status plx_s3_upload_part(const plx_provider *p, const plx_s3_target *t,
                              const char *upload_id, uint32_t part, const char *payload_hash,
                              plx_request **out);
plx_status plx_s3_complete_upload(const plx_provider *p, const plx_s3_target *t,
                                  const char *upload_id, char *const *etags, uint32_t parts,
                                  plx_request **out);
plx_status plx_s3_abort_upload(const plx_provider *p, const plx_s3_target *t,
                               const char *upload_id, plx_request **out);
/* GetObject with an optional "range": {"start", "end"?} of request. */
plx_status plx_s3_get_request(const plx_provider *p, const plx_s3_target *t,
                              const cJSON *request, plx_request **out);

/* ---- replies (s3_reply.c) ---- */

/* An S3 error reply into r: the XML <Code> and <Message> (as the aws kind
 * reads them) and the status they name: NoSuchKey, NoSuchBucket,
 * NoSuchUpload and a bare 404 -> PLX_ENOTFOUND; the AWS codes of
 * plx_aws_error_status (AccessDenied, SignatureDoesNotMatch,
 * InvalidAccessKeyId -> PLX_EAUTH; SlowDown -> PLX_ERATELIMIT; ...). */
void plx_s3_parse_error(const plx_response *resp, plx_reply *r);
/* "etag" (quotes removed), "version_id", "content_type", "last_modified"
 * (ISO 8601) and "metadata" from an object reply's headers. */
void plx_s3_write_headers(plx_jw *w, const plx_response *resp);
/* Only "etag" and "version_id" (the reply to a write). */
void plx_s3_write_etag(plx_jw *w, const plx_response *resp);
/* An ETag without its quotes (and W/), into dst. */
void plx_s3_etag_plain(const char *etag, char *dst, size_t cap);
/* An HTTP-date or an ISO 8601 time as "YYYY-MM-DDTHH:MM:SSZ"; false if it
 * is neither. */
bool plx_s3_iso_time(const char *s, char out[21]);
/* Writes the members of a ListObjectsV2 reply. PLX_EPROTOCOL (nothing
 * written) when the XML is malformed or not a listing. */
plx_status plx_s3_write_list(const plx_provider *p, plx_jw *w, const char *body, size_t len);
/* The UploadId of an InitiateMultipartUploadResult (plx_free). */
plx_status plx_s3_read_upload_id(const plx_provider *p, const char *body, size_t len,
                                 char **upload_id);
/* The ETag of a CompleteMultipartUploadResult into etag (quotes removed).
 * S3 may answer 200 with an <Error> body: then PLX_EHTTP (or the code's
 * status) with the code and message in r. */
plx_status plx_s3_read_complete(const plx_provider *p, const char *body, size_t len,
                                char *etag, size_t cap, plx_reply *r);

/* ---- streamed get and multipart put ---- */

/* The transport to use for p, and whether it is a private curl transport
 * made for this call (release with plx_transport_funcs_unref). */
const plx_transport_funcs *plx_s3_transport(plx_provider *p, bool want_async, bool *owned);

/* Where an upload's bytes come from. */
typedef struct plx_s3_source {
    int64_t (*fn)(void *buf, size_t cap, void *user_data);
    void *user_data;
    int fd;                     /* >= 0: read this file */
    const unsigned char *mem;   /* else: this memory */
    size_t mem_len, mem_off;
    bool eof;
    uint64_t read;              /* bytes read so far */
} plx_s3_source;

/* Reads until buf is full or the source ends: *got bytes. PLX_EIO (file)
 * or PLX_ECANCELED (callback) with a message on failure. */
plx_status plx_s3_source_fill(plx_provider *p, plx_s3_source *s, unsigned char *buf,
                              size_t cap, size_t *got);

/* What an upload reports. */
typedef struct plx_s3_upload_result {
    char etag[160];
    uint64_t size;
    uint32_t parts;             /* 0: one PUT */
    uint32_t attempts;          /* every request's attempts */
    char *upload_id;            /* multipart; plx_free */
    bool complete_error;        /* Complete answered 200 with an <Error> */
} plx_s3_upload_result;

/* Uploads target from s in parts of part_size with up to concurrency
 * parts in flight over t: through its submit and poll when async (t must
 * then be this thread's alone), else one at a time through send. first
 * (part_size bytes, malloc'ed) holds the first first_len bytes already
 * read: it is taken. Leaves in *x the exchange that decides the outcome (a
 * failed one, or the completion), for plx_call_finish_with; on any failure
 * the upload is aborted first. */
void plx_s3_multipart(plx_provider *p, const plx_transport_funcs *t, bool async,
                      const plx_s3_target *target, const cJSON *request, plx_s3_source *s,
                      unsigned char *first, size_t first_len, size_t part_size,
                      uint32_t concurrency, plx_exchange *x, plx_s3_upload_result *res);

/* An exchange that never reached a service (local failure) with status
 * and message, for plx_call_finish_with. */
void plx_s3_local_failure(plx_provider *p, plx_exchange *x, plx_status st, const char *fmt,
                          ...) PLX_PRINTF(4, 5);

#endif
