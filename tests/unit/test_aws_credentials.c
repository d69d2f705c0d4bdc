/* AWS credentials and region: config keys, environment, shared files and
 * profiles (with a temporary HOME), and the aws_sigv4 auth scheme built on
 * them: precedence, errors that name sources but never values, redaction,
 * scope from the host or a kind's header. */
#include "../tap.h"
#include "auth/sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char home[256];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", home, rel);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void clean_env(void)
{
    const char *vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                          "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
                          "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"};
    for (size_t i = 0; i < PLX_ARRAY_LEN(vars); i++)
        unsetenv(vars[i]);
    setenv("HOME", home, 1);
    char path[512];
    snprintf(path, sizeof path, "%s/.aws/credentials", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/.aws/config", home);
    unlink(path);
}

/* Resolves from a JSON object of keys. */
static plx_status resolve(plx_ctx *ctx, const char *json, plx_aws_resolved *r)
{
    cJSON *obj = cJSON_Parse(json);
    plx_cfg cfg = {ctx, "auth"};
    plx_status st = plx_aws_resolve(ctx, &cfg, obj, r);
    cJSON_Delete(obj);
    return st;
}

static plx_ctx *new_ctx(void)
{
    plx_ctx *ctx = NULL;
    CHECK_INT(plx_ctx_new(&ctx, "{\"log_level\": \"none\"}"), PLX_OK);
    return ctx;
}

static void test_explicit_keys(void)
{
    clean_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIAENVENVENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret-value", 1);
    setenv("MY_SECRET", "explicit-secret-value", 1);
    plx_ctx *ctx = new_ctx();
    plx_aws_resolved r;
    CHECK_INT(resolve(ctx, "{\"access_key_id\": \"AKIAEXPLICIT\", \"secret_access_key\": "
                           "{\"env\": \"MY_SECRET\"}, \"session_token\": \"tok-123456\", "
                           "\"region\": \"eu-north-1\"}", &r), PLX_OK);
    CHECK_STR(r.creds.access_key_id, "AKIAEXPLICIT");
    CHECK_STR(r.creds.secret_access_key, "explicit-secret-value");
    CHECK_STR(r.creds.session_token, "tok-123456");
    CHECK_STR(r.region, "eu-north-1");
    CHECK(r.tried == NULL);
    CHECK(plx_contains_secret(ctx, "x explicit-secret-value y"));
    CHECK(plx_contains_secret(ctx, "tok-123456"));
    plx_aws_resolved_clear(&r);

    CHECK_INT(resolve(ctx, "{\"access_key_id\": \"AKIA1\"}", &r), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "auth.secret_access_key");
    CHECK_INT(resolve(ctx, "{\"access_key_id\": \"AKIA1\", \"secret_access_key\": "
                           "{\"env\": \"PLX_NO_SUCH_VAR\"}}", &r), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "PLX_NO_SUCH_VAR");
    CHECK_INT(resolve(ctx, "{\"session_token\": \"t\"}", &r), PLX_ECONFIG);
    CHECK_INT(resolve(ctx, "{\"region\": \"\"}", &r), PLX_ECONFIG);
    CHECK_INT(resolve(ctx, "{\"region\": 5}", &r), PLX_ECONFIG);
    plx_ctx_free(ctx);
    unsetenv("MY_SECRET");
}

static void test_environment(void)
{
    clean_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret-value", 1);
    setenv("AWS_SESSION_TOKEN", "env-token-value", 1);
    setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
    plx_ctx *ctx = new_ctx();
    plx_aws_resolved r;
    CHECK_INT(resolve(ctx, "{}", &r), PLX_OK);
    CHECK_STR(r.creds.access_key_id, "AKIAENV");
    CHECK_STR(r.creds.session_token, "env-token-value");
    CHECK_STR(r.region, "ap-south-1");
    CHECK(plx_contains_secret(ctx, "env-secret-value"));
    plx_aws_resolved_clear(&r);
    setenv("AWS_REGION", "us-west-2", 1);      /* AWS_REGION wins */
    CHECK_INT(resolve(ctx, "{}", &r), PLX_OK);
    CHECK_STR(r.region, "us-west-2");
    plx_aws_resolved_clear(&r);
    CHECK_INT(resolve(ctx, "{\"region\": \"sa-east-1\"}", &r), PLX_OK);  /* config wins */
    CHECK_STR(r.region, "sa-east-1");
    plx_aws_resolved_clear(&r);
    plx_ctx_free(ctx);
}

static const char *CREDENTIALS =
    "# comment\n"
    "[default]\n"
    "aws_access_key_id = AKIADEFAULT\n"
    "aws_secret_access_key = default-secret-value\n"
    "\n"
    "[work]\n"
    "  ; indented comment\n"
    "aws_access_key_id=AKIAWORK\r\n"
    "aws_secret_access_key=work-secret-value\r\n"
    "aws_session_token = work-token-value\n";

