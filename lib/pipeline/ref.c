/* References: {{input[.path]}}, {{steps.ID.output[.path]}},
 * {{steps.ID.status}}, {{steps.ID.error[.path]}}. Parsed once at load,
 * resolved against a record's scope while it runs. */
#include "pipeline.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define REF_FORMS "{{input}}, {{input.PATH}}, {{steps.ID.output}}, " \
                  "{{steps.ID.output.PATH}}, {{steps.ID.status}}, {{steps.ID.error}}"

static cJSON json_null = {.type = cJSON_NULL};

/* The status strings {{steps.ID.status}} gives, by pl_state. */
static cJSON status_json[] = {
    [PL_WAITING] = {.type = cJSON_String, .valuestring = (char *)"waiting"},
    [PL_READY] = {.type = cJSON_String, .valuestring = (char *)"waiting"},
    [PL_RUNNING] = {.type = cJSON_String, .valuestring = (char *)"running"},
    [PL_BACKOFF] = {.type = cJSON_String, .valuestring = (char *)"running"},
    [PL_OK] = {.type = cJSON_String, .valuestring = (char *)"ok"},
    [PL_SKIPPED] = {.type = cJSON_String, .valuestring = (char *)"skipped"},
    [PL_FAILED] = {.type = cJSON_String, .valuestring = (char *)"failed"},
    [PL_DEFAULTED] = {.type = cJSON_String, .valuestring = (char *)"defaulted"},
    [PL_NOT_RUN] = {.type = cJSON_String, .valuestring = (char *)"not_run"},
};

const char *pl_state_name(pl_state s)
{
    return s < PLX_ARRAY_LEN(status_json) ? status_json[s].valuestring : "unknown";
}

static bool id_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static plx_status bad_ref(plx_pipeline *pl, const char *where, const char *text, size_t len,
                          const char *why)
{
    return plx_fail(pl->ctx, PLX_ECONFIG, "%s: %s in {{%.*s}} (forms: " REF_FORMS ")",
                    where, why, (int)len, text);
}

/* After "steps.": ID '.' (output|status|error) PATH. */
static plx_status parse_step_ref(plx_pipeline *pl, const char *t, size_t len, const char *where,
                                 pl_ref *out)
{
    const char *s = t + 6, *end = t + len;
    const char *id = s;
    while (s < end && id_char(*s))
        s++;
    if (s == id)
        return bad_ref(pl, where, t, len, "missing step id");
    out->step = pl_step_index(pl, id, (size_t)(s - id));
    if (out->step < 0)
        return plx_fail(pl->ctx, PLX_ECONFIG, "%s: unknown step '%.*s' in {{%.*s}}", where,
                        (int)(s - id), id, (int)len, t);
    static const struct { const char *name; pl_ref_kind kind; } parts[] = {
        {".output", PL_REF_OUTPUT}, {".status", PL_REF_STATUS}, {".error", PL_REF_ERROR}};
    for (size_t i = 0; i < PLX_ARRAY_LEN(parts); i++) {
        size_t n = strlen(parts[i].name);
        if ((size_t)(end - s) < n || memcmp(s, parts[i].name, n) != 0)
            continue;
        s += n;
        if (s < end && *s != '.' && *s != '[')
            continue;
        out->kind = parts[i].kind;
        if (out->kind == PL_REF_STATUS && s != end)
            return bad_ref(pl, where, t, len, "status has no fields");
        if (!pl_path_parse(s, (size_t)(end - s), false, &out->path))
            return bad_ref(pl, where, t, len, "bad path");
        return PLX_OK;
    }
    return bad_ref(pl, where, t, len, "expected output, status or error after the step id");
}

plx_status pl_ref_parse(plx_pipeline *pl, const char *text, size_t len, const char *where,
                        pl_ref *out)
{
    *out = (pl_ref){0};
    while (len && isspace((unsigned char)*text))
        text++, len--;
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    plx_status st;
    if (len >= 5 && memcmp(text, "input", 5) == 0 && (len == 5 || text[5] == '.' ||
                                                     text[5] == '[')) {
        out->kind = PL_REF_INPUT;
        st = pl_path_parse(text + 5, len - 5, false, &out->path)
                 ? PLX_OK : bad_ref(pl, where, text, len, "bad path");
    } else if (len > 6 && memcmp(text, "steps.", 6) == 0) {
        st = parse_step_ref(pl, text, len, where, out);
    } else {
        st = bad_ref(pl, where, text, len, len ? "unknown reference" : "empty reference");
    }
    if (st == PLX_OK && !(out->text = plx_strndup(text, len)))
        st = PLX_ENOMEM;
    if (st != PLX_OK)
        pl_ref_free(out);
    return st;
}

void pl_ref_free(pl_ref *r)
{
    pl_path_free(&r->path);
    free(r->text);
    r->text = NULL;
}

/* The value the reference starts from; JSON null for a step with none. */
static const cJSON *ref_base(const pl_ref *r, const pl_scope *s)
{
    if (r->kind == PL_REF_INPUT)
        return s->input;
    const pl_step_state *st = &s->steps[r->step];
    if (r->kind == PL_REF_STATUS)
        return st->state < PLX_ARRAY_LEN(status_json) ? &status_json[st->state] : &json_null;
    const cJSON *v = r->kind == PL_REF_OUTPUT ? st->output : st->error;
    return v ? v : &json_null;
}

const cJSON *pl_ref_resolve(const pl_ref *r, const pl_scope *s)
{
    const cJSON *base = ref_base(r, s);
    if (cJSON_IsNull(base) && r->kind != PL_REF_INPUT)
        return base; /* below a missing output everything is null */
    return pl_path_get(base, &r->path, NULL);
}
