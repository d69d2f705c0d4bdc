/* Requests, responses, headers, URLs: validation at the edges. */
#include "../tap.h"
#include "http/http_internal.h"

static void test_header_validation(void)
{
    plx_request *req = NULL;
    CHECK_INT(plx_request_create("GET", "http://h.test/x", &req), PLX_OK);
    CHECK_INT(plx_request_set_header(req, "X-Ok", "v"), PLX_OK);
    CHECK_INT(plx_request_set_header(req, "X-Bad", "a\r\nInjected: 1"), PLX_EINVAL);
    CHECK_INT(plx_request_set_header(req, "X-Bad", "a\nb"), PLX_EINVAL);
    CHECK_INT(plx_request_set_header(req, "Bad Name", "v"), PLX_EINVAL);
    CHECK_INT(plx_request_set_header(req, "Bad:Name", "v"), PLX_EINVAL);
    CHECK_INT(plx_request_set_header(req, "", "v"), PLX_EINVAL);
    CHECK_INT(plx_request_set_header(req, "X-Tab", "a\tb"), PLX_OK);
    CHECK_INT(plx_request_set_header(req, "x-ok", "replaced"), PLX_OK);
    CHECK_INT(plx_request_header_count(req), 2);
    CHECK_STR(plx_request_header(req, "X-OK"), "replaced");
    CHECK_INT(plx_request_remove_header(req, "X-TAB"), PLX_OK);
    CHECK_INT(plx_request_header_count(req), 1);
    const char *n, *v;
    CHECK_INT(plx_request_header_at(req, 0, &n, &v), PLX_OK);
    CHECK_STR(n, "x-ok");
    CHECK_INT(plx_request_header_at(req, 1, &n, &v), PLX_EINVAL);
    CHECK_INT(plx_request_set_url(req, "http://h.test/a b"), PLX_EINVAL);
    CHECK_INT(plx_request_set_url(req, "file:///etc/passwd"), PLX_EINVAL);
    CHECK_INT(plx_request_set_url(req, "https://other.test/p?q=1"), PLX_OK);
    CHECK_STR(plx_request_url(req), "https://other.test/p?q=1");
    plx_request_free(req);
    CHECK_INT(plx_request_create("GE T", "http://h.test", &req), PLX_EINVAL);
    CHECK_INT(plx_request_create("GET", "h.test/x", &req), PLX_EINVAL);
    CHECK_INT(plx_request_create("GET", "http:///x", &req), PLX_EINVAL);
}

static void test_response_cap(void)
{
    plx_request *req = NULL;
    plx_request_create("GET", "http://h.test/", &req);
    req->max_reply_bytes = 10;
    plx_response *resp = NULL;
    plx_response_create(req, &resp);
    CHECK_INT(plx_response_append_body(resp, "12345", 5), PLX_OK);
    CHECK_INT(plx_response_append_body(resp, "12345", 5), PLX_OK);
    CHECK_INT(plx_response_append_body(resp, "1", 1), PLX_ETOOBIG);
    size_t len = 0;
    plx_response_body(resp, &len);
    CHECK_INT(len, 10);
    CHECK_INT(plx_response_set_status(resp, 42), PLX_EINVAL);
    CHECK_INT(plx_response_add_header(resp, "X", "a\rb"), PLX_EINVAL);
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_urls(void)
{
    plx_buf b = {0};
    plx_url_encode(&b, "a b/c~ä", 8, false);
    CHECK_STR(b.data, "a%20b%2Fc~%C3%A4");
    plx_buf_reset(&b);
    plx_url_encode(&b, "/x y/z", 6, true);
    CHECK_STR(b.data, "/x%20y/z");
    plx_buf_free(&b);
    char *out = NULL;
    CHECK_INT(plx_url_resolve("http://h.test/a/b?q=1", "../c", &out), PLX_OK);
    CHECK_STR(out, "http://h.test/c");
    plx_free(out);
    CHECK_INT(plx_url_resolve("http://h.test/a", "https://o.test:8443/z", &out), PLX_OK);
    CHECK_STR(out, "https://o.test:8443/z");
    plx_free(out);
    CHECK_INT(plx_url_resolve("http://h.test/a", "ftp://o.test/z", &out), PLX_EPROTOCOL);
    CHECK(plx_url_same_origin("http://h.test/a", "http://H.test:80/b"));
    CHECK(!plx_url_same_origin("http://h.test/a", "https://h.test/a"));
    CHECK(!plx_url_same_origin("http://h.test/a", "http://h.test:8080/a"));
    CHECK(!plx_url_same_origin("http://127.0.0.1/a", "http://localhost/a"));
    char origin[128];
    plx_url_origin("https://user:pw@h.test/p?key=secret", origin, sizeof origin);
    CHECK_STR(origin, "https://h.test:443");
}

static void test_dates(void)
{
    CHECK_INT(plx_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    CHECK_INT(plx_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    CHECK_INT(plx_http_date_parse("Sun Nov  6 08:49:37 1994"), 784111777);
    CHECK_INT(plx_http_date_parse("garbage"), -1);
    CHECK_INT(plx_http_date_parse(""), -1);
}

TEST_MAIN(test_header_validation, test_response_cap, test_urls, test_dates)
