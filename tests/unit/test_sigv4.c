/* The SigV4 signer against every case of the AWS signature test suites in
 * ../shared/peers (read at run time from $PLEXUS_PEERS, never copied):
 * sigv4-suite (classic layout) and sigv4-suite-crt/v4 (header and query
 * signing). Canonical request, string to sign and signature must match
 * byte for byte. Then the signer's own rules: S3 paths, presigning, the
 * key cache, Host, tokens, payload hashes. */
#include "../tap.h"
#include "auth/sigv4.h"
#include "crypto/crypto.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SUITE_KEY "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_TIME INT64_C(1440938160)   /* 2015-08-30T12:36:00Z */

static char peers[1024];

/* ---- reading the suites ------------------------------------------------ */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    plx_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        plx_buf_append(&b, chunk, n);
    fclose(f);
    if (!b.data)
        plx_buf_append(&b, "", 0);
    return b.data;
}

static char *read_in(const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return read_text(path);
}

/* A parsed raw request: "METHOD target HTTP/1.1", headers (folded lines
 * joined with a space), a blank line, the body. */
typedef struct raw_request {
    char method[16];
    char target[1024];
    plx_headers headers;
    char *body;
    size_t body_len;
} raw_request;

static void raw_free(raw_request *r)
{
    plx_headers_free(&r->headers);
    free(r->body);
}

static void add_header_line(raw_request *r, const char *line)
{
    if ((line[0] == ' ' || line[0] == '\t') && r->headers.count) {
        plx_header *last = &r->headers.items[r->headers.count - 1];
        plx_buf v = {0};
        plx_buf_printf(&v, "%s %s", last->value, line + strspn(line, " \t"));
        char *name = plx_strdup(last->name);
        plx_headers_remove(&r->headers, name);
        plx_headers_add(&r->headers, name, v.data);
        free(name);
        plx_buf_free(&v);
        return;
    }
    const char *colon = strchr(line, ':');
    if (colon)
        plx_headers_add_n(&r->headers, line, (size_t)(colon - line), colon + 1,
                          strlen(colon + 1));
}

/* The request line has a literal space in one case: split at the first and
 * the last space. */
static bool parse_request(const char *text, raw_request *r)
{
    memset(r, 0, sizeof *r);
    const char *eol = strchr(text, '\n');
    const char *first = strchr(text, ' ');
    if (!eol || !first || first > eol)
        return false;
    const char *last = eol;
    while (last > first && *last != ' ')
        last--;
    snprintf(r->method, sizeof r->method, "%.*s", (int)(first - text), text);
    snprintf(r->target, sizeof r->target, "%.*s", (int)(last - first - 1), first + 1);
    const char *p = eol + 1;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0) {
            p = end + 1;
            r->body_len = strlen(p);
            r->body = plx_strndup(p, r->body_len);
            return true;
        }
        char line[4096];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        add_header_line(r, line);
        p = end ? end + 1 : p + n;
    }
    r->body = plx_strdup("");
    return true;
}

static plx_sigv4_message message_of(raw_request *r)
{
    const char *q = strchr(r->target, '?');
    size_t path_len = q ? (size_t)(q - r->target) : strlen(r->target);
    return (plx_sigv4_message){.method = r->method, .path = r->target,
                               .path_len = path_len, .query = q ? q + 1 : NULL,
                               .query_len = q ? strlen(q + 1) : 0,
                               .headers = &r->headers, .body = r->body,
                               .body_len = r->body_len};
}

/* Compares, ignoring one trailing newline of the expected file. */
static bool same_text(const char *got, const char *want, const char *what, const char *name)
{
    size_t n = strlen(want);
    if (n && want[n - 1] == '\n')
        n--;
    if (got && strlen(got) == n && memcmp(got, want, n) == 0)
        return true;
    fprintf(stderr, "%s: %s differs\n--- got\n%s\n--- want\n%.*s\n", name, what,
            got ? got : "(null)", (int)n, want);
    return false;
}

