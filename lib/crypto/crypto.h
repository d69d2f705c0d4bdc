/* Internal crypto layer: thin wrappers over mbedTLS, the only layer that
 * includes it. */
#ifndef PLX_CRYPTO_H
#define PLX_CRYPTO_H

#include "../core/core.h"

/* Standard base64 (RFC 4648, with padding) of data, appended to b. */
plx_status plx_base64_encode(plx_buf *b, const void *data, size_t len);

#endif
