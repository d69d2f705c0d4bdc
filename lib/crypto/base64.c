/* Base64 over mbedTLS. */
#include "crypto.h"

#include <mbedtls/base64.h>

plx_status plx_base64_encode(plx_buf *b, const void *data, size_t len)
{
    size_t need = 0;
    mbedtls_base64_encode(NULL, 0, &need, data, len);
    if (plx_buf_reserve(b, need) != PLX_OK)
        return PLX_ENOMEM;
    size_t written = 0;
    if (mbedtls_base64_encode((unsigned char *)b->data + b->len, b->cap - b->len,
                              &written, data, len) != 0)
        return PLX_EINTERNAL;
    b->len += written;
    b->data[b->len] = '\0';
    return PLX_OK;
}

plx_status plx_base64_decode(plx_buf *b, const char *text, size_t len)
{
    size_t need = 0;
    int rc = mbedtls_base64_decode(NULL, 0, &need, (const unsigned char *)text, len);
    if (rc == MBEDTLS_ERR_BASE64_INVALID_CHARACTER)
        return PLX_EINVAL;
    if (plx_buf_reserve(b, need) != PLX_OK)
        return PLX_ENOMEM;
    size_t written = 0;
    if (mbedtls_base64_decode((unsigned char *)b->data + b->len, b->cap - b->len,
                              &written, (const unsigned char *)text, len) != 0)
        return PLX_EINVAL;
    b->len += written;
    b->data[b->len] = '\0';
    return PLX_OK;
}
