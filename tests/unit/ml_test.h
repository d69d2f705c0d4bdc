/* For the ML kinds' unit tests: run a kind's build and parse
 * directly (they are pure functions) and look at what they produce. */
#ifndef PLX_TEST_ML_H
#define PLX_TEST_ML_H

#include "providers/providers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static plx_ctx *ml_ctx;

/* A provider of kind with config (the ctx is made on first use). */
static plx_provider *ml_provider(const char *kind, const char *config)
{
    if (!ml_ctx && plx_ctx_new(&ml_ctx, "{\"log_level\":\"none\"}") != PLX_OK)
        return NULL;
    plx_provider *p = NULL;
    if (plx_provider_new(ml_ctx, kind, config, &p) != PLX_OK)
        fprintf(stderr, "plx_provider_new(%s): %s\n", kind, plx_errmsg(ml_ctx));
    return p;
}

/* Runs the kind's build for op on request_json. */
static plx_status ml_build(plx_provider *p, const char *op, const char *request_json,
                           plx_request **out)
{
    *out = NULL;
    cJSON *request = cJSON_Parse(request_json);
    if (!request) {
        fprintf(stderr, "bad test JSON: %s\n", request_json);
        return PLX_EINTERNAL;
    }
    plx_status st = p->kind->build(p, op, request, out);
    cJSON_Delete(request);
    return st;
}

/* The request body as a string (static buffer). */
static const char *ml_body(const plx_request *req)
{
    static char text[8192];
    size_t len = 0;
    const char *body = req ? plx_request_body(req, &len) : NULL;
    snprintf(text, sizeof text, "%.*s", (int)len, body ? body : "");
    return text;
}

/* Runs the kind's parse on a reply to req; *out gets the result object's
 * members as a JSON object (free with plx_free). */
static plx_status ml_parse(plx_provider *p, const char *op, const plx_request *req, int status,
                           const char *content_type, const char *body, char **out,
                           plx_reply *reply)
{
    plx_response *resp = NULL;
    plx_response_create(req, &resp);
    plx_response_set_status(resp, status);
    if (content_type)
        plx_response_add_header(resp, "Content-Type", content_type);
    if (body)
        plx_response_append_body(resp, body, strlen(body));
    plx_jw w = {0};
    plx_reply r = {.resp = resp, .req = req, .failed = status >= 300, .out = &w};
    plx_jw_begin(&w, NULL);
    plx_status st = p->kind->parse(p, op, &r);
    plx_jw_end(&w);
    *out = plx_jw_finish(&w);
    if (reply)
        *reply = r;
    plx_response_free(resp);
    return st;
}

/* Builds op's request and parses a 200 JSON reply to it. */
static plx_status ml_roundtrip(plx_provider *p, const char *op, const char *request_json,
                               const char *reply_body, char **out)
{
    plx_request *req = NULL;
    *out = NULL;
    plx_status st = ml_build(p, op, request_json, &req);
    if (st == PLX_OK)
        st = ml_parse(p, op, req, 200, "application/json", reply_body, out, NULL);
    plx_request_free(req);
    return st;
}

static void ml_done(void)
{
    plx_ctx_free(ml_ctx);
    ml_ctx = NULL;
}

#endif