static void list_dir(const char *dir, char names[][256], int *count, int cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    *count = 0;
    while (d && (e = readdir(d)) && *count < cap) {
        if (e->d_name[0] != '.')
            snprintf(names[(*count)++], 256, "%s", e->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, (size_t)*count, 256, (int (*)(const void *, const void *))strcmp);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- classic suite ----------------------------------------------------- */

static int classic_cases;

static void run_classic_case(const char *dir, const char *name)
{
    char file[512];
    snprintf(file, sizeof file, "%s.req", name);
    char *req_text = read_in(dir, file);
    snprintf(file, sizeof file, "%s.creq", name);
    char *creq = read_in(dir, file);
    snprintf(file, sizeof file, "%s.sts", name);
    char *sts = read_in(dir, file);
    snprintf(file, sizeof file, "%s.authz", name);
    char *authz = read_in(dir, file);
    snprintf(file, sizeof file, "%s.sreq", name);
    char *sreq_text = read_in(dir, file);
    CHECK(req_text && creq && sts && authz && sreq_text);
    raw_request r, sreq;
    CHECK(req_text && parse_request(req_text, &r));
    CHECK(sreq_text && parse_request(sreq_text, &sreq));
    /* The token is a credential input: the signed request shows it. */
    const char *token = plx_headers_get(&sreq.headers, "x-amz-security-token");
    plx_sigv4_signer *s = NULL;
    CHECK_INT(plx_sigv4_signer_new(SUITE_KEY, SUITE_SECRET, token, &s), PLX_OK);
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, "us-east-1", "service");
    o.time = SUITE_TIME;
    o.omit_session_token = strstr(name, "header-after") != NULL;
    plx_sigv4_message m = message_of(&r);
    plx_sigv4_debug dbg = {0};
    CHECK_INT(plx_sigv4_sign_message(s, &o, &m, &dbg), PLX_OK);
    CHECK(same_text(dbg.canonical_request.data, creq, "canonical request", name));
    CHECK(same_text(dbg.string_to_sign.data, sts, "string to sign", name));
    CHECK(same_text(plx_headers_get(&r.headers, "authorization"), authz, "authorization",
                    name));
    if (token)
        CHECK_STR(plx_headers_get(&r.headers, "x-amz-security-token"), token);
    classic_cases++;
    plx_sigv4_debug_free(&dbg);
    plx_sigv4_signer_free(s);
    raw_free(&r);
    raw_free(&sreq);
    free(req_text), free(creq), free(sts), free(authz), free(sreq_text);
}

/* Case folders hold NAME.req; others (normalize-path, post-sts-token) group
 * cases one level down. */
static void walk_classic(const char *dir)
{
    char (*mine)[256] = malloc(64 * 256);
    int n = 0;
    list_dir(dir, mine, &n, 64);
    for (int i = 0; i < n; i++) {
        char sub[1024], req[1400];
        snprintf(sub, sizeof sub, "%s/%s", dir, mine[i]);
        if (!is_dir(sub))
            continue;
        snprintf(req, sizeof req, "%s/%s.req", sub, mine[i]);
        struct stat st;
        if (stat(req, &st) == 0)
            run_classic_case(sub, mine[i]);
        else
            walk_classic(sub);
    }
    free(mine);
}

static void test_classic_suite(void)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/sigv4-suite", peers);
    walk_classic(dir);
    printf("# classic suite: %d cases\n", classic_cases);
    CHECK_INT(classic_cases, 34);
}

/* ---- aws-c-auth suite (v4) ---------------------------------------------- */

static int crt_cases;

