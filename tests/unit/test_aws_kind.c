/* The aws kind without a server: what it sends for JSON-1.0/1.1 and
 * REST-JSON operations (URL, target, headers, body, signature scope), what
 * it makes of replies (output, blobs, headers, request id), and how AWS
 * errors map to statuses. A scripted transport answers. */
#include "../tap.h"
#include "scripted.h"

#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KEYS "\"access_key_id\": \"AKIDEXAMPLE\", \"secret_access_key\": \"aws-test-secret-key\""

typedef struct fixture {
    plx_ctx *ctx;
    plx_provider *p;
    scripted s;
    char *result;
} fixture;

static void open_with(fixture *f, const char *config, const scripted_reply *replies, int n)
{
    memset(f, 0, sizeof *f);
    CHECK_INT(plx_ctx_new(&f->ctx, "{\"log_level\": \"none\"}"), PLX_OK);
    CHECK_INT(plx_provider_new(f->ctx, "aws", config, &f->p), PLX_OK);
    plx_transport_funcs *t = scripted_funcs(&f->s, replies, n);
    if (f->p)
        plx_provider_set_transport(f->p, t);
    plx_transport_funcs_unref(t);
}

static void close_fixture(fixture *f)
{
    plx_free(f->result);
    plx_provider_free(f->p);
    plx_ctx_free(f->ctx);
}

static plx_status call(fixture *f, const char *request)
{
    plx_free(f->result);
    f->result = NULL;
    return plx_call(f->p, "call", request, &f->result);
}

static const char *header_line(const scripted *s, const char *name)
{
    static char line[512];
    const char *h = strcasestr(s->last_headers, name);
    line[0] = '\0';
    if (h)
        snprintf(line, sizeof line, "%.*s", (int)strcspn(h, "\n"), h);
    return line;
}

static void test_json_protocols(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, "x-amzn-RequestId: req-1\nContent-Type: application/x-amz-json-1.1",
         "{\"Sentiment\":\"POSITIVE\",\"SentimentScore\":{\"Positive\":0.99}}\n"}};
    fixture f;
    open_with(&f, "{\"region\": \"eu-west-1\", " KEYS "}", r, 1);
    CHECK_INT(call(&f, "{\"service\": \"comprehend\", \"operation\": \"DetectSentiment\", "
                       "\"params\": {\"Text\": \"great\", \"LanguageCode\": \"en\"}}"), PLX_OK);
    CHECK_STR(f.s.last_url, "https://comprehend.eu-west-1.amazonaws.com/");
    CHECK_STR(f.s.last_method, "POST");
    CHECK_STR(f.s.last_body, "{\"Text\":\"great\",\"LanguageCode\":\"en\"}");
    CHECK_STR(header_line(&f.s, "x-amz-target"), "X-Amz-Target: Comprehend_20171127.DetectSentiment");
    CHECK_STR(header_line(&f.s, "content-type"), "Content-Type: application/x-amz-json-1.1");
    CHECK_CONTAINS(f.s.last_auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/");
    CHECK_CONTAINS(f.s.last_auth, "/eu-west-1/comprehend/aws4_request");
    CHECK_CONTAINS(f.s.last_auth, "content-type;host;x-amz-date;x-amz-target");
    CHECK(!strcasestr(f.s.last_headers, "x-plx-sigv4-scope"));
    CHECK_CONTAINS(f.result, "\"output\":{\"Sentiment\":\"POSITIVE\",\"SentimentScore\":{\"Positive\":0.99}}");
    CHECK_CONTAINS(f.result, "\"request_id\":\"req-1\"");

    /* JSON 1.0, no params, the service's alias */
    CHECK_INT(call(&f, "{\"service\": \"stepfunctions\", \"operation\": \"ListStateMachines\"}"),
              PLX_OK);
    CHECK_STR(f.s.last_url, "https://states.eu-west-1.amazonaws.com/");
    CHECK_STR(f.s.last_body, "{}");
    CHECK_STR(header_line(&f.s, "content-type"), "Content-Type: application/x-amz-json-1.0");
    CHECK_STR(header_line(&f.s, "x-amz-target"), "X-Amz-Target: AWSStepFunctions.ListStateMachines");

    /* one global endpoint: ce signs and calls in us-east-1 */
    CHECK_INT(call(&f, "{\"service\": \"ce\", \"operation\": \"GetCostAndUsage\", \"params\": {}}"),
              PLX_OK);
    CHECK_STR(f.s.last_url, "https://ce.us-east-1.amazonaws.com/");
    CHECK_CONTAINS(f.s.last_auth, "/us-east-1/ce/aws4_request");
    /* the sagemaker control plane: api.sagemaker host, signing name sagemaker */
    CHECK_INT(call(&f, "{\"service\": \"sagemaker\", \"operation\": \"DescribeEndpoint\", "
                       "\"params\": {\"EndpointName\": \"ep\"}}"), PLX_OK);
    CHECK_STR(f.s.last_url, "https://api.sagemaker.eu-west-1.amazonaws.com/");
    CHECK_CONTAINS(f.s.last_auth, "/eu-west-1/sagemaker/aws4_request");
    close_fixture(&f);
}

