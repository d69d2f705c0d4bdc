/* Shared by the LLM kinds: config state, API keys, requests, replies. */
#include "llm.h"
#include "../auth/auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXCERPT_MAX 300

/* ---- config ---- */

void plx_llm_release(void *state)
{
    plx_llm_config *c = state;
    if (!c)
        return;
    free(c->model);
    free(c->embed_model);
    free(c->deployment);
    free(c->embed_deployment);
    free(c->api_version);
    free(c->api);
    free(c);
}

/* Copies the string at key (if present) into *field. */
static plx_status read_string(const plx_cfg *cfg, const cJSON *config, const char *key,
                              char **field)
{
    const char *value = NULL;
    plx_status st = plx_cfg_string(cfg, config, key, &value);
    if (st != PLX_OK || !value)
        return st;
    if (!*value)
        return plx_cfg_fail(cfg, key, "expected a non-empty string");
    *field = plx_strdup(value);
    return *field ? PLX_OK : PLX_ENOMEM;
}

plx_status plx_llm_read_config(const plx_cfg *cfg, const cJSON *config, plx_llm_config **out)
{
    plx_llm_config *c = calloc(1, sizeof *c);
    if (!c)
        return PLX_ENOMEM;
    plx_status st = read_string(cfg, config, "model", &c->model);
    if (st == PLX_OK)
        st = read_string(cfg, config, "embed_model", &c->embed_model);
    if (st == PLX_OK)
        st = read_string(cfg, config, "deployment", &c->deployment);
    if (st == PLX_OK)
        st = read_string(cfg, config, "embed_deployment", &c->embed_deployment);
    if (st == PLX_OK)
        st = read_string(cfg, config, "api_version", &c->api_version);
    if (st == PLX_OK)
        st = read_string(cfg, config, "api", &c->api);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, config, "max_tokens", 1, INT32_MAX, &c->max_tokens);
    if (st != PLX_OK) {
        plx_llm_release(c);
        return st;
    }
    *out = c;
    return PLX_OK;
}

plx_status plx_llm_default_base_url(plx_provider *p, const char *default_url)
{
    if (p->base_url)
        return PLX_OK;
    p->base_url = plx_strdup(default_url);
    return p->base_url ? PLX_OK : PLX_ENOMEM;
}

bool plx_llm_host_is(const plx_provider *p, const char *host)
{
    char origin[256];
    if (!p->base_url)
        return false;
    plx_url_origin(p->base_url, origin, sizeof origin);
    const char *h = strstr(origin, "://");
    if (!h)
        return false;
    h += 3;
    size_t len = strcspn(h, ":/");
    size_t want = strlen(host);
    if (host[0] == '.')
        return len > want && strncasecmp(h + len - want, host, want) == 0;
    return len == want && strncasecmp(h, host, want) == 0;
}

/* Makes the header auth scheme for secret (wiped afterwards). */
static plx_status install_key(plx_provider *p, const plx_cfg *cfg, const plx_llm_key *key,
                              char *secret)
{
    char path[256];
    plx_cfg_subpath(cfg, "api_key", path, sizeof path);
    plx_cfg sub = {cfg->ctx, path};
    cJSON *auth = cJSON_CreateObject();
    cJSON *value = cJSON_AddStringToObject(auth, "value", secret);
    plx_status st = PLX_ENOMEM;
    if (value && cJSON_AddStringToObject(auth, "type", "header") &&
        cJSON_AddStringToObject(auth, "name", key->header) &&
        cJSON_AddStringToObject(auth, "prefix", key->prefix))
        st = plx_auth_from_config(p->ctx, &sub, auth, &p->auth);
    if (value)
        explicit_bzero(value->valuestring, strlen(value->valuestring));
    cJSON_Delete(auth);
    plx_secret_free(secret);
    return st;
}

