/* Kind "local": offline computations (lib/providers/local/) on the same
 * call path as every other kind, so retries, deadlines, rate limits, stats
 * and async work alike. build checks the request and encodes what the
 * computation needs as an in-process request:
 *
 *   http://local/<op>?<integer params>   body: the text
 *   (embed: the inputs, each followed by a NUL; chat: the last user message
 *   and then each stop string, each followed by a NUL; classify: the text,
 *   default label and labels as lx_classify reads them)
 *
 * The kind's own transport, installed by configure, computes the answer as
 * a 200 reply holding a JSON object; parse copies its members into the
 * result. Ops: sentiment, summarize, language, classify, embed, chat. */
#include "providers.h"
#include "local/local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DIMENSIONS 256
#define DEFAULT_MAX_TEXT_BYTES (1024 * 1024)
#define DEFAULT_SUMMARY_SENTENCES 3
#define MAX_DIMENSIONS 4096
#define MAX_INPUTS 2048
#define MAX_NUMBERS (1 << 22)   /* inputs x dimensions per embed call (~40 MB of JSON) */
#define DEFAULT_CHAT_PREFIX "[Automatic reply: no AI service could answer, so this is " \
                            "a local extract of your message, not an answer.]"

static const char *const CONFIG_KEYS[] = {"dimensions", "max_text_bytes", "chat_prefix",
                                          NULL};
static const char OPS[] = "sentiment, summarize, language, classify, embed, chat";

typedef struct local_state {
    int64_t dimensions;
    int64_t max_text_bytes;
    char *chat_prefix;
} local_state;

/* ---- the in-process transport: computes the answer ---- */

/* The integer query parameter name of url, or def. */
static int64_t query_int(const char *url, const char *name, int64_t def)
{
    const char *q = strchr(url, '?');
    size_t n = strlen(name);
    while (q) {
        q++;
        if (strncmp(q, name, n) == 0 && q[n] == '=')
            return strtoll(q + n + 1, NULL, 10);
        q = strchr(q, '&');
    }
    return def;
}

/* Appends ",[x,y,...]" (no comma for the first) to out. */
static plx_status append_vector(plx_buf *out, const float *vec, int dims, bool first)
{
    if (plx_buf_reserve(out, (size_t)dims * 12 + 4) != PLX_OK)
        return PLX_ENOMEM;      /* 12: "-0.123456," and room to spare */
    if (!first)
        out->data[out->len++] = ',';
    out->data[out->len++] = '[';
    for (int d = 0; d < dims; d++) {
        if (d)
            out->data[out->len++] = ',';
        if (vec[d] == 0.0f)
            out->data[out->len++] = '0';        /* most coordinates of a short text */
        else
            out->len += lx_fmt(out->data + out->len, vec[d], 6);
    }
    out->data[out->len++] = ']';
    out->data[out->len] = '\0';
    return PLX_OK;
}

static plx_status run_embed(plx_jw *w, const char *body, size_t len, const char *url,
                            plx_response *resp)
{
    float vec[MAX_DIMENSIONS];
    int dims = (int)query_int(url, "dimensions", DEFAULT_DIMENSIONS);
    int64_t n = query_int(url, "n", 0);
    if (dims < 1 || dims > MAX_DIMENSIONS)
        return PLX_EINTERNAL;
    plx_buf out = {0};
    plx_status st = plx_buf_append(&out, "[", 1);
    size_t words = 0, at = 0;
    for (int64_t i = 0; i < n && at < len && st == PLX_OK; i++) {
        size_t tlen = strnlen(body + at, len - at);
        words += lx_embed(body + at, tlen, vec, dims);
        at += tlen + 1;
        st = append_vector(&out, vec, dims, i == 0);
    }
    if (st == PLX_OK)
        st = plx_buf_append(&out, "]", 1);
    if (st == PLX_OK) {
        char model[32], usage[48];
        snprintf(model, sizeof model, "local-hash-%d", dims);
        snprintf(usage, sizeof usage, "%zu 0", words);
        plx_jw_raw(w, "vectors", out.data, out.len);
        plx_jw_string(w, "model", model, strlen(model));
        st = plx_response_add_header(resp, "x-local-usage", usage);
        if (st == PLX_OK)
            st = plx_response_add_header(resp, "x-local-model", model);
    }
    plx_buf_free(&out);
    return st;
}

