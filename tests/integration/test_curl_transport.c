/* The curl transport against a real nginx (run through with_nginx.sh, which
 * sets PLX_TEST_HTTP_URL, PLX_TEST_HTTPS_URL and PLX_TEST_CA_FILE). Only
 * 127.0.0.1 and localhost are reached. */
#include "http/http_internal.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *http_base, *https_base, *ca_file;
static plx_ctx *ctx;
static plx_transport_funcs *transport;

static void teardown(void)
{
    plx_transport_funcs_unref(transport);
    if (ctx)
        plx_ctx_release_core(ctx);
}

/* Everything a test needs, made once (TEST_MAIN owns main). */
static void setup(void)
{
    if (transport)
        return;
    http_base = getenv("PLX_TEST_HTTP_URL");
    https_base = getenv("PLX_TEST_HTTPS_URL");
    ca_file = getenv("PLX_TEST_CA_FILE");
    if (!http_base || !https_base || !ca_file)
        TAP_SKIP("PLX_TEST_HTTP_URL etc. not set: run through with_nginx.sh");
    if (plx_ctx_alloc(&ctx) != PLX_OK ||
        plx_curl_transport_new(ctx, &transport) != PLX_OK) {
        fprintf(stderr, "cannot create the curl transport: %s\n", plx_errmsg(NULL));
        exit(1);
    }
    atexit(teardown);
}

static plx_request *make_req(const char *method, const char *base, const char *path)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", base, path);
    plx_request *req = NULL;
    if (plx_request_create(method, url, &req) != PLX_OK) {
        fprintf(stderr, "plx_request_create(%s) failed\n", url);
        exit(1);
    }
    req->timeout_ms = 10000;
    req->connect_timeout_ms = 5000;
    req->accept_compressed = true;
    return req;
}

/* One blocking exchange; *resp_out (always set) is the caller's to free. */
static plx_status send_req(const plx_request *req, plx_response **resp_out)
{
    if (plx_response_create(req, resp_out) != PLX_OK)
        exit(1);
    return plx_transport_send(transport, req, *resp_out);
}

static const char *body_of(const plx_response *resp)
{
    return plx_response_body(resp, NULL);
}

/* The /echo reply parsed; the caller frees it with cJSON_Delete. */
static cJSON *echo_json(const plx_response *resp)
{
    cJSON *j = cJSON_Parse(body_of(resp));
    if (!j)
        fprintf(stderr, "not JSON: %s\n", body_of(resp));
    return j;
}

