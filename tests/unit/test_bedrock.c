/* Kind "bedrock": Converse requests from canonical chats, replies and
 * errors back, and ConverseStream over AWS event-stream frames fed byte by
 * byte through plx_chat_stream. */
#include "llm_test.h"
#include "evs_frames.h"

#define CONFIG "{\"region\": \"us-east-1\", \"endpoint_url\": \"http://bedrock.test\", " \
               "\"access_key_id\": \"AKIDEXAMPLE\", \"secret_access_key\": \"sekrit-key\", " \
               "\"model\": \"anthropic.claude-3-haiku-20240307-v1:0\"}"

static void test_build_converse(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "bedrock", CONFIG);
    llm_built b = llm_build(p, "chat",
        "{\"messages\": [{\"role\": \"system\", \"content\": \"Be terse.\"},"
        " {\"role\": \"user\", \"content\": \"Weather?\"},"
        " {\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"id\": \"t1\","
        "   \"name\": \"weather\", \"arguments\": {\"city\": \"Oslo\"}}]},"
        " {\"role\": \"tool\", \"tool_call_id\": \"t1\", \"content\": \"3C\"}],"
        " \"max_tokens\": 50, \"temperature\": 0.5, \"stop\": \"END\","
        " \"tools\": [{\"name\": \"weather\", \"parameters\": {\"type\": \"object\"}}],"
        " \"tool_choice\": \"required\"}");
    CHECK_INT(b.status, PLX_OK);
    CHECK_STR(b.url, "http://bedrock.test/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    CHECK_STR(b.method, "POST");
    CHECK_STR(llm_at(b.body, "system"), "[{\"text\":\"Be terse.\"}]");
    CHECK_STR(llm_at(b.body, "messages[0]"), "{\"role\":\"user\",\"content\":[{\"text\":\"Weather?\"}]}");
    CHECK_STR(llm_at(b.body, "messages[1].content[0].toolUse"),
              "{\"toolUseId\":\"t1\",\"name\":\"weather\",\"input\":{\"city\":\"Oslo\"}}");
    CHECK_STR(llm_at(b.body, "messages[2]"), "{\"role\":\"user\",\"content\":[{\"toolResult\":"
              "{\"toolUseId\":\"t1\",\"content\":[{\"text\":\"3C\"}]}}]}");
    CHECK_STR(llm_at(b.body, "inferenceConfig"),
              "{\"maxTokens\":50,\"temperature\":0.5,\"stopSequences\":[\"END\"]}");
    CHECK_STR(llm_at(b.body, "toolConfig.tools[0].toolSpec.inputSchema.json"), "{\"type\":\"object\"}");
    CHECK_STR(llm_at(b.body, "toolConfig.toolChoice"), "{\"any\":{}}");
    CHECK_STR(llm_header(&b, "content-type"), "application/json");
    llm_built_free(&b);
    b = llm_build(p, "chat_stream", "{\"model\": \"amazon.titan-text-express-v1\", "
                  "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
    CHECK_STR(b.url, "http://bedrock.test/model/amazon.titan-text-express-v1/converse-stream");
    CHECK_STR(llm_at(b.body, "inferenceConfig"), "(none)");
    llm_built_free(&b);
    b = llm_build(p, "embed", "{\"input\": [\"x\"]}");
    CHECK_INT(b.status, PLX_EUNSUPPORTED);
    llm_built_free(&b);
    b = llm_build(p, "chat", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}");
    CHECK_INT(b.status, PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "request.messages[0].role");
    llm_built_free(&b);
    llm_free(ctx, p);
}

static void test_config_errors(void)
{
    CHECK_INT(llm_configure("bedrock", "{\"endpoint_url\": \"http://x\", "
                            "\"access_key_id\": \"A\", \"secret_access_key\": \"B\"}"),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "region");
    CHECK_INT(llm_configure("bedrock", "{\"region\": \"us-east-1\", \"auth\": {\"type\": "
                            "\"bearer\", \"token\": \"x\"}}"), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(NULL), "signs with SigV4 itself");
}

static void test_parse_reply(void)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "bedrock", CONFIG);
    plx_status st;
    plx_reply r;
    char *out = llm_parse_full(p, "chat", 200,
        "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": ["
        "{\"text\": \"Calling.\"}, {\"toolUse\": {\"toolUseId\": \"t9\", \"name\": \"f\","
        " \"input\": {\"a\": 1}}}]}}, \"stopReason\": \"tool_use\","
        " \"usage\": {\"inputTokens\": 12, \"outputTokens\": 7, \"totalTokens\": 19},"
        " \"metrics\": {\"latencyMs\": 100}}", &st, &r);
    CHECK_INT(st, PLX_OK);
    CHECK_CONTAINS(out, "\"text\":\"Calling.\",\"finish_reason\":\"tool_calls\"");
    CHECK_CONTAINS(out, "\"tool_calls\":[{\"id\":\"t9\",\"name\":\"f\",\"arguments\":{\"a\":1}}]");
    CHECK_INT(r.usage.input_tokens, 12);
    CHECK_INT(r.usage.output_tokens, 7);
    plx_free(out);
    out = llm_parse(p, "chat", 200, "{\"output\": {\"message\": {\"content\": 5}}}", &st);
    CHECK_INT(st, PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ctx), "reply.output.message.content");
    plx_free(out);
    out = llm_parse_full(p, "chat", 400, "{\"message\": \"Input is too long for requested "
                         "model.\", \"__type\": \"ValidationException\"}", &st, &r);
    CHECK_STR(r.service_code, "ValidationException");
    CHECK_CONTAINS(r.service_message, "too long");
    CHECK_INT(r.status, PLX_EINVAL);
    plx_free(out);
    llm_free(ctx, p);
}

