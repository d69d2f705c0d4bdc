/* Kind "sagemaker": SageMaker real-time endpoints (InvokeEndpoint of the
 * sagemaker-runtime API), signed with SigV4, as an ML endpoint variant.
 *   predict  POST {runtime}/endpoints/{EndpointName}/invocations
 *            {"endpoint"? (or "model"), "raw" | "instances" | "inputs",
 *             "version"? (the target variant, as endpoint variants pass it),
 *             "content_type"?,
 *             "accept"?, "target_variant"?, "target_model"?,
 *             "inference_id"?, "custom_attributes"?}
 *            -> {"outputs", "predictions"?, "model", "model_version": null,
 *                "variant"}
 * "instances" and "inputs" go as JSON bodies (the form the framework
 * containers read); "raw" as given. The endpoint and signing come from the
 * aws kind's helpers; a pure adapter. */
#include "aws.h"
#include "ml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sm_state {
    plx_aws_endpoint endpoint;
    char *name;                   /* default endpoint name ("endpoint") */
    char *content_type, *accept;  /* defaults */
} sm_state;

static const char *const KEYS[] = {"region", "endpoint_url", "access_key_id",
                                   "secret_access_key", "session_token", "profile",
                                   "endpoint", "content_type", "accept", NULL};

/* Request member -> header. */
static const char *const HEADERS[][2] = {
    {"target_variant", "X-Amzn-SageMaker-Target-Variant"},
    {"target_model", "X-Amzn-SageMaker-Target-Model"},
    {"inference_id", "X-Amzn-SageMaker-Inference-Id"},
    {"custom_attributes", "X-Amzn-SageMaker-Custom-Attributes"},
    {"accept", "Accept"},
};

static void sm_release(void *state)
{
    sm_state *s = state;
    if (!s)
        return;
    plx_aws_endpoint_clear(&s->endpoint);
    free(s->name);
    free(s->content_type);
    free(s->accept);
    free(s);
}

static plx_status sm_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                               void **state)
{
    sm_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    plx_status st = plx_cfg_string_dup(cfg, config, "endpoint", &s->name);
    if (st == PLX_OK)
        st = plx_cfg_string_dup(cfg, config, "content_type", &s->content_type);
    if (st == PLX_OK)
        st = plx_cfg_string_dup(cfg, config, "accept", &s->accept);
    if (st == PLX_OK)
        st = plx_aws_setup(p, cfg, config, &s->endpoint);
    if (st != PLX_OK) {
        sm_release(s);
        return st;
    }
    *state = s;
    return PLX_OK;
}

/* {"instances": ...} or {"inputs": ...} as the JSON body. */
static plx_status json_body(const char *key, const cJSON *input, plx_request *req)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_json_write_value(&w, key, input);
    plx_jw_end(&w);
    return plx_ml_json_body(req, &w);
}

static plx_status set_headers(const plx_provider *p, const sm_state *s, const cJSON *request,
                              plx_request *req)
{
    plx_status st = PLX_OK;
    if (s->accept)
        st = plx_request_set_header(req, "Accept", s->accept);
    for (size_t i = 0; st == PLX_OK && i < PLX_ARRAY_LEN(HEADERS); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(request, HEADERS[i][0]);
        if (!v)
            continue;
        if (!cJSON_IsString(v) || plx_request_set_header(req, HEADERS[i][1], v->valuestring))
            return plx_fail(p->ctx, PLX_EINVAL, "request.%s: expected a string without CR, "
                            "LF or control bytes", HEADERS[i][0]);
    }
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(request, "version");
    if (st == PLX_OK && cJSON_IsString(version) &&
        !cJSON_GetObjectItemCaseSensitive(request, "target_variant") &&
        plx_request_set_header(req, HEADERS[0][1], version->valuestring) != PLX_OK)
        return plx_fail(p->ctx, PLX_EINVAL, "request.version: expected a variant name");
    return st;
}

static plx_status build_predict(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"endpoint", "model", "version", "raw", "instances",
                                       "inputs",
                                       "content_type", "accept", "target_variant",
                                       "target_model", "inference_id", "custom_attributes",
                                       NULL};
    static const char *const input_keys[] = {"raw", "instances", "inputs", NULL};
    const sm_state *s = p->kind_state;
    plx_cfg cfg = {p->ctx, "request"};
    const cJSON *input, *type = cJSON_GetObjectItemCaseSensitive(request, "content_type");
    const char *which, *name = s->name;
    if (plx_cfg_check_keys(&cfg, request, keys) != PLX_OK ||
        plx_cfg_string(&cfg, request, "model", &name) != PLX_OK ||
        plx_cfg_string(&cfg, request, "endpoint", &name) != PLX_OK)
        return PLX_EINVAL;
    if (!name)
        return plx_fail(p->ctx, PLX_EINVAL, "request.endpoint: missing, and the provider has "
                        "no \"endpoint\"");
    if (type && !cJSON_IsString(type))
        return plx_fail(p->ctx, PLX_EINVAL, "request.content_type: expected a string");
    plx_status st = plx_ml_one_of(p, request, input_keys, &input, &which);
    plx_buf path = {0};
    if (st == PLX_OK && (st = plx_buf_append_str(&path, "/endpoints")) == PLX_OK &&
        (st = plx_ml_append_segment(&path, name)) == PLX_OK &&
        (st = plx_buf_append_str(&path, "/invocations")) == PLX_OK)
        st = plx_aws_request(p, &s->endpoint, plx_aws_service_find("sagemaker-runtime"),
                             "POST", path.data, out);
    plx_buf_free(&path);
    if (st != PLX_OK)
        return st;
    if (strcmp(which, "raw") == 0) {
        cJSON *fallback = s->content_type ? cJSON_CreateString(s->content_type) : NULL;
        st = plx_ml_raw_body(p, input, type ? type : fallback, *out);
        cJSON_Delete(fallback);
    } else {
        st = json_body(which, input, *out);
    }
    if (st == PLX_OK)
        st = set_headers(p, s, request, *out);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}

static plx_status sm_build(const plx_provider *p, const char *op, const cJSON *request,
                           plx_request **out)
{
    if (strcmp(op, "predict") == 0)
        return build_predict(p, request, out);
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'sagemaker' has no op '%s' (ops: predict; "
                    "the control plane is the aws kind's service \"sagemaker\")", op);
}

static plx_status sm_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)p;
    (void)op;
    if (r->failed) {
        plx_aws_parse_error(r->resp, r);
        return PLX_OK;
    }
    if (plx_ml_write_any_outputs(r->out, r->resp) != PLX_OK)
        return PLX_ENOMEM;
    char name[160] = "";
    const char *at = plx_ml_url_after(r->req, "/endpoints/");
    if (at)
        plx_ml_segment(at, name, sizeof name);
    plx_ml_write_model(r->out, name, NULL);
    const char *variant = plx_response_header(r->resp, "x-amzn-invoked-production-variant");
    if (variant)
        plx_jw_string(r->out, "variant", variant, strlen(variant));
    return PLX_OK;
}

const plx_kind plx_kind_sagemaker = {
    .name = "sagemaker",
    .config_keys = KEYS,
    .configure = sm_configure,
    .release = sm_release,
    .build = sm_build,
    .parse = sm_parse,
};
