/* Code shared by the ML serving kinds. */
#include "ml.h"
#include "../crypto/crypto.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXCERPT_MAX 200

/* A version given as a string or an integer >= 0, as text. */
static bool version_text(const cJSON *v, char *buf, size_t cap)
{
    if (cJSON_IsString(v) && v->valuestring[0]) {
        snprintf(buf, cap, "%s", v->valuestring);
        return true;
    }
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15 &&
        v->valuedouble == floor(v->valuedouble)) {
        snprintf(buf, cap, "%lld", (long long)v->valuedouble);
        return true;
    }
    return false;
}

plx_status plx_ml_defaults_read(const plx_cfg *cfg, const cJSON *config, plx_ml_defaults *d)
{
    const char *model = NULL;
    plx_status st = plx_cfg_string(cfg, config, "model", &model);
    if (st != PLX_OK)
        return st;
    if (model && !(d->model = plx_strdup(model)))
        return PLX_ENOMEM;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(config, "version");
    char buf[64];
    if (v && !version_text(v, buf, sizeof buf))
        return plx_cfg_fail(cfg, "version", "expected a non-empty string or an integer >= 0");
    if (v && !(d->version = plx_strdup(buf)))
        return PLX_ENOMEM;
    return PLX_OK;
}

void plx_ml_defaults_free(plx_ml_defaults *d)
{
    free(d->model);
    free(d->version);
    d->model = d->version = NULL;
}

plx_status plx_ml_model(const plx_provider *p, const cJSON *request, const plx_ml_defaults *d,
                        const char **out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(request, "model");
    if (m && (!cJSON_IsString(m) || !m->valuestring[0]))
        return plx_fail(p->ctx, PLX_EINVAL, "request.model: expected a non-empty string");
    *out = m ? m->valuestring : d->model;
    if (!*out)
        return plx_fail(p->ctx, PLX_EINVAL, "request.model: missing (name the model in the "
                        "request or in the provider's \"model\" key)");
    return PLX_OK;
}

plx_status plx_ml_version(const plx_provider *p, const cJSON *request,
                          const plx_ml_defaults *d, char *buf, size_t cap, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(request, "version");
    *out = NULL;
    if (!v) {
        *out = d->version;
        return PLX_OK;
    }
    if (!version_text(v, buf, cap))
        return plx_fail(p->ctx, PLX_EINVAL,
                        "request.version: expected a non-empty string or an integer >= 0");
    *out = buf;
    return PLX_OK;
}

plx_status plx_ml_append_segment(plx_buf *b, const char *s)
{
    plx_status st = plx_buf_append(b, "/", 1);
    return st == PLX_OK ? plx_url_encode(b, s, strlen(s), false) : st;
}

const char *plx_ml_url_after(const plx_request *req, const char *marker)
{
    const char *url = req ? plx_request_url(req) : NULL;
    const char *scheme = url ? strstr(url, "://") : NULL;
    if (!scheme)
        return NULL;
    const char *path = strchr(scheme + 3, '/');
    const char *query = path ? strchr(path, '?') : NULL;
    const char *found = NULL;
    size_t mlen = strlen(marker);
    for (const char *at = path; at && (at = strstr(at, marker)) && (!query || at < query);
         at++)
        found = at + mlen;
    return found;
}

static int hex_value(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c)
                                                 ? tolower((unsigned char)c) - 'a' + 10 : -1;
}

const char *plx_ml_segment(const char *s, char *dst, size_t cap)
{
    size_t n = 0;
    for (; *s && *s != '/' && *s != ':' && *s != '?'; s++) {
        char c = *s;
        if (c == '%' && hex_value(s[1]) >= 0 && hex_value(s[2]) >= 0) {
            c = (char)(hex_value(s[1]) * 16 + hex_value(s[2]));
            s += 2;
        }
        if (n + 1 < cap)
            dst[n++] = c;
    }
    if (cap)
        dst[n] = '\0';
    return s;
}

