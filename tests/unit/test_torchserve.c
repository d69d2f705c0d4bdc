/* Kind "torchserve": TorchServe's documented inference and management
 * APIs: predictions with any body, token authorization, ping, model list,
 * describe, error bodies. */
#include "../tap.h"
#include "ml_test.h"
#include "scripted.h"

#define TS "{\"base_url\":\"http://ts.test:8080\",\"model\":\"tiny\"," \
           "\"management_url\":\"http://ts.test:8081/\"," \
           "\"inference_key\":\"inf-KEY-1\",\"management_key\":\"mgmt-KEY-2\"}"

static void test_predict_bodies(void)
{
    plx_provider *p = ml_provider("torchserve", TS);
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "predict", "{\"version\":\"1.0\",\"raw\":{\"data\":[1,2]}}", &req),
              PLX_OK);
    CHECK_STR(plx_request_url(req), "http://ts.test:8080/predictions/tiny/1.0");
    CHECK_STR(plx_request_method(req), "POST");
    CHECK_STR(plx_request_header(req, "authorization"), "Bearer inf-KEY-1");
    CHECK_STR(plx_request_header(req, "content-type"), "application/json");
    CHECK_STR(ml_body(req), "{\"data\":[1,2]}");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "predict", "{\"raw\":\"the movie was great\"}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://ts.test:8080/predictions/tiny");
    CHECK_STR(plx_request_header(req, "content-type"), "text/plain; charset=utf-8");
    CHECK_STR(ml_body(req), "the movie was great");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "predict", "{\"raw\":{\"b64\":\"AAEC/w==\"},"
                       "\"content_type\":\"image/png\"}", &req), PLX_OK);
    size_t len = 0;
    const unsigned char *body = plx_request_body(req, &len);
    CHECK_INT(len, 4);
    CHECK(body && body[0] == 0 && body[1] == 1 && body[2] == 2 && body[3] == 255);
    CHECK_STR(plx_request_header(req, "content-type"), "image/png");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "predict", "{\"model\":\"other\",\"instances\":[[1,2]]}", &req),
              PLX_OK);
    CHECK_STR(plx_request_url(req), "http://ts.test:8080/predictions/other");
    CHECK_STR(ml_body(req), "{\"instances\":[[1,2]]}");
    plx_request_free(req);
    plx_provider_free(p);
}

static void test_bad_requests(void)
{
    static const struct { const char *op, *request, *message; } cases[] = {
        {"predict", "{}", "missing the model's input (one of raw or instances)"},
        {"predict", "{\"raw\":1,\"instances\":[]}", "give only one of raw or instances"},
        {"predict", "{\"instances\":{}}", "request.instances: expected an array"},
        {"predict", "{\"raw\":{\"b64\":\"!!\"}}", "request.raw.b64: not valid base64"},
        {"predict", "{\"raw\":1,\"content_type\":2}", "request.content_type: expected a string"},
        {"predict", "{\"inputs\":[]}", "request.inputs: unknown key"},
        {"models", "{\"limit\":0}", "request.limit: expected an integer from 1"},
        {"health", "{\"x\":1}", "request.x: unknown key"},
    };
    plx_provider *p = ml_provider("torchserve", TS);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plx_request *req = NULL;
        CHECK_INT(ml_build(p, cases[i].op, cases[i].request, &req), PLX_EINVAL);
        CHECK(req == NULL);
        CHECK_CONTAINS(plx_errmsg(ml_ctx), cases[i].message);
    }
    plx_provider_free(p);
    p = ml_provider("torchserve", "{\"base_url\":\"http://ts.test:8080\"}");
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "models", "{}", &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ml_ctx), "has no management_url");
    CHECK_INT(ml_build(p, "predict", "{\"raw\":1}", &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ml_ctx), "request.model: missing");
    CHECK_INT(ml_build(p, "explain", "{}", &req), PLX_EUNSUPPORTED);
    /* Without keys no Authorization header is sent. */
    CHECK_INT(ml_build(p, "health", "{}", &req), PLX_OK);
    CHECK(plx_request_header(req, "authorization") == NULL);
    plx_request_free(req);
    plx_provider_free(p);
}

