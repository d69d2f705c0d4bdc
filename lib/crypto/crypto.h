/* Internal crypto layer: thin wrappers over mbedTLS, the only layer that
 * includes it. */
#ifndef PLX_CRYPTO_H
#define PLX_CRYPTO_H

#include "../core/core.h"

/* Standard base64 (RFC 4648, with padding) of data, appended to b. */
plx_status plx_base64_encode(plx_buf *b, const void *data, size_t len);
/* Decodes standard base64 text and appends the bytes to b. PLX_EINVAL when
 * text is not base64 (a character outside the alphabet, misplaced '='). */
plx_status plx_base64_decode(plx_buf *b, const char *text, size_t len);

#define PLX_SHA256_LEN 32

/* SHA-256 of data. */
void plx_sha256(const void *data, size_t len, unsigned char out[PLX_SHA256_LEN]);

/* HMAC-SHA256 of data under key. */
void plx_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                     unsigned char out[PLX_SHA256_LEN]);

/* Incremental SHA-256. The state is opaque storage for mbedTLS's context
 * (checked at compile time in hash.c), so callers need no mbedTLS header. */
typedef struct plx_sha256_ctx {
    _Alignas(8) unsigned char opaque[128];
} plx_sha256_ctx;

void plx_sha256_init(plx_sha256_ctx *c);
void plx_sha256_update(plx_sha256_ctx *c, const void *data, size_t len);
/* Writes the digest; c may be reused after plx_sha256_init. */
void plx_sha256_finish(plx_sha256_ctx *c, unsigned char out[PLX_SHA256_LEN]);

/* An HMAC-SHA256 key with its inner and outer pads already hashed: MACs
 * under it cost two compressions less than plx_hmac_sha256. Plain data:
 * copy it, share it read-only between threads, wipe it with
 * plx_hmac_sha256_key_wipe. */
typedef struct plx_hmac_sha256_key {
    plx_sha256_ctx inner, outer;
} plx_hmac_sha256_key;

void plx_hmac_sha256_key_init(plx_hmac_sha256_key *k, const void *key, size_t key_len);
void plx_hmac_sha256_keyed(const plx_hmac_sha256_key *k, const void *data, size_t len,
                           unsigned char out[PLX_SHA256_LEN]);
void plx_hmac_sha256_key_wipe(plx_hmac_sha256_key *k);

/* Lower-case hex of data into out (2 * len + 1 bytes, NUL-terminated). */
void plx_hex_lower(const unsigned char *data, size_t len, char *out);

#endif
