/* SHA-256 and HMAC-SHA256 over mbedTLS, and lower-case hex. */
#include "crypto.h"

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

void plx_sha256(const void *data, size_t len, unsigned char out[PLX_SHA256_LEN])
{
    mbedtls_sha256_ret(data, len, out, 0);
}

void plx_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                     unsigned char out[PLX_SHA256_LEN])
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_hmac(info, key, key_len, data, len, out);
}

void plx_hex_lower(const unsigned char *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}
