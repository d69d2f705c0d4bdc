/* Core helpers: buffers, UTF-8, excerpts, redaction, error messages. */
#include "../tap.h"
#include "core/core.h"

static void test_buf(void)
{
    plx_buf b = {0};
    for (int i = 0; i < 1000; i++)
        plx_buf_printf(&b, "%d,", i);
    CHECK(b.len > 3000);
    CHECK(b.data[b.len] == '\0');
    char *s = plx_buf_steal(&b);
    CHECK(b.data == NULL && b.len == 0);
    CHECK(strncmp(s, "0,1,2,", 6) == 0);
    plx_free(s);
    char *empty = plx_buf_steal(&b);
    CHECK_STR(empty, "");
    plx_free(empty);
}

static void test_utf8(void)
{
    CHECK(plx_utf8_valid("plain", 5));
    CHECK(plx_utf8_valid("\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    CHECK(!plx_utf8_valid("\xc3", 1));              /* truncated */
    CHECK(!plx_utf8_valid("\xc0\xaf", 2));          /* overlong */
    CHECK(!plx_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
    CHECK(!plx_utf8_valid("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
    CHECK(!plx_utf8_valid("\xff", 1));
}

static void test_excerpt(void)
{
    char out[64];
    plx_excerpt("line1\nline2\r\x01", 13, 100, out, sizeof out);
    CHECK_STR(out, "line1 line2  ");
    plx_excerpt("abcdefghij", 10, 4, out, sizeof out);
    CHECK_STR(out, "abcd...");
}

static void test_redaction(void)
{
    plx_ctx *ctx = NULL;
    plx_ctx_alloc(&ctx);
    plx_secret_register(ctx, "hunter22");
    plx_secret_register(ctx, "abc");          /* too short: ignored */
    plx_secret_register(ctx, "hunter22-long"); /* longer overlapping secret */
    char out[128];
    plx_redact(ctx, "pw=hunter22-long and hunter22; abc", out, sizeof out);
    CHECK_STR(out, "pw=[REDACTED] and [REDACTED]; abc");
    char tiny[8];
    plx_redact(ctx, "hunter22hunter22", tiny, sizeof tiny);
    CHECK(strlen(tiny) == 7);
    CHECK(strstr(tiny, "hunter") == NULL);
    CHECK(plx_contains_secret(ctx, "x hunter22 y"));
    CHECK(!plx_contains_secret(ctx, "nothing"));
    CHECK_INT(plx_fail(ctx, PLX_EAUTH, "token %s rejected", "hunter22"), PLX_EAUTH);
    CHECK_STR(plx_errmsg(ctx), "token [REDACTED] rejected");
    CHECK_STR(plx_errmsg(NULL), "token [REDACTED] rejected");
    CHECK_STR(plx_errmsg((plx_ctx *)&out), ""); /* another ctx's message is not shown */
    plx_ctx_release_core(ctx);
}

static void test_status_strings(void)
{
    CHECK_STR(plx_status_name(PLX_ECONFIG), "PLX_ECONFIG");
    CHECK_STR(plx_status_str((plx_status)1000), "unknown status");
    CHECK_STR(plx_status_name((plx_status)-1), "PLX_UNKNOWN");
}

static void test_json_writer(void)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_string(&w, "s", "a\"b\\c\n\t\x01\xc3\xa4\xff end", 15);
    plx_jw_int(&w, "neg", -42);
    plx_jw_int(&w, "big", INT64_MIN);
    plx_jw_bool(&w, "t", true);
    plx_jw_begin(&w, "o");
    plx_jw_raw(&w, "r", "[1,2]", 5);
    plx_jw_end(&w);
    plx_jw_end(&w);
    char *out = plx_jw_finish(&w);
    CHECK_STR(out, "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa4\\u00ff end\","
                   "\"neg\":-42,\"big\":-9223372036854775808,\"t\":true,\"o\":{\"r\":[1,2]}}");
    cJSON *back = cJSON_Parse(out);
    CHECK(back != NULL);
    cJSON_Delete(back);
    plx_free(out);
}

TEST_MAIN(test_json_writer, test_buf, test_utf8, test_excerpt, test_redaction, test_status_strings)
