/* The AWS services the aws kind calls: one row each (metadata from the
 * services' published models), and for REST-JSON services the operations
 * it knows with where each member travels. A JSON-1.0/1.1 service needs
 * only its row: any operation works. */
#include "aws.h"

#include <stdio.h>
#include <string.h>

#define END {NULL, 0, NULL}

/* ---- sagemaker-runtime ---- */
static const plx_aws_binding INVOKE_ENDPOINT_IN[] = {
    {"EndpointName", PLX_AWS_LABEL, NULL},
    {"Body", PLX_AWS_PAYLOAD, NULL},
    {"ContentType", PLX_AWS_HEADER, "Content-Type"},
    {"Accept", PLX_AWS_HEADER, "Accept"},
    {"CustomAttributes", PLX_AWS_HEADER, "X-Amzn-SageMaker-Custom-Attributes"},
    {"TargetModel", PLX_AWS_HEADER, "X-Amzn-SageMaker-Target-Model"},
    {"TargetVariant", PLX_AWS_HEADER, "X-Amzn-SageMaker-Target-Variant"},
    {"TargetContainerHostname", PLX_AWS_HEADER, "X-Amzn-SageMaker-Target-Container-Hostname"},
    {"InferenceId", PLX_AWS_HEADER, "X-Amzn-SageMaker-Inference-Id"},
    {"EnableExplanations", PLX_AWS_HEADER, "X-Amzn-SageMaker-Enable-Explanations"},
    {"InferenceComponentName", PLX_AWS_HEADER, "X-Amzn-SageMaker-Inference-Component"},
    {"SessionId", PLX_AWS_HEADER, "X-Amzn-SageMaker-Session-Id"},
    END};
static const plx_aws_binding INVOKE_ENDPOINT_OUT[] = {
    {"Body", PLX_AWS_PAYLOAD, NULL},
    {"ContentType", PLX_AWS_HEADER, "Content-Type"},
    {"InvokedProductionVariant", PLX_AWS_HEADER, "x-Amzn-Invoked-Production-Variant"},
    {"CustomAttributes", PLX_AWS_HEADER, "X-Amzn-SageMaker-Custom-Attributes"},
    {"NewSessionId", PLX_AWS_HEADER, "X-Amzn-SageMaker-New-Session-Id"},
    {"ClosedSessionId", PLX_AWS_HEADER, "X-Amzn-SageMaker-Closed-Session-Id"},
    END};
static const plx_aws_rest_op SAGEMAKER_RUNTIME_OPS[] = {
    {"InvokeEndpoint", "POST", "/endpoints/{EndpointName}/invocations", INVOKE_ENDPOINT_IN,
     INVOKE_ENDPOINT_OUT},
    {NULL, NULL, NULL, NULL, NULL}};

/* ---- bedrock-runtime ---- */
static const plx_aws_binding INVOKE_MODEL_IN[] = {
    {"modelId", PLX_AWS_LABEL, NULL},
    {"body", PLX_AWS_PAYLOAD, NULL},
    {"contentType", PLX_AWS_HEADER, "Content-Type"},
    {"accept", PLX_AWS_HEADER, "Accept"},
    {"trace", PLX_AWS_HEADER, "X-Amzn-Bedrock-Trace"},
    {"guardrailIdentifier", PLX_AWS_HEADER, "X-Amzn-Bedrock-GuardrailIdentifier"},
    {"guardrailVersion", PLX_AWS_HEADER, "X-Amzn-Bedrock-GuardrailVersion"},
    {"performanceConfigLatency", PLX_AWS_HEADER, "X-Amzn-Bedrock-PerformanceConfig-Latency"},
    END};
static const plx_aws_binding INVOKE_MODEL_OUT[] = {
    {"body", PLX_AWS_PAYLOAD, NULL},
    {"contentType", PLX_AWS_HEADER, "Content-Type"},
    {"performanceConfigLatency", PLX_AWS_HEADER, "X-Amzn-Bedrock-PerformanceConfig-Latency"},
    END};
static const plx_aws_binding CONVERSE_IN[] = {{"modelId", PLX_AWS_LABEL, NULL}, END};
static const plx_aws_binding NONE[] = {END};
static const plx_aws_rest_op BEDROCK_RUNTIME_OPS[] = {
    {"InvokeModel", "POST", "/model/{modelId}/invoke", INVOKE_MODEL_IN, INVOKE_MODEL_OUT},
    {"Converse", "POST", "/model/{modelId}/converse", CONVERSE_IN, NONE},
    {NULL, NULL, NULL, NULL, NULL}};

