/* The canonical alert: validation with messages that name the field, and
 * what the notify kinds share (clipping, canonical JSON). */
#include "../tap.h"
#include "notify_test.h"

static plx_ctx *ctx;

/* Parses text as an alert; the status, and the message in msg. */
static plx_status try(const char *text, plx_alert *a, cJSON **json)
{
    *json = cJSON_Parse(text);
    return plx_alert_parse(ctx, "alert", *json, a);
}

static void expect_error(const char *text, const char *message)
{
    plx_alert a;
    cJSON *json = NULL;
    CHECK_INT(try(text, &a, &json), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), message);
    cJSON_Delete(json);
}

static void test_minimal(void)
{
    plx_alert a;
    cJSON *json = NULL;
    CHECK_INT(try(ALERT_MIN, &a, &json), PLX_OK);
    CHECK_STR(a.title, "Cost spike");
    CHECK_STR(a.source, "cost-optimizer");
    CHECK_INT(a.severity, PLX_SEVERITY_CRITICAL);
    CHECK_INT(a.action, PLX_ALERT_TRIGGER);
    CHECK(a.dedup_key == NULL && a.link == NULL && a.fields == NULL);
    cJSON_Delete(json);
}

static void test_full(void)
{
    plx_alert a;
    cJSON *json = NULL;
    CHECK_INT(try(ALERT_FULL, &a, &json), PLX_OK);
    CHECK_STR(a.dedup_key, "cost-spike-ec2");
    CHECK_STR(a.link, "https://example.com/c?id=1");
    CHECK_INT(cJSON_GetArraySize(a.fields), 3);
    CHECK_INT(a.severity, PLX_SEVERITY_ERROR);
    cJSON_Delete(json);
    CHECK_INT(try("{\"title\":\"t\",\"text\":\"\",\"severity\":\"info\",\"source\":\"s\","
                  "\"action\":\"resolve\",\"dedup_key\":\"k\"}", &a, &json), PLX_OK);
    CHECK_INT(a.action, PLX_ALERT_RESOLVE);
    CHECK_STR(a.text, "");
    cJSON_Delete(json);
}

static void test_errors_name_the_field(void)
{
    expect_error("[]", "alert: expected an alert object");
    expect_error("{\"text\":\"x\",\"severity\":\"info\",\"source\":\"s\"}",
                 "alert.title: missing");
    expect_error("{\"title\":\"\",\"text\":\"x\",\"severity\":\"info\",\"source\":\"s\"}",
                 "alert.title: must not be empty");
    expect_error("{\"title\":\"t\",\"severity\":\"info\",\"source\":\"s\"}",
                 "alert.text: missing");
    expect_error("{\"title\":\"t\",\"text\":\"x\",\"severity\":\"fatal\",\"source\":\"s\"}",
                 "alert.severity: expected one of info, warning, error, critical");
    expect_error("{\"title\":\"t\",\"text\":\"x\",\"severity\":\"info\",\"source\":3}",
                 "alert.source: expected a string");
    expect_error("{\"title\":\"t\",\"text\":\"x\",\"severity\":\"info\",\"source\":\"s\","
                 "\"action\":\"close\"}", "alert.action: expected one of trigger");
    expect_error("{\"title\":\"t\",\"text\":\"x\",\"severity\":\"info\",\"source\":\"s\","
                 "\"action\":\"resolve\"}", "alert.dedup_key: required for action 'resolve'");
    expect_error("{\"title\":\"t\",\"text\":\"x\",\"severity\":\"info\",\"source\":\"s\","
                 "\"link\":\"ftp://x\"}", "alert.link: expected an absolute http");
    expect_error("{\"title\":\"t\",\"text\":\"x\",\"severity\":\"info\",\"source\":\"s\","
                 "\"fields\":{\"a\":[1]}}", "alert.fields.a: expected a string");
    expect_error("{\"title\":\"t\",\"text\":\"x\",\"severity\":\"info\",\"source\":\"s\","
                 "\"fields\":{\"a\":1,\"a\":2}}", "alert.fields.a: duplicate field");
    expect_error("{\"title\":\"t\",\"text\":\"x\",\"severity\":\"info\",\"source\":\"s\","
                 "\"colour\":\"red\"}", "alert.colour: unknown key");
    char big[400] = "{\"title\":\"t\",\"text\":\"x\",\"severity\":\"info\",\"source\":\"s\","
                    "\"dedup_key\":\"";
    memset(big + strlen(big), 'k', 256);
    strcat(big, "\"}");
    expect_error(big, "alert.dedup_key: longer than 255 bytes");
}

