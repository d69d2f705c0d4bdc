/* Kind "tfserving": TensorFlow Serving's REST API. Ops:
 *   predict          POST /v1/models/{m}[/versions/{n}|/labels/{l}]:predict
 *   classify         POST ...:classify
 *   regress          POST ...:regress
 *   status, health   GET  /v1/models/{m}[/versions/{n}|/labels/{l}]
 *   metadata         GET  /v1/models/{m}[/versions/{n}|/labels/{l}]/metadata
 * predict takes rows ("instances") or columns ("inputs": {name: array},
 * one array, or open inference protocol tensors, sent as named columns);
 * binary values are {"b64": "..."}. A version that is not a number is a
 * label. A pure adapter: it builds requests and reads replies. */
#include "ml.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNNAMED "output_0"

typedef struct tf_state {
    plx_ml_defaults d;
    char *signature_name;
} tf_state;

static const char *const CONFIG_KEYS[] = {"model", "version", "signature_name", NULL};

static void tf_release(void *state)
{
    tf_state *s = state;
    if (!s)
        return;
    plx_ml_defaults_free(&s->d);
    free(s->signature_name);
    free(s);
}

static plx_status tf_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                               void **state)
{
    (void)p;
    tf_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    *state = s;
    const char *sig = NULL;
    plx_status st = plx_ml_defaults_read(cfg, config, &s->d);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, config, "signature_name", &sig);
    if (st == PLX_OK && sig && !(s->signature_name = plx_strdup(sig)))
        st = PLX_ENOMEM;
    return st;
}

static plx_status check_keys(const plx_provider *p, const cJSON *request,
                             const char *const *keys)
{
    plx_cfg cfg = {p->ctx, "request"};
    return plx_cfg_check_keys(&cfg, request, keys) == PLX_OK ? PLX_OK : PLX_EINVAL;
}

