/* Support for the notify kinds' unit tests: run a kind's build and parse
 * directly (they are pure), and read what they produced. */
#ifndef PLX_TEST_NOTIFY_H
#define PLX_TEST_NOTIFY_H

#include "providers/alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_MIN "{\"title\":\"Cost spike\",\"text\":\"EC2 +200%\",\"severity\":\"critical\"," \
                  "\"source\":\"cost-optimizer\"}"
#define ALERT_FULL "{\"title\":\"Cost spike\",\"text\":\"EC2 spend <up> & rising\\nline 2\"," \
                   "\"severity\":\"error\",\"source\":\"cost-optimizer\"," \
                   "\"dedup_key\":\"cost-spike-ec2\",\"link\":\"https://example.com/c?id=1\"," \
                   "\"fields\":{\"account\":\"prod\",\"delta_usd\":1234.5,\"paged\":true}}"

static inline plx_ctx *quiet_ctx(void)
{
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, "{\"log_level\":\"none\"}") != PLX_OK)
        return NULL;
    return ctx;
}

/* A provider of kind from config, or NULL (the message goes to stderr). */
static inline plx_provider *provider(plx_ctx *ctx, const char *kind, const char *config)
{
    plx_provider *p = NULL;
    if (plx_provider_new(ctx, kind, config, &p) != PLX_OK)
        fprintf(stderr, "plx_provider_new(%s): %s\n", kind, plx_errmsg(ctx));
    return p;
}

/* kind->build for op on request JSON text. */
static inline plx_status build(plx_provider *p, const char *op, const char *request_json,
                        plx_request **out)
{
    *out = NULL;
    cJSON *request = cJSON_Parse(request_json);
    if (!request)
        return PLX_EINVAL;
    plx_status st = p->kind->build(p, op, request, out);
    cJSON_Delete(request);
    return st;
}

/* The request's body parsed as JSON (cJSON_Delete it). */
static inline cJSON *body_json(const plx_request *req)
{
    size_t len = 0;
    const char *body = plx_request_body(req, &len);
    return body ? cJSON_ParseWithLength(body, len) : NULL;
}

/* The request's body as a string (free it). */
static inline char *body_text(const plx_request *req)
{
    size_t len = 0;
    const char *body = plx_request_body(req, &len);
    char *s = malloc(len + 1);
    memcpy(s, body ? body : "", len);
    s[len] = '\0';
    return s;
}

/* A JSON path lookup: "a.b.0.c" (numbers index arrays). */
static inline const cJSON *at(const cJSON *json, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *part = strtok_r(buf, ".", &save); part && json;
         part = strtok_r(NULL, ".", &save)) {
        char *end;
        long i = strtol(part, &end, 10);
        json = *end == '\0' && cJSON_IsArray(json) ? cJSON_GetArrayItem(json, (int)i)
                                                   : cJSON_GetObjectItemCaseSensitive(json, part);
    }
    return json;
}

static inline const char *at_str(const cJSON *json, const char *path)
{
    const cJSON *v = at(json, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* kind->parse of a reply (status, "Name: value\n" headers, body) to a
 * request built for op; the members it wrote, as a JSON object text (free
 * it), and its status in *st. */
static inline char *parse(plx_provider *p, const char *op, int status, const char *headers,
                   const char *body, plx_status *st)
{
    plx_request *req = NULL;
    plx_response *resp = NULL;
    plx_request_create("POST", "http://svc.test/x", &req);
    plx_response_create(req, &resp);
    plx_response_set_status(resp, status);
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", headers ? headers : "");
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            plx_response_add_header(resp, line, colon + 1 + (colon[1] == ' '));
        }
    }
    if (body)
        plx_response_append_body(resp, body, strlen(body));
    plx_jw w = {0};
    plx_reply r = {.resp = resp, .failed = status >= 300, .out = &w};
    plx_jw_begin(&w, NULL);
    *st = p->kind->parse(p, op, &r);
    if (r.service_code[0])
        plx_jw_string(&w, "service_code", r.service_code, strlen(r.service_code));
    if (r.service_message[0])
        plx_jw_string(&w, "service_message", r.service_message, strlen(r.service_message));
    plx_jw_end(&w);
    plx_response_free(resp);
    plx_request_free(req);
    return plx_jw_finish(&w);
}

#endif
