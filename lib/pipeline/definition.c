/* plx_pipeline_new: the definition JSON, validated at load. Dependencies
 * come from the references in each step's input and when; cycles, unknown
 * steps or providers and bad paths fail with PLX_ECONFIG naming the step
 * and the key. */
#include "pipeline.h"
#include "../crypto/crypto.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (24 * 3600 * 1000)
#define ID_MAX 64

static const char *const TOP_KEYS[] = {"name", "steps", "output", "seed", NULL};
static const char *const STEP_KEYS[] = {
    "id", "provider", "endpoint", "op", "input", "when", "retry", "timeout_ms", "on_error",
    "default", "cost_per_call_usd", "batch_size", "batch_list", "batch_results",
    "batch_wait_ms", NULL};

int pl_step_index(const plx_pipeline *pl, const char *id, size_t len)
{
    for (size_t i = 0; i < pl->nsteps; i++)
        if (pl->steps[i].id && strlen(pl->steps[i].id) == len &&
            memcmp(pl->steps[i].id, id, len) == 0)
            return (int)i;
    return -1;
}

static plx_status read_id(plx_pipeline *pl, const cJSON *step, size_t i)
{
    if (!cJSON_IsObject(step))
        return plx_fail(pl->ctx, PLX_ECONFIG, "steps[%zu]: expected an object", i);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(step, "id");
    if (!cJSON_IsString(id))
        return plx_fail(pl->ctx, PLX_ECONFIG, "steps[%zu].id: missing (a name of letters, "
                        "digits, '_' and '-')", i);
    size_t len = strlen(id->valuestring);
    bool ok = len > 0 && len <= ID_MAX;
    for (size_t k = 0; ok && k < len; k++) {
        char c = id->valuestring[k];
        ok = isalnum((unsigned char)c) || c == '_' || c == '-';
    }
    if (!ok)
        return plx_fail(pl->ctx, PLX_ECONFIG, "steps[%zu].id: '%s' is not a name of 1 to %d "
                        "letters, digits, '_' and '-'", i, id->valuestring, ID_MAX);
    if (pl_step_index(pl, id->valuestring, len) >= 0)
        return plx_fail(pl->ctx, PLX_ECONFIG, "steps[%zu].id: '%s' is used twice", i,
                        id->valuestring);
    pl->steps[i].id = plx_strdup(id->valuestring);
    return pl->steps[i].id ? PLX_OK : PLX_ENOMEM;
}

static plx_status read_retry(const plx_cfg *cfg, const cJSON *json, pl_step *s)
{
    s->retry = (plx_retry_policy){.max_attempts = 1, .base_delay_ms = 250,
                                  .max_delay_ms = 20000};
    const cJSON *retry = NULL;
    plx_status st = plx_cfg_object(cfg, json, "retry", &retry);
    if (st != PLX_OK || !retry)
        return st;
    static const char *const keys[] = {"max_attempts", "base_delay_ms", "max_delay_ms", NULL};
    char path[256];
    plx_cfg_subpath(cfg, "retry", path, sizeof path);
    plx_cfg sub = {cfg->ctx, path};
    int64_t max = 1, base = 250, cap = 20000;
    if ((st = plx_cfg_check_keys(&sub, retry, keys)) == PLX_OK &&
        (st = plx_cfg_int(&sub, retry, "max_attempts", 1, 100, &max)) == PLX_OK &&
        (st = plx_cfg_int(&sub, retry, "base_delay_ms", 0, DAY_MS, &base)) == PLX_OK)
        st = plx_cfg_int(&sub, retry, "max_delay_ms", 0, DAY_MS, &cap);
    s->retry = (plx_retry_policy){(uint32_t)max, (uint32_t)base, (uint32_t)cap};
    return st;
}

