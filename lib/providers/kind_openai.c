/* Kind "openai": the OpenAI API, and any server that speaks it (vLLM,
 * llama.cpp's server, Ollama, LiteLLM's proxy) by base_url.
 *   chat, chat_stream  POST {base_url}/chat/completions
 *   embed              POST {base_url}/embeddings
 * A pure adapter over openai_wire.c. */
#include "openai_wire.h"

#include <string.h>

#define DEFAULT_BASE_URL "https://api.openai.com/v1"

static const char *const KEYS[] = {"model", "embed_model", "api_key", "organization",
                                   "project", NULL};

/* A config string sent as a header with every request. */
static plx_status config_header(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                const char *key, const char *header)
{
    const char *value = NULL;
    plx_status st = plx_cfg_string(cfg, config, key, &value);
    if (st != PLX_OK || !value)
        return st;
    st = plx_headers_set(&p->headers, header, value);
    if (st == PLX_EINVAL)
        return plx_cfg_fail(cfg, key, "contains CR, LF or control bytes");
    return st;
}

static plx_status openai_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                   void **state)
{
    plx_llm_config *c = NULL;
    plx_status st = plx_llm_default_base_url(p, DEFAULT_BASE_URL);
    if (st == PLX_OK)
        st = plx_llm_read_config(cfg, config, &c);
    if (st != PLX_OK)
        return st;
    *state = c;
    /* The key goes only to OpenAI itself unless given explicitly: a local
     * server needs none, and OPENAI_API_KEY must not leak to another host. */
    c->official = plx_llm_host_is(p, "api.openai.com") || plx_llm_host_is(p, ".api.openai.com");
    plx_llm_key key = {"Authorization", "Bearer ", c->official ? "OPENAI_API_KEY" : NULL,
                       c->official};
    st = plx_llm_api_key(p, cfg, config, &key);
    if (st == PLX_OK)
        st = config_header(p, cfg, config, "organization", "OpenAI-Organization");
    if (st == PLX_OK)
        st = config_header(p, cfg, config, "project", "OpenAI-Project");
    return st;
}

static plx_status openai_build(const plx_provider *p, const char *op, const cJSON *request,
                               plx_request **out)
{
    const plx_llm_config *c = p->kind_state;
    const char *model = NULL;
    plx_jw w = {0};
    plx_status st;
    if (plx_llm_is_chat(op)) {
        bool stream = strcmp(op, "chat_stream") == 0;
        st = plx_llm_check_chat(p, request);
        if (st == PLX_OK)
            st = plx_llm_model(p, request, c->model, &model);
        if (st != PLX_OK)
            return st;
        /* OpenAI's newer models take only max_completion_tokens; other
         * servers know max_tokens. */
        plx_oai_chat_options o = {model, stream, c->official};
        plx_oai_chat_body(&w, request, &o);
        return plx_llm_post(p, "/chat/completions", &w, stream, out);
    }
    if (strcmp(op, "embed") != 0)
        return plx_llm_no_op(p, op, "chat, chat_stream, embed");
    st = plx_llm_check_embed(p, request);
    if (st == PLX_OK)
        st = plx_llm_model(p, request, c->embed_model ? c->embed_model : c->model, &model);
    if (st != PLX_OK)
        return st;
    plx_oai_embed_body(&w, request, model);
    return plx_llm_post(p, "/embeddings", &w, false, out);
}

static plx_status openai_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    const plx_llm_config *c = p->kind_state;
    bool embed = strcmp(op, "embed") == 0 && c->embed_model;
    return plx_oai_parse(p, op, r, embed ? c->embed_model : c->model);
}

const plx_kind plx_kind_openai = {
    .name = "openai",
    .config_keys = KEYS,
    .configure = openai_configure,
    .release = plx_llm_release,
    .build = openai_build,
    .parse = openai_parse,
    .stream_framing = PLX_FRAMING_SSE,
    .stream_event = plx_oai_stream_event,
};
