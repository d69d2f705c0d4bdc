/* libFuzzer target for the s3 kind's XML reader and reply parsers.
 * Input: byte 0 picks the path, byte 1 an HTTP status (from a table); the
 * rest is a reply body.
 *   0: plx_xml_parse, then a walk of the whole tree (names and texts must
 *      be NUL-terminated at their length, children within bounds);
 *   1: the ListObjectsV2 reader (its JSON must parse, and nothing may be
 *      written on failure);
 *   2: the CreateMultipartUpload reader; 3: the CompleteMultipartUpload one;
 *   4: list_objects, 5: get_object, 6: head_object through plx_call with an
 *      in-process transport answering with the body (errors included): the
 *      result must be a JSON object;
 *   7: plx_object_get streaming the body to a sink.
 * Nothing may crash, leak or produce invalid JSON. */
#include "providers/s3.h"
#include "providers/s3_xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *body;
static size_t body_len;
static int status;

static plx_status answer(const plx_request *req, plx_response *resp, void *ud)
{
    (void)req;
    (void)ud;
    plx_response_set_status(resp, status);
    plx_response_add_header(resp, "Content-Type", "application/xml");
    plx_response_add_header(resp, "ETag", "\"e\"");
    return plx_response_append_body(resp, body, body_len);
}

static plx_provider *provider(void)
{
    static plx_ctx *ctx;
    static plx_provider *p;
    if (p)
        return p;
    plx_transport_funcs *t = NULL;
    if (plx_ctx_new(&ctx, "{\"log_level\": \"none\"}") != PLX_OK ||
        plx_provider_new(ctx, "s3", "{\"endpoint_url\":\"http://fuzz.invalid\",\"bucket\":"
                         "\"bkt\",\"access_key_id\":\"AKIDFUZZ\",\"secret_access_key\":"
                         "\"fuzz-secret\",\"retry\":{\"max_attempts\":1},\"circuit\":"
                         "{\"failure_threshold\":0}}", &p) != PLX_OK ||
        plx_transport_funcs_new(&t) != PLX_OK ||
        plx_transport_funcs_set_send(t, answer, NULL, NULL) != PLX_OK ||
        plx_provider_set_transport(p, t) != PLX_OK)
        abort();
    plx_transport_funcs_unref(t);
    return p;
}

/* Every element once; the reader bounds the depth. */
static void walk(const plx_xml *x, int el, int depth)
{
    if (el < 0 || depth > PLX_XML_MAX_DEPTH)
        abort();
    size_t len = 0;
    const char *text = plx_xml_text(x, el, &len);
    if (strlen(text) > len || text[len] != '\0' || !*plx_xml_name(x, el))
        abort();
    for (int c = plx_xml_child(x, el, NULL); c >= 0; c = plx_xml_next(x, c, NULL))
        walk(x, c, depth + 1);
}

static void check_json(const char *json, bool object)
{
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    if (!v || (object && !cJSON_IsObject(v)))
        abort();
    cJSON_Delete(v);
}

static void readers(plx_provider *p, int mode)
{
    const char *b = (const char *)body;
    if (mode == 1) {
        plx_jw w = {0};
        plx_jw_begin(&w, NULL);
        plx_status st = plx_s3_write_list(p, &w, b, body_len);
        plx_jw_end(&w);
        char *json = plx_jw_finish(&w);
        check_json(json, true);
        if (st != PLX_OK && strcmp(json, "{}") != 0)
            abort();
        plx_free(json);
    } else if (mode == 2) {
        char *id = NULL;
        plx_status st = plx_s3_read_upload_id(p, b, body_len, &id);
        if ((st == PLX_OK) != (id != NULL))
            abort();
        plx_free(id);
    } else {
        char etag[64];
        plx_reply r = {0};
        plx_s3_read_complete(p, b, body_len, etag, sizeof etag, &r);
        if (strlen(etag) >= sizeof etag)
            abort();
    }
}

static int discard(const void *data, size_t len, void *ud)
{
    (void)data;
    *(size_t *)ud += len;
    return 0;
}

static void calls(plx_provider *p, int mode)
{
    static const char *const ops[] = {"list_objects", "get_object", "head_object"};
    char *out = NULL;
    if (mode == 7) {
        size_t got = 0;
        plx_object_get(p, "{\"key\":\"k\"}", discard, &got, &out);
        if (got > body_len)
            abort();
    } else {
        plx_call(p, ops[mode - 4], mode == 4 ? "{\"prefix\":\"a\"}" : "{\"key\":\"k\"}", &out);
    }
    check_json(out, true);
    plx_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {200, 206, 200, 403, 404, 412, 500, 503};
    if (size < 2)
        return 0;
    int mode = data[0] % 8;
    status = statuses[data[1] % 8];
    body = data + 2;
    body_len = size - 2;
    plx_provider *p = provider();
    if (mode == 0) {
        plx_xml *x = NULL;
        if (plx_xml_parse(NULL, "fuzz", (const char *)body, body_len, &x) == PLX_OK)
            walk(x, plx_xml_root(x), 1);
        plx_xml_free(x);
    } else if (mode <= 3) {
        readers(p, mode);
    } else {
        calls(p, mode);
    }
    return 0;
}