static int64_t parse_time(const char *iso)
{
    struct tm tm = {0};
    if (!iso || !strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void check_outputs(const char *dir, const char *mode, const plx_sigv4_debug *dbg,
                          const char *name)
{
    char file[64], label[512];
    const char *parts[] = {"canonical-request", "string-to-sign", "signature"};
    const char *got[] = {dbg->canonical_request.data, dbg->string_to_sign.data,
                         dbg->signature};
    for (int i = 0; i < 3; i++) {
        snprintf(file, sizeof file, "%s-%s.txt", mode, parts[i]);
        snprintf(label, sizeof label, "%s (%s)", name, mode);
        char *want = read_in(dir, file);
        CHECK(want && same_text(got[i], want, parts[i], label));
        free(want);
    }
}

static void run_crt_case(const char *dir, const char *name)
{
    char *ctx_text = read_in(dir, "context.json");
    char *req_text = read_in(dir, "request.txt");
    cJSON *c = ctx_text ? cJSON_Parse(ctx_text) : NULL;
    CHECK(c && req_text);
    if (!c || !req_text) {
        free(ctx_text), free(req_text), cJSON_Delete(c);
        return;
    }
    const cJSON *cred = cJSON_GetObjectItemCaseSensitive(c, "credentials");
    plx_sigv4_signer *s = NULL;
    CHECK_INT(plx_sigv4_signer_new(json_str(cred, "access_key_id"),
                                   json_str(cred, "secret_access_key"),
                                   json_str(cred, "token"), &s), PLX_OK);
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, json_str(c, "region"), json_str(c, "service"));
    o.time = parse_time(json_str(c, "timestamp"));
    o.normalize_path = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "normalize"));
    o.omit_session_token =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "omit_session_token"));
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expiration_in_seconds");
    o.expires = cJSON_IsNumber(exp) ? (uint32_t)exp->valueint : 3600;

    raw_request r;
    CHECK(parse_request(req_text, &r));
    plx_sigv4_debug dbg = {0};
    /* query signing first: it signs the headers as given */
    plx_sigv4_message m = message_of(&r);
    plx_buf query = {0};
    CHECK_INT(plx_sigv4_presign_message(s, &o, &m, &query, &dbg), PLX_OK);
    check_outputs(dir, "query", &dbg, name);
    CHECK_CONTAINS(query.data, "X-Amz-Signature=");
    plx_buf_free(&query);

    o.content_sha256_header = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "sign_body"));
    m = message_of(&r);
    CHECK_INT(plx_sigv4_sign_message(s, &o, &m, &dbg), PLX_OK);
    check_outputs(dir, "header", &dbg, name);
    crt_cases++;
    plx_sigv4_debug_free(&dbg);
    raw_free(&r);
    plx_sigv4_signer_free(s);
    cJSON_Delete(c);
    free(ctx_text), free(req_text);
}

static void test_crt_suite(void)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/sigv4-suite-crt/v4", peers);
    char (*names)[256] = malloc(64 * 256);
    int n = 0;
    list_dir(dir, names, &n, 64);
    for (int i = 0; i < n; i++) {
        char sub[1400];
        snprintf(sub, sizeof sub, "%s/%s", dir, names[i]);
        if (is_dir(sub))
            run_crt_case(sub, names[i]);
    }
    free(names);
    printf("# aws-c-auth v4 suite: %d cases (header and query each)\n", crt_cases);
    CHECK_INT(crt_cases, 38);
}

/* ---- the signer's own rules -------------------------------------------- */

static char *canonical_path(const char *path, bool s3)
{
    plx_buf b = {0};
    CHECK_INT(plx_sigv4_canonical_path(&b, path, strlen(path), !s3, !s3), PLX_OK);
    return b.data;
}