static const char *CONFIG =
    "[default]\n"
    "region = us-west-1\n"
    "[profile work]\n"
    "region = eu-west-2\n"
    "s3 =\n"
    "    region = not-this-one\n"
    "[profile keys-here]\n"
    "aws_access_key_id = AKIACONFIG\n"
    "aws_secret_access_key = config-secret-value\n"
    "region = ca-central-1\n";

static void test_shared_files(void)
{
    clean_env();
    write_file(".aws/credentials", CREDENTIALS);
    write_file(".aws/config", CONFIG);
    plx_ctx *ctx = new_ctx();
    plx_aws_resolved r;
    CHECK_INT(resolve(ctx, "{}", &r), PLX_OK);
    CHECK_STR(r.creds.access_key_id, "AKIADEFAULT");
    CHECK(r.creds.session_token == NULL);
    CHECK_STR(r.region, "us-west-1");
    CHECK(plx_contains_secret(ctx, "default-secret-value"));
    plx_aws_resolved_clear(&r);

    setenv("AWS_PROFILE", "work", 1);
    CHECK_INT(resolve(ctx, "{}", &r), PLX_OK);
    CHECK_STR(r.creds.access_key_id, "AKIAWORK");
    CHECK_STR(r.creds.secret_access_key, "work-secret-value");
    CHECK_STR(r.creds.session_token, "work-token-value");
    CHECK_STR(r.region, "eu-west-2");
    plx_aws_resolved_clear(&r);

    /* an explicit profile skips the environment's keys */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret-value", 1);
    CHECK_INT(resolve(ctx, "{\"profile\": \"keys-here\"}", &r), PLX_OK);
    CHECK_STR(r.creds.access_key_id, "AKIACONFIG");
    CHECK_STR(r.region, "ca-central-1");
    plx_aws_resolved_clear(&r);
    CHECK_INT(resolve(ctx, "{}", &r), PLX_OK);    /* else the environment comes first */
    CHECK_STR(r.creds.access_key_id, "AKIAENV");
    CHECK_STR(r.region, "eu-west-2");
    plx_aws_resolved_clear(&r);

    /* AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_PROFILE");
    char path[512];
    write_file("other-credentials", "[default]\naws_access_key_id=AKIAOTHER\n"
                                    "aws_secret_access_key=other-secret-value\n");
    snprintf(path, sizeof path, "%s/other-credentials", home);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    snprintf(path, sizeof path, "%s/no-such-config", home);
    setenv("AWS_CONFIG_FILE", path, 1);
    CHECK_INT(resolve(ctx, "{}", &r), PLX_OK);
    CHECK_STR(r.creds.access_key_id, "AKIAOTHER");
    CHECK(r.region == NULL);
    plx_aws_resolved_clear(&r);
    plx_ctx_free(ctx);
}

static void test_nothing_found(void)
{
    clean_env();
    write_file(".aws/config", "[profile other]\nregion = us-east-2\n");
    plx_ctx *ctx = new_ctx();
    plx_aws_resolved r;
    CHECK_INT(resolve(ctx, "{\"profile\": \"missing\"}", &r), PLX_OK);
    CHECK(r.creds.access_key_id == NULL);
    CHECK_CONTAINS(r.tried, "config keys access_key_id/secret_access_key");
    CHECK_CONTAINS(r.tried, ".aws/credentials (No such file or directory)");
    CHECK_CONTAINS(r.tried, "no [profile missing] section");
    plx_aws_resolved_clear(&r);

    /* the auth scheme is made, and every signing fails with PLX_EAUTH */
    cJSON *obj = cJSON_Parse("{\"type\": \"aws_sigv4\", \"region\": \"us-east-1\", "
                             "\"service\": \"s3\"}");
    plx_cfg cfg = {ctx, "providers.x.auth"};
    plx_auth_funcs *auth = NULL;
    CHECK_INT(plx_auth_from_config(ctx, &cfg, obj, &auth), PLX_OK);
    plx_request *req = NULL;
    plx_request_create("GET", "http://127.0.0.1:4569/testbucket", &req);
    CHECK_INT(plx_auth_sign(auth, req), PLX_EAUTH);
    CHECK_CONTAINS(plx_errmsg_current(), "no AWS credentials found; looked at: config keys");
    CHECK_CONTAINS(plx_errmsg_current(), "environment AWS_ACCESS_KEY_ID");
    CHECK(plx_request_header(req, "authorization") == NULL);
    plx_request_free(req);
    plx_auth_funcs_unref(auth);
    cJSON_Delete(obj);
    plx_ctx_free(ctx);
}

/* Signs a GET of url with an aws_sigv4 auth made from json; returns the
 * Authorization header (static copy) or "" on failure. */
