/* Shared by the LLM kind tests: a kind's build, parse and stream_event
 * called directly, as the pure functions they are. */
#ifndef PLX_TEST_LLM_H
#define PLX_TEST_LLM_H

#include "../tap.h"
#include "providers/stream_internal.h"

#include <stdlib.h>
#include <string.h>

/* A provider of kind with config, in a quiet ctx of its own (*ctx). */
static inline plx_provider *llm_provider(plx_ctx **ctx, const char *kind, const char *config)
{
    plx_provider *p = NULL;
    *ctx = NULL;
    if (plx_ctx_new(ctx, "{\"log_level\": \"none\"}") != PLX_OK)
        return NULL;
    if (plx_provider_new(*ctx, kind, config, &p) != PLX_OK) {
        fprintf(stderr, "plx_provider_new(%s): %s\n", kind, plx_errmsg(*ctx));
        return NULL;
    }
    return p;
}

static inline void llm_free(plx_ctx *ctx, plx_provider *p)
{
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

/* The status of creating a provider (the message is in plx_errmsg). */
static inline plx_status llm_configure(const char *kind, const char *config)
{
    plx_ctx *ctx = NULL;
    plx_provider *p = NULL;
    plx_ctx_new(&ctx, "{\"log_level\": \"none\"}");
    plx_status st = plx_provider_new(ctx, kind, config, &p);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    return st;
}

/* A built request: status, URL, a header, and the body parsed. */
typedef struct llm_built {
    plx_status status;
    char url[512];
    char method[16];
    plx_request *req;
    cJSON *body;
} llm_built;

static inline llm_built llm_build(plx_provider *p, const char *op, const char *request_json)
{
    llm_built b = {0};
    cJSON *request = cJSON_Parse(request_json);
    if (!request) {
        fprintf(stderr, "bad test request: %s\n", request_json);
        b.status = PLX_EINTERNAL;
        return b;
    }
    b.status = p->kind->build(p, op, request, &b.req);
    cJSON_Delete(request);
    if (b.status != PLX_OK)
        return b;
    snprintf(b.url, sizeof b.url, "%s", plx_request_url(b.req));
    snprintf(b.method, sizeof b.method, "%s", plx_request_method(b.req));
    size_t len = 0;
    const char *body = plx_request_body(b.req, &len);
    b.body = cJSON_ParseWithLength(body, len);
    return b;
}

static inline const char *llm_header(const llm_built *b, const char *name)
{
    return b->req ? plx_request_header(b->req, name) : NULL;
}

static inline void llm_built_free(llm_built *b)
{
    plx_request_free(b->req);
    cJSON_Delete(b->body);
}

/* The body member at a path of keys and [indexes], e.g. "messages[1].content";
 * printed compactly into a static buffer ("(none)" when absent). */
static inline const char *llm_at(const cJSON *json, const char *path)
{
    static char out[4096];
    const cJSON *at = json;
    char key[128];
    while (at && *path) {
        if (*path == '[') {
            at = cJSON_GetArrayItem(at, atoi(path + 1));
            path = strchr(path, ']') + 1;
        } else {
            size_t n = strcspn(path, ".[");
            snprintf(key, sizeof key, "%.*s", (int)n, path);
            at = cJSON_GetObjectItemCaseSensitive(at, key);
            path += n;
        }
        if (*path == '.')
            path++;
    }
    if (!at)
        return "(none)";
    char *text = cJSON_PrintUnformatted(at);
    snprintf(out, sizeof out, "%s", text ? text : "(oom)");
    free(text);
    return out;
}

/* Runs the kind's parse on a reply; returns the members written (as a
 * JSON object) and the status in *st; r receives usage and service fields. */
static inline char *llm_parse_full(plx_provider *p, const char *op, int status, const char *body,
                            plx_status *st, plx_reply *r)
{
    plx_response *resp = NULL;
    plx_response_create(NULL, &resp);
    plx_response_set_status(resp, status);
    plx_response_add_header(resp, "Content-Type", "application/json");
    if (body)
        plx_response_append_body(resp, body, strlen(body));
    plx_jw w = {0};
    *r = (plx_reply){.resp = resp, .failed = status >= 300, .out = &w,
                     .usage = {.input_tokens = -1, .output_tokens = -1}};
    plx_jw_begin(&w, NULL);
    *st = p->kind->parse(p, op, r);
    plx_jw_end(&w);
    plx_response_free(resp);
    r->resp = NULL;
    r->out = NULL;
    return plx_jw_finish(&w);
}

static inline char *llm_parse(plx_provider *p, const char *op, int status, const char *body,
                       plx_status *st)
{
    plx_reply r;
    return llm_parse_full(p, op, status, body, st, &r);
}

/* A stream fed with events; text collects the deltas. */
typedef struct llm_stream {
    plx_stream s;
    plx_buf deltas;
    int delta_count;
    plx_status status;     /* the first failing stream_event */
} llm_stream;

static inline int llm_on_delta(const char *text, size_t len, void *ud)
{
    llm_stream *ls = ud;
    ls->delta_count++;
    plx_buf_append(&ls->deltas, text, len);
    return 0;
}

static inline void llm_stream_init(llm_stream *ls)
{
    memset(ls, 0, sizeof *ls);
    plx_stream_init(&ls->s, llm_on_delta, ls);
}

static inline void llm_event(plx_provider *p, llm_stream *ls, const char *event, const char *data)
{
    plx_status st = p->kind->stream_event(p, &ls->s, event, data, strlen(data));
    if (ls->status == PLX_OK)
        ls->status = st;
}

/* The accumulated result members, as a JSON object text (free it). */
static inline char *llm_stream_result(llm_stream *ls)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_stream_write_result(&ls->s, &w);
    plx_jw_end(&w);
    return plx_jw_finish(&w);
}

static inline void llm_stream_free(llm_stream *ls)
{
    plx_stream_cleanup(&ls->s);
    plx_buf_free(&ls->deltas);
}

#endif