static void test_paths(void)
{
    struct { const char *in, *other, *s3; } cases[] = {
        {"", "/", "/"},
        {"/a%20b/c", "/a%2520b/c", "/a%20b/c"},
        {"//my-object//example//photo.user", "/my-object/example/photo.user",
         "//my-object//example//photo.user"},
        {"/a/./b/../c/", "/a/c/", "/a/./b/../c/"},
        {"/key$with space", "/key%24with%20space", "/key%24with%20space"},
        {"/%E1%88%B4", "/%25E1%2588%25B4", "/%E1%88%B4"},
        {"/bad%zz", "/bad%25zz", "/bad%25zz"},
        {"/..", "/", "/.."},
    };
    for (size_t i = 0; i < PLX_ARRAY_LEN(cases); i++) {
        char *other = canonical_path(cases[i].in, false), *s3 = canonical_path(cases[i].in, true);
        CHECK_STR(other, cases[i].other);
        CHECK_STR(s3, cases[i].s3);
        plx_free(other);
        plx_free(s3);
    }
}

static void test_query(void)
{
    struct { const char *in, *want; } cases[] = {
        {"b=2&a=1", "a=1&b=2"},
        {"a=2&a=1&a=10", "a=1&a=10&a=2"},
        {"k", "k="},
        {"x=a+b&y=%7e&z=%2F", "x=a%2Bb&y=~&z=%2F"},
        {"&&a=1&", "a=1"},
        {"A=1&a=1&_=1", "A=1&_=1&a=1"},
        {"e=%", "e=%25"},
    };
    for (size_t i = 0; i < PLX_ARRAY_LEN(cases); i++) {
        plx_buf b = {0};
        CHECK_INT(plx_sigv4_canonical_query(&b, cases[i].in, strlen(cases[i].in)), PLX_OK);
        CHECK_STR(b.data ? b.data : "", cases[i].want);
        plx_buf_free(&b);
    }
}

static void test_split_url(void)
{
    char host[64];
    const char *path, *query;
    size_t pl, ql;
    CHECK(plx_sigv4_split_url("https://S3.Amazonaws.com:443/b/k?x=1#f", host, sizeof host,
                              &path, &pl, &query, &ql));
    CHECK_STR(host, "s3.amazonaws.com");
    CHECK_INT(pl, 4);
    CHECK(query && ql == 3 && strncmp(query, "x=1", 3) == 0);
    CHECK(plx_sigv4_split_url("http://user:pw@127.0.0.1:4599", host, sizeof host, &path,
                              &pl, &query, &ql));
    CHECK_STR(host, "127.0.0.1:4599");
    CHECK_INT(pl, 0);
    CHECK(query == NULL);
    CHECK(plx_sigv4_split_url("http://[::1]:80/x", host, sizeof host, &path, &pl, &query,
                              &ql));
    CHECK_STR(host, "[::1]");
    CHECK(!plx_sigv4_split_url("ftp://x/", host, sizeof host, &path, &pl, &query, &ql));
}

static void test_scope_from_host(void)
{
    struct { const char *host, *region, *service; } cases[] = {
        {"comprehend.eu-west-1.amazonaws.com", "eu-west-1", "comprehend"},
        {"runtime.sagemaker.us-east-1.amazonaws.com", "us-east-1", "sagemaker"},
        {"bedrock-runtime.us-west-2.amazonaws.com", "us-west-2", "bedrock"},
        {"bucket.s3.us-east-2.amazonaws.com", "us-east-2", "s3"},
        {"bucket.s3-us-west-1.amazonaws.com", "us-west-1", "s3"},
        {"s3.amazonaws.com", "us-east-1", "s3"},
        {"iam.amazonaws.com:443", "us-east-1", "iam"},
        {"kinesis-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1", "kinesis"},
    };
    for (size_t i = 0; i < PLX_ARRAY_LEN(cases); i++) {
        char region[64] = "", service[64] = "";
        CHECK(plx_sigv4_scope_from_host(cases[i].host, region, sizeof region, service,
                                        sizeof service));
        CHECK_STR(region, cases[i].region);
        CHECK_STR(service, cases[i].service);
    }
    char region[64], service[64];
    CHECK(!plx_sigv4_scope_from_host("127.0.0.1:4599", region, sizeof region, service,
                                     sizeof service));
    CHECK(!plx_sigv4_scope_from_host("example.com", region, sizeof region, service,
                                     sizeof service));
}

