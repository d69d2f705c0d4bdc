/* Kind "kserve": the open inference protocol v2 over REST (KServe, Triton,
 * MLServer, ...). Ops:
 *   predict          POST /v2/models/{m}[/versions/{v}]/infer
 *   ready, health    GET  /v2/models/{m}[/versions/{v}]/ready
 *   metadata         GET  /v2/models/{m}[/versions/{v}]
 *   server_live      GET  /v2/health/live
 *   server_ready     GET  /v2/health/ready
 *   server_metadata  GET  /v2
 * Tensors are checked against their shape and datatype before anything is
 * sent. A pure adapter: it builds requests and reads replies. */
#include "ml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_INPUT_NAME "input-0"

typedef struct kserve_state {
    plx_ml_defaults d;
    char *input_name;
    plx_dtype input_dtype;
} kserve_state;

static const char *const CONFIG_KEYS[] = {"model", "version", "input_name", "input_datatype",
                                          NULL};

static void kserve_release(void *state)
{
    kserve_state *s = state;
    if (!s)
        return;
    plx_ml_defaults_free(&s->d);
    free(s->input_name);
    free(s);
}

static plx_status kserve_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                   void **state)
{
    (void)p;
    kserve_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    *state = s;
    s->input_dtype = PLX_DT_NONE;
    const char *name = DEFAULT_INPUT_NAME, *dtype = NULL;
    plx_status st = plx_ml_defaults_read(cfg, config, &s->d);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, config, "input_name", &name);
    if (st == PLX_OK && !(s->input_name = plx_strdup(name)))
        st = PLX_ENOMEM;
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, config, "input_datatype", &dtype);
    if (st == PLX_OK && dtype && (s->input_dtype = plx_dtype_from_name(dtype)) == PLX_DT_NONE)
        st = plx_cfg_fail(cfg, "input_datatype", "expected a datatype of the protocol "
                          "(BOOL, INT8..INT64, UINT8..UINT64, FP16, FP32, FP64, BYTES)");
    return st;
}

static plx_status check_keys(const plx_provider *p, const cJSON *request,
                             const char *const *keys)
{
    plx_cfg cfg = {p->ctx, "request"};
    return plx_cfg_check_keys(&cfg, request, keys) == PLX_OK ? PLX_OK : PLX_EINVAL;
}

/* /v2/models/{m}[/versions/{v}]{suffix} */
static plx_status model_request(const plx_provider *p, const cJSON *request, const char *method,
                                const char *suffix, plx_request **out)
{
    const kserve_state *s = p->kind_state;
    const char *model, *version;
    char vbuf[64];
    plx_status st = plx_ml_model(p, request, &s->d, &model);
    if (st == PLX_OK)
        st = plx_ml_version(p, request, &s->d, vbuf, sizeof vbuf, &version);
    if (st != PLX_OK)
        return st;
    plx_buf path = {0};
    st = plx_buf_append_str(&path, "/v2/models");
    if (st == PLX_OK)
        st = plx_ml_append_segment(&path, model);
    if (st == PLX_OK && version && (st = plx_buf_append_str(&path, "/versions")) == PLX_OK)
        st = plx_ml_append_segment(&path, version);
    if (st == PLX_OK)
        st = plx_buf_append_str(&path, suffix);
    if (st == PLX_OK)
        st = plx_provider_request(p, method, path.data, out);
    plx_buf_free(&path);
    return st;
}

static plx_status check_outputs(const plx_provider *p, const cJSON *outputs)
{
    if (!cJSON_IsArray(outputs))
        return plx_fail(p->ctx, PLX_EINVAL, "request.outputs: expected an array of "
                        "{\"name\": ...} objects");
    int i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, outputs) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
        if (!cJSON_IsString(name))
            return plx_fail(p->ctx, PLX_EINVAL, "request.outputs[%d].name: expected a string",
                            i);
        i++;
    }
    return PLX_OK;
}

static plx_status check_extras(const plx_provider *p, const cJSON *request)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(request, "id");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(request, "parameters");
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(request, "outputs");
    if (id && !cJSON_IsString(id))
        return plx_fail(p->ctx, PLX_EINVAL, "request.id: expected a string");
    if (params && !cJSON_IsObject(params))
        return plx_fail(p->ctx, PLX_EINVAL, "request.parameters: expected an object");
    return outputs ? check_outputs(p, outputs) : PLX_OK;
}