static bool all_digits(const char *s)
{
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* /v1/models/{m}[/versions/{n}|/labels/{l}]{suffix} */
static plx_status model_path(const plx_provider *p, const cJSON *request, const char *suffix,
                             plx_buf *path)
{
    const tf_state *s = p->kind_state;
    const char *model, *version;
    char vbuf[64];
    plx_status st = plx_ml_model(p, request, &s->d, &model);
    if (st == PLX_OK)
        st = plx_ml_version(p, request, &s->d, vbuf, sizeof vbuf, &version);
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(request, "label");
    if (st == PLX_OK && label && (!cJSON_IsString(label) || !label->valuestring[0]))
        st = plx_fail(p->ctx, PLX_EINVAL, "request.label: expected a non-empty string");
    if (st == PLX_OK && label && cJSON_GetObjectItemCaseSensitive(request, "version"))
        st = plx_fail(p->ctx, PLX_EINVAL, "request: give a version or a label, not both");
    if (st != PLX_OK)
        return st;
    if (label)
        version = NULL;
    st = plx_buf_append_str(path, "/v1/models");
    if (st == PLX_OK)
        st = plx_ml_append_segment(path, model);
    if (st == PLX_OK && (version || label)) {
        bool number = version && all_digits(version);
        st = plx_buf_append_str(path, number ? "/versions" : "/labels");
        if (st == PLX_OK)
            st = plx_ml_append_segment(path, label ? label->valuestring : version);
    }
    return st == PLX_OK ? plx_buf_append_str(path, suffix) : st;
}

static plx_status model_request(const plx_provider *p, const cJSON *request, const char *method,
                                const char *suffix, plx_request **out)
{
    plx_buf path = {0};
    plx_status st = model_path(p, request, suffix, &path);
    if (st == PLX_OK)
        st = plx_provider_request(p, method, path.data, out);
    plx_buf_free(&path);
    return st;
}

static void write_signature(const plx_provider *p, const cJSON *request, plx_jw *w)
{
    const tf_state *s = p->kind_state;
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(request, "signature_name");
    if (cJSON_IsString(sig))
        plx_jw_string(w, "signature_name", sig->valuestring, strlen(sig->valuestring));
    else if (s->signature_name)
        plx_jw_string(w, "signature_name", s->signature_name, strlen(s->signature_name));
}

/* Checks the inputs; tensors of the open inference protocol go as named
 * columns, anything else as the caller gave it. */
static plx_status write_predict_body(const plx_provider *p, const cJSON *request,
                                     const cJSON *input, const char *which, plx_jw *w)
{
    plx_tensor_list inputs = {0};
    plx_ml_form form;
    plx_status st = plx_ml_read_inputs(p, request, PLX_DT_NONE, "input", &inputs, &form);
    if (st != PLX_OK)
        return st;
    plx_jw_begin(w, NULL);
    write_signature(p, request, w);
    if (form == PLX_ML_TENSORS) {
        plx_jw_begin(w, "inputs");
        for (size_t i = 0; i < inputs.count; i++)
            plx_tensor_write_nested(w, inputs.items[i].name, &inputs.items[i], 0,
                                    plx_tensor_rows(&inputs.items[i]));
        plx_jw_end(w);
    } else {
        plx_json_write_value(w, which, input);
    }
    plx_jw_end(w);
    plx_tensor_list_free(&inputs);
    return PLX_OK;
}

static plx_status finish_post(const plx_provider *p, const cJSON *request, const char *suffix,
                              plx_jw *w, plx_request **out)
{
    plx_status st = model_request(p, request, "POST", suffix, out);
    if (st == PLX_OK && (st = plx_ml_json_body(*out, w)) != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    plx_buf_free(&w->buf);
    return st;
}

static plx_status build_predict(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"model", "version", "label", "signature_name",
                                       "instances", "inputs", "raw", NULL};
    static const char *const input_keys[] = {"instances", "inputs", "raw", NULL};
    const cJSON *input;
    const char *which;
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = plx_ml_one_of(p, request, input_keys, &input, &which);
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(request, "signature_name");
    if (st == PLX_OK && sig && !cJSON_IsString(sig))
        st = plx_fail(p->ctx, PLX_EINVAL, "request.signature_name: expected a string");
    if (st != PLX_OK)
        return st;
    plx_jw w = {0};
    if (strcmp(which, "raw") == 0) {
        if (!cJSON_IsObject(input))
            return plx_fail(p->ctx, PLX_EINVAL, "request.raw: expected the predict request "
                            "object of TensorFlow Serving");
        plx_json_write_value(&w, NULL, input);
    } else if ((st = write_predict_body(p, request, input, which, &w)) != PLX_OK) {
        return st;
    }
    return finish_post(p, request, ":predict", &w, out);
}

/* classify and regress: {signature_name?, context?, examples: [{...}]} */
static plx_status build_examples(const plx_provider *p, const cJSON *request, const char *verb,
                                 plx_request **out)
{
    static const char *const keys[] = {"model", "version", "label", "signature_name",
                                       "context", "examples", NULL};
    plx_status st = check_keys(p, request, keys);
    if (st != PLX_OK)
        return st;
    const cJSON *examples = cJSON_GetObjectItemCaseSensitive(request, "examples");
    const cJSON *context = cJSON_GetObjectItemCaseSensitive(request, "context");
    if (!cJSON_IsArray(examples) || !examples->child)
        return plx_fail(p->ctx, PLX_EINVAL, "request.examples: expected a non-empty array "
                        "of {feature: value} objects");
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, examples) {
        if (!cJSON_IsObject(e))
            return plx_fail(p->ctx, PLX_EINVAL, "request.examples[%d]: expected an object", i);
        i++;
    }
    if (context && !cJSON_IsObject(context))
        return plx_fail(p->ctx, PLX_EINVAL, "request.context: expected an object");
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    write_signature(p, request, &w);
    if (context)
        plx_json_write_value(&w, "context", context);
    plx_json_write_value(&w, "examples", examples);
    plx_jw_end(&w);
    return finish_post(p, request, verb, &w, out);
}

static plx_status build_get(const plx_provider *p, const cJSON *request, const char *suffix,
                            plx_request **out)
{
    static const char *const keys[] = {"model", "version", "label", NULL};
    plx_status st = check_keys(p, request, keys);
    return st == PLX_OK ? model_request(p, request, "GET", suffix, out) : st;
}

static plx_status tf_build(const plx_provider *p, const char *op, const cJSON *request,
                           plx_request **out)
{
    if (strcmp(op, "predict") == 0)
        return build_predict(p, request, out);
    if (strcmp(op, "classify") == 0)
        return build_examples(p, request, ":classify", out);
    if (strcmp(op, "regress") == 0)
        return build_examples(p, request, ":regress", out);
    if (strcmp(op, "status") == 0 || strcmp(op, "health") == 0)
        return build_get(p, request, "", out);
    if (strcmp(op, "metadata") == 0)
        return build_get(p, request, "/metadata", out);
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'tfserving' has no op '%s' (ops: predict, "
                    "classify, regress, status, health, metadata)", op);
}

/* ---- replies ----------------------------------------------------------- */

/* The model and the version or label the request URL named. */
static void url_model(const plx_reply *r, char *model, size_t mcap, char *version,
                      size_t vcap)
{
    model[0] = version[0] = '\0';
    const char *at = plx_ml_url_after(r->req, "/v1/models/");
    if (!at)
        return;
    at = plx_ml_segment(at, model, mcap);
    if (strncmp(at, "/versions/", 10) == 0)
        plx_ml_segment(at + 10, version, vcap);
    else if (strncmp(at, "/labels/", 8) == 0)
        plx_ml_segment(at + 8, version, vcap);
}

/* Typed tensors from a reply's "outputs" (columns) or "predictions"
 * (rows); false when they are not regular arrays (the reply is then
 * passed on as it came). */