static plx_sigv4_signer *suite_signer(const char *token)
{
    plx_sigv4_signer *s = NULL;
    CHECK_INT(plx_sigv4_signer_new(SUITE_KEY, SUITE_SECRET, token, &s), PLX_OK);
    return s;
}

static void test_sign_request_s3(void)
{
    plx_sigv4_signer *s = suite_signer("tok/en+=");
    plx_request *req = NULL;
    CHECK_INT(plx_request_create("PUT", "http://127.0.0.1:4569/testbucket/a%20b.txt?x-id=PutObject",
                                 &req), PLX_OK);
    plx_request_set_body(req, "hello", 5);
    plx_request_set_header(req, "Content-Type", "text/plain");
    plx_request_set_header(req, "User-Agent", "plexus-test");
    plx_request_set_header(req, "Authorization", "stale");
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, "us-east-1", "s3");
    o.time = SUITE_TIME;
    CHECK_INT(plx_sigv4_sign_request(s, &o, req), PLX_OK);
    CHECK_STR(plx_request_header(req, "host"), "127.0.0.1:4569");
    CHECK_STR(plx_request_header(req, "x-amz-date"), "20150830T123600Z");
    CHECK_STR(plx_request_header(req, "x-amz-security-token"), "tok/en+=");
    CHECK_STR(plx_request_header(req, "x-amz-content-sha256"),
              "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    const char *auth = plx_request_header(req, "authorization");
    CHECK_CONTAINS(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/"
                         "aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;"
                         "x-amz-date;x-amz-security-token, Signature=");
    /* signing again (a retry) replaces, never duplicates */
    CHECK_INT(plx_sigv4_sign_request(s, &o, req), PLX_OK);
    size_t n = 0;
    for (size_t i = 0; i < plx_request_header_count(req); i++) {
        const char *name, *value;
        plx_request_header_at(req, i, &name, &value);
        n += strcasecmp(name, "authorization") == 0 || strcasecmp(name, "x-amz-date") == 0;
    }
    CHECK_INT(n, 2);
    plx_request_free(req);
    plx_sigv4_signer_free(s);
}

static void test_unsigned_payload_and_given_hash(void)
{
    plx_sigv4_signer *s = suite_signer(NULL);
    plx_request *req = NULL;
    plx_request_create("POST", "https://comprehend.us-east-1.amazonaws.com/", &req);
    plx_request_set_body(req, "{}", 2);
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, "us-east-1", "comprehend");
    o.time = SUITE_TIME;
    o.unsigned_payload = true;
    CHECK_INT(plx_sigv4_sign_request(s, &o, req), PLX_OK);
    CHECK_STR(plx_request_header(req, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
    CHECK(plx_request_header(req, "x-amz-security-token") == NULL);
    CHECK_CONTAINS(plx_request_header(req, "authorization"), "/comprehend/aws4_request");
    plx_request_free(req);
    plx_sigv4_signer_free(s);
}

/* The derived key is cached per scope: a second region or day is right too. */
static void test_key_cache(void)
{
    plx_sigv4_signer *s = suite_signer(NULL), *fresh = NULL;
    const char *regions[] = {"us-east-1", "eu-west-1", "ap-south-1", "us-west-2",
                             "sa-east-1", "us-east-1"};
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < PLX_ARRAY_LEN(regions); i++) {
            plx_sigv4_options o;
            plx_sigv4_options_init(&o, regions[i], "service");
            o.time = SUITE_TIME + (int64_t)round * 86400;
            char *a = NULL, *b = NULL;
            CHECK_INT(plx_sigv4_presign_url(s, &o, "GET", "https://example.amazonaws.com/x",
                                            &a), PLX_OK);
            CHECK_INT(plx_sigv4_signer_new(SUITE_KEY, SUITE_SECRET, NULL, &fresh), PLX_OK);
            CHECK_INT(plx_sigv4_presign_url(fresh, &o, "GET",
                                            "https://example.amazonaws.com/x", &b), PLX_OK);
            CHECK_STR(a, b);
            plx_sigv4_signer_free(fresh);
            plx_free(a);
            plx_free(b);
        }
    }
    plx_sigv4_signer_free(s);
}