static plx_status run_chat(plx_jw *w, const local_state *ls, const char *body, size_t len,
                           const char *url, plx_response *resp)
{
    size_t tlen = strnlen(body, len);
    size_t nstops = (size_t)query_int(url, "stops", 0);
    int64_t out_words = 0;
    plx_status st = lx_chat(w, ls->chat_prefix, body, tlen, query_int(url, "max_tokens", 0),
                            tlen < len ? body + tlen + 1 : "", nstops, &out_words);
    if (st != PLX_OK)
        return st;
    char usage[64];
    snprintf(usage, sizeof usage, "%lld %lld", (long long)query_int(url, "input_words", 0),
             (long long)out_words);
    st = plx_response_add_header(resp, "x-local-usage", usage);
    if (st == PLX_OK)
        st = plx_response_add_header(resp, "x-local-model", "local");
    return st;
}

static plx_status compute(const local_state *ls, const char *op, const char *url,
                          const char *body, size_t len, plx_jw *w, plx_response *resp)
{
    if (strcmp(op, "sentiment") == 0)
        lx_sentiment(w, body, len);
    else if (strcmp(op, "language") == 0)
        lx_language(w, body, len);
    else if (strcmp(op, "summarize") == 0)
        return lx_summarize(w, body, len,
                            (int)query_int(url, "max_sentences", DEFAULT_SUMMARY_SENTENCES),
                            NULL);
    else if (strcmp(op, "classify") == 0)
        return lx_classify(w, body, len, (size_t)query_int(url, "labels", 0),
                           query_int(url, "default", 0) != 0);
    else if (strcmp(op, "embed") == 0)
        return run_embed(w, body, len, url, resp);
    else if (strcmp(op, "chat") == 0)
        return run_chat(w, ls, body, len, url, resp);
    else
        return PLX_EINTERNAL;
    return PLX_OK;
}

static plx_status local_send(const plx_request *req, plx_response *resp, void *user_data)
{
    static const char prefix[] = "http://local/";
    const char *url = plx_request_url(req);
    if (strncmp(url, prefix, sizeof prefix - 1) != 0) {
        plx_response_set_error_message(resp, "not a request of kind 'local'");
        return PLX_EINTERNAL;
    }
    char op[32];
    const char *path = url + sizeof prefix - 1;
    size_t n = strcspn(path, "?");
    snprintf(op, sizeof op, "%.*s", (int)(n < sizeof op ? n : sizeof op - 1), path);
    size_t len = 0;
    const char *body = plx_request_body(req, &len);
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_status st = compute(user_data, op, url, body ? body : "", body ? len : 0, &w, resp);
    plx_jw_end(&w);
    char *json = plx_jw_finish(&w);
    if (st == PLX_OK && !json)
        st = PLX_ENOMEM;
    if (st == PLX_OK)
        st = plx_response_set_status(resp, 200);
    if (st == PLX_OK)
        st = plx_response_add_header(resp, "content-type", "application/json");
    if (st == PLX_OK)
        st = plx_response_append_body(resp, json, strlen(json));
    plx_free(json);
    if (st != PLX_OK)
        plx_response_set_error_message(resp, st == PLX_ENOMEM ? "out of memory"
                                             : "local computation failed");
    return st;
}

/* ---- configure ---- */

static void state_free(void *state)
{
    local_state *ls = state;
    if (ls)
        free(ls->chat_prefix);
    free(ls);
}