/* The inference request body: {id?, parameters?, inputs, outputs?}. */
static plx_status write_infer_body(const plx_provider *p, const cJSON *request, plx_jw *w)
{
    const kserve_state *s = p->kind_state;
    plx_tensor_list inputs = {0};
    plx_ml_form form;
    plx_status st = plx_ml_read_inputs(p, request, s->input_dtype, s->input_name, &inputs,
                                       &form);
    for (size_t i = 0; st == PLX_OK && i < inputs.count; i++)
        if (inputs.items[i].has_b64)
            st = plx_fail(p->ctx, PLX_EINVAL, "request input '%s': {\"b64\": ...} values are "
                          "TensorFlow Serving's form; the open inference protocol takes "
                          "BYTES as strings", inputs.items[i].name);
    if (st != PLX_OK) {
        plx_tensor_list_free(&inputs);
        return st;
    }
    plx_jw_begin(w, NULL);
    static const char *const passed[] = {"id", "parameters"};
    for (size_t i = 0; i < PLX_ARRAY_LEN(passed); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(request, passed[i]);
        if (v)
            plx_json_write_value(w, passed[i], v);
    }
    plx_jw_begin_array(w, "inputs");
    for (size_t i = 0; i < inputs.count; i++)
        plx_tensor_write_v2(w, NULL, &inputs.items[i], 0, plx_tensor_rows(&inputs.items[i]));
    plx_jw_end_array(w);
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(request, "outputs");
    if (outputs)
        plx_json_write_value(w, "outputs", outputs);
    plx_jw_end(w);
    plx_tensor_list_free(&inputs);
    return PLX_OK;
}

static plx_status build_infer(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"model", "version", "id", "parameters", "inputs",
                                       "instances", "outputs", "raw", NULL};
    static const char *const input_keys[] = {"inputs", "instances", "raw", NULL};
    const cJSON *input;
    const char *which;
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = plx_ml_one_of(p, request, input_keys, &input, &which);
    if (st == PLX_OK && strcmp(which, "raw") == 0 && !cJSON_IsObject(input))
        st = plx_fail(p->ctx, PLX_EINVAL, "request.raw: expected the inference request "
                      "object of the protocol");
    if (st == PLX_OK)
        st = check_extras(p, request);
    plx_jw w = {0};
    if (st == PLX_OK && strcmp(which, "raw") == 0)
        plx_json_write_value(&w, NULL, input);
    else if (st == PLX_OK)
        st = write_infer_body(p, request, &w);
    if (st == PLX_OK)
        st = model_request(p, request, "POST", "/infer", out);
    if (st == PLX_OK && (st = plx_ml_json_body(*out, &w)) != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    if (st != PLX_OK)
        plx_buf_free(&w.buf);
    return st;
}

static plx_status build_model_get(const plx_provider *p, const cJSON *request,
                                  const char *suffix, plx_request **out)
{
    static const char *const keys[] = {"model", "version", NULL};
    plx_status st = check_keys(p, request, keys);
    return st == PLX_OK ? model_request(p, request, "GET", suffix, out) : st;
}

static plx_status build_server_get(const plx_provider *p, const cJSON *request,
                                   const char *path, plx_request **out)
{
    static const char *const keys[] = {NULL};
    plx_status st = check_keys(p, request, keys);
    return st == PLX_OK ? plx_provider_request(p, "GET", path, out) : st;
}

static plx_status kserve_build(const plx_provider *p, const char *op, const cJSON *request,
                               plx_request **out)
{
    if (strcmp(op, "predict") == 0)
        return build_infer(p, request, out);
    if (strcmp(op, "ready") == 0 || strcmp(op, "health") == 0)
        return build_model_get(p, request, "/ready", out);
    if (strcmp(op, "metadata") == 0)
        return build_model_get(p, request, "", out);
    if (strcmp(op, "server_live") == 0)
        return build_server_get(p, request, "/v2/health/live", out);
    if (strcmp(op, "server_ready") == 0)
        return build_server_get(p, request, "/v2/health/ready", out);
    if (strcmp(op, "server_metadata") == 0)
        return build_server_get(p, request, "/v2", out);
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'kserve' has no op '%s' (ops: predict, "
                    "ready, health, metadata, server_live, server_ready, server_metadata)", op);
}

