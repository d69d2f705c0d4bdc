/* Kind "huggingface", by the config key "api":
 *   "openai" (default)  the OpenAI-compatible router (openai_wire.c),
 *                       base_url https://router.huggingface.co/v1
 *   "inference"         the Inference API: chat POST {base_url}/models/{model}
 *                       ({"inputs", "parameters"} -> [{"generated_text"}]),
 *                       embed POST .../models/{model}/pipeline/feature-extraction
 *   "tgi"               a text-generation-inference server: POST /generate
 *                       (/generate_stream), and text-embeddings-inference's
 *                       POST /embed
 * The raw text-generation APIs take a prompt, not messages: a lone user
 * message is sent as it is, a conversation as "Role: text" lines. */
#include "openai_wire.h"

#include <stdio.h>
#include <string.h>

#define ROUTER_URL "https://router.huggingface.co/v1"
#define INFERENCE_URL "https://router.huggingface.co/hf-inference"

#define GET cJSON_GetObjectItemCaseSensitive

typedef enum hf_api { HF_OPENAI, HF_INFERENCE, HF_TGI } hf_api;

static const char *const KEYS[] = {"model", "embed_model", "api_key", "api", NULL};

static void jw_str(plx_jw *w, const char *key, const char *s)
{
    plx_jw_string(w, key, s, strlen(s));
}

static hf_api api_of(const plx_provider *p)
{
    const plx_llm_config *c = p->kind_state;
    if (c->api && strcmp(c->api, "inference") == 0)
        return HF_INFERENCE;
    return c->api && strcmp(c->api, "tgi") == 0 ? HF_TGI : HF_OPENAI;
}

static plx_status hf_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                               void **state)
{
    plx_llm_config *c = NULL;
    plx_status st = plx_llm_read_config(cfg, config, &c);
    if (st != PLX_OK)
        return st;
    *state = c;
    if (c->api && strcmp(c->api, "openai") != 0 && strcmp(c->api, "inference") != 0 &&
        strcmp(c->api, "tgi") != 0)
        return plx_cfg_fail(cfg, "api", "expected \"openai\", \"inference\" or \"tgi\"");
    hf_api api = api_of(p);
    if (api == HF_TGI && !p->base_url)
        return plx_cfg_fail(cfg, "base_url", "missing (the server, e.g. http://127.0.0.1:8080)");
    st = plx_llm_default_base_url(p, api == HF_INFERENCE ? INFERENCE_URL : ROUTER_URL);
    if (st != PLX_OK)
        return st;
    /* HF_TOKEN goes to Hugging Face's own hosts only. */
    c->official = plx_llm_host_is(p, ".huggingface.co") ||
                  plx_llm_host_is(p, ".huggingface.cloud");
    plx_llm_key key = {"Authorization", "Bearer ", c->official ? "HF_TOKEN" : NULL,
                       c->official};
    return plx_llm_api_key(p, cfg, config, &key);
}

/* ---- requests of the raw APIs ---- */

/* index < 0: request.tools, else request.messages[index] */
static plx_status unsupported(const plx_provider *p, int index)
{
    char path[48] = "request.tools";
    if (index >= 0)
        snprintf(path, sizeof path, "request.messages[%d]", index);
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "%s: tools need api \"openai\" (provider '%s' "
                    "uses a raw text-generation API)", path, p->name);
}

static plx_status check_no_tools(const plx_provider *p, const cJSON *request)
{
    if (GET(request, "tools"))
        return unsupported(p, -1);
    int i = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, GET(request, "messages")) {
        if (GET(m, "tool_calls") || strcmp(plx_llm_str(m, "role"), "tool") == 0)
            return unsupported(p, i);
        i++;
    }
    return PLX_OK;
}

/* The prompt: a lone user message as it is, else "Role: text" lines ending
 * with "Assistant:" for the model to go on from. */