static plx_status local_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                  void **state)
{
    local_state *ls = calloc(1, sizeof *ls);
    if (!ls)
        return PLX_ENOMEM;
    ls->dimensions = DEFAULT_DIMENSIONS;
    ls->max_text_bytes = DEFAULT_MAX_TEXT_BYTES;
    const char *prefix = DEFAULT_CHAT_PREFIX;
    plx_status st = plx_cfg_int(cfg, config, "dimensions", 1, MAX_DIMENSIONS, &ls->dimensions);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, config, "max_text_bytes", 1, INT64_C(1) << 30,
                         &ls->max_text_bytes);
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, config, "chat_prefix", &prefix);
    if (st == PLX_OK && !plx_utf8_valid(prefix, strlen(prefix)))
        st = plx_cfg_fail(cfg, "chat_prefix", "not valid UTF-8");
    if (st == PLX_OK && !(ls->chat_prefix = plx_strdup(prefix)))
        st = PLX_ENOMEM;
    plx_transport_funcs *t = NULL;
    if (st == PLX_OK)
        st = plx_transport_funcs_new(&t);
    if (st == PLX_OK &&
        (st = plx_transport_funcs_set_send(t, local_send, ls, state_free)) == PLX_OK) {
        plx_transport_funcs_make_immutable(t);
        p->kind_transport = t;  /* owns the state; the provider unrefs it */
        *state = ls;
        return PLX_OK;
    }
    plx_transport_funcs_unref(t);
    state_free(ls);
    return st;
}

/* ---- build: check the request and encode it ---- */

static plx_status bad(const plx_provider *p, const char *field, const char *what)
{
    return plx_fail(p->ctx, PLX_EINVAL, "request.%s: %s", field, what);
}

static plx_status check_keys(const plx_provider *p, const cJSON *request,
                             const char *const *keys)
{
    plx_cfg cfg = {p->ctx, "request"};
    return plx_cfg_check_keys(&cfg, request, keys) == PLX_OK ? PLX_OK : PLX_EINVAL;
}

/* An optional integer member in [min, max]. */
static plx_status get_int(const plx_provider *p, const cJSON *request, const char *key,
                          int64_t min, int64_t max, int64_t *out)
{
    plx_cfg cfg = {p->ctx, "request"};
    return plx_cfg_int(&cfg, request, key, min, max, out) == PLX_OK ? PLX_OK : PLX_EINVAL;
}

/* Valid UTF-8; ASCII, the common case, is checked 8 bytes at a time. */
static bool utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    for (uint64_t v; i + 8 <= len; i += 8) {
        memcpy(&v, s + i, 8);
        if (v & UINT64_C(0x8080808080808080))
            break;
    }
    return i == len || plx_utf8_valid(s + i, len - i);
}

typedef enum text_problem {
    TEXT_OK,
    TEXT_MISSING,
    TEXT_NOT_STRING,
    TEXT_TOO_BIG,
    TEXT_NOT_UTF8
} text_problem;

/* What is wrong with a text, if anything: it must be a string of valid
 * UTF-8 of at most max_text_bytes. No message, so that loops format a
 * field name only for the one that fails. */
static text_problem text_check(const plx_provider *p, const cJSON *v, size_t *len)
{
    const local_state *ls = p->kind_state;
    if (!v)
        return TEXT_MISSING;
    if (!cJSON_IsString(v))
        return TEXT_NOT_STRING;
    *len = strlen(v->valuestring);
    if ((int64_t)*len > ls->max_text_bytes)
        return TEXT_TOO_BIG;
    return utf8_valid(v->valuestring, *len) ? TEXT_OK : TEXT_NOT_UTF8;
}

static plx_status text_fail(const plx_provider *p, text_problem why, const char *field,
                            size_t len)
{
    const local_state *ls = p->kind_state;
    switch (why) {
    case TEXT_MISSING:
        return bad(p, field, "missing (expected a string)");
    case TEXT_NOT_STRING:
        return bad(p, field, "expected a string");
    case TEXT_TOO_BIG:
        return plx_fail(p->ctx, PLX_EINVAL, "request.%s: %zu bytes, more than "
                        "max_text_bytes (%lld)", field, len, (long long)ls->max_text_bytes);
    default:
        return bad(p, field, "not valid UTF-8");
    }
}