static bool reply_tensors(const plx_provider *p, const cJSON *outputs,
                          const cJSON *predictions, plx_tensor_list *l)
{
    plx_status st = PLX_OK;
    bool named;
    if (predictions) {
        st = plx_ml_read_rows(p->ctx, predictions, "reply.predictions", PLX_DT_NONE, UNNAMED,
                              l, &named);
    } else if (cJSON_IsObject(outputs)) {
        const cJSON *c;
        cJSON_ArrayForEach(c, outputs) {
            plx_tensor t;
            st = plx_tensor_read_nested(p->ctx, c->string, c, PLX_DT_NONE, "reply.outputs", &t);
            if (st == PLX_OK)
                st = plx_tensor_list_push(l, &t);
            if (st != PLX_OK)
                break;
        }
    } else {
        plx_tensor t;
        st = plx_tensor_read_nested(p->ctx, UNNAMED, outputs, PLX_DT_NONE, "reply.outputs", &t);
        if (st == PLX_OK)
            st = plx_tensor_list_push(l, &t);
    }
    if (st != PLX_OK)
        plx_tensor_list_free(l);
    return st == PLX_OK;
}

static plx_status parse_predict(const plx_provider *p, plx_reply *r, const cJSON *reply)
{
    const cJSON *predictions = cJSON_GetObjectItemCaseSensitive(reply, "predictions");
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(reply, "outputs");
    if (!cJSON_IsArray(predictions) && !outputs)
        return plx_fail(p->ctx, PLX_EPROTOCOL, "reply: expected \"predictions\" (an array) "
                        "or \"outputs\"");
    if (!cJSON_IsArray(predictions))
        predictions = NULL;
    plx_tensor_list l = {0};
    plx_jw *w = r->out;
    if (reply_tensors(p, outputs, predictions, &l)) {
        plx_jw_begin_array(w, "outputs");
        for (size_t i = 0; i < l.count; i++)
            plx_tensor_write_v2(w, NULL, &l.items[i], 0, plx_tensor_rows(&l.items[i]));
        plx_jw_end_array(w);
    } else if (outputs) {
        plx_json_write_value(w, "outputs", outputs);
    }
    if (predictions)
        plx_json_write_value(w, "predictions", predictions);
    else
        plx_ml_write_predictions(w, &l);
    plx_tensor_list_free(&l);
    return PLX_OK;
}

/* status: {"model_version_status": [{"version", "state", "status"}]}; the
 * model is ready when a version is AVAILABLE. */
static void parse_status(plx_reply *r, const cJSON *reply, char *version, size_t cap)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(reply, "model_version_status");
    bool ready = false;
    const cJSON *v;
    const cJSON *items = cJSON_IsArray(list) ? list : NULL;
    cJSON_ArrayForEach(v, items) {
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(v, "state");
        const cJSON *ver = cJSON_GetObjectItemCaseSensitive(v, "version");
        if (cJSON_IsString(state) && strcmp(state->valuestring, "AVAILABLE") == 0) {
            if (!ready && cJSON_IsString(ver))
                snprintf(version, cap, "%s", ver->valuestring);
            ready = true;
        }
    }
    plx_jw_bool(r->out, "ready", ready);
    if (list)
        plx_json_write_value(r->out, "model_version_status", list);
}

static plx_status tf_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    bool status = strcmp(op, "status") == 0 || strcmp(op, "health") == 0;
    if (r->failed) {
        if (status)
            plx_jw_bool(r->out, "ready", false);
        plx_ml_error(r);
        return PLX_OK;
    }
    cJSON *reply = NULL;
    plx_status st = plx_ml_reply_json(p, r, &reply);
    if (st == PLX_OK && !cJSON_IsObject(reply))
        st = plx_fail(p->ctx, PLX_EPROTOCOL, "reply: expected a JSON object");
    char model[160], version[64];
    url_model(r, model, sizeof model, version, sizeof version);
    if (st == PLX_OK && strcmp(op, "predict") == 0)
        st = parse_predict(p, r, reply);
    else if (st == PLX_OK && status)
        parse_status(r, reply, version, sizeof version);
    else if (st == PLX_OK && strcmp(op, "metadata") == 0)
        plx_json_write_value(r->out, "metadata", reply);
    else if (st == PLX_OK)
        plx_json_write_value(r->out, "results", cJSON_GetObjectItemCaseSensitive(reply, "results"));
    if (st == PLX_OK)
        plx_ml_write_model(r->out, model, version);
    snprintf(r->usage.model, sizeof r->usage.model, "%s", model);
    cJSON_Delete(reply);
    return st;
}

const plx_kind plx_kind_tfserving = {
    .name = "tfserving",
    .config_keys = CONFIG_KEYS,
    .configure = tf_configure,
    .release = tf_release,
    .build = tf_build,
    .parse = tf_parse,
    .predict_batches = true,
};
