/* SHA-256 (one-shot and incremental), HMAC-SHA256 (one-shot and with a
 * prepared key) over mbedTLS, and lower-case hex. */
#include "crypto.h"

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <string.h>

_Static_assert(sizeof(mbedtls_sha256_context) <= sizeof(((plx_sha256_ctx *)0)->opaque),
               "plx_sha256_ctx is too small for mbedtls_sha256_context");
_Static_assert(_Alignof(mbedtls_sha256_context) <= 8,
               "plx_sha256_ctx is not aligned enough for mbedtls_sha256_context");

#define BLOCK 64

static mbedtls_sha256_context *state(plx_sha256_ctx *c)
{
    return (mbedtls_sha256_context *)(void *)c->opaque;
}

void plx_sha256(const void *data, size_t len, unsigned char out[PLX_SHA256_LEN])
{
    mbedtls_sha256_ret(data, len, out, 0);
}

void plx_sha256_init(plx_sha256_ctx *c)
{
    mbedtls_sha256_init(state(c));
    mbedtls_sha256_starts_ret(state(c), 0);
}

void plx_sha256_update(plx_sha256_ctx *c, const void *data, size_t len)
{
    if (len)
        mbedtls_sha256_update_ret(state(c), data, len);
}

void plx_sha256_finish(plx_sha256_ctx *c, unsigned char out[PLX_SHA256_LEN])
{
    mbedtls_sha256_finish_ret(state(c), out);
}

void plx_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                     unsigned char out[PLX_SHA256_LEN])
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_hmac(info, key, key_len, data, len, out);
}

/* RFC 2104: H((K ^ opad) || H((K ^ ipad) || data)); the two pad blocks are
 * hashed once here and the states reused for every message. */
void plx_hmac_sha256_key_init(plx_hmac_sha256_key *k, const void *key, size_t key_len)
{
    unsigned char block[BLOCK] = {0}, pad[BLOCK];
    if (key_len > BLOCK)
        plx_sha256(key, key_len, block);
    else if (key_len)
        memcpy(block, key, key_len);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = block[i] ^ 0x36;
    plx_sha256_init(&k->inner);
    plx_sha256_update(&k->inner, pad, BLOCK);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = block[i] ^ 0x5c;
    plx_sha256_init(&k->outer);
    plx_sha256_update(&k->outer, pad, BLOCK);
    explicit_bzero(block, sizeof block);
    explicit_bzero(pad, sizeof pad);
}

void plx_hmac_sha256_keyed(const plx_hmac_sha256_key *k, const void *data, size_t len,
                           unsigned char out[PLX_SHA256_LEN])
{
    plx_sha256_ctx c = k->inner;   /* plain data: the context holds no pointers */
    unsigned char inner[PLX_SHA256_LEN];
    plx_sha256_update(&c, data, len);
    plx_sha256_finish(&c, inner);
    c = k->outer;
    plx_sha256_update(&c, inner, sizeof inner);
    plx_sha256_finish(&c, out);
}

void plx_hmac_sha256_key_wipe(plx_hmac_sha256_key *k)
{
    explicit_bzero(k, sizeof *k);
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
