/* Kind "kserve" (open inference protocol v2): requests built from every
 * input form, tensor checks before sending, replies, errors. */
#include "../tap.h"
#include "ml_test.h"
#include "scripted.h"

#define KS "{\"base_url\":\"http://ml.test/\",\"model\":\"iris\"}"

static void test_tensors_request(void)
{
    plx_provider *p = ml_provider("kserve", KS);
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "predict", "{\"version\":\"v1\",\"id\":\"r-1\","
                       "\"parameters\":{\"content_type\":\"np\"},\"inputs\":[{\"name\":\"x\","
                       "\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[[1.5,2],[3,4]]}],"
                       "\"outputs\":[{\"name\":\"predict\"}]}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://ml.test/v2/models/iris/versions/v1/infer");
    CHECK_STR(plx_request_method(req), "POST");
    CHECK_STR(plx_request_header(req, "content-type"), "application/json");
    CHECK_STR(ml_body(req), "{\"id\":\"r-1\",\"parameters\":{\"content_type\":\"np\"},"
              "\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\","
              "\"data\":[1.5,2,3,4]}],\"outputs\":[{\"name\":\"predict\"}]}");
    plx_request_free(req);
    plx_provider_free(p);
}

static void test_instances_request(void)
{
    plx_provider *p = ml_provider("kserve", KS);
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "predict", "{\"model\":\"m/1\",\"version\":3,"
                       "\"instances\":[[5.1,3.5],[6,3]]}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://ml.test/v2/models/m%2F1/versions/3/infer");
    CHECK_STR(ml_body(req), "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[2,2],"
              "\"datatype\":\"FP64\",\"data\":[5.1,3.5,6,3]}]}");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "predict", "{\"instances\":[[1,2],[3,4]]}", &req), PLX_OK);
    CHECK_CONTAINS(ml_body(req), "\"datatype\":\"INT64\"");
    CHECK_STR(plx_request_url(req), "http://ml.test/v2/models/iris/infer");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "predict", "{\"instances\":[{\"a\":1,\"b\":\"x\"},"
                       "{\"a\":2,\"b\":\"y\"}]}", &req), PLX_OK);
    CHECK_STR(ml_body(req), "{\"inputs\":[{\"name\":\"a\",\"shape\":[2],\"datatype\":\"INT64\","
              "\"data\":[1,2]},{\"name\":\"b\",\"shape\":[2],\"datatype\":\"BYTES\","
              "\"data\":[\"x\",\"y\"]}]}");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "predict", "{\"inputs\":{\"flag\":[true,false],\"n\":[[1],[2]]}}",
                       &req), PLX_OK);
    CHECK_CONTAINS(ml_body(req), "{\"name\":\"flag\",\"shape\":[2],\"datatype\":\"BOOL\"");
    CHECK_CONTAINS(ml_body(req), "{\"name\":\"n\",\"shape\":[2,1],\"datatype\":\"INT64\"");
    plx_request_free(req);
    plx_provider_free(p);
    /* The provider's datatype and input name apply to inferred tensors. */
    p = ml_provider("kserve", "{\"base_url\":\"http://ml.test\",\"model\":\"iris\","
                    "\"input_name\":\"features\",\"input_datatype\":\"FP32\"}");
    CHECK_INT(ml_build(p, "predict", "{\"instances\":[[1,2]]}", &req), PLX_OK);
    CHECK_STR(ml_body(req), "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,2],"
              "\"datatype\":\"FP32\",\"data\":[1,2]}]}");
    plx_request_free(req);
    plx_provider_free(p);
}