static plx_status read_on_error(const plx_cfg *cfg, const cJSON *json, pl_step *s)
{
    const char *mode = "fail";
    plx_status st = plx_cfg_string(cfg, json, "on_error", &mode);
    if (st != PLX_OK)
        return st;
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(json, "default");
    if (strcmp(mode, "fail") == 0)
        s->on_error = PL_ON_ERROR_FAIL;
    else if (strcmp(mode, "skip") == 0)
        s->on_error = PL_ON_ERROR_SKIP;
    else if (strcmp(mode, "default") == 0)
        s->on_error = PL_ON_ERROR_DEFAULT;
    else
        return plx_cfg_fail(cfg, "on_error", "expected fail, skip or default");
    if (s->on_error == PL_ON_ERROR_DEFAULT && !def)
        return plx_cfg_fail(cfg, "default", "missing (on_error is \"default\")");
    if (s->on_error != PL_ON_ERROR_DEFAULT && def)
        return plx_cfg_fail(cfg, "default", "only with \"on_error\": \"default\"");
    if (def && !(s->default_value = cJSON_Duplicate(def, true)))
        return PLX_ENOMEM;
    return PLX_OK;
}

static plx_status read_batch_path(const plx_cfg *cfg, const cJSON *json, const char *key,
                                  const char *fallback, pl_path *out, bool *present)
{
    const char *text = fallback;
    plx_status st = plx_cfg_string(cfg, json, key, &text);
    if (st != PLX_OK || !text)
        return st;
    if (!*text || !pl_path_parse(text, strlen(text), true, out))
        return plx_cfg_fail(cfg, key, "'%s' is not a path such as \"input\" or "
                            "\"body.items\"", text);
    if (present)
        *present = true;
    return PLX_OK;
}

/* batch_size > 1: the list to concatenate in the request and the list to
 * split in the result (defaults for op "embed": input and vectors). */
static plx_status read_batch(const plx_cfg *cfg, const cJSON *json, pl_step *s)
{
    int64_t size = 1, wait = 10;
    plx_status st = plx_cfg_int(cfg, json, "batch_size", 1, 100000, &size);
    if (st == PLX_OK)
        st = plx_cfg_int(cfg, json, "batch_wait_ms", 0, 60000, &wait);
    s->batch_size = (uint32_t)size;
    s->batch_wait_ms = (uint32_t)wait;
    bool embed = strcmp(s->op, "embed") == 0;
    if (st == PLX_OK)
        st = read_batch_path(cfg, json, "batch_list", embed ? "input" : NULL, &s->batch_list,
                             NULL);
    if (st == PLX_OK)
        st = read_batch_path(cfg, json, "batch_results", embed ? "vectors" : NULL,
                             &s->batch_results, &s->has_batch_results);
    if (st == PLX_OK && s->batch_size > 1 && s->batch_list.n == 0)
        return plx_cfg_fail(cfg, "batch_list", "missing: with batch_size, name the list "
                            "in the request that records share (op '%s')", s->op);
    return st;
}

static plx_status read_templates(plx_pipeline *pl, const plx_cfg *cfg, const cJSON *json,
                                 pl_step *s)
{
    char where[256];
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(json, "input");
    cJSON *empty = input ? NULL : cJSON_CreateObject();
    plx_cfg_subpath(cfg, "input", where, sizeof where);
    if (!input && !empty)
        return PLX_ENOMEM;
    plx_status st = pl_tmpl_compile(pl, input ? input : empty, where, &s->input);
    cJSON_Delete(empty);
    const cJSON *when = cJSON_GetObjectItemCaseSensitive(json, "when");
    plx_cfg_subpath(cfg, "when", where, sizeof where);
    if (st == PLX_OK && when)
        st = pl_cond_compile(pl, when, where, &s->when);
    return st;
}

/* "endpoint": NAME, an ML endpoint of the ctx config (it routes, falls
 * back and batches by itself); op "predict". */
static plx_status read_endpoint(plx_pipeline *pl, const plx_cfg *cfg, const cJSON *json,
                                pl_step *s)
{
    const char *name = NULL;
    plx_status st = plx_cfg_string(cfg, json, "endpoint", &name);
    if (st != PLX_OK)
        return st;
    if (cJSON_GetObjectItemCaseSensitive(json, "provider"))
        return plx_cfg_fail(cfg, "endpoint", "give either provider or endpoint, not both");
    if (cJSON_GetObjectItemCaseSensitive(json, "batch_size"))
        return plx_cfg_fail(cfg, "batch_size", "not with an endpoint (an endpoint batches "
                            "by itself: \"batching\" in its config)");
    if (plx_ctx_endpoint(pl->ctx, name, &s->endpoint) != PLX_OK)
        return plx_cfg_fail(cfg, "endpoint", "no endpoint named '%s' in the ctx config "
                            "(\"endpoints\")", name);
    return PLX_OK;
}

