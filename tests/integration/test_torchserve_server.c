/* The torchserve kind against a real TorchServe with token authorization
 * (with_torchserve.sh starts it and exports its URLs and keys). */
#include "../tap.h"

#include <plexus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static plx_ctx *ctx;

#define KEYS "\"inference_key\":{\"env\":\"PLX_TEST_TORCHSERVE_INFERENCE_KEY\"}," \
             "\"management_key\":{\"env\":\"PLX_TEST_TORCHSERVE_MANAGEMENT_KEY\"}"

static plx_provider *provider(const char *name)
{
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, name, &p);
    return p;
}

static void test_inference(void)
{
    plx_provider *p = provider("ts");
    char *out = NULL;
    CHECK_INT(plx_call(p, "health", "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"ready\":true,\"status\":\"Healthy\"");
    plx_free(out);
    CHECK_INT(plx_call(p, "predict", "{\"version\":\"1.0\",\"raw\":[4,2]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"outputs\":2.5,\"model\":\"tiny\",\"model_version\":\"1.0\"");
    plx_free(out);
    CHECK_INT(plx_call(p, "predict", "{\"instances\":[[4,2],[1,1],[0,0]]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"predictions\":[2.5,1.25,1]");
    plx_free(out);
    CHECK_INT(plx_call(p, "predict", "{\"model\":\"nope\",\"raw\":[1,2]}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"http_status\":404");
    CHECK_CONTAINS(out, "\"service_code\":\"ModelNotFoundException\"");
    CHECK_CONTAINS(out, "\"service_message\":\"Model not found: nope\"");
    plx_free(out);
}

static void test_management(void)
{
    plx_provider *p = provider("ts");
    char *out = NULL;
    CHECK_INT(plx_call(p, "models", "{\"limit\":10}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"models\":[{\"modelName\":\"tiny\",\"modelUrl\":\"tiny.mar\"}]");
    plx_free(out);
    CHECK_INT(plx_call(p, "model", "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"modelVersion\":\"1.0\"");
    plx_free(out);
}

/* Without the keys TorchServe refuses, and says why. */
static void test_token_required(void)
{
    plx_provider *p = provider("nokey");
    char *out = NULL;
    CHECK(plx_call(p, "predict", "{\"raw\":[4,2]}", &out) != PLX_OK);
    CHECK_CONTAINS(out, "\"service_code\":\"InvalidKeyException\"");
    plx_free(out);
    /* The keys never show in messages. */
    CHECK(strstr(plx_errmsg(ctx), getenv("PLX_TEST_TORCHSERVE_INFERENCE_KEY")) == NULL);
}

static void test_endpoint(void)
{
    plx_endpoint *e = NULL;
    CHECK_INT(plx_ctx_endpoint(ctx, "tiny", &e), PLX_OK);
    char *out = NULL;
    CHECK_INT(plx_predict(e, "{\"routing_key\":\"u1\",\"raw\":[2,4]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"outputs\":1,\"model\":\"tiny\",\"model_version\":\"1.0\"");
    CHECK_CONTAINS(out, "\"variant\":\"torch\"");
    plx_free(out);
}

static void test_setup(void)
{
    const char *url = getenv("PLX_TEST_TORCHSERVE_URL");
    const char *mgmt = getenv("PLX_TEST_TORCHSERVE_MANAGEMENT_URL");
    if (!url || !mgmt || !getenv("PLX_TEST_TORCHSERVE_INFERENCE_KEY"))
        TAP_SKIP("PLX_TEST_TORCHSERVE_URL unset: run through with_torchserve.sh");
    char config[2048];
    snprintf(config, sizeof config, "{\"log_level\":\"none\",\"providers\":{"
             "\"ts\":{\"kind\":\"torchserve\",\"base_url\":\"%s\",\"management_url\":\"%s\","
             "\"model\":\"tiny\",\"timeout_ms\":30000," KEYS "},"
             "\"nokey\":{\"kind\":\"torchserve\",\"base_url\":\"%s\",\"model\":\"tiny\","
             "\"retry\":{\"max_attempts\":1}}},"
             "\"endpoints\":{\"tiny\":{\"variants\":[{\"name\":\"torch\",\"provider\":\"ts\","
             "\"model\":\"tiny\",\"version\":\"1.0\"}]}}}", url, mgmt, url);
    if (plx_ctx_new(&ctx, config) != PLX_OK)
        TAP_SKIP("bad config: %s", plx_errmsg(NULL));
}

static void test_done(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_inference, test_management, test_token_required, test_endpoint,
          test_done)