static plx_status check_text(const plx_provider *p, const cJSON *v, const char *field,
                             size_t *len)
{
    text_problem why = text_check(p, v, len);
    return why == TEXT_OK ? PLX_OK : text_fail(p, why, field, *len);
}

/* A request to url whose body is data (taken when own, else copied). */
static plx_status make_request(const plx_provider *p, const char *url, void *data,
                               size_t len, bool own, plx_request **out)
{
    plx_status st = plx_provider_request(p, "POST", url, out);
    if (st == PLX_OK && own)
        plx_request_take_body(*out, data, len);
    else if (st == PLX_OK)
        st = plx_request_set_body(*out, data, len);
    else if (own)
        free(data);
    if (st != PLX_OK) {
        plx_request_free(*out);
        *out = NULL;
    }
    return st;
}

/* sentiment, language: {text}; summarize: {text, max_sentences?}. */
static plx_status build_text_op(const plx_provider *p, const char *op, const cJSON *request,
                                plx_request **out)
{
    static const char *const keys[] = {"text", NULL};
    static const char *const summarize_keys[] = {"text", "max_sentences", NULL};
    bool summarize = strcmp(op, "summarize") == 0;
    int64_t sentences = DEFAULT_SUMMARY_SENTENCES;
    size_t len = 0;
    plx_status st = check_keys(p, request, summarize ? summarize_keys : keys);
    if (st == PLX_OK)
        st = get_int(p, request, "max_sentences", 1, 1000, &sentences);
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(request, "text");
    if (st == PLX_OK)
        st = check_text(p, text, "text", &len);
    if (st != PLX_OK)
        return st;
    char url[96];
    if (summarize)
        snprintf(url, sizeof url, "http://local/summarize?max_sentences=%lld",
                 (long long)sentences);
    else
        snprintf(url, sizeof url, "http://local/%s", op);
    return make_request(p, url, text->valuestring, len, false, out);
}

/* One label of the object form into the body: its name, the number of
 * keywords, the keywords. */
static plx_status add_keywords(const plx_provider *p, const cJSON *list, plx_buf *body)
{
    const char *label = list->string;
    char field[160], count[24];
    if (!utf8_valid(label, strlen(label)))
        return bad(p, "labels", "a label name is not valid UTF-8");
    if (!cJSON_IsArray(list)) {
        snprintf(field, sizeof field, "labels.%s", label);
        return bad(p, field, "expected an array of keywords (strings)");
    }
    snprintf(count, sizeof count, "%d", cJSON_GetArraySize(list));
    plx_status st = plx_buf_append(body, label, strlen(label) + 1);
    if (st == PLX_OK)
        st = plx_buf_append(body, count, strlen(count) + 1);
    int i = 0;
    const cJSON *kw;
    cJSON_ArrayForEach(kw, list) {
        size_t len = 0;
        text_problem why = text_check(p, kw, &len);
        if (why != TEXT_OK) {
            snprintf(field, sizeof field, "labels.%s[%d]", label, i);
            return text_fail(p, why, field, len);
        }
        if (st == PLX_OK)
            st = plx_buf_append(body, kw->valuestring, len + 1);
        i++;
    }
    return st;
}