/* ---- lambda ---- */
static const plx_aws_binding INVOKE_IN[] = {
    {"FunctionName", PLX_AWS_LABEL, NULL},
    {"Payload", PLX_AWS_PAYLOAD, NULL},
    {"InvocationType", PLX_AWS_HEADER, "X-Amz-Invocation-Type"},
    {"LogType", PLX_AWS_HEADER, "X-Amz-Log-Type"},
    {"ClientContext", PLX_AWS_HEADER, "X-Amz-Client-Context"},
    {"Qualifier", PLX_AWS_QUERY, "Qualifier"},
    END};
static const plx_aws_binding INVOKE_OUT[] = {
    {"StatusCode", PLX_AWS_STATUS, NULL},
    {"Payload", PLX_AWS_PAYLOAD, NULL},
    {"FunctionError", PLX_AWS_HEADER, "X-Amz-Function-Error"},
    {"LogResult", PLX_AWS_HEADER, "X-Amz-Log-Result"},
    {"ExecutedVersion", PLX_AWS_HEADER, "X-Amz-Executed-Version"},
    END};
static const plx_aws_binding LIST_FUNCTIONS_IN[] = {
    {"MasterRegion", PLX_AWS_QUERY, "MasterRegion"},
    {"FunctionVersion", PLX_AWS_QUERY, "FunctionVersion"},
    {"Marker", PLX_AWS_QUERY, "Marker"},
    {"MaxItems", PLX_AWS_QUERY, "MaxItems"},
    END};
static const plx_aws_rest_op LAMBDA_OPS[] = {
    {"Invoke", "POST", "/2015-03-31/functions/{FunctionName}/invocations", INVOKE_IN,
     INVOKE_OUT},
    {"ListFunctions", "GET", "/2015-03-31/functions/", LIST_FUNCTIONS_IN, NONE},
    {NULL, NULL, NULL, NULL, NULL}};

/* ---- polly ---- */
static const plx_aws_binding SYNTHESIZE_OUT[] = {
    {"AudioStream", PLX_AWS_PAYLOAD, NULL},
    {"ContentType", PLX_AWS_HEADER, "Content-Type"},
    {"RequestCharacters", PLX_AWS_HEADER_INT, "x-amzn-RequestCharacters"},
    END};
static const plx_aws_binding DESCRIBE_VOICES_IN[] = {
    {"Engine", PLX_AWS_QUERY, "Engine"},
    {"LanguageCode", PLX_AWS_QUERY, "LanguageCode"},
    {"IncludeAdditionalLanguageCodes", PLX_AWS_QUERY, "IncludeAdditionalLanguageCodes"},
    {"NextToken", PLX_AWS_QUERY, "NextToken"},
    END};
static const plx_aws_rest_op POLLY_OPS[] = {
    {"SynthesizeSpeech", "POST", "/v1/speech", NONE, SYNTHESIZE_OUT},
    {"DescribeVoices", "GET", "/v1/voices", DESCRIBE_VOICES_IN, NONE},
    {NULL, NULL, NULL, NULL, NULL}};

/* name, alias, endpoint prefix, signing name, protocol, target prefix, JSON
 * version, global region, REST operations. Adding a service is one row. */
static const plx_aws_service SERVICES[] = {
    {"comprehend", NULL, "comprehend", "comprehend", PLX_AWS_JSON, "Comprehend_20171127",
     "1.1", NULL, NULL},
    {"translate", NULL, "translate", "translate", PLX_AWS_JSON,
     "AWSShineFrontendService_20170701", "1.1", NULL, NULL},
    {"textract", NULL, "textract", "textract", PLX_AWS_JSON, "Textract", "1.1", NULL, NULL},
    {"rekognition", NULL, "rekognition", "rekognition", PLX_AWS_JSON, "RekognitionService",
     "1.1", NULL, NULL},
    {"sagemaker", NULL, "api.sagemaker", "sagemaker", PLX_AWS_JSON, "SageMaker", "1.1", NULL,
     NULL},
    {"states", "stepfunctions", "states", "states", PLX_AWS_JSON, "AWSStepFunctions", "1.0",
     NULL, NULL},
    {"events", "eventbridge", "events", "events", PLX_AWS_JSON, "AWSEvents", "1.1", NULL,
     NULL},
    {"kinesis", NULL, "kinesis", "kinesis", PLX_AWS_JSON, "Kinesis_20131202", "1.1", NULL,
     NULL},
    {"ce", "costexplorer", "ce", "ce", PLX_AWS_JSON, "AWSInsightsIndexService", "1.1",
     "us-east-1", NULL},
    {"sagemaker-runtime", NULL, "runtime.sagemaker", "sagemaker", PLX_AWS_REST_JSON, NULL,
     NULL, NULL, SAGEMAKER_RUNTIME_OPS},
    {"bedrock-runtime", NULL, "bedrock-runtime", "bedrock", PLX_AWS_REST_JSON, NULL, NULL,
     NULL, BEDROCK_RUNTIME_OPS},
    {"lambda", NULL, "lambda", "lambda", PLX_AWS_REST_JSON, NULL, NULL, NULL, LAMBDA_OPS},
    {"polly", NULL, "polly", "polly", PLX_AWS_REST_JSON, NULL, NULL, NULL, POLLY_OPS},
};