/* Each bad tensor fails before any request, naming the tensor. */
static void test_tensor_mismatch(void)
{
    static const struct { const char *request, *message; } cases[] = {
        {"{\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\","
         "\"data\":[1,2,3,4,5,6,7]}]}",
         "request.inputs[0] ('x'): shape [2,4] needs 8 values, data has 7"},
        {"{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,2]},"
         "{\"name\":\"y\",\"shape\":[3],\"datatype\":\"INT8\",\"data\":[1,300,2]}]}",
         "request.inputs[1] ('y').data[1]: expected an integer from -128 to 127 for datatype "
         "INT8, got 300"},
        {"{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"UINT8\",\"data\":[1,2.5]}]}",
         "('x').data[1]: expected an integer from 0 to 255 for datatype UINT8, got 2.5"},
        {"{\"inputs\":[{\"name\":\"b\",\"shape\":[1],\"datatype\":\"BOOL\",\"data\":[1]}]}",
         "('b').data[0]: expected true or false for datatype BOOL, got 1"},
        {"{\"inputs\":[{\"name\":\"s\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[7]}]}",
         "('s').data[0]: expected a string for datatype BYTES, got 7"},
        {"{\"inputs\":[{\"name\":\"h\",\"shape\":[1],\"datatype\":\"FP16\",\"data\":[1e6]}]}",
         "('h').data[0]: out of the datatype's range for datatype FP16"},
        {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FLOAT\",\"data\":[1]}]}",
         "request.inputs[0] ('x').datatype: expected one of BOOL"},
        {"{\"inputs\":[{\"name\":\"x\",\"shape\":[-1],\"datatype\":\"FP32\",\"data\":[1]}]}",
         "request.inputs[0] ('x').shape[0]: expected an integer >= 0"},
        {"{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"data\":[1]}]}",
         "('x').shape: expected an array of integers"},
        {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
         "\"dtype\":1}]}", "request.inputs[0].dtype: unknown key"},
        {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]},"
         "{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}",
         "request.inputs[1]: a second tensor named 'x'"},
        {"{\"instances\":[[1,2],[3]]}",
         "request.instances[1]: has 1 values where the first row has 2"},
        {"{\"instances\":[[1,2],[3,[4]]]}", "request.instances[1][1]: expected a value"},
        {"{\"instances\":[[1,\"a\"]]}", "request.instances[0][1]: mixes numbers, strings"},
        {"{\"instances\":[{\"a\":1},{\"b\":2}]}", "request.instances[1]: missing \"a\""},
        {"{\"instances\":[]}", "request.instances: expected a non-empty array"},
        {"{\"inputs\":{\"x\":[[1],[null]]}}", "request.inputs.x[1][0]: expected a number, "
         "string or boolean, got null"},
        {"{\"instances\":[{\"b64\":\"AAAA\"}]}", "input 'input-0': {\"b64\": ...} values are"},
        {"{\"instances\":[[1]],\"inputs\":[]}", "give only one of inputs, instances or raw"},
        {"{}", "missing the model's input (one of inputs, instances or raw)"},
        {"{\"instances\":[[1]],\"shape\":[1]}", "request.shape: unknown key"},
        {"{\"instances\":[[1]],\"id\":7}", "request.id: expected a string"},
        {"{\"instances\":[[1]],\"outputs\":[{}]}", "request.outputs[0].name: expected a string"},
        {"{\"raw\":[1]}", "request.raw: expected the inference request object"},
    };
    plx_provider *p = ml_provider("kserve", KS);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plx_request *req = NULL;
        CHECK_INT(ml_build(p, "predict", cases[i].request, &req), PLX_EINVAL);
        CHECK(req == NULL);
        CHECK_CONTAINS(plx_errmsg(ml_ctx), cases[i].message);
    }
    plx_provider_free(p);
    p = ml_provider("kserve", "{\"base_url\":\"http://ml.test\"}");
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "predict", "{\"instances\":[[1]]}", &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ml_ctx), "request.model: missing");
    CHECK_INT(ml_build(p, "train", "{}", &req), PLX_EUNSUPPORTED);
    plx_provider_free(p);
}

static void test_raw_and_other_ops(void)
{
    plx_provider *p = ml_provider("kserve", KS);
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "predict", "{\"raw\":{\"inputs\":[]}}", &req), PLX_OK);
    CHECK_STR(ml_body(req), "{\"inputs\":[]}");
    plx_request_free(req);
    static const struct { const char *op, *request, *url; } ops[] = {
        {"ready", "{\"version\":\"v2\"}", "http://ml.test/v2/models/iris/versions/v2/ready"},
        {"health", "{}", "http://ml.test/v2/models/iris/ready"},
        {"metadata", "{\"model\":\"other\"}", "http://ml.test/v2/models/other"},
        {"server_live", "{}", "http://ml.test/v2/health/live"},
        {"server_ready", "{}", "http://ml.test/v2/health/ready"},
        {"server_metadata", "{}", "http://ml.test/v2"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        CHECK_INT(ml_build(p, ops[i].op, ops[i].request, &req), PLX_OK);
        CHECK_STR(plx_request_url(req), ops[i].url);
        CHECK_STR(plx_request_method(req), "GET");
        plx_request_free(req);
    }
    char *out = NULL;
    CHECK_INT(ml_roundtrip(p, "metadata", "{}", "{\"name\":\"iris\",\"platform\":\"sk\"}", &out),
              PLX_OK);
    CHECK_STR(out, "{\"metadata\":{\"name\":\"iris\",\"platform\":\"sk\"}}");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "ready", "{}", "", &out), PLX_OK);
    CHECK_STR(out, "{\"ready\":true}");
    plx_free(out);
    plx_provider_free(p);
}