static void write_prompt(plx_jw *w, const cJSON *messages)
{
    const cJSON *m = messages->child;
    if (!m->next && strcmp(plx_llm_str(m, "role"), "user") == 0) {
        jw_str(w, "inputs", plx_llm_str(m, "content"));
        return;
    }
    plx_buf prompt = {0};
    plx_status st = PLX_OK;
    cJSON_ArrayForEach(m, messages) {
        const char *role = plx_llm_str(m, "role");
        const char *content = plx_llm_str(m, "content");
        st = plx_buf_printf(&prompt, "%c%s: %s\n\n", role[0] - 'a' + 'A', role + 1,
                            content ? content : "");
        if (st != PLX_OK)
            break;
    }
    if (st == PLX_OK)
        st = plx_buf_append_str(&prompt, "Assistant:");
    if (st != PLX_OK)
        w->status = st;
    plx_jw_string(w, "inputs", prompt.data ? prompt.data : "", prompt.len);
    plx_buf_free(&prompt);
}

static void write_parameters(plx_jw *w, const cJSON *request, bool tgi)
{
    const cJSON *max = GET(request, "max_tokens"), *t = GET(request, "temperature");
    const cJSON *top_p = GET(request, "top_p"), *stop = GET(request, "stop");
    plx_jw_begin(w, "parameters");
    if (max)
        plx_jw_int(w, "max_new_tokens", (int64_t)max->valuedouble);
    /* text-generation-inference wants both strictly inside (0, 1] resp. (0, 1):
     * 0 and 1 mean the defaults (greedy, no nucleus cut) */
    if (t && t->valuedouble > 0)
        plx_jw_double(w, "temperature", t->valuedouble);
    if (top_p && top_p->valuedouble > 0 && top_p->valuedouble < 1)
        plx_jw_double(w, "top_p", top_p->valuedouble);
    if (cJSON_IsString(stop)) {
        plx_jw_begin_array(w, "stop");
        jw_str(w, NULL, stop->valuestring);
        plx_jw_end_array(w);
    } else if (stop) {
        plx_llm_jw_json(w, "stop", stop);
    }
    plx_jw_bool(w, "return_full_text", false);
    if (tgi)
        plx_jw_bool(w, "details", true);
    plx_jw_end(w);
}

/* "/models/{model}{suffix}" (the model's '/' kept). */
static plx_status model_path(const plx_provider *p, const cJSON *request, const char *fallback,
                             const char *suffix, plx_buf *path)
{
    const char *model = NULL;
    plx_status st = plx_llm_model(p, request, fallback, &model);
    if (st == PLX_OK)
        st = plx_buf_append_str(path, "/models/");
    if (st == PLX_OK)
        st = plx_url_encode(path, model, strlen(model), true);
    if (st == PLX_OK)
        st = plx_buf_append_str(path, suffix);
    return st;
}

static plx_status raw_chat(const plx_provider *p, const char *op, const cJSON *request,
                           plx_request **out)
{
    const plx_llm_config *c = p->kind_state;
    bool stream = strcmp(op, "chat_stream") == 0, tgi = api_of(p) == HF_TGI;
    plx_buf path = {0};
    plx_status st = plx_llm_check_chat(p, request);
    if (st == PLX_OK)
        st = check_no_tools(p, request);
    if (st == PLX_OK && tgi)
        st = plx_buf_append_str(&path, stream ? "/generate_stream" : "/generate");
    else if (st == PLX_OK)
        st = model_path(p, request, c->model, "", &path);
    plx_jw w = {0};
    if (st == PLX_OK) {
        plx_jw_begin(&w, NULL);
        write_prompt(&w, GET(request, "messages"));
        write_parameters(&w, request, tgi);
        if (stream && !tgi)
            plx_jw_bool(&w, "stream", true);
        plx_jw_end(&w);
        st = plx_llm_post(p, path.data, &w, stream, out);
    }
    plx_buf_free(&path);
    return st;
}

