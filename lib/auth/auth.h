/* Internal auth layer: auth funcs objects, built-in schemes from config, and
 * credential sources. Secrets are registered with the ctx for redaction the
 * moment they are read. */
#ifndef PLX_AUTH_H
#define PLX_AUTH_H

#include "../http/http_internal.h"

struct plx_auth_funcs {
    int refs;  /* atomic */
    bool immutable;
    plx_slot sign;
};

plx_status plx_auth_sign(const plx_auth_funcs *auth, plx_request *req);

/* Reads a secret given as "literal", {"env": NAME} or {"file": PATH} at
 * cfg.path/key into a new string (free with plx_secret_free), and registers
 * it for redaction. Errors name the key and the source, never the value. */
plx_status plx_secret_read(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *obj,
                           const char *key, char **out);
/* Wipes and frees a secret. */
void plx_secret_free(char *secret);

/* Builds the auth scheme described by an "auth" config object:
 * {"type": "none"} | {"type": "bearer", "token": S} |
 * {"type": "header", "name": N, "value": S, "prefix"?: P} |
 * {"type": "basic", "username": S, "password": S}.
 * *out is NULL for "none". */
plx_status plx_auth_from_config(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *auth,
                                plx_auth_funcs **out);

#endif