static void test_endpoint_url(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, NULL, NULL}};
    fixture f;
    open_with(&f, "{\"region\": \"us-east-1\", \"endpoint_url\": \"http://127.0.0.1:5000/\", "
                  KEYS "}", r, 1);
    CHECK_INT(call(&f, "{\"service\": \"kinesis\", \"operation\": \"ListStreams\", "
                       "\"params\": {}}"), PLX_OK);
    CHECK_STR(f.s.last_url, "http://127.0.0.1:5000/");
    CHECK_CONTAINS(f.result, "\"output\":{}");
    CHECK_INT(call(&f, "{\"service\": \"sagemaker-runtime\", \"operation\": \"InvokeEndpoint\", "
                       "\"params\": {\"EndpointName\": \"e\", \"Body\": \"x\"}}"), PLX_OK);
    CHECK_STR(f.s.last_url, "http://127.0.0.1:5000/endpoints/e/invocations");
    close_fixture(&f);
}

static void test_invoke_endpoint(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, "Content-Type: application/json\nx-Amzn-Invoked-Production-Variant: "
                      "blue\nX-Amzn-SageMaker-Custom-Attributes: trace=1\nx-amzn-RequestId: r2",
         "{\"predictions\": [0.5]}"},
        {PLX_OK, 200, "Content-Type: application/octet-stream", "bytes\x01"}};
    fixture f;
    open_with(&f, "{\"region\": \"us-east-1\", " KEYS "}", r, 2);
    CHECK_INT(call(&f, "{\"service\": \"sagemaker-runtime\", \"operation\": \"InvokeEndpoint\", "
                       "\"params\": {\"EndpointName\": \"my ep\", \"Body\": \"1,2,3\", "
                       "\"ContentType\": \"text/csv\", \"Accept\": \"application/json\", "
                       "\"CustomAttributes\": \"trace=1\", \"TargetVariant\": \"blue\"}}"),
              PLX_OK);
    CHECK_STR(f.s.last_url,
              "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/my%20ep/invocations");
    CHECK_STR(f.s.last_body, "1,2,3");
    CHECK_STR(header_line(&f.s, "content-type"), "Content-Type: text/csv");
    CHECK_STR(header_line(&f.s, "accept"), "Accept: application/json");
    CHECK_STR(header_line(&f.s, "x-amzn-sagemaker-custom-attributes"),
              "X-Amzn-SageMaker-Custom-Attributes: trace=1");
    CHECK_STR(header_line(&f.s, "x-amzn-sagemaker-target-variant"),
              "X-Amzn-SageMaker-Target-Variant: blue");
    CHECK_CONTAINS(f.s.last_auth, "/us-east-1/sagemaker/aws4_request");
    CHECK_CONTAINS(f.result, "\"output\":{\"Body\":{\"predictions\": [0.5]},\"ContentType\":"
                             "\"application/json\",\"InvokedProductionVariant\":\"blue\","
                             "\"CustomAttributes\":\"trace=1\"}");
    CHECK_CONTAINS(f.result, "\"request_id\":\"r2\"");

    /* bytes in ({"base64"}) and out (Body_base64) */
    CHECK_INT(call(&f, "{\"service\": \"sagemaker-runtime\", \"operation\": \"InvokeEndpoint\", "
                       "\"params\": {\"EndpointName\": \"ep\", \"Body\": {\"base64\": \"aGk=\"}, "
                       "\"ContentType\": \"application/x-image\"}}"), PLX_OK);
    CHECK_STR(f.s.last_body, "hi");
    CHECK_CONTAINS(f.result, "\"Body_base64\":\"Ynl0ZXMB\"");
    close_fixture(&f);
}

