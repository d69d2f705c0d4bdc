/* Built-in auth schemes: none, bearer, a named header (API key), basic. Each
 * is an ordinary auth funcs object whose sign slot sets one header. */
#include "auth.h"
#include "sigv4.h"
#include "../crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

/* The header a scheme sets; the value is a secret. */
typedef struct header_auth {
    char *name;
    char *value;
} header_auth;

static void header_auth_free(void *user_data)
{
    header_auth *h = user_data;
    free(h->name);
    plx_secret_free(h->value);
    free(h);
}

static plx_status header_auth_sign(plx_request *req, void *user_data)
{
    const header_auth *h = user_data;
    return plx_request_set_header(req, h->name, h->value);
}

/* Makes the funcs object; takes ownership of name and value. */
static plx_status header_auth_new(plx_ctx *ctx, const plx_cfg *cfg, char *name,
                                  char *value, plx_auth_funcs **out)
{
    header_auth *h = calloc(1, sizeof *h);
    plx_auth_funcs *funcs = NULL;
    if (!h || !name || !value || plx_auth_funcs_new(&funcs) != PLX_OK) {
        free(h);
        free(name);
        plx_secret_free(value);
        return PLX_ENOMEM;
    }
    h->name = name;
    h->value = value;
    if (!plx_header_name_valid(name) || !plx_header_value_valid(value)) {
        header_auth_free(h);
        plx_auth_funcs_unref(funcs);
        return plx_cfg_fail(cfg, "name",
                            "not a valid HTTP header name, or the value has CR, LF or control bytes");
    }
    plx_secret_register(ctx, value);
    plx_auth_funcs_set_sign(funcs, header_auth_sign, h, header_auth_free);
    plx_auth_funcs_make_immutable(funcs);
    *out = funcs;
    return PLX_OK;
}

/* "<prefix><secret>" as a new secret string. */
static char *join_secret(const char *prefix, char *secret)
{
    size_t a = strlen(prefix), b = strlen(secret);
    char *joined = malloc(a + b + 1);
    if (joined) {
        memcpy(joined, prefix, a);
        memcpy(joined + a, secret, b + 1);
    }
    plx_secret_free(secret);
    return joined;
}

static plx_status bearer_from_config(plx_ctx *ctx, const plx_cfg *cfg,
                                     const cJSON *auth, plx_auth_funcs **out)
{
    static const char *const keys[] = {"type", "token", NULL};
    char *token = NULL;
    plx_status st = plx_cfg_check_keys(cfg, auth, keys);
    if (st == PLX_OK)
        st = plx_secret_read(ctx, cfg, auth, "token", &token);
    if (st != PLX_OK)
        return st;
    return header_auth_new(ctx, cfg, plx_strdup("Authorization"),
                           join_secret("Bearer ", token), out);
}

static plx_status header_from_config(plx_ctx *ctx, const plx_cfg *cfg,
                                     const cJSON *auth, plx_auth_funcs **out)
{
    static const char *const keys[] = {"type", "name", "value", "prefix", NULL};
    const char *name = NULL, *prefix = "";
    char *value = NULL;
    plx_status st = plx_cfg_check_keys(cfg, auth, keys);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, auth, "name", &name);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, auth, "prefix", &prefix);
    if (st == PLX_OK && !name)
        st = plx_cfg_fail(cfg, "name", "missing (the header to send, e.g. \"x-api-key\")");
    if (st == PLX_OK)
        st = plx_secret_read(ctx, cfg, auth, "value", &value);
    if (st != PLX_OK)
        return st;
    return header_auth_new(ctx, cfg, plx_strdup(name), join_secret(prefix, value), out);
}

static plx_status basic_from_config(plx_ctx *ctx, const plx_cfg *cfg,
                                    const cJSON *auth, plx_auth_funcs **out)
{
    static const char *const keys[] = {"type", "username", "password", NULL};
    char *user = NULL, *password = NULL;
    plx_status st = plx_cfg_check_keys(cfg, auth, keys);
    if (st == PLX_OK)
        st = plx_secret_read(ctx, cfg, auth, "username", &user);
    if (st == PLX_OK)
        st = plx_secret_read(ctx, cfg, auth, "password", &password);
    if (st == PLX_OK && strchr(user, ':'))
        st = plx_cfg_fail(cfg, "username", "must not contain ':'");
    plx_buf plain = {0}, encoded = {0};
    if (st == PLX_OK)
        st = plx_buf_printf(&plain, "%s:%s", user, password);
    if (st == PLX_OK)
        st = plx_buf_append_str(&encoded, "Basic ");
    if (st == PLX_OK)
        st = plx_base64_encode(&encoded, plain.data, plain.len);
    if (st == PLX_OK) /* the credentials alone, as they may appear in excerpts */
        st = plx_secret_register(ctx, encoded.data + strlen("Basic "));
    if (plain.data)
        explicit_bzero(plain.data, plain.len);
    plx_buf_free(&plain);
    plx_secret_free(user);
    plx_secret_free(password);
    if (st != PLX_OK) {
        plx_secret_free(encoded.data);
        return st;
    }
    return header_auth_new(ctx, cfg, plx_strdup("Authorization"), encoded.data, out);
}

plx_status plx_auth_from_config(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *auth,
                                plx_auth_funcs **out)
{
    *out = NULL;
    const char *type = NULL;
    plx_status st = plx_cfg_string(cfg, auth, "type", &type);
    if (st != PLX_OK)
        return st;
    if (!type)
        return plx_cfg_fail(cfg, "type", "missing (none, bearer, header, basic or aws_sigv4)");
    if (strcmp(type, "none") == 0) {
        static const char *const keys[] = {"type", NULL};
        return plx_cfg_check_keys(cfg, auth, keys);
    }
    if (strcmp(type, "bearer") == 0)
        return bearer_from_config(ctx, cfg, auth, out);
    if (strcmp(type, "header") == 0)
        return header_from_config(ctx, cfg, auth, out);
    if (strcmp(type, "basic") == 0)
        return basic_from_config(ctx, cfg, auth, out);
    if (strcmp(type, "aws_sigv4") == 0)
        return plx_sigv4_auth_from_config(ctx, cfg, auth, out);
    return plx_cfg_fail(cfg, "type", "unknown auth type '%s' (none, bearer, header, basic or "
                        "aws_sigv4)",
                        type);
}