static void test_reply(void)
{
    plx_provider *p = ml_provider("kserve", KS);
    char *out = NULL;
    CHECK_INT(ml_roundtrip(p, "predict", "{\"version\":\"v1\",\"instances\":[[1,2],[3,4]]}",
                           "{\"model_name\":\"iris\",\"model_version\":\"v1\",\"id\":\"abc\","
                           "\"parameters\":{},\"outputs\":[{\"name\":\"predict\",\"shape\":[2,1],"
                           "\"datatype\":\"INT64\",\"data\":[0,2]},{\"name\":\"proba\","
                           "\"shape\":[2,2],\"datatype\":\"FP64\",\"data\":[0.25,0.75,1,0]}]}",
                           &out), PLX_OK);
    CHECK_STR(out, "{\"outputs\":[{\"name\":\"predict\",\"shape\":[2,1],\"datatype\":\"INT64\","
              "\"data\":[0,2]},{\"name\":\"proba\",\"shape\":[2,2],\"datatype\":\"FP64\","
              "\"data\":[0.25,0.75,1,0]}],\"predictions\":[{\"predict\":[0],\"proba\":[0.25,0.75]},"
              "{\"predict\":[2],\"proba\":[1,0]}],\"model\":\"iris\",\"model_version\":\"v1\","
              "\"id\":\"abc\",\"parameters\":{}}");
    plx_free(out);
    /* The model and version come from the URL when the reply omits them. */
    CHECK_INT(ml_roundtrip(p, "predict", "{\"model\":\"a b\",\"version\":\"7\","
                           "\"instances\":[1,2]}", "{\"outputs\":[{\"name\":\"y\","
                           "\"shape\":[2],\"datatype\":\"FP32\",\"data\":[0.5,1.5]}]}", &out),
              PLX_OK);
    CHECK_CONTAINS(out, "\"predictions\":[0.5,1.5],\"model\":\"a b\",\"model_version\":\"7\"");
    plx_free(out);
    /* A reply whose tensor does not hold its shape is a protocol error. */
    CHECK_INT(ml_roundtrip(p, "predict", "{\"instances\":[1]}", "{\"outputs\":[{\"name\":\"y\","
                           "\"shape\":[2],\"datatype\":\"FP32\",\"data\":[0.5]}]}", &out),
              PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ml_ctx), "reply.outputs[0] ('y'): shape [2] needs 2 values");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "predict", "{\"instances\":[1]}", "{\"model_name\":\"iris\"}",
                           &out), PLX_EPROTOCOL);
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "predict", "{\"instances\":[1]}", "not json", &out),
              PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ml_ctx), "not JSON");
    plx_free(out);
    plx_provider_free(p);
}

/* Through plx_call: the server's error body becomes the result's error. */
static void test_error_body(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 400, "Content-Type: application/json",
         "{\"error\":\"Model iris with version v9 not found\"}"},
        {PLX_OK, 500, "Content-Type: text/plain", "Internal Server Error"},
        {PLX_OK, 503, NULL, ""}};
    scripted s;
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, "{\"log_level\":\"none\",\"providers\":{\"ks\":{\"kind\":\"kserve\","
                "\"base_url\":\"http://ml.test\",\"model\":\"iris\","
                "\"retry\":{\"max_attempts\":1}}}}");
    plx_transport_funcs *t = scripted_funcs(&s, r, 3);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "ks", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "predict", "{\"version\":\"v9\",\"instances\":[[1,2]]}", &out),
              PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_message\":\"Model iris with version v9 not found\"");
    CHECK_CONTAINS(out, "\"http_status\":400");
    CHECK_CONTAINS(plx_errmsg(ctx), "Model iris with version v9 not found");
    plx_free(out);
    CHECK_INT(plx_call(p, "predict", "{\"instances\":[[1,2]]}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_message\":\"Internal Server Error\"");
    plx_free(out);
    CHECK_INT(plx_call(p, "ready", "{}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"ready\":false");
    plx_free(out);
    /* A bad tensor never reaches the transport. */
    int sent = s.sent;
    CHECK_INT(plx_call(p, "predict", "{\"inputs\":[{\"name\":\"x\",\"shape\":[3],"
                       "\"datatype\":\"FP32\",\"data\":[1]}]}", &out), PLX_EINVAL);
    CHECK(out == NULL);
    CHECK_INT(s.sent, sent);
    CHECK_CONTAINS(plx_errmsg(ctx), "provider 'ks', op 'predict': request.inputs[0] ('x'): "
                   "shape [3] needs 3 values, data has 1");
    plx_ctx_free(ctx);
}

static void test_config_errors(void)
{
    plx_ctx *ctx = NULL;
    CHECK_INT(plx_ctx_new(&ctx, "{\"providers\":{\"k\":{\"kind\":\"kserve\","
                          "\"input_datatype\":\"FLOAT\"}}}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "providers.k.input_datatype: expected a datatype");
    CHECK_INT(plx_ctx_new(&ctx, "{\"providers\":{\"k\":{\"kind\":\"kserve\","
                          "\"version\":[1]}}}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "providers.k.version: expected a non-empty string");
}

static void test_done(void)
{
    ml_done();
}

TEST_MAIN(test_tensors_request, test_instances_request, test_tensor_mismatch,
          test_raw_and_other_ops, test_reply, test_error_body, test_config_errors, test_done)