static void test_too_many_fields(void)
{
    plx_buf b = {0};
    plx_buf_append_str(&b, "{\"title\":\"t\",\"text\":\"x\",\"severity\":\"info\","
                           "\"source\":\"s\",\"fields\":{");
    for (int i = 0; i <= PLX_ALERT_FIELDS_MAX; i++)
        plx_buf_printf(&b, "%s\"f%d\":%d", i ? "," : "", i, i);
    plx_buf_append_str(&b, "}}");
    expect_error(b.data, "more than 50 fields");
    plx_buf_free(&b);
}

static void test_utf8_prefix(void)
{
    const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"; /* a é € 😀 z */
    size_t len = strlen(s);
    CHECK_INT(plx_utf8_prefix(s, len, 0), 0);
    CHECK_INT(plx_utf8_prefix(s, len, 1), 1);
    CHECK_INT(plx_utf8_prefix(s, len, 2), 3);
    CHECK_INT(plx_utf8_prefix(s, len, 3), 6);
    CHECK_INT(plx_utf8_prefix(s, len, 4), 10);
    CHECK_INT(plx_utf8_prefix(s, len, 99), len);
    CHECK_INT(plx_utf8_prefix(s, 5, 99), 3); /* never splits a character */
}

static void test_clipping(void)
{
    plx_buf b = {0};
    CHECK_INT(plx_buf_clipped(&b, "hello", 5), PLX_OK);
    CHECK_STR(b.data, "hello");
    plx_buf_reset(&b);
    CHECK_INT(plx_buf_clipped(&b, "hello world", 5), PLX_OK);
    CHECK_STR(b.data, "hell\xe2\x80\xa6");
    plx_buf_reset(&b);
    CHECK_INT(plx_buf_clipped(&b, "\xc3\xa9\xc3\xa9\xc3\xa9", 2), PLX_OK);
    CHECK_STR(b.data, "\xc3\xa9\xe2\x80\xa6");
    plx_buf_free(&b);
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_clipped(&w, "t", "abcdef", 3);
    plx_jw_end(&w);
    char *out = plx_jw_finish(&w);
    CHECK_STR(out, "{\"t\":\"ab\xe2\x80\xa6\"}");
    plx_free(out);
}

static void test_canonical_json(void)
{
    plx_alert a;
    cJSON *json = NULL;
    CHECK_INT(try(ALERT_FULL, &a, &json), PLX_OK);
    plx_jw w = {0};
    plx_alert_write(&w, NULL, &a);
    char *out = plx_jw_finish(&w);
    CHECK_CONTAINS(out, "\"severity\":\"error\"");
    CHECK_CONTAINS(out, "\"action\":\"trigger\"");
    CHECK_CONTAINS(out, "\"fields\":{\"account\":\"prod\",\"delta_usd\":1234.5,\"paged\":true}");
    cJSON *back = cJSON_Parse(out);
    plx_alert again;
    CHECK_INT(plx_alert_parse(ctx, "alert", back, &again), PLX_OK);
    CHECK_STR(again.text, a.text);
    cJSON_Delete(back);
    plx_free(out);
    cJSON_Delete(json);
}

static void test_field_text(void)
{
    cJSON *f = cJSON_Parse("{\"s\":\"x\",\"n\":1234.5,\"i\":3,\"b\":false}");
    char value[32];
    plx_alert_value_text(cJSON_GetObjectItem(f, "s"), value, sizeof value);
    CHECK_STR(value, "x");
    plx_alert_value_text(cJSON_GetObjectItem(f, "n"), value, sizeof value);
    CHECK_STR(value, "1234.5");
    plx_alert_value_text(cJSON_GetObjectItem(f, "i"), value, sizeof value);
    CHECK_STR(value, "3");
    plx_alert_value_text(cJSON_GetObjectItem(f, "b"), value, sizeof value);
    CHECK_STR(value, "false");
    cJSON_Delete(f);
    /* cut to fit, never inside a character */
    f = cJSON_CreateString("ab\xe2\x82\xac");
    char small[5];
    plx_alert_value_text(f, small, sizeof small);
    CHECK_STR(small, "ab");
    cJSON_Delete(f);
}

static void test_setup(void)
{
    ctx = quiet_ctx();
}

static void test_teardown(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_minimal, test_full, test_errors_name_the_field,
          test_too_many_fields, test_utf8_prefix, test_clipping, test_canonical_json,
          test_field_text, test_teardown)
