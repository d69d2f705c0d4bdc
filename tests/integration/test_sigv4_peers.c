/* SigV4 against real verifiers of ../shared/peers, through a plain "http"
 * provider with "aws_sigv4" auth: the SigV4 verifier (botocore re-signs
 * what it received, for any service) and the S3 server (s3rver, path-style,
 * bucket testbucket). Signed requests pass; a wrong secret gives PLX_EAUTH.
 * Skips, saying why, when PEER_SIGV4_URL / PEER_S3_URL are unset or down. */
#include "../tap.h"
#include "auth/sigv4.h"

#include <plexus.h>
#include <stdlib.h>
#include <string.h>

static const char *sigv4_url, *s3_url;

static plx_ctx *ctx_with(const char *base_url, const char *auth, plx_provider **p)
{
    char config[2048];
    snprintf(config, sizeof config,
             "{\"log_level\":\"error\",\"providers\":{\"p\":{\"kind\":\"http\","
             "\"base_url\":\"%s\",\"retry\":{\"max_attempts\":1},\"auth\":%s}}}",
             base_url, auth);
    plx_ctx *ctx = NULL;
    CHECK_INT(plx_ctx_new(&ctx, config), PLX_OK);
    *p = NULL;
    if (ctx)
        plx_ctx_provider(ctx, "p", p);
    return ctx;
}

#define VERIFY_AUTH(extra)                                                               \
    "{\"type\":\"aws_sigv4\",\"region\":\"us-east-1\",\"access_key_id\":\"AKIDEXAMPLE\"," \
    "\"secret_access_key\":\"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\"" extra "}"

static void test_verifier_services(void)
{
    struct { const char *service, *request; } cases[] = {
        {"comprehend", "{\"method\":\"POST\",\"path\":\"/\",\"headers\":{\"X-Amz-Target\":"
                       "\"Comprehend_20171127.DetectSentiment\",\"Content-Type\":"
                       "\"application/x-amz-json-1.1\"},\"body\":{\"Text\":\"good\"}}"},
        {"execute-api", "{\"method\":\"GET\",\"path\":\"/a%20b/./c/../d%2Fe/$x*\",\"query\":"
                        "{\"z\":\"1\",\"a\":[\"2\",\"1\"],\"sp ace\":\"x+y/~\"}}"},
        {"s3", "{\"method\":\"PUT\",\"path\":\"/bucket/a%20b//c.txt\",\"headers\":"
               "{\"X-Amz-Meta-Note\":\"  two   spaces  \"},\"body\":\"hello s3\"}"},
        {"sagemaker", "{\"method\":\"POST\",\"path\":\"/endpoints/my-ep/invocations\","
                      "\"headers\":{\"Content-Type\":\"text/csv\"},\"body\":\"1,2,3\"}"},
        {"bedrock", "{\"method\":\"POST\",\"path\":\"/model/anthropic.claude-v2%3A1/invoke\","
                    "\"body\":{\"prompt\":\"hi\"}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char auth[512];
        snprintf(auth, sizeof auth, VERIFY_AUTH(",\"service\":\"%s\""), cases[i].service);
        plx_provider *p;
        plx_ctx *ctx = ctx_with(sigv4_url, auth, &p);
        char *out = NULL;
        plx_status st = plx_call(p, "request", cases[i].request, &out);
        if (st != PLX_OK)
            fprintf(stderr, "%s: %s\n", cases[i].service, out ? out : plx_errmsg(ctx));
        CHECK_INT(st, PLX_OK);
        char want[64];
        snprintf(want, sizeof want, "\"service\": \"%s\"", cases[i].service);
        CHECK_CONTAINS(out, want);
        plx_free(out);
        plx_ctx_free(ctx);
    }
}

static void test_verifier_options(void)
{
    plx_provider *p;
    /* session token (signed), unsigned payload */
    plx_ctx *ctx = ctx_with(sigv4_url, VERIFY_AUTH(",\"service\":\"lambda\",\"session_token\":"
                                                   "\"FQoGZXIvYXdz+token/=\",\"unsigned_payload\":true"),
                            &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"method\":\"POST\",\"path\":\"/2015-03-31/functions/f/"
                                     "invocations\",\"body\":{\"x\":1}}", &out), PLX_OK);
    CHECK_CONTAINS(out, "x-amz-security-token");
    CHECK_CONTAINS(out, "x-amz-content-sha256");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_verifier_wrong_secret(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_with(sigv4_url,
                            "{\"type\":\"aws_sigv4\",\"region\":\"us-east-1\",\"service\":"
                            "\"comprehend\",\"access_key_id\":\"AKIDEXAMPLE\","
                            "\"secret_access_key\":\"not-the-right-secret-key\"}", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"method\":\"POST\",\"path\":\"/\",\"body\":{}}", &out),
              PLX_EAUTH);
    CHECK_CONTAINS(out, "\"http_status\":403");
    CHECK_CONTAINS(out, "SignatureDoesNotMatch");
    CHECK(!strstr(out, "not-the-right-secret-key"));
    plx_free(out);
    plx_ctx_free(ctx);
}