plx_status plx_llm_api_key(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                           const plx_llm_key *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(config, "api_key");
    if (cJSON_GetObjectItemCaseSensitive(config, "auth"))
        return item ? plx_cfg_fail(cfg, "api_key", "give api_key or auth, not both")
                    : PLX_OK;
    if (!item && plx_headers_get(&p->headers, key->header))
        return PLX_OK; /* the key is in "headers" */
    cJSON *env_source = NULL;
    if (!item) {
        const char *env = key->default_env ? getenv(key->default_env) : NULL;
        if ((!env || !*env) && key->required)
            return plx_cfg_fail(cfg, "api_key", "missing: give api_key (a string, {\"env\": "
                                "NAME} or {\"file\": PATH}) or auth%s%s", key->default_env
                                ? ", or set the environment variable " : "",
                                key->default_env ? key->default_env : "");
        if (!env || !*env)
            return PLX_OK;
        env_source = cJSON_CreateObject();
        cJSON *ref = cJSON_AddObjectToObject(env_source, "api_key");
        if (!ref || !cJSON_AddStringToObject(ref, "env", key->default_env)) {
            cJSON_Delete(env_source);
            return PLX_ENOMEM;
        }
    }
    char *secret = NULL;
    plx_status st = plx_secret_read(p->ctx, cfg, env_source ? env_source : config, "api_key",
                                    &secret);
    cJSON_Delete(env_source);
    if (st == PLX_OK && !plx_header_value_valid(secret)) {
        plx_secret_free(secret);
        return plx_cfg_fail(cfg, "api_key", "contains CR, LF or control bytes");
    }
    if (st != PLX_OK)
        return st;
    return install_key(p, cfg, key, secret);
}

/* ---- requests (the checks are in llm_check.c) ---- */

const char *plx_llm_str(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

plx_status plx_llm_model(const plx_provider *p, const cJSON *request, const char *fallback,
                         const char **out)
{
    const char *model = plx_llm_str(request, "model");
    *out = model ? model : fallback;
    if (*out)
        return PLX_OK;
    return plx_fail(p->ctx, PLX_EINVAL, "request.model: missing, and provider '%s' has no "
                    "\"model\" key", p->name);
}

plx_status plx_llm_no_op(const plx_provider *p, const char *op, const char *ops)
{
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind '%s' has no op '%s' (ops: %s)",
                    p->kind->name, op, ops);
}

bool plx_llm_is_chat(const char *op)
{
    return strcmp(op, "chat") == 0 || strcmp(op, "chat_stream") == 0;
}

plx_status plx_llm_post(const plx_provider *p, const char *path, plx_jw *body, bool stream,
                        plx_request **out)
{
    *out = NULL;
    char *data = plx_jw_finish(body);
    if (!data)
        return PLX_ENOMEM;
    plx_request *req = NULL;
    plx_status st = plx_provider_request(p, "POST", path, &req);
    if (st != PLX_OK) {
        plx_free(data);
        return st;
    }
    plx_request_take_body(req, data, strlen(data));
    st = plx_request_set_header(req, "Content-Type", "application/json");
    if (st == PLX_OK && stream)
        st = plx_request_set_header(req, "Accept", "text/event-stream");
    if (st != PLX_OK) {
        plx_request_free(req);
        return st;
    }
    *out = req;
    return PLX_OK;
}

void plx_llm_jw_json(plx_jw *w, const char *key, const cJSON *item)
{
    char *text = plx_json_print(item);
    if (!text) {
        w->status = PLX_ENOMEM;
        return;
    }
    plx_jw_raw(w, key, text, strlen(text));
    free(text);
}

/* ---- replies ---- */

plx_status plx_llm_proto(const plx_provider *p, const char *what, const char *path_fmt, ...)
{
    char path[160];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    return plx_fail(p->ctx, PLX_EPROTOCOL, "%s: %s", path, what);
}

