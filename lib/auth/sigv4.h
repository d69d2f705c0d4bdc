/* AWS Signature Version 4: the signer (header signing and presigned URLs),
 * AWS credentials and where they come from, and the "aws_sigv4" auth scheme.
 * Internal API for kinds that talk to AWS (aws, s3, bedrock): sign a
 * plx_request, or presign a URL, with a signer that caches derived keys. */
#ifndef PLX_SIGV4_H
#define PLX_SIGV4_H

#include "auth.h"

/* ---- credentials (aws_credentials.c) ---- */

typedef struct plx_aws_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;          /* NULL when there is none */
} plx_aws_credentials;

/* Wipes the secrets and frees the strings. */
void plx_aws_credentials_clear(plx_aws_credentials *c);

/* What the credential chain found. */
typedef struct plx_aws_resolved {
    plx_aws_credentials creds;    /* access_key_id NULL when none was found */
    char *region;                 /* NULL when none was found */
    char *tried;                  /* when no credentials: the sources looked at
                                   * ("config keys, environment ..."), never values */
} plx_aws_resolved;

/* Resolves credentials and region from obj's keys access_key_id,
 * secret_access_key, session_token (secrets: literal, {"env"}, {"file"}),
 * profile and region; else from the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION);
 * else from the shared files (AWS_SHARED_CREDENTIALS_FILE or
 * ~/.aws/credentials, AWS_CONFIG_FILE or ~/.aws/config) for the profile
 * ("profile" key, AWS_PROFILE, "default"). Secrets are registered with ctx.
 * Finding no credentials is not an error here (see out->tried); a bad key
 * or an unreadable explicit source is PLX_ECONFIG. Does not check obj for
 * unknown keys. */
plx_status plx_aws_resolve(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *obj,
                           plx_aws_resolved *out);
void plx_aws_resolved_clear(plx_aws_resolved *r);

/* ---- the signer (sigv4.c, sigv4_canon.c) ---- */

#define PLX_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define PLX_SIGV4_MAX_EXPIRES 604800  /* 7 days, the longest AWS accepts */

/* How to sign one request. plx_sigv4_options_init gives a service's
 * defaults: S3 ("s3") keeps the path as sent (no normalization, no second
 * encoding) and sends x-amz-content-sha256; every other service normalizes
 * the path and encodes it twice. */
typedef struct plx_sigv4_options {
    const char *region;
    const char *service;          /* the signing name: "s3", "sagemaker", "bedrock" */
    int64_t time;                 /* seconds since the epoch; 0: now */
    bool normalize_path;          /* remove "." / ".." / empty segments */
    bool double_encode_path;      /* encode the (already encoded) path again */
    bool unsigned_payload;        /* hash "UNSIGNED-PAYLOAD" instead of the body */
    bool content_sha256_header;   /* send the payload hash as x-amz-content-sha256 */
    bool omit_session_token;      /* add X-Amz-Security-Token after signing,
                                   * unsigned (a few services want that) */
    uint32_t expires;             /* presigning: X-Amz-Expires, 1..604800 s */
} plx_sigv4_options;

void plx_sigv4_options_init(plx_sigv4_options *o, const char *region, const char *service);

/* Holds credentials and a cache of derived signing keys per (date, region,
 * service). Thread-safe: one signer may sign from many threads at once. */
typedef struct plx_sigv4_signer plx_sigv4_signer;

/* Copies the credentials (session_token may be NULL). */
plx_status plx_sigv4_signer_new(const char *access_key_id, const char *secret_access_key,
                                const char *session_token, plx_sigv4_signer **out);
void plx_sigv4_signer_free(plx_sigv4_signer *s);
const char *plx_sigv4_signer_access_key_id(const plx_sigv4_signer *s);

/* What signing computed, for tests and debugging (optional everywhere). */
typedef struct plx_sigv4_debug {
    plx_buf canonical_request;
    plx_buf string_to_sign;
    char signature[65];
} plx_sigv4_debug;
void plx_sigv4_debug_free(plx_sigv4_debug *d);

/* A request as parts: path and query exactly as they go on the wire (the
 * query without '?', may be empty), headers including Host. */
typedef struct plx_sigv4_message {
    const char *method;
    const char *path;
    size_t path_len;
    const char *query;
    size_t query_len;
    plx_headers *headers;         /* changed by signing */
    const void *body;
    size_t body_len;
} plx_sigv4_message;