static void test_presign_url(void)
{
    plx_sigv4_signer *s = suite_signer("session");
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, "us-east-1", "s3");
    o.time = SUITE_TIME;
    o.expires = 86400;
    char *url = NULL;
    CHECK_INT(plx_sigv4_presign_url(s, &o, "GET",
                                    "http://127.0.0.1:4569/testbucket/k%2B1?versionId=3",
                                    &url), PLX_OK);
    CHECK_CONTAINS(url, "http://127.0.0.1:4569/testbucket/k%2B1?versionId=3&X-Amz-Algorithm="
                        "AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1"
                        "%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=86400"
                        "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=session"
                        "&X-Amz-Signature=");
    plx_free(url);
    o.expires = PLX_SIGV4_MAX_EXPIRES + 1;
    CHECK_INT(plx_sigv4_presign_url(s, &o, "GET", "http://127.0.0.1/x", &url), PLX_EINVAL);
    CHECK(url == NULL);
    plx_sigv4_options_init(&o, NULL, "s3");
    CHECK_INT(plx_sigv4_presign_url(s, &o, "GET", "http://127.0.0.1/x", &url), PLX_EAUTH);
    plx_sigv4_signer_free(s);
}

static void test_header_values(void)
{
    plx_headers h = {0};
    plx_headers_add(&h, "X-B", "  a \t  b  ");
    plx_headers_add(&h, "x-a", "1");
    plx_headers_add(&h, "X-A", " 2 ");
    plx_headers_add(&h, "User-Agent", "skip me");
    plx_headers_add(&h, "Expect", "100-continue");
    plx_buf b = {0}, names = {0};
    CHECK_INT(plx_sigv4_canonical_headers(&b, &names, &h), PLX_OK);
    CHECK_STR(b.data, "x-a:1,2\nx-b:a b\n");
    CHECK_STR(names.data, "x-a;x-b");
    plx_buf_free(&b);
    plx_buf_free(&names);
    plx_headers_free(&h);
}

/* The prepared-key HMAC and incremental SHA-256 agree with the one-shot
 * ones for every key length class (empty, short, a block, longer). */
