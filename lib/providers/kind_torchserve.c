/* Kind "torchserve": TorchServe's inference and management APIs. Ops:
 *   predict  POST /predictions/{m}[/{v}]: "raw" sent as given (JSON, text,
 *            or {"b64": ...} bytes), or {"instances": rows} as JSON
 *   health   GET  /ping
 *   models   GET  <management_url>/models[?limit=N&next_page_token=T]
 *   model    GET  <management_url>/models/{m}[/{v}]   (describe)
 * With token authorization (on by default since TorchServe 0.11) the keys
 * go as "Authorization: Bearer <key>": inference_key for predict and
 * health, management_key for models and model. A pure adapter. */
#include "ml.h"
#include "../crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ts_state {
    plx_ml_defaults d;
    char *management_url;         /* without a trailing '/' */
    char *inference_key;          /* secrets; may be NULL */
    char *management_key;
} ts_state;

static const char *const CONFIG_KEYS[] = {"model", "version", "management_url",
                                          "inference_key", "management_key", NULL};

static void ts_release(void *state)
{
    ts_state *s = state;
    if (!s)
        return;
    plx_ml_defaults_free(&s->d);
    free(s->management_url);
    plx_secret_free(s->inference_key);
    plx_secret_free(s->management_key);
    free(s);
}

static plx_status read_key(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                           const char *key, char **out)
{
    if (!cJSON_GetObjectItemCaseSensitive(config, key))
        return PLX_OK;
    return plx_secret_read(p->ctx, cfg, config, key, out);
}

static plx_status ts_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                               void **state)
{
    ts_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    *state = s;
    const char *url = NULL;
    plx_status st = plx_ml_defaults_read(cfg, config, &s->d);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, config, "management_url", &url);
    if (st == PLX_OK && url && !plx_url_is_http(url))
        st = plx_cfg_fail(cfg, "management_url", "expected an absolute http:// or https:// URL");
    if (st == PLX_OK && url) {
        size_t len = strlen(url);
        while (len && url[len - 1] == '/')
            len--;
        if (!(s->management_url = plx_strndup(url, len)))
            st = PLX_ENOMEM;
    }
    if (st == PLX_OK)
        st = read_key(p, cfg, config, "inference_key", &s->inference_key);
    if (st == PLX_OK)
        st = read_key(p, cfg, config, "management_key", &s->management_key);
    return st;
}

static plx_status check_keys(const plx_provider *p, const cJSON *request,
                             const char *const *keys)
{
    plx_cfg cfg = {p->ctx, "request"};
    return plx_cfg_check_keys(&cfg, request, keys) == PLX_OK ? PLX_OK : PLX_EINVAL;
}

/* A request with the key for its API; frees path. */
static plx_status keyed_request(const plx_provider *p, const char *method, plx_buf *path,
                                const char *key, plx_request **out)
{
    plx_status st = path->data ? plx_provider_request(p, method, path->data, out) : PLX_ENOMEM;
    plx_buf_free(path);
    if (st != PLX_OK || !key)
        return st;
    plx_buf header = {0};
    st = plx_buf_printf(&header, "Bearer %s", key);
    if (st == PLX_OK)
        st = plx_request_set_header(*out, "Authorization", header.data);
    plx_buf_free(&header);
    if (st == PLX_ENOMEM) {
        plx_request_free(*out);
        *out = NULL;
        return st;
    }
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
        return plx_fail(p->ctx, PLX_ECONFIG, "provider '%s': the TorchServe key contains "
                        "bytes a header cannot carry", p->name);
    }
    return PLX_OK;
}

/* path + "/{m}[/{v}]" */
static plx_status model_segments(const plx_provider *p, const cJSON *request, plx_buf *path)
{
    const ts_state *s = p->kind_state;
    const char *model, *version;
    char vbuf[64];
    plx_status st = plx_ml_model(p, request, &s->d, &model);
    if (st == PLX_OK)
        st = plx_ml_version(p, request, &s->d, vbuf, sizeof vbuf, &version);
    if (st == PLX_OK)
        st = plx_ml_append_segment(path, model);
    if (st == PLX_OK && version)
        st = plx_ml_append_segment(path, version);
    return st;
}

static plx_status instances_body(const cJSON *instances, plx_request *req)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_json_write_value(&w, "instances", instances);
    plx_jw_end(&w);
    return plx_ml_json_body(req, &w);
}

static plx_status build_predict(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"model", "version", "raw", "instances", "content_type",
                                       NULL};
    static const char *const input_keys[] = {"raw", "instances", NULL};
    const ts_state *s = p->kind_state;
    const cJSON *input, *type = cJSON_GetObjectItemCaseSensitive(request, "content_type");
    const char *which;
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = plx_ml_one_of(p, request, input_keys, &input, &which);
    if (st == PLX_OK && type && !cJSON_IsString(type))
        st = plx_fail(p->ctx, PLX_EINVAL, "request.content_type: expected a string");
    if (st == PLX_OK && strcmp(which, "instances") == 0 && !cJSON_IsArray(input))
        st = plx_fail(p->ctx, PLX_EINVAL, "request.instances: expected an array of rows");
    plx_buf path = {0};
    if (st == PLX_OK && (st = plx_buf_append_str(&path, "/predictions")) == PLX_OK)
        st = model_segments(p, request, &path);
    if (st != PLX_OK) {
        plx_buf_free(&path);
        return st;
    }
    st = keyed_request(p, "POST", &path, s->inference_key, out);
    if (st != PLX_OK)
        return st;
    st = strcmp(which, "raw") == 0 ? plx_ml_raw_body(p, input, type, *out)
                                   : instances_body(input, *out);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}