/* The labels into the body: {label: [keywords]} or [label, ...]. */
static plx_status add_labels(const plx_provider *p, const cJSON *labels, plx_buf *body)
{
    if (!(cJSON_IsObject(labels) || cJSON_IsArray(labels)) || !labels->child)
        return bad(p, "labels", "expected a non-empty object {label: [keywords]} or a "
                   "non-empty array of labels");
    plx_status st = PLX_OK;
    int i = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, labels) {
        size_t len = 0;
        if (cJSON_IsObject(labels)) {
            st = add_keywords(p, l, body);
        } else {
            text_problem why = text_check(p, l, &len);
            char field[48];
            snprintf(field, sizeof field, "labels[%d]", i);
            if (why != TEXT_OK)
                return text_fail(p, why, field, len);
            st = plx_buf_append(body, l->valuestring, len + 1);
            if (st == PLX_OK)
                st = plx_buf_append(body, "-", 2);
        }
        if (st != PLX_OK)
            return st;
        i++;
    }
    return PLX_OK;
}

/* {text, labels: {label: [keywords]} | [label, ...], default?} */
static plx_status build_classify(const plx_provider *p, const cJSON *request,
                                 plx_request **out)
{
    static const char *const keys[] = {"text", "labels", "default", NULL};
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(request, "text");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(request, "labels");
    const cJSON *fallback = cJSON_GetObjectItemCaseSensitive(request, "default");
    size_t len = 0, default_len = 0;
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = check_text(p, text, "text", &len);
    if (st == PLX_OK && fallback)
        st = check_text(p, fallback, "default", &default_len);
    plx_buf body = {0};
    if (st == PLX_OK)
        st = plx_buf_append(&body, text->valuestring, len + 1);
    if (st == PLX_OK && fallback)
        st = plx_buf_append(&body, fallback->valuestring, default_len + 1);
    if (st == PLX_OK)
        st = add_labels(p, labels, &body);
    if (st != PLX_OK) {
        plx_buf_free(&body);
        return st;
    }
    char url[96];
    snprintf(url, sizeof url, "http://local/classify?labels=%d&default=%d",
             cJSON_GetArraySize(labels), fallback ? 1 : 0);
    len = body.len;
    return make_request(p, url, plx_buf_steal(&body), len, true, out);
}

/* {input: "text" | ["text", ...], model?, dimensions?} */
static plx_status build_embed(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"input", "model", "dimensions", NULL};
    const local_state *ls = p->kind_state;
    int64_t dims = ls->dimensions;
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = get_int(p, request, "dimensions", 1, MAX_DIMENSIONS, &dims);
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(request, "model");
    if (st == PLX_OK && model && !cJSON_IsString(model))
        st = bad(p, "model", "expected a string");
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(request, "input");
    bool list = cJSON_IsArray(input);
    if (st == PLX_OK && list && (!input->child || cJSON_GetArraySize(input) > MAX_INPUTS))
        st = plx_fail(p->ctx, PLX_EINVAL, "request.input: expected 1 to %d strings",
                      MAX_INPUTS);
    int count = list ? cJSON_GetArraySize(input) : 1;
    if (st == PLX_OK && (int64_t)count * dims > MAX_NUMBERS)
        st = plx_fail(p->ctx, PLX_EINVAL, "request.input: %d inputs of %lld dimensions are "
                      "more than %d numbers; split the call", count, (long long)dims,
                      MAX_NUMBERS);
    if (st != PLX_OK)
        return st;
    plx_buf body = {0};
    int n = 0;
    for (const cJSON *v = list ? input->child : input; st == PLX_OK && (v || !n);
         v = list ? v->next : NULL) {
        size_t len = 0;
        text_problem why = text_check(p, v, &len);
        if (why != TEXT_OK) {
            char field[32];
            snprintf(field, sizeof field, list ? "input[%d]" : "input", n);
            st = text_fail(p, why, field, len);
        } else {
            st = plx_buf_append(&body, v->valuestring, len + 1);
        }
        n++;
    }
    if (st != PLX_OK) {
        plx_buf_free(&body);
        return st;
    }
    char url[96];
    snprintf(url, sizeof url, "http://local/embed?n=%d&dimensions=%lld", n, (long long)dims);
    size_t len = body.len;
    return make_request(p, url, plx_buf_steal(&body), len, true, out);
}