static const char *sign_with(plx_ctx *ctx, const char *json, const char *url,
                             const char *scope, plx_status *st)
{
    static char out[512];
    out[0] = '\0';
    cJSON *obj = cJSON_Parse(json);
    plx_cfg cfg = {ctx, "auth"};
    plx_auth_funcs *auth = NULL;
    *st = plx_auth_from_config(ctx, &cfg, obj, &auth);
    cJSON_Delete(obj);
    if (*st != PLX_OK)
        return out;
    plx_request *req = NULL;
    plx_request_create("GET", url, &req);
    if (scope)
        plx_request_set_header(req, PLX_SIGV4_SCOPE_HEADER, scope);
    *st = plx_auth_sign(auth, req);
    const char *a = plx_request_header(req, "authorization");
    snprintf(out, sizeof out, "%s", a ? a : "");
    if (*st == PLX_OK)
        CHECK(plx_request_header(req, PLX_SIGV4_SCOPE_HEADER) == NULL);
    plx_request_free(req);
    plx_auth_funcs_unref(auth);
    return out;
}

static void test_auth_scope(void)
{
    clean_env();
    setenv("AWS_REGION", "us-east-2", 1);
    plx_ctx *ctx = new_ctx();
    const char *keys = "\"access_key_id\": \"AKIDEXAMPLE\", \"secret_access_key\": \"s3cr3t-value\"";
    char json[512];
    plx_status st;
    snprintf(json, sizeof json, "{\"type\": \"aws_sigv4\", %s}", keys);
    CHECK_CONTAINS(sign_with(ctx, json, "https://comprehend.eu-west-1.amazonaws.com/", NULL,
                             &st), "/eu-west-1/comprehend/aws4_request");
    CHECK_INT(st, PLX_OK);
    CHECK_CONTAINS(sign_with(ctx, json, "https://runtime.sagemaker.us-east-1.amazonaws.com/x",
                             NULL, &st), "/us-east-1/sagemaker/aws4_request");
    sign_with(ctx, json, "http://127.0.0.1:4599/", NULL, &st);
    CHECK_INT(st, PLX_EAUTH);
    CHECK_CONTAINS(plx_errmsg_current(), "set auth.service");
    CHECK_CONTAINS(sign_with(ctx, json, "http://127.0.0.1:4599/", "ap-east-1/states", &st),
                   "/ap-east-1/states/aws4_request");
    sign_with(ctx, json, "http://127.0.0.1:4599/", "nonsense", &st);
    CHECK_INT(st, PLX_EINVAL);

    snprintf(json, sizeof json, "{\"type\": \"aws_sigv4\", \"service\": \"execute-api\", %s}",
             keys);   /* region from AWS_REGION */
    CHECK_CONTAINS(sign_with(ctx, json, "http://127.0.0.1:4599/", NULL, &st),
                   "/us-east-2/execute-api/aws4_request");
    snprintf(json, sizeof json, "{\"type\": \"aws_sigv4\", \"service\": \"s3\", \"region\": "
             "\"eu-central-1\", \"unsigned_payload\": true, %s}", keys);
    CHECK_CONTAINS(sign_with(ctx, json, "https://s3.us-west-2.amazonaws.com/b/k", NULL, &st),
                   "/eu-central-1/s3/aws4_request");

    sign_with(ctx, "{\"type\": \"aws_sigv4\", \"regoin\": \"x\"}", "http://127.0.0.1/", NULL,
              &st);
    CHECK_INT(st, PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "regoin");
    sign_with(ctx, "{\"type\": \"aws_sigv4\", \"service\": \"a/b\"}", "http://127.0.0.1/",
              NULL, &st);
    CHECK_INT(st, PLX_ECONFIG);
    CHECK(!strstr(plx_errmsg(ctx), "s3cr3t-value"));
    plx_ctx_free(ctx);
}

/* The secret never shows in a message, even when a bad URL echoes it. */
static void test_redaction(void)
{
    clean_env();
    plx_ctx *ctx = new_ctx();
    plx_aws_resolved r;
    CHECK_INT(resolve(ctx, "{\"access_key_id\": \"AKIA2\", \"secret_access_key\": "
                           "\"very-secret-key-value\"}", &r), PLX_OK);
    plx_fail(ctx, PLX_EHTTP, "echo: very-secret-key-value");
    CHECK(!strstr(plx_errmsg(ctx), "very-secret-key-value"));
    CHECK_CONTAINS(plx_errmsg(ctx), "[REDACTED]");
    plx_aws_resolved_clear(&r);
    plx_ctx_free(ctx);
}

static void setup(void)
{
    snprintf(home, sizeof home, "/tmp/plx-aws-home-XXXXXX");
    CHECK(mkdtemp(home) != NULL);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/.aws", home);
    CHECK_INT(mkdir(dir, 0700), 0);
}

static void teardown(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
    CHECK_INT(system(cmd), 0);
}

TEST_MAIN(setup, test_explicit_keys, test_environment, test_shared_files,
          test_nothing_found, test_auth_scope, test_redaction, teardown)