static void test_bedrock(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, "Content-Type: application/json",
         "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"hi\"}]}},"
         "\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":3,\"outputTokens\":1}}"}};
    fixture f;
    open_with(&f, "{\"region\": \"us-west-2\", " KEYS "}", r, 1);
    CHECK_INT(call(&f, "{\"service\": \"bedrock-runtime\", \"operation\": \"InvokeModel\", "
                       "\"params\": {\"modelId\": \"anthropic.claude-v2:1\", \"body\": "
                       "{\"prompt\": \"hi\"}, \"accept\": \"application/json\"}}"), PLX_OK);
    CHECK_STR(f.s.last_url, "https://bedrock-runtime.us-west-2.amazonaws.com/model/"
                            "anthropic.claude-v2%3A1/invoke");
    CHECK_STR(f.s.last_body, "{\"prompt\":\"hi\"}");
    CHECK_STR(header_line(&f.s, "content-type"), "Content-Type: application/json");
    CHECK_CONTAINS(f.s.last_auth, "/us-west-2/bedrock/aws4_request");
    CHECK_INT(call(&f, "{\"service\": \"bedrock-runtime\", \"operation\": \"Converse\", "
                       "\"params\": {\"modelId\": \"m\", \"messages\": [{\"role\": \"user\", "
                       "\"content\": [{\"text\": \"hi\"}]}]}}"), PLX_OK);
    CHECK_STR(f.s.last_url, "https://bedrock-runtime.us-west-2.amazonaws.com/model/m/converse");
    CHECK_STR(f.s.last_body, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}");
    CHECK_CONTAINS(f.result, "\"output\":{\"output\":{\"message\":");
    CHECK_CONTAINS(f.result, "\"stopReason\":\"end_turn\"");
    close_fixture(&f);
}

static void test_lambda_and_polly(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 200, "Content-Type: application/json\nX-Amz-Function-Error: Unhandled\n"
                      "X-Amz-Executed-Version: 7", "{\"errorMessage\":\"boom\"}"},
        {PLX_OK, 200, "Content-Type: audio/mpeg\nx-amzn-RequestCharacters: 5", "ID3\xff"},
        {PLX_OK, 200, "Content-Type: application/json", "{\"Voices\":[]}"}};
    fixture f;
    open_with(&f, "{\"region\": \"us-east-1\", " KEYS "}", r, 3);
    CHECK_INT(call(&f, "{\"service\": \"lambda\", \"operation\": \"Invoke\", \"params\": "
                       "{\"FunctionName\": \"fn\", \"Qualifier\": \"v 1\", \"Payload\": "
                       "{\"a\": 1}, \"InvocationType\": \"RequestResponse\"}}"), PLX_OK);
    CHECK_STR(f.s.last_url, "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/fn/"
                            "invocations?Qualifier=v%201");
    CHECK_STR(f.s.last_body, "{\"a\":1}");
    CHECK_STR(header_line(&f.s, "x-amz-invocation-type"),
              "X-Amz-Invocation-Type: RequestResponse");
    CHECK_CONTAINS(f.result, "\"output\":{\"StatusCode\":200,\"Payload\":{\"errorMessage\":"
                             "\"boom\"},\"FunctionError\":\"Unhandled\",\"ExecutedVersion\":\"7\"}");

    CHECK_INT(call(&f, "{\"service\": \"polly\", \"operation\": \"SynthesizeSpeech\", \"params\": "
                       "{\"Text\": \"hello\", \"OutputFormat\": \"mp3\", \"VoiceId\": \"Joanna\"}}"),
              PLX_OK);
    CHECK_STR(f.s.last_url, "https://polly.us-east-1.amazonaws.com/v1/speech");
    CHECK_CONTAINS(f.s.last_body, "\"VoiceId\":\"Joanna\"");
    CHECK_CONTAINS(f.result, "\"AudioStream_base64\":\"SUQz/w==\"");
    CHECK_CONTAINS(f.result, "\"RequestCharacters\":5");

    CHECK_INT(call(&f, "{\"service\": \"polly\", \"operation\": \"DescribeVoices\", \"params\": "
                       "{\"LanguageCode\": \"en-US\"}}"), PLX_OK);
    CHECK_STR(f.s.last_method, "GET");
    CHECK_STR(f.s.last_url, "https://polly.us-east-1.amazonaws.com/v1/voices?LanguageCode=en-US");
    CHECK_STR(f.s.last_body, "");
    CHECK_CONTAINS(f.result, "\"output\":{\"Voices\":[]}");
    close_fixture(&f);
}