static plx_status read_target(plx_pipeline *pl, const plx_cfg *cfg, const cJSON *json,
                              pl_step *s)
{
    const cJSON *provider = cJSON_GetObjectItemCaseSensitive(json, "provider");
    if (cJSON_GetObjectItemCaseSensitive(json, "endpoint"))
        return read_endpoint(pl, cfg, json, s);
    if (!provider)
        return plx_cfg_fail(cfg, "provider", "missing (a provider name, a list of them, "
                            "{\"weights\": {...}}, or an \"endpoint\")");
    char where[256];
    plx_cfg_subpath(cfg, "provider", where, sizeof where);
    return pl_route_parse(pl->ctx, provider, where, &s->route);
}

static plx_status read_step(plx_pipeline *pl, const cJSON *json, pl_step *s)
{
    char path[128];
    snprintf(path, sizeof path, "steps.%s", s->id);
    plx_cfg cfg = {pl->ctx, path};
    const char *op = NULL;
    int64_t timeout = 0;
    plx_status st = plx_cfg_check_keys(&cfg, json, STEP_KEYS);
    if (st == PLX_OK)
        st = read_target(pl, &cfg, json, s);
    if (st == PLX_OK && (st = plx_cfg_string(&cfg, json, "op", &op)) == PLX_OK && s->endpoint) {
        if (op && strcmp(op, "predict") != 0)
            st = plx_cfg_fail(&cfg, "op", "an endpoint's op is \"predict\"");
        op = "predict";
    }
    if (st == PLX_OK && !op)
        st = plx_cfg_fail(&cfg, "op", "missing (the operation, e.g. \"request\" or \"chat\")");
    if (st == PLX_OK && !(s->op = plx_strdup(op)))
        st = PLX_ENOMEM;
    if (st == PLX_OK)
        st = read_templates(pl, &cfg, json, s);
    if (st == PLX_OK)
        st = read_retry(&cfg, json, s);
    if (st == PLX_OK)
        st = plx_cfg_int(&cfg, json, "timeout_ms", 0, DAY_MS, &timeout);
    s->timeout_ms = (uint32_t)timeout;
    if (st == PLX_OK)
        st = read_on_error(&cfg, json, s);
    if (st == PLX_OK)
        st = plx_cfg_double(&cfg, json, "cost_per_call_usd", 0, 1e6, &s->cost_per_call_usd);
    if (st == PLX_OK)
        st = read_batch(&cfg, json, s);
    return st;
}

/* ---- dependencies ---- */

typedef struct dep_acc {
    pl_step *s;
    plx_status st;
} dep_acc;

static void add_dep(const pl_ref *r, void *ud)
{
    dep_acc *a = ud;
    int step = r->step;
    for (size_t i = 0; i < a->s->ndeps; i++)
        if (a->s->deps[i] == step)
            return;
    int *deps = realloc(a->s->deps, (a->s->ndeps + 1) * sizeof *deps);
    if (!deps) {
        a->st = PLX_ENOMEM;
        return;
    }
    a->s->deps = deps;
    a->s->deps[a->s->ndeps++] = step;
}

static plx_status link_steps(plx_pipeline *pl)
{
    for (size_t i = 0; i < pl->nsteps; i++) {
        dep_acc a = {&pl->steps[i], PLX_OK};
        pl_tmpl_each_ref(pl->steps[i].input, add_dep, &a);
        if (pl->steps[i].when)
            pl_cond_each_ref(pl->steps[i].when, add_dep, &a);
        if (a.st != PLX_OK)
            return a.st;
    }
    for (size_t i = 0; i < pl->nsteps; i++) {
        pl_step *s = &pl->steps[i];
        for (size_t k = 0; k < s->ndeps; k++) {
            pl_step *d = &pl->steps[s->deps[k]];
            int *list = realloc(d->dependents, (d->ndependents + 1) * sizeof *list);
            if (!list)
                return PLX_ENOMEM;
            d->dependents = list;
            d->dependents[d->ndependents++] = (int)i;
        }
    }
    return PLX_OK;
}