const plx_aws_service *plx_aws_service_find(const char *name)
{
    for (size_t i = 0; name && i < PLX_ARRAY_LEN(SERVICES); i++) {
        const plx_aws_service *s = &SERVICES[i];
        if (strcmp(s->name, name) == 0 || (s->alias && strcmp(s->alias, name) == 0))
            return s;
    }
    return NULL;
}

const char *plx_aws_service_names(void)
{
    return "comprehend, translate, textract, rekognition, sagemaker, states, events, "
           "kinesis, ce, sagemaker-runtime, bedrock-runtime, lambda, polly";
}

const plx_aws_rest_op *plx_aws_rest_op_find(const plx_aws_service *s, const char *name)
{
    for (const plx_aws_rest_op *op = s->ops; op && op->name; op++)
        if (strcmp(op->name, name) == 0)
            return op;
    return NULL;
}

/* Does a path match a template? {X} is one non-empty segment, {X+} the
 * rest of the path. */
static bool path_matches(const char *tpl, const char *path, size_t len)
{
    size_t i = 0;
    while (*tpl) {
        if (*tpl == '{') {
            const char *close = strchr(tpl, '}');
            if (!close)
                return false;
            if (close[-1] == '+')
                return i < len;
            size_t start = i;
            while (i < len && path[i] != '/')
                i++;
            if (i == start)
                return false;
            tpl = close + 1;
        } else if (i < len && path[i] == *tpl) {
            i++, tpl++;
        } else {
            return false;
        }
    }
    return i == len;
}

const plx_aws_rest_op *plx_aws_rest_op_match(const char *signing_name, const char *method,
                                             const char *path, size_t path_len)
{
    for (size_t i = 0; i < PLX_ARRAY_LEN(SERVICES); i++) {
        const plx_aws_service *s = &SERVICES[i];
        if (s->protocol != PLX_AWS_REST_JSON || strcmp(s->signing_name, signing_name) != 0)
            continue;
        for (const plx_aws_rest_op *op = s->ops; op->name; op++)
            if (strcmp(op->method, method) == 0 && path_matches(op->path, path, path_len))
                return op;
    }
    return NULL;
}

/* ---- errors ------------------------------------------------------------ */

typedef struct error_code {
    const char *code;
    plx_status status;
} error_code;

static const error_code ERRORS[] = {
    {"AccessDenied", PLX_EAUTH}, {"AccessDeniedException", PLX_EAUTH},
    {"UnrecognizedClientException", PLX_EAUTH}, {"InvalidSignatureException", PLX_EAUTH},
    {"SignatureDoesNotMatch", PLX_EAUTH}, {"IncompleteSignature", PLX_EAUTH},
    {"IncompleteSignatureException", PLX_EAUTH}, {"MissingAuthenticationToken", PLX_EAUTH},
    {"MissingAuthenticationTokenException", PLX_EAUTH}, {"InvalidClientTokenId", PLX_EAUTH},
    {"InvalidAccessKeyId", PLX_EAUTH}, {"ExpiredToken", PLX_EAUTH},
    {"ExpiredTokenException", PLX_EAUTH}, {"InvalidToken", PLX_EAUTH},
    {"AuthFailure", PLX_EAUTH}, {"NotAuthorized", PLX_EAUTH},
    {"UnauthorizedOperation", PLX_EAUTH}, {"UnauthorizedException", PLX_EAUTH},
    {"RequestExpired", PLX_EAUTH},
    {"Throttling", PLX_ERATELIMIT}, {"ThrottlingException", PLX_ERATELIMIT},
    {"ThrottledException", PLX_ERATELIMIT}, {"TooManyRequestsException", PLX_ERATELIMIT},
    {"RequestLimitExceeded", PLX_ERATELIMIT}, {"RequestThrottled", PLX_ERATELIMIT},
    {"RequestThrottledException", PLX_ERATELIMIT}, {"SlowDown", PLX_ERATELIMIT},
    {"ProvisionedThroughputExceededException", PLX_ERATELIMIT},
    {"BandwidthLimitExceeded", PLX_ERATELIMIT},
    {"RequestTimeout", PLX_ETIMEOUT}, {"RequestTimeoutException", PLX_ETIMEOUT},
    {"ModelTimeoutException", PLX_ETIMEOUT},
    {"ValidationException", PLX_EINVAL}, {"ValidationError", PLX_EINVAL},
    {"InvalidParameterException", PLX_EINVAL}, {"InvalidParameterValueException", PLX_EINVAL},
    {"InvalidParameterValue", PLX_EINVAL}, {"InvalidParameterCombination", PLX_EINVAL},
    {"InvalidRequestException", PLX_EINVAL}, {"InvalidRequest", PLX_EINVAL},
    {"InvalidRequestContentException", PLX_EINVAL}, {"SerializationException", PLX_EINVAL},
    {"MissingParameter", PLX_EINVAL}, {"InvalidArgument", PLX_EINVAL},
    {"InvalidInputException", PLX_EINVAL}, {"UnknownOperationException", PLX_EINVAL},
    {"InvalidAction", PLX_EINVAL}, {"MalformedQueryString", PLX_EINVAL},
    {"TextSizeLimitExceededException", PLX_EINVAL}, {"UnsupportedLanguageException", PLX_EINVAL},
    {"InvalidS3ObjectException", PLX_EINVAL}, {"InvalidImageFormatException", PLX_EINVAL},
    {"ImageTooLargeException", PLX_EINVAL}, {"UnsupportedDocumentException", PLX_EINVAL},
    {"UnsupportedMediaTypeException", PLX_EINVAL}, {"InvalidArn", PLX_EINVAL},
    {"InvalidName", PLX_EINVAL}, {"InvalidDefinition", PLX_EINVAL},
    {"InvalidExecutionInput", PLX_EINVAL}, {"InvalidEventPatternException", PLX_EINVAL},
};

