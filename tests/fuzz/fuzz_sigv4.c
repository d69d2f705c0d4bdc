/* libFuzzer target for the SigV4 signer and the aws kind's error reader.
 * Input: byte 0 holds flags (bit 0: S3 rules, 1: unsigned payload, 2:
 * presign, 3: session token, 4: omit the token from the signature); then
 * lines: method, URL, "Name: value" headers up to an empty line, the body.
 * Every canonical form is computed, the request is signed or presigned,
 * the URL's host guessed as an AWS scope, and the body read as an AWS error
 * reply. Nothing may crash, leak or produce a malformed Authorization. */
#include "auth/sigv4.h"
#include "providers/aws.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static plx_sigv4_signer *signer(bool token)
{
    static plx_sigv4_signer *plain, *with_token;
    plx_sigv4_signer **s = token ? &with_token : &plain;
    if (!*s && plx_sigv4_signer_new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                    token ? "token/+=" : NULL, s) != PLX_OK)
        abort();
    return *s;
}

/* The next line of [*p, end) as a NUL-terminated copy (free it). */
static char *next_line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    char *line = plx_strndup(*p, (size_t)(stop - *p));
    *p = nl ? nl + 1 : end;
    return line;
}

static void canonical_forms(const char *url)
{
    plx_buf b = {0};
    size_t n = strlen(url);
    plx_sigv4_canonical_path(&b, url, n, true, true);
    plx_sigv4_canonical_path(&b, url, n, false, false);
    plx_sigv4_canonical_path(&b, url, n, true, false);
    plx_sigv4_canonical_query(&b, url, n);
    plx_buf_free(&b);
    char region[64], service[64];
    plx_sigv4_scope_from_host(url, region, sizeof region, service, sizeof service);
}

static void sign(uint8_t flags, plx_request *req)
{
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, "us-east-1", flags & 1 ? "s3" : "service");
    o.time = 1440938160;
    o.unsigned_payload = flags & 2;
    o.omit_session_token = flags & 16;
    plx_sigv4_signer *s = signer(flags & 8);
    if (flags & 4) {
        plx_sigv4_presign_request(s, &o, req);
        return;
    }
    if (plx_sigv4_sign_request(s, &o, req) != PLX_OK)
        return;
    const char *auth = plx_request_header(req, "authorization");
    if (!auth || strncmp(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/", 48) != 0)
        abort();
}

static void read_error(const plx_request *req, const char *body, size_t len)
{
    plx_response *resp = NULL;
    if (plx_response_create(req, &resp) != PLX_OK)
        return;
    const char *type = plx_request_header(req, "x-amzn-errortype");
    if (type)
        plx_response_add_header(resp, "x-amzn-ErrorType", type);
    plx_response_append_body(resp, body, len);
    plx_reply r = {.resp = resp};
    plx_aws_parse_error(resp, &r);
    if (!memchr(r.service_code, '\0', sizeof r.service_code) ||
        !memchr(r.service_message, '\0', sizeof r.service_message))
        abort();
    plx_response_free(resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    char *method = next_line(&p, end), *url = next_line(&p, end);
    canonical_forms(url);
    plx_request *req = NULL;
    if (plx_request_create(method, url, &req) == PLX_OK) {
        while (p < end) {
            char *line = next_line(&p, end), *colon = strchr(line, ':');
            bool blank = !*line;
            if (colon) {
                *colon = '\0';
                plx_request_set_header(req, line, colon + 1);
            }
            free(line);
            if (blank)
                break;
        }
        plx_request_set_body(req, p, (size_t)(end - p));
        read_error(req, p, (size_t)(end - p));
        sign(flags, req);
        plx_request_free(req);
    }
    free(method);
    free(url);
    return 0;
}