plx_status plx_ml_one_of(const plx_provider *p, const cJSON *request, const char *const *keys,
                         const cJSON **item, const char **key)
{
    *item = NULL;
    char list[128] = "";
    size_t used = 0;
    for (const char *const *k = keys; *k && used < sizeof list; k++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 k == keys ? "" : k[1] ? ", " : " or ", *k);
    for (const char *const *k = keys; *k; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(request, *k);
        if (!v)
            continue;
        if (*item)
            return plx_fail(p->ctx, PLX_EINVAL, "request: give only one of %s; it has both "
                            "\"%s\" and \"%s\"", list, *key, *k);
        *item = v;
        *key = *k;
    }
    if (!*item)
        return plx_fail(p->ctx, PLX_EINVAL, "request: missing the model's input (one of %s)",
                        list);
    return PLX_OK;
}

/* ---- canonical inputs -------------------------------------------------- */

static bool is_b64(const cJSON *v)
{
    return cJSON_IsObject(v) && v->child && !v->child->next &&
           strcmp(v->child->string, "b64") == 0;
}

/* Rows that are objects: one tensor per name. */
static plx_status read_named_rows(const plx_ctx *ctx, const cJSON *rows_json, const char *path,
                                  plx_dtype want, plx_tensor_list *out)
{
    int n = cJSON_GetArraySize(rows_json);
    const cJSON *first = rows_json->child;
    const cJSON **rows = malloc((size_t)n * sizeof *rows);
    if (!rows)
        return PLX_ENOMEM;
    plx_status st = PLX_OK;
    int i = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows_json) {
        if (!cJSON_IsObject(row) || is_b64(row) ||
            cJSON_GetArraySize(row) != cJSON_GetArraySize(first)) {
            st = plx_fail(ctx, PLX_EINVAL, "%s[%d]: expected an object with the same names "
                          "as %s[0]", path, i, path);
            break;
        }
        i++;
    }
    const cJSON *key;
    for (key = first->child; key && st == PLX_OK; key = key->next) {
        i = 0;
        cJSON_ArrayForEach(row, rows_json) {
            rows[i] = cJSON_GetObjectItemCaseSensitive(row, key->string);
            if (!rows[i]) {
                st = plx_fail(ctx, PLX_EINVAL, "%s[%d]: missing \"%s\" (every row needs the "
                              "names of %s[0])", path, i, key->string, path);
                break;
            }
            i++;
        }
        char suffix[160];
        snprintf(suffix, sizeof suffix, ".%s", key->string);
        plx_tensor t;
        if (st == PLX_OK)
            st = plx_tensor_read_rows(ctx, key->string, rows, (size_t)n, want, path, suffix,
                                      &t);
        if (st == PLX_OK)
            st = plx_tensor_list_push(out, &t);
    }
    free(rows);
    return st;
}

plx_status plx_ml_read_rows(const plx_ctx *ctx, const cJSON *rows, const char *path,
                            plx_dtype want, const char *default_name, plx_tensor_list *out,
                            bool *named)
{
    if (!cJSON_IsArray(rows) || !rows->child)
        return plx_fail(ctx, PLX_EINVAL, "%s: expected a non-empty array of rows", path);
    *named = cJSON_IsObject(rows->child) && !is_b64(rows->child);
    if (*named)
        return read_named_rows(ctx, rows, path, want, out);
    plx_tensor t;
    plx_status st = plx_tensor_read_nested(ctx, default_name, rows, want, path, &t);
    return st == PLX_OK ? plx_tensor_list_push(out, &t) : st;
}

static plx_status read_instances(const plx_provider *p, const cJSON *instances, plx_dtype want,
                                 const char *default_name, plx_tensor_list *out,
                                 plx_ml_form *form)
{
    bool named = false;
    plx_status st = plx_ml_read_rows(p->ctx, instances, "request.instances", want,
                                     default_name, out, &named);
    *form = named ? PLX_ML_NAMED_ROWS : PLX_ML_ROWS;
    return st;
}