plx_status plx_llm_reply_json(const plx_provider *p, const plx_reply *r, cJSON **out)
{
    size_t len = 0;
    const char *body = plx_response_body(r->resp, &len);
    *out = len ? plx_json_parse_exact(body, len) : NULL;
    if (*out)
        return PLX_OK;
    char excerpt[EXCERPT_MAX + 8];
    plx_excerpt(body, len, 80, excerpt, sizeof excerpt);
    return plx_fail(p->ctx, PLX_EPROTOCOL, "reply: expected JSON, got %s'%s'",
                    len ? "" : "an empty body ", excerpt);
}

/* The first usable message of a FastAPI-style "detail" (string or list). */
static const cJSON *detail_message(const cJSON *detail)
{
    if (cJSON_IsString(detail))
        return detail;
    const cJSON *first = cJSON_IsArray(detail) ? detail->child : NULL;
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(first, "msg");
    return cJSON_IsString(msg) ? msg : NULL;
}

/* Copies s into dst, one line, secrets redacted (a service may echo them). */
static void copy_text(const plx_provider *p, const char *s, char *dst, size_t cap)
{
    char line[EXCERPT_MAX + 8];
    plx_excerpt(s, strlen(s), EXCERPT_MAX, line, sizeof line);
    plx_redact(p->ctx, line, dst, cap);
}

static void error_fields(const plx_provider *p, const cJSON *body, char *message,
                         size_t message_cap, char *code, size_t code_cap)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(body, "error");
    if (cJSON_IsArray(err)) /* {"error": ["...", ...]} */
        err = err->child;
    const cJSON *src = cJSON_IsObject(err) ? err : body;
    const cJSON *msg = cJSON_IsString(err) ? err
                                           : cJSON_GetObjectItemCaseSensitive(src, "message");
    if (!cJSON_IsString(msg))
        msg = detail_message(cJSON_GetObjectItemCaseSensitive(body, "detail"));
    if (cJSON_IsString(msg))
        copy_text(p, msg->valuestring, message, message_cap);
    const char *c = plx_llm_str(src, "code");
    const char *type = plx_llm_str(src, "type");
    if (!c && type && strcmp(type, "error") != 0 && (src != body || cJSON_IsString(msg)))
        c = type;
    if (!c)
        c = plx_llm_str(body, "error_type");
    if (c)
        copy_text(p, c, code, code_cap);
}

void plx_llm_service_error(const plx_provider *p, plx_reply *r)
{
    size_t len = 0;
    const char *body = plx_response_body(r->resp, &len);
    cJSON *json = len ? plx_json_parse_exact(body, len) : NULL;
    if (json)
        error_fields(p, json, r->service_message, sizeof r->service_message, r->service_code,
                     sizeof r->service_code);
    cJSON_Delete(json);
    if (!r->service_message[0] && len) {
        char excerpt[EXCERPT_MAX + 8];
        plx_excerpt(body, len, EXCERPT_MAX, excerpt, sizeof excerpt);
        plx_redact(p->ctx, excerpt, r->service_message, sizeof r->service_message);
    }
}

plx_status plx_llm_error_instead(const plx_provider *p, plx_reply *r, const cJSON *body)
{
    error_fields(p, body, r->service_message, sizeof r->service_message, r->service_code,
                 sizeof r->service_code);
    return plx_fail(p->ctx, PLX_EPROTOCOL, "reply: the service sent an error instead of a "
                    "result");
}

static plx_status error_status(const char *code)
{
    if (strstr(code, "rate_limit") || strstr(code, "quota"))
        return PLX_ERATELIMIT;
    if (strstr(code, "authentication") || strstr(code, "permission") ||
        strstr(code, "invalid_api_key"))
        return PLX_EAUTH;
    return PLX_EHTTP;
}

plx_status plx_llm_stream_error(const plx_provider *p, plx_stream *s, const cJSON *body)
{
    char message[512] = "", code[96] = "";
    error_fields(p, body, message, sizeof message, code, sizeof code);
    plx_stream_fail(s, error_status(code), code,
                    message[0] ? message : "an error event without a message");
    return PLX_OK;
}

