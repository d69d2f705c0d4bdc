/* Kind "tfserving": TensorFlow Serving's documented REST formats (there is
 * no TensorFlow Serving here to test against): predict in row and columnar
 * form, versions and labels, b64 binaries, classify/regress, status,
 * metadata, error bodies. */
#include "../tap.h"
#include "ml_test.h"
#include "scripted.h"

#define TF "{\"base_url\":\"http://tf.test:8501\",\"model\":\"half_plus_two\"}"

static void test_predict_rows(void)
{
    plx_provider *p = ml_provider("tfserving", TF);
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "predict", "{\"instances\":[1.0,2.0,5.0]}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://tf.test:8501/v1/models/half_plus_two:predict");
    CHECK_STR(plx_request_method(req), "POST");
    CHECK_STR(ml_body(req), "{\"instances\":[1,2,5]}");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "predict", "{\"signature_name\":\"serving_default\",\"version\":2,"
                       "\"instances\":[{\"tag\":\"foo\",\"signal\":[1,2],"
                       "\"image\":{\"b64\":\"aGVsbG8=\"}},{\"tag\":\"bar\",\"signal\":[3,4],"
                       "\"image\":{\"b64\":\"d29ybGQ=\"}}]}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req),
              "http://tf.test:8501/v1/models/half_plus_two/versions/2:predict");
    CHECK_STR(ml_body(req), "{\"signature_name\":\"serving_default\",\"instances\":["
              "{\"tag\":\"foo\",\"signal\":[1,2],\"image\":{\"b64\":\"aGVsbG8=\"}},"
              "{\"tag\":\"bar\",\"signal\":[3,4],\"image\":{\"b64\":\"d29ybGQ=\"}}]}");
    plx_request_free(req);
    plx_provider_free(p);
}

static void test_predict_columns(void)
{
    plx_provider *p = ml_provider("tfserving", "{\"base_url\":\"http://tf.test:8501\","
                                  "\"model\":\"m\",\"signature_name\":\"sig\"}");
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "predict", "{\"label\":\"canary\",\"inputs\":{\"tag\":[\"a\",\"b\"],"
                       "\"signal\":[[1,2],[3,4]]}}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://tf.test:8501/v1/models/m/labels/canary:predict");
    CHECK_STR(ml_body(req), "{\"signature_name\":\"sig\",\"inputs\":{\"tag\":[\"a\",\"b\"],"
              "\"signal\":[[1,2],[3,4]]}}");
    plx_request_free(req);
    /* Open inference protocol tensors go as named columns. */
    CHECK_INT(ml_build(p, "predict", "{\"version\":\"stable\",\"inputs\":[{\"name\":\"x\","
                       "\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
                       "{\"name\":\"s\",\"shape\":[2],\"datatype\":\"BYTES\","
                       "\"data\":[\"p\",\"q\"]}]}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req), "http://tf.test:8501/v1/models/m/labels/stable:predict");
    CHECK_STR(ml_body(req), "{\"signature_name\":\"sig\",\"inputs\":{\"x\":[[1,2],[3,4]],"
              "\"s\":[\"p\",\"q\"]}}");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "predict", "{\"inputs\":[[1,2],[3,4]]}", &req), PLX_OK);
    CHECK_STR(ml_body(req), "{\"signature_name\":\"sig\",\"inputs\":[[1,2],[3,4]]}");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "predict", "{\"raw\":{\"instances\":[1]}}", &req), PLX_OK);
    CHECK_STR(ml_body(req), "{\"instances\":[1]}");
    plx_request_free(req);
    plx_provider_free(p);
}