static plx_status read_tensor_list(const plx_provider *p, const cJSON *inputs,
                                   plx_tensor_list *out)
{
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, inputs) {
        char path[64];
        snprintf(path, sizeof path, "request.inputs[%d]", i++);
        plx_tensor t;
        plx_status st = plx_tensor_read_v2(p->ctx, item, path, &t);
        for (size_t j = 0; st == PLX_OK && j < out->count; j++)
            if (strcmp(out->items[j].name, t.name) == 0) {
                plx_tensor_free(&t);
                st = plx_fail(p->ctx, PLX_EINVAL, "%s: a second tensor named '%s'", path,
                              out->items[j].name);
            }
        if (st == PLX_OK)
            st = plx_tensor_list_push(out, &t);
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

static plx_status read_inputs(const plx_provider *p, const cJSON *inputs, plx_dtype want,
                              const char *default_name, plx_tensor_list *out,
                              plx_ml_form *form)
{
    plx_tensor t;
    plx_status st;
    if (cJSON_IsArray(inputs) && cJSON_IsObject(inputs->child) && !is_b64(inputs->child)) {
        *form = PLX_ML_TENSORS;
        return read_tensor_list(p, inputs, out);
    }
    if (cJSON_IsObject(inputs) && !is_b64(inputs)) {
        *form = PLX_ML_COLUMNS;
        if (!inputs->child)
            return plx_fail(p->ctx, PLX_EINVAL, "request.inputs: no inputs");
        const cJSON *c;
        cJSON_ArrayForEach(c, inputs) {
            char path[160];
            snprintf(path, sizeof path, "request.inputs.%s", c->string);
            st = plx_tensor_read_nested(p->ctx, c->string, c, want, path, &t);
            if (st == PLX_OK)
                st = plx_tensor_list_push(out, &t);
            if (st != PLX_OK)
                return st;
        }
        return PLX_OK;
    }
    *form = PLX_ML_COLUMN;
    st = plx_tensor_read_nested(p->ctx, default_name, inputs, want, "request.inputs", &t);
    return st == PLX_OK ? plx_tensor_list_push(out, &t) : st;
}

plx_status plx_ml_read_inputs(const plx_provider *p, const cJSON *request, plx_dtype want,
                              const char *default_name, plx_tensor_list *out,
                              plx_ml_form *form)
{
    const cJSON *instances = cJSON_GetObjectItemCaseSensitive(request, "instances");
    plx_status st = instances
        ? read_instances(p, instances, want, default_name, out, form)
        : read_inputs(p, cJSON_GetObjectItemCaseSensitive(request, "inputs"), want,
                      default_name, out, form);
    if (st != PLX_OK)
        plx_tensor_list_free(out);
    return st;
}

/* ---- bodies and replies ------------------------------------------------ */

plx_status plx_ml_json_body(plx_request *req, plx_jw *w)
{
    char *body = plx_jw_finish(w);
    if (!body)
        return PLX_ENOMEM;
    plx_request_take_body(req, body, strlen(body));
    return plx_request_set_header(req, "Content-Type", "application/json");
}

plx_status plx_ml_reply_json(const plx_provider *p, const plx_reply *r, cJSON **out)
{
    size_t len = 0;
    const char *body = plx_response_body(r->resp, &len);
    *out = len ? plx_json_parse_exact(body, len) : NULL;
    if (*out)
        return PLX_OK;
    char excerpt[EXCERPT_MAX + 8];
    plx_excerpt(body, len, 80, excerpt, sizeof excerpt);
    return plx_fail(p->ctx, PLX_EPROTOCOL, "the reply is not JSON: '%s'", excerpt);
}

static void copy_excerpt(const char *s, char *dst, size_t cap)
{
    plx_excerpt(s, strlen(s), EXCERPT_MAX, dst, cap);
}

void plx_ml_error(plx_reply *r)
{
    size_t len = 0;
    const char *body = plx_response_body(r->resp, &len);
    plx_excerpt(body, len, EXCERPT_MAX, r->service_message, sizeof r->service_message);
    cJSON *json = len ? plx_json_parse_exact(body, len) : NULL;
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(json, "error");
    const cJSON *msg = cJSON_IsObject(err) ? cJSON_GetObjectItemCaseSensitive(err, "message")
                                           : err;
    if (!cJSON_IsString(msg))
        msg = cJSON_GetObjectItemCaseSensitive(json, "message");
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(json, "detail");
    if (!cJSON_IsString(msg) && cJSON_IsArray(detail)) /* FastAPI's validation errors */
        msg = cJSON_GetObjectItemCaseSensitive(detail->child, "msg");
    else if (!cJSON_IsString(msg))
        msg = detail;
    if (cJSON_IsString(msg))
        copy_excerpt(msg->valuestring, r->service_message, sizeof r->service_message);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(json, "type");
    if (!cJSON_IsString(code) && cJSON_IsObject(err))
        code = cJSON_GetObjectItemCaseSensitive(err, "code");
    if (cJSON_IsString(code))
        copy_excerpt(code->valuestring, r->service_code, sizeof r->service_code);
    cJSON_Delete(json);
}

void plx_ml_write_predictions(plx_jw *w, const plx_tensor_list *outputs)
{
    if (!outputs->count || outputs->items[0].ndims == 0)
        return;
    int64_t rows = outputs->items[0].shape[0];
    for (size_t i = 0; i < outputs->count; i++)
        if (outputs->items[i].ndims == 0 || outputs->items[i].shape[0] != rows)
            return;
    plx_jw_begin_array(w, "predictions");
    for (int64_t r = 0; r < rows; r++) {
        if (outputs->count == 1) {
            plx_tensor_write_row(w, NULL, &outputs->items[0], r);
            continue;
        }
        plx_jw_begin(w, NULL);
        for (size_t i = 0; i < outputs->count; i++)
            plx_tensor_write_row(w, outputs->items[i].name, &outputs->items[i], r);
        plx_jw_end(w);
    }
    plx_jw_end_array(w);
}

void plx_ml_write_model(plx_jw *w, const char *model, const char *version)
{
    if (model && *model)
        plx_jw_string(w, "model", model, strlen(model));
    else
        plx_jw_null(w, "model");
    if (version && *version)
        plx_jw_string(w, "model_version", version, strlen(version));
    else
        plx_jw_null(w, "model_version");
}

/* The body of "raw": text, {"b64": ...} bytes, or any other JSON. */
plx_status plx_ml_raw_body(const plx_provider *p, const cJSON *raw, const cJSON *type,
                           plx_request *req)
{
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(raw, "b64");
    const char *ctype = "application/json";
    plx_buf body = {0};
    plx_status st;
    if (cJSON_IsString(raw)) {
        ctype = "text/plain; charset=utf-8";
        st = plx_buf_append_str(&body, raw->valuestring);
    } else if (cJSON_IsObject(raw) && cJSON_GetArraySize(raw) == 1 && cJSON_IsString(b64)) {
        ctype = "application/octet-stream";
        st = plx_base64_decode(&body, b64->valuestring, strlen(b64->valuestring));
        if (st == PLX_EINVAL)
            return plx_fail(p->ctx, st, "request.raw.b64: not valid base64");
    } else {
        char *text = cJSON_PrintUnformatted(raw);
        st = text ? plx_buf_append_str(&body, text) : PLX_ENOMEM;
        cJSON_free(text);
    }
    if (st != PLX_OK) {
        plx_buf_free(&body);
        return st;
    }
    size_t len = body.len;
    plx_request_take_body(req, plx_buf_steal(&body), len);
    return plx_request_set_header(req, "Content-Type",
                                  cJSON_IsString(type) ? type->valuestring : ctype);
}

plx_status plx_ml_write_any_outputs(plx_jw *w, const plx_response *resp)
{
    size_t len = 0;
    const char *body = plx_response_body(resp, &len);
    cJSON *json = len ? plx_json_parse_exact(body, len) : NULL;
    if (json) {
        plx_json_write_value(w, "outputs", json);
        const cJSON *inner = cJSON_GetObjectItemCaseSensitive(json, "predictions");
        if (cJSON_IsArray(json) || cJSON_IsArray(inner))
            plx_json_write_value(w, "predictions", cJSON_IsArray(json) ? json : inner);
        cJSON_Delete(json);
    } else if (plx_utf8_valid(body, len) && !memchr(body, '\0', len)) {
        plx_jw_string(w, "outputs", body ? body : "", len);
    } else {
        plx_buf b64 = {0};
        if (plx_base64_encode(&b64, body, len) != PLX_OK)
            return PLX_ENOMEM;
        plx_jw_string(w, "outputs_base64", b64.data, b64.len);
        plx_buf_free(&b64);
    }
    return PLX_OK;
}