/* ---- replies ----------------------------------------------------------- */

/* The model and version the request URL named. */
static void url_model(const plx_reply *r, char *model, size_t mcap, char *version,
                      size_t vcap)
{
    model[0] = version[0] = '\0';
    const char *at = plx_ml_url_after(r->req, "/v2/models/");
    if (!at)
        return;
    at = plx_ml_segment(at, model, mcap);
    if (strncmp(at, "/versions/", 10) == 0)
        plx_ml_segment(at + 10, version, vcap);
}

static plx_status read_outputs(const plx_provider *p, const cJSON *reply, plx_tensor_list *l)
{
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(reply, "outputs");
    if (!cJSON_IsArray(outputs))
        return plx_fail(p->ctx, PLX_EPROTOCOL, "reply.outputs: expected an array of tensors");
    int i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, outputs) {
        char path[64];
        snprintf(path, sizeof path, "reply.outputs[%d]", i++);
        plx_tensor t;
        plx_status st = plx_tensor_read_v2(p->ctx, o, path, &t);
        if (st == PLX_OK)
            st = plx_tensor_list_push(l, &t);
        if (st != PLX_OK)
            return st == PLX_EINVAL ? PLX_EPROTOCOL : st;
    }
    return PLX_OK;
}

static const char *string_member(const cJSON *obj, const char *key, const char *fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : fallback;
}

static plx_status parse_infer(const plx_provider *p, plx_reply *r)
{
    cJSON *reply = NULL;
    plx_status st = plx_ml_reply_json(p, r, &reply);
    plx_tensor_list outputs = {0};
    if (st == PLX_OK)
        st = read_outputs(p, reply, &outputs);
    if (st == PLX_OK) {
        plx_jw *w = r->out;
        plx_jw_begin_array(w, "outputs");
        for (size_t i = 0; i < outputs.count; i++)
            plx_tensor_write_v2(w, NULL, &outputs.items[i], 0,
                                plx_tensor_rows(&outputs.items[i]));
        plx_jw_end_array(w);
        plx_ml_write_predictions(w, &outputs);
        char model[160], version[64];
        url_model(r, model, sizeof model, version, sizeof version);
        const char *name = string_member(reply, "model_name", model);
        plx_ml_write_model(w, name, string_member(reply, "model_version", version));
        snprintf(r->usage.model, sizeof r->usage.model, "%s", name);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(reply, "id");
        if (cJSON_IsString(id))
            plx_jw_string(w, "id", id->valuestring, strlen(id->valuestring));
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(reply, "parameters");
        if (cJSON_IsObject(params))
            plx_json_write_value(w, "parameters", params);
    }
    plx_tensor_list_free(&outputs);
    cJSON_Delete(reply);
    return st;
}

static plx_status parse_metadata(const plx_provider *p, plx_reply *r)
{
    cJSON *reply = NULL;
    plx_status st = plx_ml_reply_json(p, r, &reply);
    if (st == PLX_OK)
        plx_json_write_value(r->out, "metadata", reply);
    cJSON_Delete(reply);
    return st;
}

static plx_status kserve_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    bool live = strcmp(op, "server_live") == 0;
    bool ready = strcmp(op, "ready") == 0 || strcmp(op, "health") == 0 ||
                 strcmp(op, "server_ready") == 0;
    if (live || ready)
        plx_jw_bool(r->out, live ? "live" : "ready", !r->failed);
    if (r->failed) {
        plx_ml_error(r);
        return PLX_OK;
    }
    if (strcmp(op, "predict") == 0)
        return parse_infer(p, r);
    if (strcmp(op, "metadata") == 0 || strcmp(op, "server_metadata") == 0)
        return parse_metadata(p, r);
    return PLX_OK;
}

const plx_kind plx_kind_kserve = {
    .name = "kserve",
    .config_keys = CONFIG_KEYS,
    .configure = kserve_configure,
    .release = kserve_release,
    .build = kserve_build,
    .parse = kserve_parse,
    .predict_batches = true,
};
