/* Signs requests read from stdin, one JSON object a line, and prints the
 * Authorization header of each (or "ERROR <status>"), for the differential
 * test against botocore (tests/integration/sigv4_botocore.py):
 *   {"method", "url", "headers": [[name, value]...], "body_b64", "region",
 *    "service", "time": epoch seconds, "token"?, "unsigned_payload"?} */
#include "auth/sigv4.h"
#include "crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static plx_status sign_one(const cJSON *in, plx_request **req)
{
    plx_status st = plx_request_create(str(in, "method"), str(in, "url"), req);
    if (st != PLX_OK)
        return st;
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(in, "headers")) {
        if (st == PLX_OK)
            st = plx_headers_add(&(*req)->headers, cJSON_GetArrayItem(h, 0)->valuestring,
                                 cJSON_GetArrayItem(h, 1)->valuestring);
    }
    const char *b64 = str(in, "body_b64");
    plx_buf body = {0};
    if (st == PLX_OK && b64 && *b64)
        st = plx_base64_decode(&body, b64, strlen(b64));
    if (st == PLX_OK && body.len)
        st = plx_request_set_body(*req, body.data, body.len);
    plx_buf_free(&body);
    plx_sigv4_signer *s = NULL;
    if (st == PLX_OK)
        st = plx_sigv4_signer_new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                  str(in, "token"), &s);
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, str(in, "region"), str(in, "service"));
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(in, "time");
    o.time = cJSON_IsNumber(t) ? (int64_t)t->valuedouble : 0;
    o.unsigned_payload = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "unsigned_payload"));
    if (st == PLX_OK)
        st = plx_sigv4_sign_request(s, &o, *req);
    plx_sigv4_signer_free(s);
    return st;
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        cJSON *in = cJSON_Parse(line);
        plx_request *req = NULL;
        plx_status st = in ? sign_one(in, &req) : PLX_EINVAL;
        if (st == PLX_OK)
            printf("%s\n", plx_request_header(req, "authorization"));
        else
            printf("ERROR %s\n", plx_status_name(st));
        fflush(stdout);
        plx_request_free(req);
        cJSON_Delete(in);
    }
    free(line);
    return 0;
}