static plx_status management_path(const plx_provider *p, plx_buf *path)
{
    const ts_state *s = p->kind_state;
    if (!s->management_url)
        return plx_fail(p->ctx, PLX_EINVAL, "provider '%s' has no management_url (the "
                        "management API's address, e.g. http://host:8081)", p->name);
    return plx_buf_printf(path, "%s/models", s->management_url);
}

static plx_status build_models(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"limit", "next_page_token", NULL};
    plx_cfg cfg = {p->ctx, "request"};
    int64_t limit = 0;
    const char *token = NULL;
    plx_buf path = {0};
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK && (plx_cfg_int(&cfg, request, "limit", 1, 100000, &limit) != PLX_OK ||
                         plx_cfg_string(&cfg, request, "next_page_token", &token) != PLX_OK))
        st = PLX_EINVAL;
    if (st == PLX_OK)
        st = management_path(p, &path);
    if (st == PLX_OK && limit)
        st = plx_buf_printf(&path, "?limit=%lld", (long long)limit);
    if (st == PLX_OK && token && (st = plx_buf_append_str(&path, limit ? "&" : "?")) == PLX_OK &&
        (st = plx_buf_append_str(&path, "next_page_token=")) == PLX_OK)
        st = plx_url_encode(&path, token, strlen(token), false);
    if (st != PLX_OK) {
        plx_buf_free(&path);
        return st;
    }
    return keyed_request(p, "GET", &path, ((const ts_state *)p->kind_state)->management_key,
                         out);
}

static plx_status build_describe(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"model", "version", NULL};
    plx_buf path = {0};
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = management_path(p, &path);
    if (st == PLX_OK)
        st = model_segments(p, request, &path);
    if (st != PLX_OK) {
        plx_buf_free(&path);
        return st;
    }
    return keyed_request(p, "GET", &path, ((const ts_state *)p->kind_state)->management_key,
                         out);
}

static plx_status build_ping(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {NULL};
    plx_buf path = {0};
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = plx_buf_append_str(&path, "/ping");
    if (st != PLX_OK)
        return st;
    return keyed_request(p, "GET", &path, ((const ts_state *)p->kind_state)->inference_key, out);
}

static plx_status ts_build(const plx_provider *p, const char *op, const cJSON *request,
                           plx_request **out)
{
    if (strcmp(op, "predict") == 0)
        return build_predict(p, request, out);
    if (strcmp(op, "health") == 0)
        return build_ping(p, request, out);
    if (strcmp(op, "models") == 0)
        return build_models(p, request, out);
    if (strcmp(op, "model") == 0)
        return build_describe(p, request, out);
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'torchserve' has no op '%s' (ops: "
                    "predict, health, models, model)", op);
}

/* ---- replies ----------------------------------------------------------- */

static void url_model(const plx_reply *r, char *model, size_t mcap, char *version,
                      size_t vcap)
{
    model[0] = version[0] = '\0';
    const char *at = plx_ml_url_after(r->req, "/predictions/");
    if (!at)
        return;
    at = plx_ml_segment(at, model, mcap);
    if (*at == '/')
        plx_ml_segment(at + 1, version, vcap);
}

/* A handler may answer anything: JSON, text, or bytes. */
static plx_status parse_predict(const plx_provider *p, plx_reply *r)
{
    plx_jw *w = r->out;
    if (plx_ml_write_any_outputs(w, r->resp) != PLX_OK)
        return PLX_ENOMEM;
    char model[160], version[64];
    url_model(r, model, sizeof model, version, sizeof version);
    plx_ml_write_model(w, model, version);
    snprintf(r->usage.model, sizeof r->usage.model, "%s", model);
    (void)p;
    return PLX_OK;
}

static plx_status parse_json(const plx_provider *p, const char *op, plx_reply *r)
{
    cJSON *reply = NULL;
    plx_status st = plx_ml_reply_json(p, r, &reply);
    if (st != PLX_OK)
        return st;
    if (strcmp(op, "health") == 0) {
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(reply, "status");
        bool healthy = cJSON_IsString(status) && strcmp(status->valuestring, "Healthy") == 0;
        plx_jw_bool(r->out, "ready", healthy);
        if (cJSON_IsString(status))
            plx_jw_string(r->out, "status", status->valuestring, strlen(status->valuestring));
    } else if (strcmp(op, "models") == 0) {
        plx_json_write_value(r->out, "models", cJSON_GetObjectItemCaseSensitive(reply, "models"));
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(reply, "nextPageToken");
        if (cJSON_IsString(next))
            plx_jw_string(r->out, "next_page_token", next->valuestring,
                          strlen(next->valuestring));
    } else {
        plx_json_write_value(r->out, "model", reply);
    }
    cJSON_Delete(reply);
    return PLX_OK;
}

static plx_status ts_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    if (r->failed) {
        if (strcmp(op, "health") == 0)
            plx_jw_bool(r->out, "ready", false);
        plx_ml_error(r);
        return PLX_OK;
    }
    return strcmp(op, "predict") == 0 ? parse_predict(p, r) : parse_json(p, op, r);
}

const plx_kind plx_kind_torchserve = {
    .name = "torchserve",
    .config_keys = CONFIG_KEYS,
    .configure = ts_configure,
    .release = ts_release,
    .build = ts_build,
    .parse = ts_parse,
};