/* Depth-first search; on a cycle, names it "a -> b -> a". */
static bool find_cycle(const plx_pipeline *pl, int at, uint8_t *color, int *stack, size_t depth,
                       int *start, char *msg, size_t cap)
{
    color[at] = 1;
    stack[depth] = at;
    const pl_step *s = &pl->steps[at];
    for (size_t k = 0; k < s->ndeps; k++) {
        int d = s->deps[k];
        if (color[d] == 1) {
            size_t used = 0, from = 0;
            while (stack[from] != d)
                from++;
            for (size_t i = from; i <= depth && used < cap; i++)
                used += (size_t)snprintf(msg + used, cap - used, "%s -> ",
                                         pl->steps[stack[i]].id);
            if (used < cap)
                snprintf(msg + used, cap - used, "%s", pl->steps[d].id);
            *start = d;
            return true;
        }
        if (color[d] == 0 && find_cycle(pl, d, color, stack, depth + 1, start, msg, cap))
            return true;
    }
    color[at] = 2;
    return false;
}

static plx_status check_cycles(plx_pipeline *pl)
{
    uint8_t color[PL_MAX_STEPS] = {0};
    int stack[PL_MAX_STEPS];
    char msg[1024];
    int start = 0;
    for (size_t i = 0; i < pl->nsteps; i++)
        if (color[i] == 0 && find_cycle(pl, (int)i, color, stack, 0, &start, msg, sizeof msg))
            return plx_fail(pl->ctx, PLX_ECONFIG, "steps.%s: dependency cycle %s (through the "
                            "{{steps...}} references of input and when)",
                            pl->steps[start].id, msg);
    return PLX_OK;
}

/* ---- which parts of each step's result are used ---- */

static void note_use(const pl_ref *r, void *ud)
{
    plx_pipeline *pl = ud;
    if (r->kind != PL_REF_OUTPUT)
        return;
    pl_step *s = &pl->steps[r->step];
    const char *key = r->path.n ? r->path.segs[0].key : NULL;
    if (!key || s->out_all) {
        s->out_all = true;
        return;
    }
    for (size_t i = 0; i < s->nout_keys; i++)
        if (strcmp(s->out_keys[i], key) == 0)
            return;
    char **keys = realloc(s->out_keys, (s->nout_keys + 1) * sizeof *keys);
    char *copy = plx_strdup(key);
    if (keys)
        s->out_keys = keys;
    if (!keys || !copy) {
        free(copy);
        s->out_all = true; /* out of memory: parse it all */
        return;
    }
    s->out_keys[s->nout_keys++] = copy;
}

/* Results of endpoint calls (the engine reads their provider) and of
 * micro-batches (split by the engine) are always parsed whole. */
static void find_uses(plx_pipeline *pl)
{
    for (size_t i = 0; i < pl->nsteps; i++)
        pl->steps[i].out_all = pl->steps[i].endpoint || pl->steps[i].batch_size > 1;
    for (size_t i = 0; i < pl->nsteps; i++) {
        pl_tmpl_each_ref(pl->steps[i].input, note_use, pl);
        if (pl->steps[i].when)
            pl_cond_each_ref(pl->steps[i].when, note_use, pl);
    }
    pl_tmpl_each_ref(pl->output, note_use, pl);
}

/* ---- the whole definition ---- */

/* Without "output": {ID: {{steps.ID.output}}, ...}. */
static plx_status read_output(plx_pipeline *pl, const cJSON *def)
{
    const cJSON *output = cJSON_GetObjectItemCaseSensitive(def, "output");
    if (output)
        return pl_tmpl_compile(pl, output, "output", &pl->output);
    cJSON *all = cJSON_CreateObject();
    for (size_t i = 0; all && i < pl->nsteps; i++) {
        char ref[128];
        snprintf(ref, sizeof ref, "{{steps.%s.output}}", pl->steps[i].id);
        if (!cJSON_AddStringToObject(all, pl->steps[i].id, ref)) {
            cJSON_Delete(all);
            all = NULL;
        }
    }
    plx_status st = all ? pl_tmpl_compile(pl, all, "output", &pl->output) : PLX_ENOMEM;
    cJSON_Delete(all);
    return st;
}