/* status, code, the JSON or XML body, and what the call must say */
static void test_errors(void)
{
    static const scripted_reply r[] = {
        {PLX_OK, 400, "x-amzn-RequestId: e1\nContent-Type: application/x-amz-json-1.1",
         "{\"__type\":\"com.amazonaws.coral#ThrottlingException\",\"message\":\"Rate exceeded\"}"},
        {PLX_OK, 400, "x-amzn-ErrorType: ValidationException:http://internal.amazon.com/",
         "{\"message\":\"1 validation error\"}"},
        {PLX_OK, 403, "Content-Type: text/xml",
         "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>"
         "The security token included in the request is invalid.</Message></Error>"
         "</ErrorResponse>"},
        {PLX_OK, 400, NULL, "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"no ep\"}"},
        {PLX_OK, 200, "Content-Type: application/x-amz-json-1.1", "not json"}};
    fixture f;
    open_with(&f, "{\"region\": \"us-east-1\", \"retry\": {\"max_attempts\": 1}, " KEYS "}",
              r, 5);
    const char *req = "{\"service\": \"translate\", \"operation\": \"TranslateText\", \"params\": {}}";
    CHECK_INT(call(&f, req), PLX_ERATELIMIT);
    CHECK_CONTAINS(f.result, "\"code\":\"PLX_ERATELIMIT\"");
    CHECK_CONTAINS(f.result, "\"service_code\":\"ThrottlingException\"");
    CHECK_CONTAINS(f.result, "\"service_message\":\"Rate exceeded\"");
    CHECK_CONTAINS(f.result, "\"request_id\":\"e1\"");
    CHECK_CONTAINS(f.result, "\"http_status\":400");
    CHECK_INT(call(&f, req), PLX_EINVAL);
    CHECK_CONTAINS(f.result, "\"service_code\":\"ValidationException\"");
    CHECK_INT(call(&f, req), PLX_EAUTH);
    CHECK_CONTAINS(f.result, "\"service_code\":\"InvalidClientTokenId\"");
    CHECK_CONTAINS(f.result, "security token included");
    CHECK_INT(call(&f, req), PLX_EHTTP);
    CHECK_CONTAINS(f.result, "\"service_code\":\"ResourceNotFoundException\"");
    CHECK_CONTAINS(f.result, "\"service_message\":\"no ep\"");
    CHECK_INT(call(&f, req), PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(f.ctx), "not a JSON object");
    close_fixture(&f);
}