/* ---- ConverseStream through plx_chat_stream, one byte at a time ---- */

typedef struct canned {
    plx_buf body;
    char auth[512];
} canned;

static plx_status bytewise_send(const plx_request *req, plx_response *resp, void *ud)
{
    canned *c = ud;
    const char *auth = plx_request_header(req, "authorization");
    snprintf(c->auth, sizeof c->auth, "%s", auth ? auth : "");
    plx_response_set_status(resp, 200);
    plx_response_add_header(resp, "Content-Type", "application/vnd.amazon.eventstream");
    for (size_t i = 0; i < c->body.len; i++) {
        plx_status st = plx_response_append_body(resp, c->body.data + i, 1);
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

static char *stream_through(canned *c, plx_status *st, plx_buf *deltas)
{
    plx_ctx *ctx;
    plx_provider *p = llm_provider(&ctx, "bedrock", CONFIG);
    plx_transport_funcs *t = NULL;
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, bytewise_send, c, NULL);
    plx_provider_set_transport(p, t);
    plx_transport_funcs_unref(t);
    llm_stream ls;
    llm_stream_init(&ls);
    char *out = NULL;
    *st = plx_chat_stream(p, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
                          llm_on_delta, &ls, &out);
    plx_buf_append(deltas, ls.deltas.data ? ls.deltas.data : "", ls.deltas.len);
    llm_stream_free(&ls);
    llm_free(ctx, p);
    return out;
}

static void test_stream(void)
{
    canned c = {0};
    event_frame(&c.body, "messageStart", "{\"role\":\"assistant\"}");
    event_frame(&c.body, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hel\"}}");
    event_frame(&c.body, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"lo\"}}");
    event_frame(&c.body, "contentBlockStop", "{\"contentBlockIndex\":0}");
    event_frame(&c.body, "contentBlockStart", "{\"contentBlockIndex\":1,\"start\":{\"toolUse\":"
                "{\"toolUseId\":\"tu1\",\"name\":\"f\"}}}");
    event_frame(&c.body, "contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":"
                "{\"input\":\"{\\\"x\\\":\"}}}");
    event_frame(&c.body, "contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":"
                "{\"input\":\"2}\"}}}");
    event_frame(&c.body, "messageStop", "{\"stopReason\":\"tool_use\"}");
    event_frame(&c.body, "metadata", "{\"usage\":{\"inputTokens\":4,\"outputTokens\":6},"
                "\"metrics\":{\"latencyMs\":50}}");
    plx_status st;
    plx_buf deltas = {0};
    char *out = stream_through(&c, &st, &deltas);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(deltas.data, "Hello");
    CHECK_CONTAINS(out, "\"text\":\"Hello\",\"finish_reason\":\"tool_calls\","
                        "\"model\":\"anthropic.claude-3-haiku-20240307-v1:0\"");
    CHECK_CONTAINS(out, "{\"id\":\"tu1\",\"name\":\"f\",\"arguments\":{\"x\":2}}");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":4,\"output_tokens\":6}");
    CHECK_CONTAINS(out, "\"cost_usd\":");
    CHECK_CONTAINS(c.auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/");
    CHECK_CONTAINS(c.auth, "/us-east-1/bedrock/aws4_request");
    plx_free(out);
    plx_buf_free(&deltas);
    plx_buf_free(&c.body);
}

static void test_stream_exception_and_bad_crc(void)
{
    canned c = {0};
    event_frame(&c.body, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"a\"}}");
    exception_frame(&c.body, "throttlingException", "{\"message\":\"Too many requests\"}");
    plx_status st;
    plx_buf deltas = {0};
    char *out = stream_through(&c, &st, &deltas);
    CHECK_INT(st, PLX_ERATELIMIT);
    CHECK_CONTAINS(out, "\"service_code\":\"ThrottlingException\"");
    CHECK_CONTAINS(out, "Too many requests");
    CHECK_CONTAINS(out, "\"text\":\"a\"");
    plx_free(out);
    plx_buf_free(&deltas);
    /* A corrupted byte fails the message CRC: a protocol error, not text. */
    c.body.data[c.body.len - 20] ^= 0x20;
    out = stream_through(&c, &st, &deltas);
    CHECK_INT(st, PLX_EPROTOCOL);
    CHECK_CONTAINS(out, "CRC");
    plx_free(out);
    plx_buf_free(&deltas);
    plx_buf_free(&c.body);
}

TEST_MAIN(test_build_converse, test_config_errors, test_parse_reply, test_stream,
          test_stream_exception_and_bad_crc)