/* Header signing of a message: removes Authorization and X-Amz-Date, adds
 * X-Amz-Date, X-Amz-Security-Token and x-amz-content-sha256 as the options
 * say, signs every header but a few hop-by-hop ones (user-agent, expect,
 * ...), and adds Authorization. An x-amz-content-sha256 the caller already
 * set (a hash computed while streaming a file, "STREAMING-...") is signed
 * as the payload hash instead of hashing the body, unless unsigned_payload. */
plx_status plx_sigv4_sign_message(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                  plx_sigv4_message *m, plx_sigv4_debug *dbg);

/* Query signing (presigning) of a message: appends to query_out the
 * message's query (if any), then X-Amz-Algorithm, -Credential, -Date,
 * -Expires, -SignedHeaders, -Security-Token and -Signature, all encoded.
 * The message's headers are signed as they are (Host at least). */
plx_status plx_sigv4_presign_message(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                     const plx_sigv4_message *m, plx_buf *query_out,
                                     plx_sigv4_debug *dbg);

/* Signs req in place (headers). Adds a Host header from the URL when the
 * request has none, so that what is signed is what is sent. */
plx_status plx_sigv4_sign_request(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                  plx_request *req);

/* Presigns req in place: its URL gets the X-Amz-* query parameters. A
 * presigned S3 URL (content_sha256_header or unsigned_payload set) signs
 * UNSIGNED-PAYLOAD, as S3 expects; others hash the body. */
plx_status plx_sigv4_presign_request(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                     plx_request *req);

/* A presigned URL for method and url (signing only Host), in *out (plx_free). */
plx_status plx_sigv4_presign_url(plx_sigv4_signer *s, const plx_sigv4_options *o,
                                 const char *method, const char *url, char **out);

/* ---- canonical forms (sigv4_canon.c) ---- */

/* Appends the canonical URI of a wire path (empty -> "/"). With
 * double_encode the path is encoded as a whole again ('%' -> "%25"), as
 * most services want; without it (S3) escapes already in the path are
 * kept and only bytes that are not unreserved or '/' are encoded. */
plx_status plx_sigv4_canonical_path(plx_buf *b, const char *path, size_t len,
                                    bool normalize, bool double_encode);
/* Appends the canonical query string of a wire query (without '?'): each
 * name and value decoded, then encoded (RFC 3986 unreserved kept), sorted
 * by name then value. */
plx_status plx_sigv4_canonical_query(plx_buf *b, const char *query, size_t len);
/* Appends "name:value\n" for each header to sign (lower-case names, values
 * trimmed, inner whitespace runs folded, repeated names joined with ','),
 * sorted by name, and their names joined by ';' to signed. */
plx_status plx_sigv4_canonical_headers(plx_buf *b, plx_buf *signed_headers,
                                       const plx_headers *h);

/* Host (lower case, without a default port) and the path+query part of an
 * http(s) URL: *path points into url; *path_len and *query (NULL if none)
 * describe it. false if url is not an absolute http(s) URL. */
bool plx_sigv4_split_url(const char *url, char *host, size_t host_cap, const char **path,
                         size_t *path_len, const char **query, size_t *query_len);

/* ---- the "aws_sigv4" auth scheme (sigv4_auth.c) ---- */

/* A request header by which a caller picks the scope of one request:
 * "<region>/<service>". The signer removes it before signing. The aws kind
 * uses it, since its service changes from call to call. */
#define PLX_SIGV4_SCOPE_HEADER "x-plx-sigv4-scope"

/* Builds a SigV4 auth funcs object from obj's keys region, service,
 * access_key_id, secret_access_key, session_token, profile and
 * unsigned_payload (unknown keys are the caller's to check). Without
 * credentials it still succeeds, and every signing then fails with
 * PLX_EAUTH naming the sources tried. *region_out (may be NULL) receives
 * the resolved region (plx_free), NULL if none. */
plx_status plx_sigv4_auth_new(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *obj,
                              plx_auth_funcs **out, char **region_out);

/* {"type": "aws_sigv4", ...} for plx_auth_from_config. */
plx_status plx_sigv4_auth_from_config(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *auth,
                                      plx_auth_funcs **out);

/* Region and signing name guessed from an AWS host name
 * ("comprehend.us-east-1.amazonaws.com", "bucket.s3.amazonaws.com"). */
bool plx_sigv4_scope_from_host(const char *host, char *region, size_t region_cap,
                               char *service, size_t service_cap);

#endif
