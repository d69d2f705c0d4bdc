/* Templates: a JSON value whose strings may hold {{references}}. Compiled
 * once: subtrees without references become constant JSON text; a string
 * that is exactly one reference keeps the referenced value's JSON type; a
 * reference inside a longer string is stringified. Rendering writes JSON
 * text straight into a writer (no intermediate tree). */
#include "pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum tn_kind { TN_CONST, TN_REF, TN_STRING, TN_OBJECT, TN_ARRAY } tn_kind;

typedef struct pl_part {
    char *lit;          /* literal text, or NULL for a reference */
    size_t len;
    pl_ref ref;
} pl_part;

struct pl_tmpl {
    tn_kind kind;
    char *where;        /* place in the definition, for messages */
    char *key;          /* member name inside an object */
    char *text;         /* TN_CONST: compact JSON */
    pl_ref ref;         /* TN_REF */
    pl_part *parts;     /* TN_STRING */
    size_t nparts;
    pl_tmpl **kids;     /* TN_OBJECT, TN_ARRAY */
    size_t nkids;
};

static bool has_refs(const cJSON *v)
{
    if (cJSON_IsString(v))
        return strstr(v->valuestring, "{{") != NULL;
    const cJSON *c;
    cJSON_ArrayForEach(c, v)
        if (has_refs(c))
            return true;
    return false;
}

void pl_tmpl_free(pl_tmpl *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nparts; i++) {
        free(t->parts[i].lit);
        pl_ref_free(&t->parts[i].ref);
    }
    for (size_t i = 0; i < t->nkids; i++)
        pl_tmpl_free(t->kids[i]);
    pl_ref_free(&t->ref);
    free(t->parts);
    free(t->kids);
    free(t->where);
    free(t->key);
    free(t->text);
    free(t);
}

static plx_status add_part(pl_tmpl *t, pl_part part)
{
    pl_part *parts = realloc(t->parts, (t->nparts + 1) * sizeof *parts);
    if (!parts) {
        free(part.lit);
        pl_ref_free(&part.ref);
        return PLX_ENOMEM;
    }
    t->parts = parts;
    t->parts[t->nparts++] = part;
    return PLX_OK;
}

static plx_status add_literal(pl_tmpl *t, const char *s, size_t len)
{
    if (len == 0)
        return PLX_OK;
    pl_part part = {.lit = plx_strndup(s, len), .len = len};
    return part.lit ? add_part(t, part) : PLX_ENOMEM;
}

/* Splits a string into literal parts and references. */
static plx_status compile_string(plx_pipeline *pl, pl_tmpl *t, const char *s)
{
    plx_status st = PLX_OK;
    while (st == PLX_OK && *s) {
        const char *open = strstr(s, "{{");
        if (!open)
            return add_literal(t, s, strlen(s));
        const char *close = strstr(open + 2, "}}");
        if (!close)
            return plx_fail(pl->ctx, PLX_ECONFIG, "%s: '{{' without '}}'", t->where);
        st = add_literal(t, s, (size_t)(open - s));
        pl_part part = {0};
        if (st == PLX_OK)
            st = pl_ref_parse(pl, open + 2, (size_t)(close - open - 2), t->where, &part.ref);
        if (st == PLX_OK)
            st = add_part(t, part);
        s = close + 2;
    }
    if (st == PLX_OK && t->nparts == 1 && !t->parts[0].lit) {
        t->kind = TN_REF; /* exactly one reference: keeps the JSON type */
        t->ref = t->parts[0].ref;
        free(t->parts);
        t->parts = NULL;
        t->nparts = 0;
    }
    return st;
}

static plx_status compile_node(plx_pipeline *pl, const cJSON *json, const char *where,
                               pl_tmpl **out);

static plx_status compile_kids(plx_pipeline *pl, pl_tmpl *t, const cJSON *json)
{
    int n = cJSON_GetArraySize(json);
    t->kids = calloc((size_t)n + 1, sizeof *t->kids);
    if (!t->kids)
        return PLX_ENOMEM;
    const cJSON *c;
    int i = 0;
    cJSON_ArrayForEach(c, json) {
        char where[512];
        if (t->kind == TN_OBJECT)
            snprintf(where, sizeof where, "%s.%s", t->where, c->string);
        else
            snprintf(where, sizeof where, "%s[%d]", t->where, i);
        plx_status st = compile_node(pl, c, where, &t->kids[t->nkids]);
        if (st != PLX_OK)
            return st;
        t->nkids++;
        i++;
    }
    return PLX_OK;
}

static plx_status compile_node(plx_pipeline *pl, const cJSON *json, const char *where,
                               pl_tmpl **out)
{
    pl_tmpl *t = calloc(1, sizeof *t);
    if (!t || !(t->where = plx_strdup(where)) ||
        (json->string && !(t->key = plx_strdup(json->string)))) {
        pl_tmpl_free(t);
        return PLX_ENOMEM;
    }
    plx_status st = PLX_OK;
    if (!has_refs(json)) {
        t->kind = TN_CONST;
        if (!(t->text = plx_json_print(json)))
            st = PLX_ENOMEM;
    } else if (cJSON_IsString(json)) {
        t->kind = TN_STRING;
        st = compile_string(pl, t, json->valuestring);
    } else {
        t->kind = cJSON_IsObject(json) ? TN_OBJECT : TN_ARRAY;
        st = compile_kids(pl, t, json);
    }
    if (st != PLX_OK) {
        pl_tmpl_free(t);
        return st;
    }
    *out = t;
    return PLX_OK;
}

