/* Kind "azure_openai": Azure OpenAI deployments.
 *   chat, chat_stream  POST {endpoint}/openai/deployments/{deployment}/chat/completions
 *   embed              POST {endpoint}/openai/deployments/{deployment}/embeddings
 * with ?api-version=...; the body is OpenAI's (openai_wire.c) without
 * "model": the deployment picks it. A request's "model" names the
 * deployment. Auth: the api-key header, or the "auth" config (an Entra ID
 * bearer token). */
#include "openai_wire.h"

#include <string.h>

#define DEFAULT_API_VERSION "2024-10-21"

static const char *const KEYS[] = {"endpoint", "deployment", "embed_deployment", "model",
                                   "api_version", "api_key", NULL};

/* "endpoint" is the usual name of base_url here; one of them is needed. */
static plx_status read_endpoint(plx_provider *p, const plx_cfg *cfg, const cJSON *config)
{
    const char *url = NULL;
    plx_status st = plx_cfg_string(cfg, config, "endpoint", &url);
    if (st != PLX_OK)
        return st;
    if (url && p->base_url)
        return plx_cfg_fail(cfg, "endpoint", "give endpoint or base_url, not both");
    if (!url && !p->base_url)
        return plx_cfg_fail(cfg, "endpoint", "missing (https://RESOURCE.openai.azure.com)");
    if (!url)
        return PLX_OK;
    if (!plx_url_is_http(url))
        return plx_cfg_fail(cfg, "endpoint", "expected an absolute http:// or https:// URL");
    size_t len = strlen(url);
    while (len && url[len - 1] == '/')
        len--;
    p->base_url = plx_strndup(url, len);
    return p->base_url ? PLX_OK : PLX_ENOMEM;
}

static plx_status azure_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                  void **state)
{
    plx_llm_config *c = NULL;
    plx_status st = read_endpoint(p, cfg, config);
    if (st == PLX_OK)
        st = plx_llm_read_config(cfg, config, &c);
    if (st != PLX_OK)
        return st;
    *state = c;
    if (!c->api_version && !(c->api_version = plx_strdup(DEFAULT_API_VERSION)))
        return PLX_ENOMEM;
    plx_llm_key key = {"api-key", "", "AZURE_OPENAI_API_KEY", true};
    return plx_llm_api_key(p, cfg, config, &key);
}

/* The deployment of a call: the request's model, else the config's. */
static const char *deployment(const plx_llm_config *c, const cJSON *request, bool embed)
{
    const char *name = plx_llm_str(request, "model");
    if (!name && embed)
        name = c->embed_deployment;
    if (!name)
        name = c->deployment ? c->deployment : c->model;
    return name;
}

static plx_status deployment_path(const plx_provider *p, const char *name, const char *what,
                                  plx_buf *path)
{
    const plx_llm_config *c = p->kind_state;
    if (!name)
        return plx_fail(p->ctx, PLX_EINVAL, "request.model: missing, and provider '%s' has "
                        "no \"deployment\" key", p->name);
    plx_status st = plx_buf_append_str(path, "/openai/deployments/");
    if (st == PLX_OK)
        st = plx_url_encode(path, name, strlen(name), false);
    if (st == PLX_OK)
        st = plx_buf_printf(path, "/%s?api-version=", what);
    if (st == PLX_OK)
        st = plx_url_encode(path, c->api_version, strlen(c->api_version), false);
    return st;
}

static plx_status azure_build(const plx_provider *p, const char *op, const cJSON *request,
                              plx_request **out)
{
    bool chat = plx_llm_is_chat(op), stream = strcmp(op, "chat_stream") == 0;
    if (!chat && strcmp(op, "embed") != 0)
        return plx_llm_no_op(p, op, "chat, chat_stream, embed");
    plx_status st = chat ? plx_llm_check_chat(p, request) : plx_llm_check_embed(p, request);
    plx_buf path = {0};
    if (st == PLX_OK)
        st = deployment_path(p, deployment(p->kind_state, request, !chat),
                             chat ? "chat/completions" : "embeddings", &path);
    plx_jw w = {0};
    plx_oai_chat_options o = {NULL, stream, false};
    if (st == PLX_OK && chat)
        plx_oai_chat_body(&w, request, &o);
    else if (st == PLX_OK)
        plx_oai_embed_body(&w, request, NULL);
    if (st == PLX_OK)
        st = plx_llm_post(p, path.data, &w, stream, out);
    plx_buf_free(&path);
    return st;
}

static plx_status azure_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    const plx_llm_config *c = p->kind_state;
    return plx_oai_parse(p, op, r, c->deployment ? c->deployment : c->model);
}

const plx_kind plx_kind_azure_openai = {
    .name = "azure_openai",
    .config_keys = KEYS,
    .configure = azure_configure,
    .release = plx_llm_release,
    .build = azure_build,
    .parse = azure_parse,
    .stream_framing = PLX_FRAMING_SSE,
    .stream_event = plx_oai_stream_event,
};