#define S3_AUTH(secret)                                                                   \
    "{\"type\":\"aws_sigv4\",\"region\":\"us-east-1\",\"service\":\"s3\",\"access_key_id\":" \
    "\"S3RVER\",\"secret_access_key\":\"" secret "\"}"

static void test_s3_put_get_list(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_with(s3_url, S3_AUTH("S3RVER"), &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"method\":\"PUT\",\"path\":\"/testbucket/plexus/sig%20v4"
                                     "%2Bkey.txt\",\"headers\":{\"Content-Type\":\"text/plain\"},"
                                     "\"body\":\"signed by plexus\"}", &out), PLX_OK);
    plx_free(out);
    CHECK_INT(plx_call(p, "request", "{\"path\":\"/testbucket/plexus/sig%20v4%2Bkey.txt\"}",
                       &out), PLX_OK);
    CHECK_CONTAINS(out, "\"body\":\"signed by plexus\"");
    plx_free(out);
    CHECK_INT(plx_call(p, "request", "{\"path\":\"/testbucket\",\"query\":{\"list-type\":\"2\","
                                     "\"prefix\":\"plexus/\"}}", &out), PLX_OK);
    CHECK_CONTAINS(out, "plexus/sig v4+key.txt");
    plx_free(out);
    CHECK_INT(plx_call(p, "request", "{\"method\":\"DELETE\",\"path\":\"/testbucket/plexus/"
                                     "sig%20v4%2Bkey.txt\"}", &out), PLX_OK);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_s3_wrong_secret(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_with(s3_url, S3_AUTH("WRONGSECRET"), &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"path\":\"/testbucket\"}", &out), PLX_EAUTH);
    CHECK_CONTAINS(out, "\"http_status\":403");
    CHECK_CONTAINS(out, "SignatureDoesNotMatch");
    plx_free(out);
    plx_ctx_free(ctx);
}

/* A presigned URL fetched with no auth at all. */
static void test_s3_presigned(void)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_with(s3_url, S3_AUTH("S3RVER"), &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "request", "{\"method\":\"PUT\",\"path\":\"/testbucket/presigned.txt\","
                                     "\"body\":\"via a presigned URL\"}", &out), PLX_OK);
    plx_free(out);
    plx_ctx_free(ctx);

    plx_sigv4_signer *s = NULL;
    CHECK_INT(plx_sigv4_signer_new("S3RVER", "S3RVER", NULL, &s), PLX_OK);
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, "us-east-1", "s3");
    o.expires = 300;
    char target[512], *url = NULL;
    snprintf(target, sizeof target, "%s/testbucket/presigned.txt", s3_url);
    CHECK_INT(plx_sigv4_presign_url(s, &o, "GET", target, &url), PLX_OK);
    ctx = ctx_with(s3_url, "{\"type\":\"none\"}", &p);
    char req[2048];
    snprintf(req, sizeof req, "{\"path\":\"%s\"}", url ? url : "");
    CHECK_INT(plx_call(p, "request", req, &out), PLX_OK);
    CHECK_CONTAINS(out, "via a presigned URL");
    plx_free(out);
    /* tampering with the signed URL fails */
    char *sig = url ? strstr(url, "X-Amz-Expires=300") : NULL;
    if (sig)
        sig[strlen("X-Amz-Expires=")] = '9';
    snprintf(req, sizeof req, "{\"path\":\"%s\"}", url ? url : "");
    CHECK_INT(plx_call(p, "request", req, &out), PLX_EAUTH);
    plx_free(out);
    plx_free(url);
    plx_sigv4_signer_free(s);
    plx_ctx_free(ctx);
}

/* Is the peer up? (a reply of any status) */
static bool reachable(const char *url)
{
    plx_provider *p;
    plx_ctx *ctx = ctx_with(url, "{\"type\":\"none\"}", &p);
    char *out = NULL;
    plx_status st = plx_call(p, "request", "{\"path\":\"/\"}", &out);
    bool up = st == PLX_OK || (out && strstr(out, "\"http_status\""));
    plx_free(out);
    plx_ctx_free(ctx);
    return up;
}

static void run(void)
{
    sigv4_url = getenv("PEER_SIGV4_URL");
    s3_url = getenv("PEER_S3_URL");
    bool v = sigv4_url && *sigv4_url && reachable(sigv4_url);
    bool s = s3_url && *s3_url && reachable(s3_url);
    if (!v && !s)
        TAP_SKIP("the sigv4-verify and s3 peers are not running (PEER_SIGV4_URL, PEER_S3_URL; "
                 "../shared/peers/scripts/start.sh sigv4-verify s3)");
    if (v) {
        test_verifier_services();
        test_verifier_options();
        test_verifier_wrong_secret();
    } else {
        printf("# SKIP verifier: PEER_SIGV4_URL unset or down\n");
    }
    if (s) {
        test_s3_put_get_list();
        test_s3_wrong_secret();
        test_s3_presigned();
    } else {
        printf("# SKIP s3: PEER_S3_URL unset or down\n");
    }
}

TEST_MAIN(run)
