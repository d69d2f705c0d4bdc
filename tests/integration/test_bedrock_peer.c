/* Kind "bedrock" against the SigV4 verifier of ../shared/peers (it re-signs
 * every request with botocore and answers 403 on any difference), and the
 * request plexus builds compared with the one botocore builds for the same
 * Converse input (path and body). Skips when the peer or botocore is absent. */
#include "tap.h"

#include <plexus.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *peer_url, *key_id, *secret;
static const char *const REQUEST =
    "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";

static plx_provider *provider(plx_ctx **ctx, const char *secret_key)
{
    char config[1024];
    snprintf(config, sizeof config, "{\"region\": \"us-east-1\", \"endpoint_url\": \"%s\", "
             "\"access_key_id\": \"%s\", \"secret_access_key\": \"%s\", "
             "\"model\": \"anthropic.claude-3-haiku-20240307-v1:0\", "
             "\"retry\": {\"max_attempts\": 1}}", peer_url, key_id, secret_key);
    plx_provider *p = NULL;
    CHECK_INT(plx_ctx_new(ctx, "{\"log_level\": \"none\"}"), PLX_OK);
    CHECK_INT(plx_provider_new(*ctx, "bedrock", config, &p), PLX_OK);
    return p;
}

/* The verifier accepts the signature and echoes JSON that is not a Converse
 * reply: a protocol error after HTTP 200 proves the signature matched. */
static void test_signature_accepted(void)
{
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, secret);
    char *out = NULL;
    CHECK_INT(plx_chat(p, REQUEST, &out), PLX_EPROTOCOL);
    CHECK_CONTAINS(out, "\"http_status\":200");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void test_wrong_secret(void)
{
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, "not-the-secret-key");
    char *out = NULL;
    CHECK_INT(plx_chat(p, REQUEST, &out), PLX_EAUTH);
    CHECK_CONTAINS(out, "\"http_status\":403");
    CHECK(!strstr(out, "not-the-secret-key"));
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

/* ---- the request compared with botocore's ---- */

typedef struct captured {
    char url[512];
    char body[4096];
} captured;

static plx_status capture(const plx_request *req, plx_response *resp, void *ud)
{
    captured *c = ud;
    size_t len = 0;
    const char *body = plx_request_body(req, &len);
    snprintf(c->url, sizeof c->url, "%s", plx_request_url(req));
    snprintf(c->body, sizeof c->body, "%.*s", (int)len, body ? body : "");
    plx_response_set_status(resp, 400);
    return PLX_OK;
}

/* botocore's request line and body for the same input, from the peers'
 * reference script: "POST URL" and "  body: b'...'". */
static bool botocore_request(const char *peers, char *url, size_t url_cap, char *body,
                             size_t body_cap)
{
    char cmd[1024], line[4096];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/scripts/bedrock_reference_request.py "
             "'%s' converse 2>/dev/null", peers, peer_url);
    FILE *f = popen(cmd, "r");
    if (!f)
        return false;
    url[0] = body[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "POST ", 5) == 0)
            snprintf(url, url_cap, "%.500s", line + 5);
        else if (strncmp(line, "  body: b'", 10) == 0 && strlen(line) > 11)
            snprintf(body, body_cap, "%.*s", (int)(strlen(line) - 11), line + 10);
    }
    return pclose(f) == 0 && url[0] && body[0];
}

static void test_same_request_as_botocore(const char *peers)
{
    char url[512], body[4096];
    if (!botocore_request(peers, url, sizeof url, body, sizeof body)) {
        printf("# SKIP botocore comparison: no botocore or reference script\n");
        return;
    }
    plx_ctx *ctx;
    plx_provider *p = provider(&ctx, secret);
    captured c = {0};
    plx_transport_funcs *t = NULL;
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, capture, &c, NULL);
    plx_provider_set_transport(p, t);
    plx_transport_funcs_unref(t);
    char *out = NULL;
    plx_chat(p, REQUEST, &out);
    plx_free(out);
    CHECK_STR(c.url, url);
    cJSON *ours = cJSON_Parse(c.body), *theirs = cJSON_Parse(body);
    CHECK(ours && theirs && cJSON_Compare(ours, theirs, true));
    if (!cJSON_Compare(ours, theirs, true))
        printf("# ours:     %s\n# botocore: %s\n", c.body, body);
    cJSON_Delete(ours);
    cJSON_Delete(theirs);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

/* Reads the peer's address and credentials, or skips the program. */
static void setup(void)
{
    peer_url = getenv("PEER_SIGV4_URL");
    key_id = getenv("PEER_AWS_ACCESS_KEY_ID");
    secret = getenv("PEER_AWS_SECRET_ACCESS_KEY");
    if (!peer_url || !key_id || !secret)
        TAP_SKIP("no PEER_SIGV4_URL (start the sigv4-verify peer of ../shared/peers)");
}

static void test_botocore(void)
{
    const char *peers = getenv("PLEXUS_PEERS");
    char fallback[1024];
    if (!peers) {
        const char *root = getenv("PLX_SOURCE_ROOT");
        snprintf(fallback, sizeof fallback, "%s/../shared/peers", root ? root : ".");
        peers = fallback;
    }
    test_same_request_as_botocore(peers);
}

TEST_MAIN(setup, test_signature_accepted, test_wrong_secret, test_botocore)