plx_status plx_aws_error_status(const char *code)
{
    for (size_t i = 0; code && i < PLX_ARRAY_LEN(ERRORS); i++)
        if (strcmp(ERRORS[i].code, code) == 0)
            return ERRORS[i].status;
    return PLX_OK;
}

/* Copies s (len bytes) into dst, keeping the part after the last '#'
 * ("com.amazon.coral#ValidationException") and before a ':'
 * ("ValidationException:http://internal..."). */
static void copy_code(char *dst, size_t cap, const char *s, size_t len)
{
    const char *hash = NULL;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '#')
            hash = s + i;
    if (hash) {
        len -= (size_t)(hash + 1 - s);
        s = hash + 1;
    }
    const char *colon = memchr(s, ':', len);
    if (colon)
        len = (size_t)(colon - s);
    plx_excerpt(s, len, cap > 8 ? cap - 8 : 0, dst, cap);
}

static const cJSON *first_string(const cJSON *o, const char *const *keys)
{
    for (; *keys; keys++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *keys);
        if (cJSON_IsString(v))
            return v;
    }
    return NULL;
}

/* <Name>text</Name> in an XML error body, or NULL. */
static const char *xml_text(const char *body, size_t len, const char *name, size_t *n)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    const char *a = memmem(body, len, open, strlen(open));
    if (!a)
        return NULL;
    a += strlen(open);
    const char *b = memmem(a, len - (size_t)(a - body), close, strlen(close));
    if (!b)
        return NULL;
    *n = (size_t)(b - a);
    return a;
}

static void error_from_body(const char *body, size_t len, plx_reply *r)
{
    static const char *const code_keys[] = {"__type", "code", "Code", NULL};
    static const char *const message_keys[] = {"message", "Message", "errorMessage", NULL};
    cJSON *json = plx_json_parse_exact(body, len);
    if (cJSON_IsObject(json)) {
        const cJSON *code = first_string(json, code_keys);
        const cJSON *message = first_string(json, message_keys);
        if (code && !r->service_code[0])
            copy_code(r->service_code, sizeof r->service_code, code->valuestring,
                      strlen(code->valuestring));
        if (message)
            plx_excerpt(message->valuestring, strlen(message->valuestring), 300,
                        r->service_message, sizeof r->service_message);
    } else if (body && len) {
        size_t n = 0;
        const char *code = xml_text(body, len, "Code", &n);
        if (code && !r->service_code[0])
            copy_code(r->service_code, sizeof r->service_code, code, n);
        const char *message = xml_text(body, len, "Message", &n);
        if (message)
            plx_excerpt(message, n, 300, r->service_message, sizeof r->service_message);
    }
    cJSON_Delete(json);
}

void plx_aws_parse_error(const plx_response *resp, plx_reply *r)
{
    size_t len = 0;
    const char *body = plx_response_body(resp, &len);
    const char *type = plx_response_header(resp, "x-amzn-errortype");
    if (type)
        copy_code(r->service_code, sizeof r->service_code, type, strlen(type));
    error_from_body(body, len, r);
    if (!r->service_message[0] && len)
        plx_excerpt(body, len, 300, r->service_message, sizeof r->service_message);
    r->status = plx_aws_error_status(r->service_code);
}