static plx_status read_steps(plx_pipeline *pl, const cJSON *def)
{
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(def, "steps");
    int n = cJSON_GetArraySize(steps);
    if (!cJSON_IsArray(steps) || n < 1 || n > PL_MAX_STEPS)
        return plx_fail(pl->ctx, PLX_ECONFIG, "steps: expected a list of 1 to %d steps",
                        PL_MAX_STEPS);
    pl->steps = calloc((size_t)n, sizeof *pl->steps);
    if (!pl->steps)
        return PLX_ENOMEM;
    pl->nsteps = (size_t)n;
    plx_status st = PLX_OK;
    for (int i = 0; i < n && st == PLX_OK; i++)
        st = read_id(pl, cJSON_GetArrayItem(steps, i), (size_t)i);
    const cJSON *step;
    size_t i = 0;
    cJSON_ArrayForEach(step, steps) {
        if (st != PLX_OK)
            break;
        st = read_step(pl, step, &pl->steps[i++]);
    }
    if (st == PLX_OK)
        st = link_steps(pl);
    if (st == PLX_OK)
        st = check_cycles(pl);
    return st;
}

static plx_status read_seed(plx_pipeline *pl, const cJSON *def)
{
    plx_cfg cfg = {pl->ctx, ""};
    int64_t seed = -1;
    plx_status st = plx_cfg_int(&cfg, def, "seed", 0, INT64_MAX, &seed);
    pl->rng = seed >= 0 ? (uint64_t)seed : plx_random_u64();
    const char *name = NULL;
    if (st == PLX_OK)
        st = plx_cfg_string(&cfg, def, "name", &name);
    return st;
}

static plx_status set_digest(plx_pipeline *pl, const cJSON *def)
{
    char *text = plx_json_print(def);
    if (!text)
        return PLX_ENOMEM;
    unsigned char hash[PLX_SHA256_LEN];
    plx_sha256(text, strlen(text), hash);
    plx_hex_lower(hash, sizeof hash, pl->digest);
    free(text);
    return PLX_OK;
}

static plx_status load(plx_pipeline *pl, const char *definition_json)
{
    cJSON *def = NULL;
    plx_status st = plx_json_parse(pl->ctx, definition_json, "pipeline definition",
                                   PLX_ECONFIG, &def);
    plx_cfg cfg = {pl->ctx, ""};
    if (st == PLX_OK && !cJSON_IsObject(def))
        st = plx_fail(pl->ctx, PLX_ECONFIG, "pipeline definition: expected a JSON object");
    if (st == PLX_OK)
        st = plx_cfg_check_keys(&cfg, def, TOP_KEYS);
    if (st == PLX_OK)
        st = read_seed(pl, def);
    if (st == PLX_OK)
        st = read_steps(pl, def);
    if (st == PLX_OK)
        st = read_output(pl, def);
    if (st == PLX_OK)
        find_uses(pl);
    if (st == PLX_OK)
        st = set_digest(pl, def);
    cJSON_Delete(def);
    return st;
}

PLX_API plx_status plx_pipeline_new(plx_ctx *ctx, const char *definition_json,
                                    plx_pipeline **out)
{
    if (out)
        *out = NULL;
    if (!ctx || !definition_json || !out)
        return plx_fail(ctx, PLX_EINVAL, "plx_pipeline_new: ctx, definition and out must not "
                        "be NULL");
    plx_pipeline *pl = calloc(1, sizeof *pl);
    if (!pl)
        return plx_fail(ctx, PLX_ENOMEM, "plx_pipeline_new: out of memory");
    pl->ctx = ctx;
    plx_status st = load(pl, definition_json);
    if (st != PLX_OK) {
        if (st == PLX_ENOMEM)
            plx_fail(ctx, st, "plx_pipeline_new: out of memory");
        plx_pipeline_free(pl);
        return st;
    }
    *out = pl;
    return PLX_OK;
}

static void step_free(pl_step *s)
{
    free(s->id);
    free(s->op);
    pl_route_free(&s->route);
    pl_tmpl_free(s->input);
    pl_cond_free(s->when);
    cJSON_Delete(s->default_value);
    pl_path_free(&s->batch_list);
    pl_path_free(&s->batch_results);
    free(s->deps);
    free(s->dependents);
    for (size_t i = 0; i < s->nout_keys; i++)
        free(s->out_keys[i]);
    free(s->out_keys);
}

PLX_API void plx_pipeline_free(plx_pipeline *pl)
{
    if (!pl)
        return;
    for (size_t i = 0; i < pl->nsteps; i++)
        step_free(&pl->steps[i]);
    free(pl->steps);
    pl_tmpl_free(pl->output);
    free(pl);
}