static void test_management(void)
{
    plx_provider *p = ml_provider("torchserve", TS);
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "health", "{}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://ts.test:8080/ping");
    CHECK_STR(plx_request_header(req, "authorization"), "Bearer inf-KEY-1");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "models", "{\"limit\":2,\"next_page_token\":\"a b\"}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://ts.test:8081/models?limit=2&next_page_token=a%20b");
    CHECK_STR(plx_request_header(req, "authorization"), "Bearer mgmt-KEY-2");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "model", "{\"version\":\"2.0\"}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://ts.test:8081/models/tiny/2.0");
    CHECK_STR(plx_request_method(req), "GET");
    plx_request_free(req);
    char *out = NULL;
    CHECK_INT(ml_roundtrip(p, "models", "{}", "{\"nextPageToken\":\"2\",\"models\":["
                           "{\"modelName\":\"tiny\",\"modelUrl\":\"tiny.mar\"}]}", &out), PLX_OK);
    CHECK_STR(out, "{\"models\":[{\"modelName\":\"tiny\",\"modelUrl\":\"tiny.mar\"}],"
              "\"next_page_token\":\"2\"}");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "health", "{}", "{\n  \"status\": \"Healthy\"\n}", &out), PLX_OK);
    CHECK_STR(out, "{\"ready\":true,\"status\":\"Healthy\"}");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "health", "{}", "{\"status\": \"Unhealthy\"}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"ready\":false");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "model", "{}", "[{\"modelName\":\"tiny\",\"modelVersion\":\"1.0\"}]",
                           &out), PLX_OK);
    CHECK_STR(out, "{\"model\":[{\"modelName\":\"tiny\",\"modelVersion\":\"1.0\"}]}");
    plx_free(out);
    plx_provider_free(p);
}

static void test_predict_replies(void)
{
    plx_provider *p = ml_provider("torchserve", TS);
    char *out = NULL;
    CHECK_INT(ml_roundtrip(p, "predict", "{\"version\":\"1.0\",\"raw\":[1,2]}", "1.5", &out),
              PLX_OK);
    CHECK_STR(out, "{\"outputs\":1.5,\"model\":\"tiny\",\"model_version\":\"1.0\"}");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "predict", "{\"instances\":[[1],[2]]}", "[0.5, 0.25]", &out),
              PLX_OK);
    CHECK_STR(out, "{\"outputs\":[0.5,0.25],\"predictions\":[0.5,0.25],\"model\":\"tiny\","
              "\"model_version\":null}");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "predict", "{\"raw\":\"x\"}", "Positive", &out), PLX_OK);
    CHECK_STR(out, "{\"outputs\":\"Positive\",\"model\":\"tiny\",\"model_version\":null}");
    plx_free(out);
    plx_provider_free(p);
}

/* Through plx_call: TorchServe's error body, and the key never in messages. */
static void test_error_body(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 404, "Content-Type: application/json",
         "{\n  \"code\": 404,\n  \"type\": \"ModelNotFoundException\",\n"
         "  \"message\": \"Model not found: nope\"\n}"},
        {PLX_OK, 400, "Content-Type: application/json",
         "{\"code\": 400, \"type\": \"InvalidKeyException\", \"message\": \"Token "
         "Authorization failed. Token either incorrect, expired, or not provided correctly\"}"}};
    scripted s;
    plx_ctx *ctx = NULL;
    setenv("PLX_TEST_TS_KEY", "secret-inference-key", 1);
    plx_ctx_new(&ctx, "{\"log_level\":\"none\",\"providers\":{\"ts\":{\"kind\":\"torchserve\","
                "\"base_url\":\"http://ts.test\",\"inference_key\":{\"env\":\"PLX_TEST_TS_KEY\"}}}}");
    plx_transport_funcs *t = scripted_funcs(&s, r, 2);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "ts", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "predict", "{\"model\":\"nope\",\"raw\":\"x\"}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_code\":\"ModelNotFoundException\"");
    CHECK_CONTAINS(out, "\"service_message\":\"Model not found: nope\"");
    CHECK_STR(s.last_auth, "Bearer secret-inference-key");
    plx_free(out);
    CHECK_INT(plx_call(p, "predict", "{\"model\":\"tiny\",\"raw\":\"secret-inference-key\"}",
                       &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "InvalidKeyException");
    CHECK(strstr(plx_errmsg(ctx), "secret-inference-key") == NULL);
    plx_free(out);
    plx_ctx_free(ctx);
    CHECK_INT(plx_ctx_new(&ctx, "{\"providers\":{\"ts\":{\"kind\":\"torchserve\","
                          "\"inference_key\":{\"env\":\"PLX_TEST_NO_SUCH_VAR\"}}}}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "providers.ts.inference_key");
    CHECK_INT(plx_ctx_new(&ctx, "{\"providers\":{\"ts\":{\"kind\":\"torchserve\","
                          "\"management_url\":\"ftp://x\"}}}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "providers.ts.management_url: expected an absolute");
}

static void test_done(void)
{
    ml_done();
}

TEST_MAIN(test_predict_bodies, test_bad_requests, test_management, test_predict_replies,
          test_error_body, test_done)
