/* Kind "webhook", op "notify": the canonical alert as JSON to any URL.
 * Config: "url" (a secret: webhook URLs often carry a token), "method"
 * (POST or PUT), and "secret" to sign each attempt:
 *   X-Plexus-Timestamp: <unix seconds>
 *   X-Plexus-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
 * A receiver recomputes the HMAC over the timestamp header, a dot and the
 * raw body, compares in constant time, and rejects old timestamps (e.g. more
 * than 5 minutes) so a captured request cannot be replayed. The signature
 * is made per attempt through the provider's auth slot (so a retry carries
 * a fresh timestamp), after any configured auth. Header names are
 * configurable ("signature_header", "timestamp_header"). */
#include "alert.h"
#include "../crypto/crypto.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGNATURE_HEADER "X-Plexus-Signature"
#define TIMESTAMP_HEADER "X-Plexus-Timestamp"

static const char *const KEYS[] = {"url", "method", "secret", "signature_header",
                                   "timestamp_header", NULL};

typedef struct webhook_state {
    char *url;
    char method[8];
} webhook_state;

typedef struct signer {
    plx_auth_funcs *inner;     /* the configured auth, run first; may be NULL */
    char *secret;
    char *signature_header;
    char *timestamp_header;
} signer;

static void webhook_release(void *state)
{
    webhook_state *s = state;
    if (s)
        plx_secret_free(s->url);
    free(s);
}

static void signer_free(void *user_data)
{
    signer *g = user_data;
    if (!g)
        return;
    plx_auth_funcs_unref(g->inner);
    plx_secret_free(g->secret);
    free(g->signature_header);
    free(g->timestamp_header);
    free(g);
}

/* hex(HMAC-SHA256(secret, "<ts>.<body>")) into out. */
static plx_status signature(const signer *g, const char *ts, const plx_request *req,
                            char out[2 * PLX_SHA256_LEN + 1])
{
    size_t len = 0;
    const void *body = plx_request_body(req, &len);
    plx_buf msg = {0};
    plx_status st = plx_buf_printf(&msg, "%s.", ts);
    if (st == PLX_OK && len)
        st = plx_buf_append(&msg, body, len);
    if (st == PLX_OK) {
        unsigned char mac[PLX_SHA256_LEN];
        plx_hmac_sha256(g->secret, strlen(g->secret), msg.data, msg.len, mac);
        plx_hex_lower(mac, sizeof mac, out);
    }
    plx_buf_free(&msg);
    return st;
}

static plx_status sign(plx_request *req, void *user_data)
{
    const signer *g = user_data;
    plx_status st = g->inner ? plx_auth_sign(g->inner, req) : PLX_OK;
    char ts[24], hex[2 * PLX_SHA256_LEN + 1] = "", value[8 + sizeof hex];
    snprintf(ts, sizeof ts, "%" PRId64, plx_wall_time_s());
    if (st == PLX_OK)
        st = signature(g, ts, req, hex);
    snprintf(value, sizeof value, "sha256=%s", hex);
    if (st == PLX_OK)
        st = plx_request_set_header(req, g->timestamp_header, ts);
    if (st == PLX_OK)
        st = plx_request_set_header(req, g->signature_header, value);
    return st;
}

static plx_status header_name(const plx_cfg *cfg, const cJSON *config, const char *key,
                              const char *fallback, char **out)
{
    const char *name = fallback;
    plx_status st = plx_cfg_string(cfg, config, key, &name);
    if (st != PLX_OK)
        return st;
    if (!plx_header_name_valid(name))
        return plx_cfg_fail(cfg, key, "not a valid HTTP header name");
    *out = plx_strdup(name);
    return *out ? PLX_OK : PLX_ENOMEM;
}

/* Wraps the provider's auth in the signer. Takes ownership of secret. */
static plx_status install_signer(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                 char *secret)
{
    signer *g = calloc(1, sizeof *g);
    plx_auth_funcs *funcs = NULL;
    if (!g || plx_auth_funcs_new(&funcs) != PLX_OK) {
        free(g);
        plx_secret_free(secret);
        return PLX_ENOMEM;
    }
    g->secret = secret;
    plx_status st = header_name(cfg, config, "signature_header", SIGNATURE_HEADER,
                                &g->signature_header);
    if (st == PLX_OK)
        st = header_name(cfg, config, "timestamp_header", TIMESTAMP_HEADER,
                         &g->timestamp_header);
    if (st != PLX_OK) {
        signer_free(g);
        plx_auth_funcs_unref(funcs);
        return st;
    }
    g->inner = p->auth;
    plx_auth_funcs_set_sign(funcs, sign, g, signer_free);
    plx_auth_funcs_make_immutable(funcs);
    p->auth = funcs;
    return PLX_OK;
}

static plx_status read_method(webhook_state *s, const plx_cfg *cfg, const cJSON *config)
{
    const char *method = "POST";
    plx_status st = plx_cfg_string(cfg, config, "method", &method);
    if (st == PLX_OK && strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
        return plx_cfg_fail(cfg, "method", "expected POST or PUT");
    if (st == PLX_OK)
        snprintf(s->method, sizeof s->method, "%s", method);
    return st;
}

static plx_status webhook_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                    void **state)
{
    webhook_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    *state = s;
    char *secret = NULL;
    plx_status st = plx_kind_secret(p, cfg, config, "url", true, &s->url);
    if (st == PLX_OK && !plx_url_is_http(s->url))
        return plx_cfg_fail(cfg, "url", "expected an absolute http:// or https:// URL");
    if (st == PLX_OK)
        st = read_method(s, cfg, config);
    if (st == PLX_OK)
        st = plx_kind_secret(p, cfg, config, "secret", false, &secret);
    if (st == PLX_OK && !secret && (cJSON_GetObjectItemCaseSensitive(config, "signature_header") ||
                                    cJSON_GetObjectItemCaseSensitive(config, "timestamp_header")))
        return plx_cfg_fail(cfg, "secret", "missing: the signature headers need a secret");
    if (st == PLX_OK && secret)
        st = install_signer(p, cfg, config, secret);
    if (st == PLX_OK)
        plx_notify_kind_defaults(p, config, 0, 0);
    return st;
}

static plx_status webhook_build(const plx_provider *p, const char *op, const cJSON *request,
                                plx_request **out)
{
    if (strcmp(op, "notify") != 0)
        return plx_fail(p->ctx, PLX_EUNSUPPORTED,
                        "kind 'webhook' has no op '%s' (ops: notify)", op);
    plx_alert a;
    plx_status st = plx_alert_parse(p->ctx, "request", request, &a);
    if (st != PLX_OK)
        return st;
    const webhook_state *s = p->kind_state;
    plx_jw w = {0};
    plx_alert_write(&w, NULL, &a);
    return plx_kind_json_request(p, s->method, s->url, &w, out);
}

/* A receiver may answer {"id": "..."}: that is the delivery's id. */
static plx_status webhook_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)p;
    (void)op;
    cJSON *json = r->failed ? NULL : plx_reply_json(r);
    plx_notify_result(r, plx_json_str(json, "id"));
    cJSON_Delete(json);
    if (r->failed) {
        size_t len = 0;
        const char *body = plx_response_body(r->resp, &len);
        if (len)
            plx_excerpt(body, len, 200, r->service_message, sizeof r->service_message);
    }
    return PLX_OK;
}

const plx_kind plx_kind_webhook = {
    .name = "webhook",
    .config_keys = KEYS,
    .configure = webhook_configure,
    .release = webhook_release,
    .build = webhook_build,
    .parse = webhook_parse,
};
