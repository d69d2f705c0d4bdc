/* Kind "webhook": the canonical alert as JSON to any URL, and the HMAC
 * signature a receiver verifies (recomputed here the way a receiver would). */
#include "../tap.h"
#include "notify_test.h"
#include "scripted.h"
#include "crypto/crypto.h"

static plx_ctx *ctx;

static void test_body(void)
{
    plx_provider *p = provider(ctx, "webhook", "{\"url\":\"https://hooks.example.com/in/tok123\"}");
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", ALERT_FULL, &req), PLX_OK);
    CHECK_STR(plx_request_method(req), "POST");
    CHECK_STR(plx_request_url(req), "https://hooks.example.com/in/tok123");
    CHECK_STR(plx_request_header(req, "content-type"), "application/json");
    char *body = body_text(req);
    CHECK_STR(body, "{\"title\":\"Cost spike\",\"text\":\"EC2 spend <up> & rising\\nline 2\","
                    "\"severity\":\"error\",\"source\":\"cost-optimizer\",\"action\":\"trigger\","
                    "\"dedup_key\":\"cost-spike-ec2\",\"link\":\"https://example.com/c?id=1\","
                    "\"fields\":{\"account\":\"prod\",\"delta_usd\":1234.5,\"paged\":true}}");
    CHECK(plx_request_header(req, "x-plexus-signature") == NULL);
    free(body);
    plx_request_free(req);
    plx_provider_free(p);
    p = provider(ctx, "webhook", "{\"url\":\"http://127.0.0.1:1/h\",\"method\":\"PUT\"}");
    CHECK_INT(build(p, "notify", ALERT_MIN, &req), PLX_OK);
    CHECK_STR(plx_request_method(req), "PUT");
    plx_request_free(req);
    plx_provider_free(p);
}

/* The value of header name in scripted's "name: value\n" record. */
static void header_value(const char *headers, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    const char *at = strstr(headers, name);
    if (!at)
        return;
    at += strlen(name) + 2;
    size_t n = strcspn(at, "\n");
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), at);
}

static void test_signature(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, "Content-Type: application/json",
                                        "{\"id\":\"d-1\"}"}};
    scripted s;
    plx_transport_funcs *t = scripted_funcs(&s, r, 1);
    plx_provider *p = provider(ctx, "webhook", "{\"url\":\"https://r.test/hook\","
                               "\"secret\":\"s3cr3t-key\",\"auth\":{\"type\":\"bearer\","
                               "\"token\":\"tok-abc\"}}");
    plx_provider_set_transport(p, t);
    plx_transport_funcs_unref(t);
    char *out = NULL;
    CHECK_INT(plx_call(p, "notify", ALERT_MIN, &out), PLX_OK);
    CHECK_CONTAINS(out, "\"status\":200,\"id\":\"d-1\"");
    char ts[32], sig[128];
    header_value(s.last_headers, "X-Plexus-Timestamp", ts, sizeof ts);
    header_value(s.last_headers, "X-Plexus-Signature", sig, sizeof sig);
    CHECK(labs(strtol(ts, NULL, 10) - (long)plx_wall_time_s()) <= 5);
    /* what a receiver does: HMAC over "<timestamp>.<raw body>" */
    plx_buf msg = {0};
    plx_buf_printf(&msg, "%s.%s", ts, s.last_body);
    unsigned char mac[PLX_SHA256_LEN];
    char hex[2 * PLX_SHA256_LEN + 1], want[80];
    plx_hmac_sha256("s3cr3t-key", 10, msg.data, msg.len, mac);
    plx_hex_lower(mac, sizeof mac, hex);
    snprintf(want, sizeof want, "sha256=%s", hex);
    CHECK_STR(sig, want);
    CHECK_STR(s.last_auth, "Bearer tok-abc");   /* the configured auth still applies */
    plx_buf_free(&msg);
    plx_free(out);
    plx_provider_free(p);
}

static void test_custom_headers_and_retry(void)
{
    static const scripted_reply r[] = {{PLX_OK, 503, NULL, "busy"}, {PLX_OK, 204, NULL, NULL}};
    scripted s;
    plx_transport_funcs *t = scripted_funcs(&s, r, 2);
    plx_provider *p = provider(ctx, "webhook", "{\"url\":\"https://r.test/hook\",\"secret\":"
                               "\"k-1234\",\"signature_header\":\"X-Sig\",\"timestamp_header\":"
                               "\"X-Ts\",\"retry\":{\"base_delay_ms\":1}}");
    plx_provider_set_transport(p, t);
    plx_transport_funcs_unref(t);
    char *out = NULL;
    CHECK_INT(plx_call(p, "notify", ALERT_MIN, &out), PLX_OK);
    CHECK_CONTAINS(out, "\"attempts\":2");
    CHECK_CONTAINS(s.last_headers, "X-Sig: sha256=");
    CHECK_CONTAINS(s.last_headers, "X-Ts: ");
    plx_free(out);
    plx_provider_free(p);
}

static void test_replies(void)
{
    plx_provider *p = provider(ctx, "webhook", "{\"url\":\"https://r.test/hook\"}");
    plx_status st;
    char *out = parse(p, "notify", 200, NULL, "accepted", &st);
    CHECK_INT(st, PLX_OK);
    CHECK_STR(out, "{\"status\":200}");
    plx_free(out);
    out = parse(p, "notify", 422, NULL, "bad alert", &st);
    CHECK_STR(out, "{\"status\":422,\"service_message\":\"bad alert\"}");
    plx_free(out);
    plx_provider_free(p);
}

static void test_config(void)
{
    plx_provider *p = NULL;
    CHECK_INT(plx_provider_new(ctx, "webhook", "{}", &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "url: missing");
    CHECK_INT(plx_provider_new(ctx, "webhook", "{\"url\":\"ftp://x/y\"}", &p), PLX_ECONFIG);
    CHECK_INT(plx_provider_new(ctx, "webhook", "{\"url\":\"http://x/y\",\"method\":\"GET\"}", &p),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "method: expected POST or PUT");
    CHECK_INT(plx_provider_new(ctx, "webhook", "{\"url\":\"http://x/y\",\"signature_header\":"
                               "\"X-S\"}", &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "secret: missing");
    CHECK_INT(plx_provider_new(ctx, "webhook", "{\"url\":\"http://x/y\",\"secret\":\"abcd1\","
                               "\"signature_header\":\"bad header\"}", &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "signature_header: not a valid HTTP header name");
}

static void test_setup(void)
{
    ctx = quiet_ctx();
}

static void test_teardown(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_body, test_signature, test_custom_headers_and_retry, test_replies,
          test_config, test_teardown)