static bool valid_role(const char *role)
{
    static const char *const roles[] = {"system", "user", "assistant", "tool"};
    for (size_t i = 0; i < PLX_ARRAY_LEN(roles); i++)
        if (strcmp(role, roles[i]) == 0)
            return true;
    return false;
}

/* Fails with "request.messages[i].<member>: what". */
static plx_status bad_message(const plx_provider *p, int i, const char *member,
                              const char *what)
{
    char field[64];
    snprintf(field, sizeof field, "messages[%d]%s", i, member);
    return bad(p, field, what);
}

/* Checks messages; finds the last user message and counts the words of all. */
static plx_status check_messages(const plx_provider *p, const cJSON *messages,
                                 const cJSON **last_user, size_t *words)
{
    if (!cJSON_IsArray(messages) || !messages->child)
        return bad(p, "messages", "expected a non-empty array of {role, content}");
    int i = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, messages) {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
        if (!cJSON_IsObject(m))
            return bad_message(p, i, "", "expected an object {role, content}");
        if (!cJSON_IsString(role) || !valid_role(role->valuestring))
            return bad_message(p, i, ".role", "expected one of system, user, assistant, tool");
        bool assistant = strcmp(role->valuestring, "assistant") == 0;
        size_t len = 0;
        text_problem why = (!content || cJSON_IsNull(content)) && assistant
                           ? TEXT_OK : text_check(p, content, &len);
        if (why != TEXT_OK) {
            char field[64];
            snprintf(field, sizeof field, "messages[%d].content", i);
            return text_fail(p, why, field, len);
        }
        i++;
        if (!cJSON_IsString(content))
            continue;               /* an assistant turn with only tool calls */
        *words += lx_count_words(content->valuestring, len);
        if (strcmp(role->valuestring, "user") == 0)
            *last_user = content;
    }
    if (!*last_user)
        return bad(p, "messages", "no message with role 'user'");
    return PLX_OK;
}

/* stop: a string or an array of strings; appended to body, NUL after each. */
static plx_status add_stops(const plx_provider *p, const cJSON *stop, plx_buf *body,
                            size_t *count)
{
    if (!stop || cJSON_IsNull(stop))
        return PLX_OK;
    bool list = cJSON_IsArray(stop);
    if (!list && !cJSON_IsString(stop))
        return bad(p, "stop", "expected a string or an array of strings");
    int i = 0;
    for (const cJSON *s = list ? stop->child : stop; s; s = list ? s->next : NULL) {
        char field[32];
        size_t len;
        snprintf(field, sizeof field, list ? "stop[%d]" : "stop", i++);
        plx_status st = check_text(p, s, field, &len);
        if (st == PLX_OK)
            st = plx_buf_append(body, s->valuestring, len + 1);
        if (st != PLX_OK)
            return st;
        (*count)++;
    }
    return PLX_OK;
}

/* The canonical chat request (docs/OPERATIONS.md); the options a model
 * would use are type-checked and otherwise ignored. */
