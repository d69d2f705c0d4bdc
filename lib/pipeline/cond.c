/* `when` conditions, deliberately small:
 *   true | false
 *   "{{ref}}"                          the value is truthy
 *   {"{{ref}}": VALUE, ...}            every reference equals its JSON value
 *   [COND, ...]                        any of them holds
 *   {"not": COND}                      negation
 * A reference that does not resolve is null here (never an error). */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum cond_kind { C_CONST, C_TRUTHY, C_EQ, C_ALL, C_ANY, C_NOT } cond_kind;

struct pl_cond {
    cond_kind kind;
    bool value;             /* C_CONST */
    pl_ref ref;             /* C_TRUTHY, C_EQ */
    cJSON *expect;          /* C_EQ */
    pl_cond **kids;         /* C_ALL, C_ANY, C_NOT */
    size_t nkids;
};

void pl_cond_free(pl_cond *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nkids; i++)
        pl_cond_free(c->kids[i]);
    free(c->kids);
    pl_ref_free(&c->ref);
    cJSON_Delete(c->expect);
    free(c);
}

/* A string that is exactly one {{reference}}. */
static plx_status exact_ref(plx_pipeline *pl, const char *s, const char *where, pl_ref *out)
{
    size_t len = strlen(s);
    if (len < 4 || memcmp(s, "{{", 2) != 0 || memcmp(s + len - 2, "}}", 2) != 0 ||
        strstr(s + 2, "{{") || strstr(s + 2, "}}") != s + len - 2)
        return plx_fail(pl->ctx, PLX_ECONFIG, "%s: '%s': expected exactly one {{reference}}",
                        where, s);
    return pl_ref_parse(pl, s + 2, len - 4, where, out);
}

static plx_status compile(plx_pipeline *pl, const cJSON *json, const char *where,
                          pl_cond **out);

static plx_status add_kid(plx_pipeline *pl, pl_cond *c, const cJSON *json, const char *where)
{
    pl_cond **kids = realloc(c->kids, (c->nkids + 1) * sizeof *kids);
    if (!kids)
        return PLX_ENOMEM;
    c->kids = kids;
    plx_status st = compile(pl, json, where, &c->kids[c->nkids]);
    if (st == PLX_OK)
        c->nkids++;
    return st;
}

static plx_status compile_eq(plx_pipeline *pl, pl_cond *c, const cJSON *item,
                             const char *where)
{
    char path[512];
    snprintf(path, sizeof path, "%s.%s", where, item->string);
    c->kind = C_EQ;
    plx_status st = exact_ref(pl, item->string, path, &c->ref);
    if (st == PLX_OK && !(c->expect = cJSON_Duplicate(item, true)))
        st = PLX_ENOMEM;
    return st;
}

static plx_status compile_object(plx_pipeline *pl, pl_cond *c, const cJSON *json,
                                 const char *where)
{
    const cJSON *not = cJSON_GetObjectItemCaseSensitive(json, "not");
    char path[512];
    if (not && cJSON_GetArraySize(json) == 1) {
        c->kind = C_NOT;
        snprintf(path, sizeof path, "%s.not", where);
        return add_kid(pl, c, not, path);
    }
    if (!json->child)
        return plx_fail(pl->ctx, PLX_ECONFIG, "%s: an empty condition", where);
    if (!json->child->next)
        return compile_eq(pl, c, json->child, where);
    c->kind = C_ALL;
    const cJSON *item;
    cJSON_ArrayForEach(item, json) {
        pl_cond **kids = realloc(c->kids, (c->nkids + 1) * sizeof *kids);
        pl_cond *kid = calloc(1, sizeof *kid);
        if (kids)
            c->kids = kids;
        if (!kids || !kid) {
            free(kid);
            return PLX_ENOMEM;
        }
        c->kids[c->nkids++] = kid;
        plx_status st = compile_eq(pl, kid, item, where);
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

static plx_status compile_any(plx_pipeline *pl, pl_cond *c, const cJSON *json,
                              const char *where)
{
    c->kind = C_ANY;
    if (!json->child)
        return plx_fail(pl->ctx, PLX_ECONFIG, "%s: an empty list of conditions", where);
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, json) {
        char path[512];
        snprintf(path, sizeof path, "%s[%d]", where, i++);
        plx_status st = add_kid(pl, c, item, path);
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

static plx_status compile(plx_pipeline *pl, const cJSON *json, const char *where,
                          pl_cond **out)
{
    pl_cond *c = calloc(1, sizeof *c);
    if (!c)
        return PLX_ENOMEM;
    plx_status st = PLX_OK;
    if (cJSON_IsBool(json)) {
        c->kind = C_CONST;
        c->value = cJSON_IsTrue(json);
    } else if (cJSON_IsString(json)) {
        c->kind = C_TRUTHY;
        st = exact_ref(pl, json->valuestring, where, &c->ref);
    } else if (cJSON_IsObject(json)) {
        st = compile_object(pl, c, json, where);
    } else if (cJSON_IsArray(json)) {
        st = compile_any(pl, c, json, where);
    } else {
        st = plx_fail(pl->ctx, PLX_ECONFIG, "%s: expected a condition: true, false, "
                      "\"{{ref}}\", {\"{{ref}}\": value}, a list (any of), or {\"not\": ...}",
                      where);
    }
    if (st != PLX_OK) {
        pl_cond_free(c);
        return st;
    }
    *out = c;
    return PLX_OK;
}

plx_status pl_cond_compile(plx_pipeline *pl, const cJSON *json, const char *where,
                           pl_cond **out)
{
    *out = NULL;
    return compile(pl, json, where, out);
}

static bool truthy(const cJSON *v)
{
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return false;
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsString(v))
        return v->valuestring[0] != '\0';
    return true;
}

bool pl_cond_eval(const pl_cond *c, const pl_scope *s)
{
    static const cJSON null_json = {.type = cJSON_NULL};
    switch (c->kind) {
    case C_CONST: return c->value;
    case C_TRUTHY: return truthy(pl_ref_resolve(&c->ref, s));
    case C_EQ: {
        const cJSON *v = pl_ref_resolve(&c->ref, s);
        return cJSON_Compare(v ? v : &null_json, c->expect, true);
    }
    case C_NOT: return !pl_cond_eval(c->kids[0], s);
    case C_ALL:
        for (size_t i = 0; i < c->nkids; i++)
            if (!pl_cond_eval(c->kids[i], s))
                return false;
        return true;
    case C_ANY:
        for (size_t i = 0; i < c->nkids; i++)
            if (pl_cond_eval(c->kids[i], s))
                return true;
        return false;
    }
    return false;
}

void pl_cond_each_ref(const pl_cond *c, pl_ref_fn fn, void *ud)
{
    if ((c->kind == C_TRUTHY || c->kind == C_EQ) && c->ref.kind != PL_REF_INPUT)
        fn(&c->ref, ud);
    for (size_t i = 0; i < c->nkids; i++)
        pl_cond_each_ref(c->kids[i], fn, ud);
}