static void test_bad_requests(void)
{
    static const struct { const char *request, *message; } cases[] = {
        {"{\"instances\":[[1,2],[3]]}", "request.instances[1]: has 1 values where the first"},
        {"{\"instances\":[{\"a\":[1]},{\"a\":[1,2]}]}", "request.instances[1].a: has 2 values"},
        {"{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[1]}]}",
         "request.inputs[0] ('x'): shape [2,2] needs 4 values, data has 1"},
        {"{\"inputs\":{\"x\":[[1],[2,3]]}}", "request.inputs.x[1]: has 2 values"},
        {"{\"instances\":[{\"b64\":\"***\"}]}", "request.instances[0]: expected a number, "
         "string or boolean, got an object"},
        {"{\"instances\":[1],\"version\":1,\"label\":\"x\"}", "give a version or a label"},
        {"{\"instances\":[1],\"label\":\"\"}", "request.label: expected a non-empty string"},
        {"{\"instances\":[1],\"signature_name\":5}", "request.signature_name: expected a string"},
        {"{\"instances\":[1],\"id\":\"x\"}", "request.id: unknown key"},
        {"{\"raw\":\"text\"}", "request.raw: expected the predict request object"},
        {"{\"instances\":[1],\"version\":-1}", "request.version: expected a non-empty string "
         "or an integer >= 0"},
    };
    plx_provider *p = ml_provider("tfserving", TF);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plx_request *req = NULL;
        CHECK_INT(ml_build(p, "predict", cases[i].request, &req), PLX_EINVAL);
        CHECK(req == NULL);
        CHECK_CONTAINS(plx_errmsg(ml_ctx), cases[i].message);
    }
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "classify", "{\"examples\":[]}", &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ml_ctx), "request.examples: expected a non-empty array");
    CHECK_INT(ml_build(p, "regress", "{\"examples\":[1]}", &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ml_ctx), "request.examples[0]: expected an object");
    CHECK_INT(ml_build(p, "explain", "{}", &req), PLX_EUNSUPPORTED);
    plx_provider_free(p);
}

static void test_predict_replies(void)
{
    plx_provider *p = ml_provider("tfserving", TF);
    char *out = NULL;
    CHECK_INT(ml_roundtrip(p, "predict", "{\"version\":1,\"instances\":[1.0,2.0,5.0]}",
                           "{\n    \"predictions\": [2.5, 3.0, 4.5\n    ]\n}", &out), PLX_OK);
    CHECK_STR(out, "{\"outputs\":[{\"name\":\"output_0\",\"shape\":[3],\"datatype\":\"FP64\","
              "\"data\":[2.5,3,4.5]}],\"predictions\":[2.5,3,4.5],"
              "\"model\":\"half_plus_two\",\"model_version\":\"1\"}");
    plx_free(out);
    /* Rows with several named outputs. */
    CHECK_INT(ml_roundtrip(p, "predict", "{\"label\":\"beta\",\"instances\":[[1],[2]]}",
                           "{\"predictions\":[{\"classes\":[1,2],\"scores\":[0.5,0.5]},"
                           "{\"classes\":[3,4],\"scores\":[0.25,0.75]}]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "{\"name\":\"classes\",\"shape\":[2,2],\"datatype\":\"INT64\","
                   "\"data\":[1,2,3,4]}");
    CHECK_CONTAINS(out, "\"model_version\":\"beta\"");
    plx_free(out);
    /* Columnar replies, named or not. */
    CHECK_INT(ml_roundtrip(p, "predict", "{\"inputs\":[1,2]}",
                           "{\"outputs\":{\"y\":[[1.5],[2.5]],\"ok\":[true,false]}}", &out),
              PLX_OK);
    CHECK_STR(out, "{\"outputs\":[{\"name\":\"y\",\"shape\":[2,1],\"datatype\":\"FP64\","
              "\"data\":[1.5,2.5]},{\"name\":\"ok\",\"shape\":[2],\"datatype\":\"BOOL\","
              "\"data\":[true,false]}],\"predictions\":[{\"y\":[1.5],\"ok\":true},"
              "{\"y\":[2.5],\"ok\":false}],\"model\":\"half_plus_two\",\"model_version\":null}");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "predict", "{\"inputs\":[1]}", "{\"outputs\":[7]}", &out),
              PLX_OK);
    CHECK_CONTAINS(out, "\"predictions\":[7]");
    plx_free(out);
    /* Ragged predictions are passed on as they are. */
    CHECK_INT(ml_roundtrip(p, "predict", "{\"instances\":[1,2]}",
                           "{\"predictions\":[[1],[2,3]]}", &out), PLX_OK);
    CHECK_STR(out, "{\"predictions\":[[1],[2,3]],\"model\":\"half_plus_two\","
              "\"model_version\":null}");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "predict", "{\"instances\":[1]}", "{\"result\":1}", &out),
              PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ml_ctx), "expected \"predictions\"");
    plx_free(out);
    plx_provider_free(p);
}