static plx_status check_chat_options(const plx_provider *p, const cJSON *request)
{
    static const char *const numbers[] = {"temperature", "top_p"};
    for (size_t i = 0; i < PLX_ARRAY_LEN(numbers); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(request, numbers[i]);
        if (v && !cJSON_IsNumber(v))
            return bad(p, numbers[i], "expected a number");
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(request, "model");
    const cJSON *tools = cJSON_GetObjectItemCaseSensitive(request, "tools");
    const cJSON *choice = cJSON_GetObjectItemCaseSensitive(request, "tool_choice");
    if (model && !cJSON_IsString(model))
        return bad(p, "model", "expected a string");
    if (tools && !cJSON_IsArray(tools))
        return bad(p, "tools", "expected an array");
    if (choice && !cJSON_IsString(choice) && !cJSON_IsObject(choice))
        return bad(p, "tool_choice", "expected a string or an object");
    return PLX_OK;
}

static plx_status build_chat(const plx_provider *p, const cJSON *request, plx_request **out)
{
    static const char *const keys[] = {"model", "messages", "max_tokens", "temperature",
                                       "top_p", "stop", "tools", "tool_choice", NULL};
    int64_t max_tokens = 0;
    const cJSON *user = NULL;
    size_t words = 0, stops = 0;
    plx_status st = check_keys(p, request, keys);
    if (st == PLX_OK)
        st = check_chat_options(p, request);
    if (st == PLX_OK)
        st = get_int(p, request, "max_tokens", 1, INT32_MAX, &max_tokens);
    if (st == PLX_OK)
        st = check_messages(p, cJSON_GetObjectItemCaseSensitive(request, "messages"), &user,
                            &words);
    plx_buf body = {0};
    if (st == PLX_OK)
        st = plx_buf_append(&body, user->valuestring, strlen(user->valuestring) + 1);
    if (st == PLX_OK)
        st = add_stops(p, cJSON_GetObjectItemCaseSensitive(request, "stop"), &body, &stops);
    if (st != PLX_OK) {
        plx_buf_free(&body);
        return st;
    }
    char url[128];
    snprintf(url, sizeof url, "http://local/chat?max_tokens=%lld&input_words=%zu&stops=%zu",
             (long long)max_tokens, words, stops);
    size_t len = body.len;
    return make_request(p, url, plx_buf_steal(&body), len, true, out);
}

static plx_status local_build(const plx_provider *p, const char *op, const cJSON *request,
                              plx_request **out)
{
    if (strcmp(op, "sentiment") == 0 || strcmp(op, "language") == 0 ||
        strcmp(op, "summarize") == 0)
        return build_text_op(p, op, request, out);
    if (strcmp(op, "classify") == 0)
        return build_classify(p, request, out);
    if (strcmp(op, "embed") == 0)
        return build_embed(p, request, out);
    if (strcmp(op, "chat") == 0)
        return build_chat(p, request, out);
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'local' has no op '%s' (ops: %s)", op,
                    OPS);
}

/* ---- parse: the computed object's members go into the result ---- */

static void read_usage(const plx_response *resp, plx_usage *u)
{
    const char *usage = plx_response_header(resp, "x-local-usage");
    const char *model = plx_response_header(resp, "x-local-model");
    long long in, out;
    if (usage && sscanf(usage, "%lld %lld", &in, &out) == 2) {
        u->input_tokens = in;
        u->output_tokens = out;
    }
    if (model)
        snprintf(u->model, sizeof u->model, "%s", model);
}

static plx_status local_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    (void)op;
    size_t len = 0;
    const char *body = plx_response_body(r->resp, &len);
    if (r->failed) {
        plx_excerpt(body, len, 200, r->service_message, sizeof r->service_message);
        return PLX_OK;
    }
    while (len && (*body == ' ' || *body == '\n'))
        body++, len--;
    while (len && (body[len - 1] == ' ' || body[len - 1] == '\n'))
        len--;
    bool object = len >= 2 && body[0] == '{' && body[len - 1] == '}';
    if (object && p->transport) {
        /* Another transport answered for this provider: check, not trust. */
        cJSON *json = plx_json_parse_exact(body, len);
        object = cJSON_IsObject(json);
        cJSON_Delete(json);
    }
    if (!object)
        return plx_fail(p->ctx, PLX_EPROTOCOL, "reply of kind 'local' is not a JSON object");
    const char *inner = body + 1;
    size_t n = len - 2;
    while (n && (*inner == ' ' || *inner == '\n'))
        inner++, n--;
    if (n)
        plx_jw_raw(r->out, NULL, inner, n);
    read_usage(r->resp, &r->usage);
    return PLX_OK;
}

const plx_kind plx_kind_local = {
    .name = "local",
    .config_keys = CONFIG_KEYS,
    .configure = local_configure,
    .build = local_build,
    .parse = local_parse,
    .no_cost = true,
};