plx_status plx_llm_event_json(const plx_provider *p, const char *data, size_t len,
                              cJSON **out)
{
    *out = len ? plx_json_parse_exact(data, len) : NULL;
    if (cJSON_IsObject(*out))
        return PLX_OK;
    cJSON_Delete(*out);
    *out = NULL;
    char excerpt[96];
    plx_excerpt(data, len, 60, excerpt, sizeof excerpt);
    return plx_fail(p->ctx, PLX_EPROTOCOL, "stream: expected a JSON object in each event, "
                    "got '%s'", excerpt);
}

void plx_llm_usage_model(plx_reply *r, const char *model)
{
    if (model)
        snprintf(r->usage.model, sizeof r->usage.model, "%s", model);
}

bool plx_llm_count(const cJSON *item, int64_t *out)
{
    if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > 1e15)
        return false;
    *out = (int64_t)item->valuedouble;
    return true;
}

void plx_llm_write_tool_call_object(plx_jw *w, const char *id, const char *name,
                                    const cJSON *arguments)
{
    plx_jw_begin(w, NULL);
    plx_jw_string(w, "id", id, strlen(id));
    plx_jw_string(w, "name", name, strlen(name));
    if (cJSON_IsObject(arguments))
        plx_llm_jw_json(w, "arguments", arguments);
    else
        plx_jw_raw(w, "arguments", "{}", 2);
    plx_jw_end(w);
}

void plx_llm_write_tool_call(plx_jw *w, const char *id, const char *name,
                             const char *args_json, size_t len)
{
    size_t blank = 0;
    while (blank < len && (args_json[blank] == ' ' || args_json[blank] == '\t' ||
                           args_json[blank] == '\r' || args_json[blank] == '\n'))
        blank++;
    cJSON *args = blank < len ? plx_json_parse_exact(args_json, len) : NULL;
    bool invalid = blank < len && !cJSON_IsObject(args);
    if (!invalid) {
        plx_llm_write_tool_call_object(w, id, name, args);
    } else { /* the model wrote something that is not an object */
        plx_jw_begin(w, NULL);
        plx_jw_string(w, "id", id, strlen(id));
        plx_jw_string(w, "name", name, strlen(name));
        plx_jw_raw(w, "arguments", "{}", 2);
        plx_jw_string(w, "arguments_text", args_json, len);
        plx_jw_end(w);
    }
    cJSON_Delete(args);
}

/* Which content block is the tool call being streamed (the stream's kind
 * state). */
typedef struct tool_blocks {
    int tools;   /* tool blocks so far */
    int block;   /* index of the current tool block, -1: none */
} tool_blocks;

static tool_blocks *blocks_of(plx_stream *s)
{
    void **slot = plx_stream_kind_state(s);
    if (!*slot) {
        tool_blocks *b = malloc(sizeof *b);
        if (b)
            *b = (tool_blocks){0, -1};
        *slot = b;
    }
    return *slot;
}

int plx_llm_block_index(const cJSON *json, const char *key)
{
    const cJSON *index = cJSON_GetObjectItemCaseSensitive(json, key);
    return cJSON_IsNumber(index) && index->valuedouble >= 0 && index->valuedouble < 1e6
               ? (int)index->valuedouble : -1;
}

plx_status plx_llm_stream_tool_start(plx_stream *s, int block, const char *id,
                                     const char *name)
{
    tool_blocks *b = blocks_of(s);
    if (!b)
        return PLX_ENOMEM;
    b->block = block;
    return plx_stream_tool_call(s, b->tools++, id, name, "", 0);
}

plx_status plx_llm_stream_tool_delta(plx_stream *s, int block, const char *arguments,
                                     size_t len)
{
    tool_blocks *b = blocks_of(s);
    if (!b)
        return PLX_ENOMEM;
    if (b->block < 0 || b->block != block)
        return PLX_OK; /* a delta of no tool block */
    return plx_stream_tool_call(s, b->tools - 1, NULL, NULL, arguments, len);
}
