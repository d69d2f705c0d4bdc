/* custom_auth: sign every request with your own scheme.
 *
 * An auth is a plx_auth_funcs object whose `sign` slot adds credentials to
 * each attempt's request. This one is a common webhook style: an HMAC-SHA256
 * over "TIMESTAMP.METHOD.URL.BODY" with a shared key, sent as
 *   X-Signature-Timestamp: 1700000000
 *   X-Signature: v1=<hex>
 * To run offline it is shown against an in-process transport playing the
 * server, which recomputes the HMAC and answers 401 when it does not match.
 * The HMAC comes from mbedTLS (which plexus uses too); any crypto library
 * does.
 *
 * Run: build/examples/custom_auth */
#include <plexus.h>
#include <mbedtls/md.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct hmac_key {
    const char *key_id;
    const char *secret;
} hmac_key;

/* HMAC-SHA256 of "ts.method.url.body" as lower-case hex (65 bytes). */
static int sign_hex(const char *secret, const char *ts, const plx_request *req, char hex[65])
{
    const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t md;
    unsigned char mac[32];
    size_t len = 0;
    const void *body = plx_request_body(req, &len);
    const char *parts[] = {ts, ".", plx_request_method(req), ".", plx_request_url(req), "."};

    mbedtls_md_init(&md);
    int err = mbedtls_md_setup(&md, sha256, 1) ||
              mbedtls_md_hmac_starts(&md, (const unsigned char *)secret, strlen(secret));
    for (size_t i = 0; !err && i < sizeof parts / sizeof parts[0]; i++)
        err = mbedtls_md_hmac_update(&md, (const unsigned char *)parts[i], strlen(parts[i]));
    if (!err && len)
        err = mbedtls_md_hmac_update(&md, body, len);
    if (!err)
        err = mbedtls_md_hmac_finish(&md, mac);
    mbedtls_md_free(&md);
    for (size_t i = 0; !err && i < sizeof mac; i++)
        sprintf(hex + 2 * i, "%02x", mac[i]);
    return err;
}

/* The sign slot: runs once per attempt (a retry is signed afresh, with a
 * new timestamp), from any thread. Never put the secret in a message. */
static plx_status hmac_sign(plx_request *req, void *user_data)
{
    const hmac_key *key = user_data;
    char ts[32], hex[65], value[80];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    if (sign_hex(key->secret, ts, req, hex) != 0)
        return PLX_EAUTH;
    snprintf(value, sizeof value, "v1=%s", hex);
    plx_status st = plx_request_set_header(req, "X-Key-Id", key->key_id);
    if (st == PLX_OK)
        st = plx_request_set_header(req, "X-Signature-Timestamp", ts);
    if (st == PLX_OK)
        st = plx_request_set_header(req, "X-Signature", value);
    return st;
}

/* The server side, in-process: verify the signature like a receiver would. */
static plx_status verifying_server(const plx_request *req, plx_response *resp,
                                   void *user_data)
{
    const hmac_key *key = user_data;
    const char *ts = plx_request_header(req, "X-Signature-Timestamp");
    const char *got = plx_request_header(req, "X-Signature");
    char hex[65], want[80];
    int ok = ts && got && sign_hex(key->secret, ts, req, hex) == 0;
    if (ok) {
        snprintf(want, sizeof want, "v1=%s", hex);
        ok = strcmp(want, got) == 0;
    }
    printf("  server: %s %s, signature %s\n", plx_request_method(req), plx_request_url(req),
           ok ? "valid" : got ? "INVALID" : "missing");
    const char *body = ok ? "{\"accepted\": true}" : "{\"error\": \"bad signature\"}";
    plx_response_set_status(resp, ok ? 200 : 401);
    plx_response_add_header(resp, "Content-Type", "application/json");
    return plx_response_append_body(resp, body, strlen(body));
}

static plx_status post(plx_provider *p, const char *what)
{
    char *result = NULL;
    plx_status st = plx_call(p, "request",
                             "{\"method\": \"POST\", \"path\": \"/hooks/deploy\","
                             " \"body\": {\"service\": \"billing\", \"version\": \"2.4.1\"}}",
                             &result);
    printf("%s: %s\n  %s\n\n", what, plx_status_name(st), result ? result : "(none)");
    plx_free(result);
    return st;
}

int main(void)
{
    static const hmac_key key = {"demo-key", "a-shared-secret-for-the-demo"};
    static const hmac_key wrong = {"demo-key", "not-the-shared-secret"};

    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, "{\"providers\": {"
                          " \"plain\": {\"kind\": \"http\", \"base_url\": \"https://hooks.example\","
                          "            \"retry\": {\"max_attempts\": 1}},"
                          " \"hooks\": {\"kind\": \"http\", \"base_url\": \"https://hooks.example\"},"
                          " \"stale\": {\"kind\": \"http\", \"base_url\": \"https://hooks.example\","
                          "            \"retry\": {\"max_attempts\": 1}}}}") != PLX_OK) {
        fprintf(stderr, "custom_auth: %s\n", plx_errmsg(NULL));
        return 1;
    }
    /* Keep the secrets out of every log line and error message. */
    plx_ctx_add_secret(ctx, key.secret);
    plx_ctx_add_secret(ctx, wrong.secret);

    plx_transport_funcs *server = NULL;
    plx_transport_funcs_new(&server);
    plx_transport_funcs_set_send(server, verifying_server, (void *)&key, NULL);
    plx_ctx_set_transport(ctx, server);
    plx_transport_funcs_unref(server);

    plx_provider *plain = NULL, *hooks = NULL, *stale = NULL;
    plx_ctx_provider(ctx, "plain", &plain);
    plx_ctx_provider(ctx, "hooks", &hooks);
    plx_ctx_provider(ctx, "stale", &stale);

    /* Attach the custom auth to a provider, before its first call (the
     * provider takes a reference and makes the funcs immutable). */
    plx_auth_funcs *auth = NULL;
    plx_auth_funcs_new(&auth);
    plx_auth_funcs_set_sign(auth, hmac_sign, (void *)&key, NULL);
    plx_provider_set_auth(hooks, auth);
    plx_auth_funcs_unref(auth);

    /* The same scheme with a key the server does not know. */
    plx_auth_funcs_new(&auth);
    plx_auth_funcs_set_sign(auth, hmac_sign, (void *)&wrong, NULL);
    plx_provider_set_auth(stale, auth);
    plx_auth_funcs_unref(auth);

    plx_status unsigned_st = post(plain, "unsigned (refused)");
    plx_status signed_st = post(hooks, "signed (accepted)");
    plx_status wrong_st = post(stale, "signed with the wrong key (refused)");

    plx_ctx_free(ctx);
    /* A 401 is PLX_EAUTH; the result JSON has the status and the reply. */
    return unsigned_st == PLX_EAUTH && signed_st == PLX_OK && wrong_st == PLX_EAUTH ? 0 : 1;
}