static void test_bad_requests(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, NULL, "{}"}};
    fixture f;
    open_with(&f, "{\"region\": \"us-east-1\", " KEYS "}", r, 1);
    struct { const char *req, *says; } cases[] = {
        {"{\"service\": \"nosuch\", \"operation\": \"X\"}", "unknown AWS service 'nosuch'"},
        {"{\"operation\": \"X\"}", "request.service: missing"},
        {"{\"service\": \"comprehend\"}", "request.operation"},
        {"{\"service\": \"comprehend\", \"operation\": \"bad name\"}", "request.operation"},
        {"{\"service\": \"comprehend\", \"operation\": \"X\", \"params\": []}", "params"},
        {"{\"service\": \"comprehend\", \"operation\": \"X\", \"extra\": 1}", "extra"},
        {"{\"service\": \"lambda\", \"operation\": \"DeleteFunction\"}",
         "'DeleteFunction' is not an operation plexus knows for lambda (known: Invoke, "
         "ListFunctions)"},
        {"{\"service\": \"sagemaker-runtime\", \"operation\": \"InvokeEndpoint\", \"params\": "
         "{\"Body\": \"x\"}}", "request.params.EndpointName: missing"},
        {"{\"service\": \"sagemaker-runtime\", \"operation\": \"InvokeEndpoint\", \"params\": "
         "{\"EndpointName\": \"e\", \"Bogus\": 1}}", "request.params.Bogus: not a parameter"},
        {"{\"service\": \"sagemaker-runtime\", \"operation\": \"InvokeEndpoint\", \"params\": "
         "{\"EndpointName\": \"e\", \"Body\": {\"base64\": \"!!\"}}}", "not valid base64"},
        {"{\"service\": \"sagemaker-runtime\", \"operation\": \"InvokeEndpoint\", \"params\": "
         "{\"EndpointName\": \"e\", \"Accept\": \"a\\r\\nb\"}}", "request.params.Accept"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        CHECK_INT(call(&f, cases[i].req), PLX_EINVAL);
        CHECK_CONTAINS(plx_errmsg(f.ctx), cases[i].says);
    }
    CHECK_INT(plx_call(f.p, "chat", "{}", &f.result), PLX_EUNSUPPORTED);
    CHECK_INT(f.s.sent, 0);
    close_fixture(&f);
}

static void test_config(void)
{
    plx_ctx *ctx = NULL;
    plx_provider *p = NULL;
    CHECK_INT(plx_ctx_new(&ctx, "{\"log_level\": \"none\"}"), PLX_OK);
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    setenv("AWS_CONFIG_FILE", "/nonexistent/plx-config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/plx-credentials", 1);
    struct { const char *config; const char *says; } bad[] = {
        {"{" KEYS "}", "region: not set"},
        {"{\"region\": \"us-east-1\", \"auth\": {\"type\": \"bearer\", \"token\": \"t\"}}",
         "signs with SigV4 itself"},
        {"{\"region\": \"us-east-1\", \"service\": \"s3\"}", "service"},
        {"{\"region\": \"us-east-1\", \"endpoint_url\": \"ftp://x\"}", "endpoint_url"},
        {"{\"region\": \"us-east-1\", \"access_key_id\": \"A\"}", "secret_access_key"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        CHECK_INT(plx_provider_new(ctx, "aws", bad[i].config, &p), PLX_ECONFIG);
        CHECK_CONTAINS(plx_errmsg(ctx), bad[i].says);
    }
    /* no credentials anywhere: the provider is made, calls fail with PLX_EAUTH */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_PROFILE");
    CHECK_INT(plx_provider_new(ctx, "aws", "{\"region\": \"us-east-1\"}", &p), PLX_OK);
    static const scripted_reply r[] = {{PLX_OK, 200, NULL, "{}"}};
    scripted s;
    plx_transport_funcs *t = scripted_funcs(&s, r, 1);
    plx_provider_set_transport(p, t);
    plx_transport_funcs_unref(t);
    char *out = NULL;
    CHECK_INT(plx_call(p, "call", "{\"service\": \"kinesis\", \"operation\": \"ListStreams\"}",
                       &out), PLX_EAUTH);
    CHECK_CONTAINS(out, "no AWS credentials found");
    CHECK_CONTAINS(out, "/nonexistent/plx-credentials");
    CHECK_INT(s.sent, 0);
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

TEST_MAIN(test_json_protocols, test_endpoint_url, test_invoke_endpoint, test_bedrock,
          test_lambda_and_polly, test_errors, test_bad_requests, test_config)