plx_status pl_tmpl_compile(plx_pipeline *pl, const cJSON *json, const char *where,
                           pl_tmpl **out)
{
    *out = NULL;
    plx_status st = compile_node(pl, json, where, out);
    if (*out) {
        free((*out)->key); /* the top has no member name */
        (*out)->key = NULL;
    }
    return st;
}

void pl_tmpl_each_ref(const pl_tmpl *t, pl_ref_fn fn, void *ud)
{
    if (t->kind == TN_REF && t->ref.kind != PL_REF_INPUT)
        fn(&t->ref, ud);
    for (size_t i = 0; i < t->nparts; i++)
        if (!t->parts[i].lit && t->parts[i].ref.kind != PL_REF_INPUT)
            fn(&t->parts[i].ref, ud);
    for (size_t i = 0; i < t->nkids; i++)
        pl_tmpl_each_ref(t->kids[i], fn, ud);
}

/* ---- rendering ---- */

void pl_jw_cjson(plx_jw *w, const char *key, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        plx_jw_string(w, key, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            plx_jw_int(w, key, (int64_t)d);
        else
            plx_jw_double(w, key, d);
    } else if (cJSON_IsBool(v)) {
        plx_jw_bool(w, key, cJSON_IsTrue(v));
    } else if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        bool object = cJSON_IsObject(v);
        object ? plx_jw_begin(w, key) : plx_jw_begin_array(w, key);
        const cJSON *c;
        cJSON_ArrayForEach(c, v)
            pl_jw_cjson(w, object ? c->string : NULL, c);
        object ? plx_jw_end(w) : plx_jw_end_array(w);
    } else if (cJSON_IsRaw(v)) {
        plx_jw_raw(w, key, v->valuestring, strlen(v->valuestring));
    } else {
        plx_jw_null(w, key);
    }
}

void pl_jw_round(plx_jw *w, const char *key, double v, double scale)
{
    plx_jw_double(w, key, round(v * scale) / scale);
}

static plx_status unresolved(plx_ctx *ctx, const pl_tmpl *t, const pl_ref *r,
                             const pl_scope *s)
{
    size_t depth = 0;
    const cJSON *base = r->kind == PL_REF_INPUT    ? s->input
                        : r->kind == PL_REF_ERROR ? s->steps[r->step].error
                                                  : s->steps[r->step].output;
    if (base)
        pl_path_get(base, &r->path, &depth);
    const pl_seg *seg = depth < r->path.n ? &r->path.segs[depth] : NULL;
    if (seg && seg->key)
        return plx_fail(ctx, PLX_EINVAL, "%s: {{%s}}: no '%s' there", t->where, r->text,
                        seg->key);
    if (seg)
        return plx_fail(ctx, PLX_EINVAL, "%s: {{%s}}: no item [%ld] there", t->where, r->text,
                        seg->index);
    return plx_fail(ctx, PLX_EINVAL, "%s: {{%s}} does not resolve", t->where, r->text);
}

/* Appends v as text: strings as they are, anything else as compact JSON. */
static void stringify(plx_buf *b, const cJSON *v, plx_status *st)
{
    if (cJSON_IsString(v)) {
        if (*st == PLX_OK)
            *st = plx_buf_append_str(b, v->valuestring);
        return;
    }
    plx_jw w = {0};
    pl_jw_cjson(&w, NULL, v);
    char *text = plx_jw_finish(&w);
    if (!text && *st == PLX_OK)
        *st = PLX_ENOMEM;
    if (text && *st == PLX_OK)
        *st = plx_buf_append_str(b, text);
    plx_free(text);
}

static plx_status render_string(const pl_tmpl *t, const pl_scope *s, plx_ctx *ctx, plx_jw *w,
                                const char *key)
{
    plx_buf b = {0};
    plx_status st = PLX_OK;
    for (size_t i = 0; i < t->nparts && st == PLX_OK; i++) {
        const pl_part *p = &t->parts[i];
        if (p->lit) {
            st = plx_buf_append(&b, p->lit, p->len);
            continue;
        }
        const cJSON *v = pl_ref_resolve(&p->ref, s);
        if (!v)
            st = unresolved(ctx, t, &p->ref, s);
        else
            stringify(&b, v, &st);
    }
    if (st == PLX_OK)
        plx_jw_string(w, key, b.data ? b.data : "", b.len);
    plx_buf_free(&b);
    return st;
}

plx_status pl_tmpl_render(const pl_tmpl *t, const pl_scope *s, plx_ctx *ctx, plx_jw *w,
                          const char *key)
{
    switch (t->kind) {
    case TN_CONST:
        plx_jw_raw(w, key, t->text, strlen(t->text));
        return PLX_OK;
    case TN_REF: {
        const cJSON *v = pl_ref_resolve(&t->ref, s);
        if (!v)
            return unresolved(ctx, t, &t->ref, s);
        pl_jw_cjson(w, key, v);
        return PLX_OK;
    }
    case TN_STRING:
        return render_string(t, s, ctx, w, key);
    default:
        break;
    }
    bool object = t->kind == TN_OBJECT;
    object ? plx_jw_begin(w, key) : plx_jw_begin_array(w, key);
    for (size_t i = 0; i < t->nkids; i++) {
        plx_status st = pl_tmpl_render(t->kids[i], s, ctx, w, object ? t->kids[i]->key : NULL);
        if (st != PLX_OK)
            return st;
    }
    object ? plx_jw_end(w) : plx_jw_end_array(w);
    return PLX_OK;
}