static const char *field(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A 127.0.0.1 port where nothing listens: bound, then closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        exit(1);
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- blocking ------------------------------------------------------------ */

static void test_get_ok(void)
{
    setup();
    plx_request *req = make_req("GET", http_base, "/ok");
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    CHECK_INT(plx_response_status(resp), 200);
    CHECK_CONTAINS(body_of(resp), "\"ok\":true");
    CHECK_STR(plx_response_header(resp, "content-type"), "application/json");
    CHECK_STR(plx_response_header(resp, "Connection"), "keep-alive");
    CHECK(plx_response_error(resp) == NULL);
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_get_headers_reach_server(void)
{
    setup();
    plx_request *req = make_req("GET", http_base, "/echo/v1/models?limit=2&x=%20y");
    CHECK_INT(plx_request_set_header(req, "Authorization", "Bearer sk-test-123"), PLX_OK);
    CHECK_INT(plx_request_set_header(req, "X-Api-Key", "key-456"), PLX_OK);
    CHECK_INT(plx_request_set_header(req, "X-Test", "  spaced value\t"), PLX_OK);
    CHECK_INT(plx_request_set_header(req, "User-Agent", "plexus-test/1"), PLX_OK);
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    cJSON *j = echo_json(resp);
    CHECK_STR(field(j, "method"), "GET");
    CHECK_STR(field(j, "uri"), "/echo/v1/models?limit=2&x=%20y");
    CHECK_STR(field(j, "authorization"), "Bearer sk-test-123");
    CHECK_STR(field(j, "x_api_key"), "key-456");
    CHECK_STR(field(j, "x_test"), "spaced value"); /* OWS is not part of a value */
    CHECK_STR(field(j, "user_agent"), "plexus-test/1");
    CHECK_STR(field(j, "content_length"), "");
    CHECK_STR(field(j, "protocol"), "HTTP/1.1");
    CHECK_CONTAINS(field(j, "accept_encoding"), "gzip");
    cJSON_Delete(j);
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_post_body_reaches_server(void)
{
    setup();
    static const char json[] = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    plx_request *req = make_req("POST", http_base, "/echo-body");
    CHECK_INT(plx_request_set_header(req, "Content-Type", "application/json"), PLX_OK);
    CHECK_INT(plx_request_set_body(req, json, strlen(json)), PLX_OK);
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    CHECK_INT(plx_response_status(resp), 200);
    CHECK_STR(body_of(resp), json);
    CHECK_STR(plx_response_header(resp, "X-Echo-Method"), "POST");
    CHECK_STR(plx_response_header(resp, "X-Echo-Content-Type"), "application/json");
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_binary_put_and_methods(void)
{
    setup();
    /* Binary body with NULs: sent by length, not strlen. */
    unsigned char bin[300];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)(i * 7);
    plx_request *req = make_req("PUT", http_base, "/echo-body");
    CHECK_INT(plx_request_set_header(req, "Content-Type", "application/octet-stream"),
              PLX_OK);
    CHECK_INT(plx_request_set_body(req, bin, sizeof bin), PLX_OK);
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    size_t len = 0;
    const void *got = plx_response_body(resp, &len);
    CHECK_INT(len, sizeof bin);
    CHECK(len == sizeof bin && memcmp(got, bin, len) == 0);
    CHECK_STR(plx_response_header(resp, "X-Echo-Method"), "PUT");
    plx_response_free(resp);
    plx_request_free(req);

    /* A body without Content-Type: curl's form type must not be added. */
    req = make_req("PATCH", http_base, "/echo");
    CHECK_INT(plx_request_set_body(req, "a=b", 3), PLX_OK);
    CHECK_INT(send_req(req, &resp), PLX_OK);
    cJSON *j = echo_json(resp);
    CHECK_STR(field(j, "method"), "PATCH");
    CHECK_STR(field(j, "content_type"), "");
    CHECK_STR(field(j, "content_length"), "3");
    cJSON_Delete(j);
    plx_response_free(resp);
    plx_request_free(req);

    /* POST without a body still sends Content-Length: 0. */
    req = make_req("POST", http_base, "/echo");
    CHECK_INT(send_req(req, &resp), PLX_OK);
    j = echo_json(resp);
    CHECK_STR(field(j, "method"), "POST");
    CHECK_STR(field(j, "content_length"), "0");
    cJSON_Delete(j);
    plx_response_free(resp);
    plx_request_free(req);

    /* DELETE without a body, and HEAD (no body read). */
    req = make_req("DELETE", http_base, "/echo");
    CHECK_INT(send_req(req, &resp), PLX_OK);
    j = echo_json(resp);
    CHECK_STR(field(j, "method"), "DELETE");
    CHECK_STR(field(j, "content_length"), "");
    cJSON_Delete(j);
    plx_response_free(resp);
    plx_request_free(req);

    /* HEAD announces the size of a body it does not send: not over a cap. */
    req = make_req("HEAD", http_base, "/big");
    req->max_reply_bytes = 1000;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    CHECK_INT(plx_response_status(resp), 200);
    CHECK_STR(plx_response_header(resp, "Content-Length"), "2097152");
    plx_response_body(resp, &len);
    CHECK_INT(len, 0);
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_large_body_no_expect(void)
{
    setup();
    /* Over 1 MiB curl would send Expect: 100-continue and wait; we strip it. */
    size_t n = 1536 * 1024;
    char *big = malloc(n);
    memset(big, 'x', n);
    plx_request *req = make_req("POST", http_base, "/echo");
    CHECK_INT(plx_request_set_header(req, "Content-Type", "text/plain"), PLX_OK);
    plx_request_take_body(req, big, n);
    plx_response *resp;
    uint64_t t0 = plx_now_ms();
    CHECK_INT(send_req(req, &resp), PLX_OK);
    CHECK(plx_now_ms() - t0 < 900); /* curl's expect wait is 1 s */
    cJSON *j = echo_json(resp);
    CHECK_STR(field(j, "expect"), "");
    CHECK_STR(field(j, "content_length"), "1572864");
    CHECK_STR(field(j, "content_type"), "text/plain");
    cJSON_Delete(j);
    plx_response_free(resp);

    /* A caller that asks for 100-continue gets it; the interim 100 reply's
     * status line must not leak into the final response. */
    CHECK_INT(plx_request_set_header(req, "Expect", "100-continue"), PLX_OK);
    CHECK_INT(plx_request_set_body(req, "ping", 4), PLX_OK);
    char url[256];
    snprintf(url, sizeof url, "%s/echo-body", http_base);
    CHECK_INT(plx_request_set_url(req, url), PLX_OK);
    CHECK_INT(send_req(req, &resp), PLX_OK);
    CHECK_INT(plx_response_status(resp), 200);
    CHECK_STR(body_of(resp), "ping");
    CHECK_STR(plx_response_header(resp, "X-Echo-Method"), "POST");
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_http_error_status_is_not_a_transport_error(void)
{
    setup();
    static const struct {
        const char *path;
        int status;
    } cases[] = {{"/status/503", 503}, {"/status/500", 500}, {"/status/404", 404},
                 {"/status/401", 401}, {"/ratelimited", 429}};
    for (size_t i = 0; i < PLX_ARRAY_LEN(cases); i++) {
        plx_request *req = make_req("GET", http_base, cases[i].path);
        plx_response *resp;
        CHECK_INT(send_req(req, &resp), PLX_OK);
        CHECK_INT(plx_response_status(resp), cases[i].status);
        CHECK_CONTAINS(body_of(resp), "\"error\"");
        if (cases[i].status == 429)
            CHECK_STR(plx_response_header(resp, "Retry-After"), "1");
        plx_response_free(resp);
        plx_request_free(req);
    }
    /* Redirects are returned, not followed (credentials must not travel). */
    plx_request *req = make_req("GET", http_base, "/redirect-other");
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    CHECK_INT(plx_response_status(resp), 302);
    CHECK_CONTAINS(plx_response_header(resp, "Location"), "http://localhost:");
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_keepalive_reuse(void)
{
    setup();
    char first[32] = "";
    long last_requests = 0;
    for (int i = 0; i < 4; i++) {
        plx_request *req = make_req(i % 2 ? "POST" : "GET", http_base, "/echo");
        if (i % 2)
            plx_request_set_body(req, "{}", 2);
        plx_response *resp;
        CHECK_INT(send_req(req, &resp), PLX_OK);
        cJSON *j = echo_json(resp);
        const char *conn = field(j, "connection");
        const char *nreq = field(j, "connection_requests");
        CHECK(conn && nreq);
        if (conn && nreq) {
            if (i == 0)
                snprintf(first, sizeof first, "%s", conn);
            else
                CHECK_STR(conn, first);
            if (i > 0)
                CHECK_INT(atol(nreq), last_requests + 1);
            last_requests = atol(nreq);
        }
        cJSON_Delete(j);
        plx_response_free(resp);
        plx_request_free(req);
    }
}

typedef struct {
    int ok;
    int index;
} thread_arg;

static void *send_many(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < 10; i++) {
        char path[64];
        snprintf(path, sizeof path, "/echo?t=%d&i=%d", a->index, i);
        plx_request *req = make_req("GET", http_base, path);
        plx_response *resp;
        if (send_req(req, &resp) == PLX_OK && plx_response_status(resp) == 200 &&
            strstr(body_of(resp), path))
            a->ok++;
        plx_response_free(resp);
        plx_request_free(req);
    }
    return NULL;
}

static void test_blocking_from_many_threads(void)
{
    setup();
    enum { N = 8 };
    pthread_t th[N];
    thread_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (thread_arg){0, i};
        CHECK_INT(pthread_create(&th[i], NULL, send_many, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(args[i].ok, 10);
    }
}

/* ---- failures ------------------------------------------------------------ */

static void test_timeout(void)
{
    setup();
    plx_request *req = make_req("GET", http_base, "/slow");
    req->timeout_ms = 300;
    plx_response *resp;
    uint64_t t0 = plx_now_ms();
    CHECK_INT(send_req(req, &resp), PLX_ETIMEOUT);
    uint64_t took = plx_now_ms() - t0;
    CHECK(took >= 250 && took < 2000);
    CHECK(plx_response_error(resp) && *plx_response_error(resp));
    CHECK_INT(plx_response_status(resp), 0);
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_connection_refused(void)
{
    setup();
    char base[128];
    /* Secrets in userinfo and query must not reach the message. */
    snprintf(base, sizeof base, "http://user:hunter2pw@127.0.0.1:%d", closed_port());
    plx_request *req = make_req("GET", base, "/echo?token=tok-SECRET-99");
    plx_request_set_header(req, "Authorization", "Bearer sk-HEADERSECRET");
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_ETRANSPORT);
    const char *msg = plx_response_error(resp);
    CHECK_CONTAINS(msg, "Failed to connect to 127.0.0.1 port");
    CHECK(msg && !strstr(msg, "hunter2pw") && !strstr(msg, "SECRET") &&
          !strstr(msg, "token"));
    if (msg)
        printf("# refused: %s\n", msg);
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_server_closes_without_reply(void)
{
    setup();
    plx_request *req = make_req("GET", http_base, "/reset");
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_ETRANSPORT);
    CHECK(plx_response_error(resp) && *plx_response_error(resp));
    if (plx_response_error(resp))
        printf("# 444: %s\n", plx_response_error(resp));
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_reply_cap(void)
{
    setup();
    static const char *paths[] = {"/big", "/big-gzip"};
    for (size_t i = 0; i < 2; i++) {
        /* /big announces its Content-Length: fails before the body.
         * /big-gzip is chunked: the decoded bytes pass the cap. */
        plx_request *req = make_req("GET", http_base, paths[i]);
        req->max_reply_bytes = 1024 * 1024;
        plx_response *resp;
        CHECK_INT(send_req(req, &resp), PLX_ETOOBIG);
        CHECK_CONTAINS(plx_response_error(resp), "max_reply_bytes");
        plx_response_free(resp);

        req->max_reply_bytes = 4 * 1024 * 1024;
        CHECK_INT(send_req(req, &resp), PLX_OK);
        size_t len = 0;
        plx_response_body(resp, &len);
        CHECK_INT(len, 2097152);
        plx_response_free(resp);

        /* Exactly at the cap is allowed. */
        req->max_reply_bytes = 2097152;
        CHECK_INT(send_req(req, &resp), PLX_OK);
        plx_response_free(resp);
        plx_request_free(req);
    }
}

static plx_status failing_sink(plx_response *resp, const void *data, size_t len, void *ud)
{
    (void)data;
    size_t *seen = ud;
    if (resp->status != 200)
        return PLX_EPROTOCOL; /* the status must be known before the body */
    *seen += len;
    return *seen > 100000 ? PLX_EIO : PLX_OK;
}

static void test_sink_error(void)
{
    setup();
    size_t seen = 0;
    plx_request *req = make_req("GET", http_base, "/big");
    req->sink = failing_sink;
    req->sink_data = &seen;
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_EIO);
    CHECK(seen > 100000 && seen < 2097152);
    CHECK(plx_response_error(resp) != NULL);
    plx_response_free(resp);
    plx_request_free(req);
}

static void test_header_injection_rejected(void)
{
    setup();
    plx_request *req = make_req("GET", http_base, "/echo");
    CHECK_INT(plx_request_set_header(req, "X-Test", "a\r\nX-Api-Key: injected"), PLX_EINVAL);
    CHECK_INT(plx_request_set_header(req, "X-Test", "a\nb"), PLX_EINVAL);
    CHECK_INT(plx_request_set_header(req, "X-Test", "a\rb"), PLX_EINVAL);
    CHECK_INT(plx_request_set_header(req, "X-Te\r\nst", "a"), PLX_EINVAL);
    CHECK_INT(plx_request_set_header(req, "Bad Name", "a"), PLX_EINVAL);
    CHECK_INT(plx_request_header_count(req), 0);
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    cJSON *j = echo_json(resp);
    CHECK_STR(field(j, "x_test"), "");
    CHECK_STR(field(j, "x_api_key"), "");
    cJSON_Delete(j);
    plx_response_free(resp);
    plx_request_free(req);
}

/* ---- TLS ----------------------------------------------------------------- */

static void test_https(void)
{
    setup();
    plx_tls_options with_ca = {.verify = true, .ca_file = ca_file};
    plx_tls_options no_verify = {.verify = false};

    plx_request *req = make_req("GET", https_base, "/echo");
    req->tls = &with_ca;
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    cJSON *j = echo_json(resp);
    CHECK_STR(field(j, "protocol"), "HTTP/2.0");
    CHECK_STR(field(j, "scheme"), "https");
    cJSON_Delete(j);
    plx_response_free(resp);

    /* POST over HTTP/2. */
    CHECK_INT(plx_request_set_method(req, "POST"), PLX_OK);
    CHECK_INT(plx_request_set_body(req, "{\"a\":1}", 7), PLX_OK);
    CHECK_INT(plx_request_set_header(req, "Content-Type", "application/json"), PLX_OK);
    CHECK_INT(send_req(req, &resp), PLX_OK);
    j = echo_json(resp);
    CHECK_STR(field(j, "method"), "POST");
    CHECK_STR(field(j, "content_length"), "7");
    CHECK_STR(field(j, "protocol"), "HTTP/2.0");
    cJSON_Delete(j);
    plx_response_free(resp);

    /* System CAs only (tls NULL): our test CA is unknown. */
    req->tls = NULL;
    CHECK_INT(send_req(req, &resp), PLX_ETLS);
    CHECK(plx_response_error(resp) && *plx_response_error(resp));
    if (plx_response_error(resp))
        printf("# no CA: %s\n", plx_response_error(resp));
    plx_response_free(resp);

    req->tls = &no_verify;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    CHECK_INT(plx_response_status(resp), 200);
    plx_response_free(resp);

    /* 127.0.0.1 is in the certificate too. */
    char url[256];
    const char *port = strrchr(https_base, ':');
    snprintf(url, sizeof url, "https://127.0.0.1%s/ok", port ? port : "");
    CHECK_INT(plx_request_set_url(req, url), PLX_OK);
    CHECK_INT(plx_request_set_method(req, "GET"), PLX_OK);
    plx_request_set_body(req, NULL, 0);
    req->tls = &with_ca;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    plx_response_free(resp);

    /* A CA file that does not exist is a TLS error, not a crash. */
    plx_tls_options bad_ca = {.verify = true, .ca_file = "/nonexistent/ca.pem"};
    req->tls = &bad_ca;
    CHECK_INT(send_req(req, &resp), PLX_ETLS);
    plx_response_free(resp);
    plx_request_free(req);
}

/* ---- proxy from the environment ----------------------------------------- */

static void test_proxy_env(void)
{
    setup();
    /* with_nginx.sh's no_proxy covers only 127.0.0.1 and localhost. */
    setenv("http_proxy", http_base, 1);
    plx_request *req = make_req("GET", "http://plexus-proxy-test.invalid", "/echo?via=proxy");
    plx_response *resp;
    CHECK_INT(send_req(req, &resp), PLX_OK);
    CHECK_INT(plx_response_status(resp), 200);
    cJSON *j = echo_json(resp);
    CHECK_STR(field(j, "host"), "plexus-proxy-test.invalid");
    CHECK_STR(field(j, "uri"), "/echo?via=proxy");
    cJSON_Delete(j);
    plx_response_free(resp);
    unsetenv("http_proxy");

    /* Without the proxy the .invalid name does not resolve. */
    CHECK_INT(send_req(req, &resp), PLX_ETRANSPORT);
    plx_response_free(resp);
    plx_request_free(req);
}

/* ---- async --------------------------------------------------------------- */

typedef struct {
    plx_request *req;
    plx_response *resp;
    plx_status status;
    int done;
} job;

static void on_done(plx_response *resp, plx_status status, void *done_data)
{
    job *jb = done_data;
    CHECK(resp == jb->resp);
    jb->status = status;
    jb->done++;
}

/* Polls until every job is done or timeout_ms passes. */
static void run_jobs(job *jobs, int n, uint64_t timeout_ms)
{
    uint64_t t0 = plx_now_ms();
    for (;;) {
        int pending = 0;
        for (int i = 0; i < n; i++)
            pending += !jobs[i].done;
        if (!pending || plx_now_ms() - t0 > timeout_ms)
            break;
        CHECK_INT(plx_transport_poll(transport, -1), PLX_OK);
    }
}

static void submit_job(job *jb, plx_request *req)
{
    jb->req = req;
    if (plx_response_create(req, &jb->resp) != PLX_OK)
        exit(1);
    CHECK_INT(plx_transport_submit(transport, req, jb->resp, on_done, jb), PLX_OK);
}

static void free_jobs(job *jobs, int n)
{
    for (int i = 0; i < n; i++) {
        plx_response_free(jobs[i].resp);
        plx_request_free(jobs[i].req);
    }
}

static void test_async_many(void)
{
    setup();
    CHECK(plx_transport_is_async(transport));
    enum { N = 32 };
    job jobs[N] = {{0}};
    for (int i = 0; i < N; i++) {
        char path[64];
        snprintf(path, sizeof path, "/echo?job=%d", i);
        plx_request *req = make_req(i % 3 ? "GET" : "POST", http_base, path);
        if (i % 3 == 0)
            plx_request_set_body(req, "{\"x\":1}", 7);
        submit_job(&jobs[i], req);
    }
    run_jobs(jobs, N, 20000);
    for (int i = 0; i < N; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"uri\":\"/echo?job=%d\"", i);
        CHECK_INT(jobs[i].done, 1);
        CHECK_INT(jobs[i].status, PLX_OK);
        CHECK_INT(plx_response_status(jobs[i].resp), 200);
        CHECK_CONTAINS(body_of(jobs[i].resp), want);
        CHECK_CONTAINS(body_of(jobs[i].resp), i % 3 ? "\"method\":\"GET\"" : "\"method\":\"POST\"");
    }
    free_jobs(jobs, N);
}

static void test_async_https_multiplexed(void)
{
    setup();
    plx_tls_options with_ca = {.verify = true, .ca_file = ca_file};
    enum { N = 8 };
    job jobs[N] = {{0}};
    for (int i = 0; i < N; i++) {
        plx_request *req = make_req("GET", https_base, "/echo");
        req->tls = &with_ca;
        submit_job(&jobs[i], req);
    }
    run_jobs(jobs, N, 20000);
    char conn0[32] = "";
    for (int i = 0; i < N; i++) {
        CHECK_INT(jobs[i].status, PLX_OK);
        cJSON *j = echo_json(jobs[i].resp);
        const char *conn = field(j, "connection");
        CHECK_STR(field(j, "protocol"), "HTTP/2.0");
        /* One HTTP/2 connection carries every stream (PIPEWAIT). */
        if (i == 0)
            snprintf(conn0, sizeof conn0, "%s", conn ? conn : "?");
        else
            CHECK_STR(conn, conn0);
        cJSON_Delete(j);
    }
    free_jobs(jobs, N);
}

static void test_async_failures(void)
{
    setup();
    char refused[64];
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d", closed_port());
    job jobs[4] = {{0}};
    submit_job(&jobs[0], make_req("GET", refused, "/x"));
    plx_request *slow = make_req("GET", http_base, "/slow");
    slow->timeout_ms = 300;
    submit_job(&jobs[1], slow);
    plx_request *big = make_req("GET", http_base, "/big-gzip");
    big->max_reply_bytes = 1000;
    submit_job(&jobs[2], big);
    submit_job(&jobs[3], make_req("GET", http_base, "/reset"));
    uint64_t t0 = plx_now_ms();
    run_jobs(jobs, 4, 10000);
    CHECK(plx_now_ms() - t0 < 3000);
    CHECK_INT(jobs[0].status, PLX_ETRANSPORT);
    CHECK_CONTAINS(plx_response_error(jobs[0].resp), "Failed to connect");
    CHECK_INT(jobs[1].status, PLX_ETIMEOUT);
    CHECK_INT(jobs[2].status, PLX_ETOOBIG);
    CHECK_INT(jobs[3].status, PLX_ETRANSPORT);
    for (int i = 0; i < 4; i++)
        CHECK_INT(jobs[i].done, 1);
    free_jobs(jobs, 4);
}

/* done may submit again from inside poll (a retry does). */
typedef struct {
    job first, second;
} chain;

static void on_first_done(plx_response *resp, plx_status status, void *done_data)
{
    chain *c = done_data;
    on_done(resp, status, &c->first);
    submit_job(&c->second, make_req("GET", http_base, "/echo?second=1"));
}

static void test_async_submit_from_done(void)
{
    setup();
    chain c = {{0}, {0}};
    c.first.req = make_req("GET", http_base, "/ok");
    if (plx_response_create(c.first.req, &c.first.resp) != PLX_OK)
        exit(1);
    CHECK_INT(plx_transport_submit(transport, c.first.req, c.first.resp, on_first_done, &c),
              PLX_OK);
    run_jobs(&c.first, 1, 10000);
    run_jobs(&c.second, 1, 10000);
    CHECK_INT(c.first.status, PLX_OK);
    CHECK_INT(c.second.status, PLX_OK);
    CHECK_CONTAINS(body_of(c.second.resp), "second=1");
    free_jobs(&c.first, 1);
    free_jobs(&c.second, 1);
}

static void *wake_later(void *p)
{
    (void)p;
    plx_sleep_ms(150);
    plx_transport_wakeup(transport);
    return NULL;
}

static void test_async_wakeup(void)
{
    setup();
    /* Nothing in flight: poll returns on timeout 0, and a wakeup from
     * another thread ends a long poll early. */
    uint64_t t0 = plx_now_ms();
    CHECK_INT(plx_transport_poll(transport, 0), PLX_OK);
    CHECK(plx_now_ms() - t0 < 100);
    pthread_t th;
    CHECK_INT(pthread_create(&th, NULL, wake_later, NULL), 0);
    t0 = plx_now_ms();
    CHECK_INT(plx_transport_poll(transport, 5000), PLX_OK);
    uint64_t took = plx_now_ms() - t0;
    CHECK(took < 2000);
    pthread_join(th, NULL);
}

static void test_transport_lifecycle(void)
{
    setup();
    /* A transport freed with a transfer in flight frees it too (no leak). */
    plx_transport_funcs *t = NULL;
    CHECK_INT(plx_curl_transport_new(ctx, &t), PLX_OK);
    CHECK(plx_transport_funcs_is_immutable(t));
    CHECK_INT(plx_transport_funcs_set_send(t, NULL, NULL, NULL), PLX_EBUSY);
    plx_request *req = make_req("GET", http_base, "/slow");
    plx_response *resp;
    plx_response_create(req, &resp);
    job jb = {0};
    CHECK_INT(plx_transport_submit(t, req, resp, on_done, &jb), PLX_OK);
    CHECK_INT(plx_transport_poll(t, 50), PLX_OK);
    plx_transport_funcs_unref(t);
    CHECK_INT(jb.done, 0);
    plx_response_free(resp);
    plx_request_free(req);
}

TEST_MAIN(test_get_ok, test_get_headers_reach_server, test_post_body_reaches_server,
          test_binary_put_and_methods, test_large_body_no_expect,
          test_http_error_status_is_not_a_transport_error, test_keepalive_reuse,
          test_blocking_from_many_threads, test_timeout, test_connection_refused,
          test_server_closes_without_reply, test_reply_cap, test_sink_error,
          test_header_injection_rejected, test_https, test_proxy_env,
          test_async_many, test_async_https_multiplexed, test_async_failures,
          test_async_submit_from_done, test_async_wakeup, test_transport_lifecycle)