static void test_crypto(void)
{
    unsigned char key[100], a[PLX_SHA256_LEN], b[PLX_SHA256_LEN];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (unsigned char)(i * 7 + 1);
    const char *msg = "AWS4-HMAC-SHA256\n20150830T123600Z\nscope\nhash";
    size_t lens[] = {0, 1, 32, 63, 64, 65, 100};
    for (size_t i = 0; i < PLX_ARRAY_LEN(lens); i++) {
        plx_hmac_sha256_key k;
        plx_hmac_sha256_key_init(&k, key, lens[i]);
        plx_hmac_sha256_keyed(&k, msg, strlen(msg), a);
        plx_hmac_sha256(key, lens[i], msg, strlen(msg), b);
        CHECK(memcmp(a, b, sizeof a) == 0);
        plx_hmac_sha256_key_wipe(&k);
    }
    plx_sha256_ctx c;
    plx_sha256_init(&c);
    plx_sha256_update(&c, msg, 10);
    plx_sha256_update(&c, msg + 10, strlen(msg) - 10);
    plx_sha256_finish(&c, a);
    plx_sha256(msg, strlen(msg), b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    plx_buf d = {0};
    CHECK_INT(plx_base64_decode(&d, "aGVsbG8gd29ybGQ=", 16), PLX_OK);
    CHECK_STR(d.data, "hello world");
    plx_buf_reset(&d);
    CHECK_INT(plx_base64_decode(&d, "", 0), PLX_OK);
    CHECK_INT((int)d.len, 0);
    CHECK_INT(plx_base64_decode(&d, "a$==", 4), PLX_EINVAL);
    CHECK_INT(plx_base64_decode(&d, "ab=c", 4), PLX_EINVAL);
    plx_buf_free(&d);
}

/* A payload hash the caller set is what gets signed. */
static void test_given_payload_hash(void)
{
    plx_sigv4_signer *s = suite_signer(NULL);
    plx_request *req = NULL;
    plx_request_create("PUT", "https://bucket.s3.amazonaws.com/big", &req);
    plx_request_set_header(req, "x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, "us-east-1", "s3");
    o.time = SUITE_TIME;
    CHECK_INT(plx_sigv4_sign_request(s, &o, req), PLX_OK);
    CHECK_STR(plx_request_header(req, "x-amz-content-sha256"),
              "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    plx_request_free(req);
    plx_sigv4_signer_free(s);
}

/* One signer shared by threads that sign for different scopes at once (the
 * key cache is shared): every signature equals a fresh signer's. */
typedef struct worker {
    plx_sigv4_signer *shared;
    int index;
    int bad;
} worker;

static void *sign_many(void *arg)
{
    worker *w = arg;
    const char *regions[] = {"us-east-1", "eu-west-1", "ap-south-1", "us-west-2", "sa-east-1"};
    plx_sigv4_signer *fresh = NULL;
    plx_sigv4_signer_new(SUITE_KEY, SUITE_SECRET, NULL, &fresh);
    for (int i = 0; i < 300; i++) {
        plx_sigv4_options o;
        plx_sigv4_options_init(&o, regions[(i + w->index) % 5], i % 2 ? "s3" : "kinesis");
        o.time = SUITE_TIME + (int64_t)(i % 3) * 86400;
        char *a = NULL, *b = NULL;
        plx_sigv4_presign_url(w->shared, &o, "GET", "https://example.amazonaws.com/k", &a);
        plx_sigv4_presign_url(fresh, &o, "GET", "https://example.amazonaws.com/k", &b);
        w->bad += !a || !b || strcmp(a, b) != 0;
        plx_free(a);
        plx_free(b);
    }
    plx_sigv4_signer_free(fresh);
    return NULL;
}

static void test_threads(void)
{
    plx_sigv4_signer *s = suite_signer(NULL);
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){s, i, 0};
        pthread_create(&t[i], NULL, sign_many, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(w[i].bad, 0);
    }
    plx_sigv4_signer_free(s);
}

static void setup(void)
{
    const char *env = getenv("PLEXUS_PEERS");
    const char *root = getenv("PLX_SOURCE_ROOT");
    if (env && *env)
        snprintf(peers, sizeof peers, "%s", env);
    else
        snprintf(peers, sizeof peers, "%s/../shared/peers", root ? root : ".");
}

static void test_suites(void)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/sigv4-suite", peers);
    if (!is_dir(dir)) {
        printf("# SKIP suites: no %s (set PLEXUS_PEERS)\n", dir);
        return;
    }
    test_classic_suite();
    snprintf(dir, sizeof dir, "%s/sigv4-suite-crt/v4", peers);
    if (is_dir(dir))
        test_crt_suite();
    else
        printf("# SKIP aws-c-auth suite: no %s\n", dir);
}

static void run_all(void)
{
    setup();
}

TEST_MAIN(run_all, test_suites, test_paths, test_query, test_split_url,
          test_scope_from_host, test_sign_request_s3, test_unsigned_payload_and_given_hash,
          test_key_cache, test_presign_url, test_header_values, test_crypto,
          test_given_payload_hash, test_threads)
