/* Internal crypto layer: thin wrappers over mbedTLS, the only layer that
 * includes it. */
#ifndef PLX_CRYPTO_H
#define PLX_CRYPTO_H

#include "../core/core.h"

/* Standard base64 (RFC 4648, with padding) of data, appended to b. */
plx_status plx_base64_encode(plx_buf *b, const void *data, size_t len);

#define PLX_SHA256_LEN 32

/* SHA-256 of data. */
void plx_sha256(const void *data, size_t len, unsigned char out[PLX_SHA256_LEN]);

/* HMAC-SHA256 of data under key. */
void plx_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                     unsigned char out[PLX_SHA256_LEN]);

/* Lower-case hex of data into out (2 * len + 1 bytes, NUL-terminated). */
void plx_hex_lower(const unsigned char *data, size_t len, char *out);

#endif