static plx_status raw_embed(const plx_provider *p, const cJSON *request, plx_request **out)
{
    const plx_llm_config *c = p->kind_state;
    plx_buf path = {0};
    plx_status st = plx_llm_check_embed(p, request);
    if (st == PLX_OK && api_of(p) == HF_TGI)
        st = plx_buf_append_str(&path, "/embed");
    else if (st == PLX_OK)
        st = model_path(p, request, c->embed_model ? c->embed_model : c->model,
                        "/pipeline/feature-extraction", &path);
    plx_jw w = {0};
    if (st == PLX_OK) {
        const cJSON *input = GET(request, "input");
        plx_jw_begin(&w, NULL);
        plx_jw_begin_array(&w, "inputs");
        if (cJSON_IsString(input))
            jw_str(&w, NULL, input->valuestring);
        else
            for (const cJSON *s = input->child; s; s = s->next)
                jw_str(&w, NULL, s->valuestring);
        plx_jw_end_array(&w);
        plx_jw_end(&w);
        st = plx_llm_post(p, path.data, &w, false, out);
    }
    plx_buf_free(&path);
    return st;
}

static plx_status openai_build(const plx_provider *p, const char *op, const cJSON *request,
                               plx_request **out)
{
    const plx_llm_config *c = p->kind_state;
    const char *model = NULL;
    bool chat = plx_llm_is_chat(op), stream = strcmp(op, "chat_stream") == 0;
    plx_status st = chat ? plx_llm_check_chat(p, request) : plx_llm_check_embed(p, request);
    if (st == PLX_OK)
        st = plx_llm_model(p, request, !chat && c->embed_model ? c->embed_model : c->model,
                           &model);
    if (st != PLX_OK)
        return st;
    plx_jw w = {0};
    plx_oai_chat_options o = {model, stream, false};
    if (chat)
        plx_oai_chat_body(&w, request, &o);
    else
        plx_oai_embed_body(&w, request, model);
    return plx_llm_post(p, chat ? "/chat/completions" : "/embeddings", &w, stream, out);
}

static plx_status hf_build(const plx_provider *p, const char *op, const cJSON *request,
                           plx_request **out)
{
    if (!plx_llm_is_chat(op) && strcmp(op, "embed") != 0)
        return plx_llm_no_op(p, op, "chat, chat_stream, embed");
    if (api_of(p) == HF_OPENAI)
        return openai_build(p, op, request, out);
    return plx_llm_is_chat(op) ? raw_chat(p, op, request, out) : raw_embed(p, request, out);
}

/* ---- replies of the raw APIs ---- */

static const char *finish_reason(const char *reason)
{
    if (strcmp(reason, "eos_token") == 0 || strcmp(reason, "stop_sequence") == 0)
        return "stop";
    return reason; /* "length" */
}

/* [{"generated_text", "details"?}] (Inference API) or the object alone (TGI). */
static plx_status parse_generation(const plx_provider *p, plx_reply *r, const cJSON *json)
{
    const plx_llm_config *c = p->kind_state;
    const cJSON *g = cJSON_IsArray(json) ? json->child : json;
    const char *path = cJSON_IsArray(json) ? "reply[0].generated_text"
                                           : "reply.generated_text";
    const char *text = plx_llm_str(g, "generated_text");
    if (!text)
        return plx_llm_proto(p, "expected a string", "%s", path);
    const cJSON *details = GET(g, "details");
    const char *reason = plx_llm_str(details, "finish_reason");
    jw_str(r->out, "text", text);
    jw_str(r->out, "finish_reason", reason ? finish_reason(reason) : "stop");
    if (c->model)
        jw_str(r->out, "model", c->model);
    plx_llm_count(GET(details, "generated_tokens"), &r->usage.output_tokens);
    plx_llm_usage_model(r, c->model);
    return PLX_OK;
}

static bool numbers(const cJSON *a)
{
    bool ok = cJSON_IsArray(a) && a->child;
    for (const cJSON *v = ok ? a->child : NULL; v; v = v->next)
        ok = ok && cJSON_IsNumber(v);
    return ok;
}