static void test_other_ops(void)
{
    plx_provider *p = ml_provider("tfserving", TF);
    plx_request *req = NULL;
    CHECK_INT(ml_build(p, "classify", "{\"signature_name\":\"tensorflow/serving/classify\","
                       "\"context\":{\"country\":\"ch\"},\"examples\":[{\"age\":3}]}", &req),
              PLX_OK);
    CHECK_STR(plx_request_url(req), "http://tf.test:8501/v1/models/half_plus_two:classify");
    CHECK_STR(ml_body(req), "{\"signature_name\":\"tensorflow/serving/classify\","
              "\"context\":{\"country\":\"ch\"},\"examples\":[{\"age\":3}]}");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "regress", "{\"version\":3,\"examples\":[{\"x\":1}]}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req),
              "http://tf.test:8501/v1/models/half_plus_two/versions/3:regress");
    plx_request_free(req);
    CHECK_INT(ml_build(p, "metadata", "{\"version\":3}", &req), PLX_OK);
    CHECK_STR(plx_request_url(req),
              "http://tf.test:8501/v1/models/half_plus_two/versions/3/metadata");
    CHECK_STR(plx_request_method(req), "GET");
    plx_request_free(req);
    char *out = NULL;
    CHECK_INT(ml_roundtrip(p, "classify", "{\"examples\":[{\"x\":1}]}",
                           "{\"results\":[[[\"cat\",0.75],[\"dog\",0.25]]]}", &out), PLX_OK);
    CHECK_STR(out, "{\"results\":[[[\"cat\",0.75],[\"dog\",0.25]]],\"model\":\"half_plus_two\","
              "\"model_version\":null}");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "status", "{}", "{\"model_version_status\":[{\"version\":\"1\","
                           "\"state\":\"END\",\"status\":{\"error_code\":\"OK\"}},{\"version\":"
                           "\"2\",\"state\":\"AVAILABLE\",\"status\":{\"error_code\":\"OK\","
                           "\"error_message\":\"\"}}]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "{\"ready\":true,\"model_version_status\":[");
    CHECK_CONTAINS(out, "\"model\":\"half_plus_two\",\"model_version\":\"2\"}");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "health", "{}", "{\"model_version_status\":[{\"version\":\"1\","
                           "\"state\":\"LOADING\"}]}", &out), PLX_OK);
    CHECK_CONTAINS(out, "{\"ready\":false");
    plx_free(out);
    CHECK_INT(ml_roundtrip(p, "metadata", "{}", "{\"model_spec\":{\"name\":\"half_plus_two\","
                           "\"version\":\"1\"},\"metadata\":{\"signature_def\":{}}}", &out),
              PLX_OK);
    CHECK_CONTAINS(out, "{\"metadata\":{\"model_spec\":{\"name\":\"half_plus_two\"");
    plx_free(out);
    plx_provider_free(p);
}

static void test_error_body(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 400, "Content-Type: application/json",
         "{ \"error\": \"Servable not found for request: Specific(half_plus_two, 9)\" }"},
        {PLX_OK, 404, "Content-Type: application/json",
         "{\"error\": \"Could not find any versions of model nope\"}"}};
    scripted s;
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, "{\"log_level\":\"none\",\"providers\":{\"tf\":{\"kind\":\"tfserving\","
                "\"base_url\":\"http://tf.test\",\"model\":\"half_plus_two\"}}}");
    plx_transport_funcs *t = scripted_funcs(&s, r, 2);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "tf", &p);
    char *out = NULL;
    CHECK_INT(plx_call(p, "predict", "{\"version\":9,\"instances\":[1]}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"service_message\":\"Servable not found for request: "
                   "Specific(half_plus_two, 9)\"");
    plx_free(out);
    CHECK_INT(plx_call(p, "status", "{\"model\":\"nope\"}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, "\"ready\":false");
    CHECK_CONTAINS(out, "Could not find any versions of model nope");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_done(void)
{
    ml_done();
}

TEST_MAIN(test_predict_rows, test_predict_columns, test_bad_requests, test_predict_replies,
          test_other_ops, test_error_body, test_done)