/* [[...], ...] one per input; [...] for a lone input. */
static plx_status parse_vectors(const plx_provider *p, plx_reply *r, const cJSON *json)
{
    const plx_llm_config *c = p->kind_state;
    if (!cJSON_IsArray(json) || !json->child)
        return plx_llm_proto(p, "expected an array of vectors", "reply");
    bool flat = numbers(json);
    int i = 0;
    for (const cJSON *v = flat ? NULL : json->child; v; v = v->next, i++) {
        if (numbers(v))
            continue;
        return plx_llm_proto(p, cJSON_IsArray(v) && cJSON_IsArray(v->child)
                             ? "expected a vector, got one per token: use a sentence-embedding "
                               "model"
                             : "expected an array of numbers", "reply[%d]", i);
    }
    plx_jw_begin_array(r->out, "vectors");
    for (const cJSON *v = flat ? json : json->child; v; v = flat ? NULL : v->next) {
        plx_jw_begin_array(r->out, NULL);
        for (const cJSON *x = v->child; x; x = x->next)
            plx_jw_double(r->out, NULL, x->valuedouble);
        plx_jw_end_array(r->out);
    }
    plx_jw_end_array(r->out);
    const char *model = c->embed_model ? c->embed_model : c->model;
    if (model)
        jw_str(r->out, "model", model);
    plx_llm_usage_model(r, model);
    return PLX_OK;
}

static plx_status hf_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    const plx_llm_config *c = p->kind_state;
    if (api_of(p) == HF_OPENAI) {
        bool embed = strcmp(op, "embed") == 0 && c->embed_model;
        return plx_oai_parse(p, op, r, embed ? c->embed_model : c->model);
    }
    if (r->failed) {
        plx_llm_service_error(p, r);
        return PLX_OK;
    }
    cJSON *json = NULL;
    plx_status st = plx_llm_reply_json(p, r, &json);
    if (st != PLX_OK)
        return st;
    if (cJSON_IsObject(json) && GET(json, "error")) {
        st = plx_llm_error_instead(p, r, json);
    } else if (strcmp(op, "embed") == 0) {
        st = parse_vectors(p, r, json);
    } else {
        st = parse_generation(p, r, json);
    }
    cJSON_Delete(json);
    return st;
}

/* ---- streams of the raw APIs: {"token": {"text", "special"},
 * "generated_text": null until the last event, "details"} ---- */

static plx_status tgi_event(plx_stream *s, const cJSON *json)
{
    const cJSON *token = GET(json, "token");
    const cJSON *special = GET(token, "special");
    const char *text = plx_llm_str(token, "text");
    plx_status st = PLX_OK;
    if (text && !cJSON_IsTrue(special))
        st = plx_stream_text(s, text, strlen(text));
    const cJSON *details = GET(json, "details");
    const char *reason = plx_llm_str(details, "finish_reason");
    int64_t out = -1;
    plx_llm_count(GET(details, "generated_tokens"), &out);
    plx_stream_set_usage(s, -1, out);
    if (reason)
        plx_stream_set_finish_reason(s, finish_reason(reason));
    if (plx_llm_str(json, "generated_text"))
        plx_stream_end(s);
    return st;
}

static plx_status hf_stream_event(const plx_provider *p, plx_stream *s, const char *event,
                                  const char *data, size_t len)
{
    const plx_llm_config *c = p->kind_state;
    if (api_of(p) == HF_OPENAI || (len >= 6 && memcmp(data, "[DONE]", 6) == 0))
        return plx_oai_stream_event(p, s, event, data, len);
    cJSON *json = NULL;
    plx_status st = plx_llm_event_json(p, data, len, &json);
    if (st != PLX_OK)
        return st;
    if (GET(json, "error") || (event && strcmp(event, "error") == 0))
        st = plx_llm_stream_error(p, s, json);
    else
        st = tgi_event(s, json);
    plx_stream_set_model(s, c->model);
    cJSON_Delete(json);
    return st;
}

const plx_kind plx_kind_huggingface = {
    .name = "huggingface",
    .config_keys = KEYS,
    .configure = hf_configure,
    .release = plx_llm_release,
    .build = hf_build,
    .parse = hf_parse,
    .stream_framing = PLX_FRAMING_SSE,
    .stream_event = hf_stream_event,
};
