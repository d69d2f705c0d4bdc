/* Model prices: the user's LiteLLM-format table, then a built-in one. */
#include "pricing.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct price_entry {
    char *model;
    plx_price price;
} price_entry;

struct plx_pricing {
    price_entry *entries;   /* sorted by model */
    size_t count;
};

#define PER_M(x) ((x) / 1e6)

/* USD per million tokens (input, output), from the vendors' price lists of
 * 2025. A pricing file overrides them; docs/CONFIG.md says how. */
static const struct {
    const char *model;
    double in, out;
} BUILTIN[] = {
    {"amazon.titan-text-express-v1", 0.20, 0.60},
    {"anthropic.claude-3-5-haiku-20241022-v1:0", 0.80, 4.00},
    {"anthropic.claude-3-5-sonnet-20240620-v1:0", 3.00, 15.00},
    {"anthropic.claude-3-5-sonnet-20241022-v2:0", 3.00, 15.00},
    {"anthropic.claude-3-haiku-20240307-v1:0", 0.25, 1.25},
    {"claude-3-5-haiku-20241022", 0.80, 4.00},
    {"claude-3-5-sonnet-20240620", 3.00, 15.00},
    {"claude-3-5-sonnet-20241022", 3.00, 15.00},
    {"claude-3-7-sonnet-20250219", 3.00, 15.00},
    {"claude-3-haiku-20240307", 0.25, 1.25},
    {"claude-3-opus-20240229", 15.00, 75.00},
    {"claude-opus-4-20250514", 15.00, 75.00},
    {"claude-sonnet-4-20250514", 3.00, 15.00},
    {"gpt-3.5-turbo", 0.50, 1.50},
    {"gpt-4-turbo", 10.00, 30.00},
    {"gpt-4.1", 2.00, 8.00},
    {"gpt-4.1-mini", 0.40, 1.60},
    {"gpt-4.1-nano", 0.10, 0.40},
    {"gpt-4o", 2.50, 10.00},
    {"gpt-4o-mini", 0.15, 0.60},
    {"meta.llama3-8b-instruct-v1:0", 0.30, 0.60},
    {"o1", 15.00, 60.00},
    {"o3-mini", 1.10, 4.40},
    {"text-embedding-3-large", 0.13, 0.0},
    {"text-embedding-3-small", 0.02, 0.0},
    {"text-embedding-ada-002", 0.10, 0.0},
};

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const price_entry *)a)->model, ((const price_entry *)b)->model);
}

void plx_pricing_free(plx_pricing *pricing)
{
    if (!pricing)
        return;
    for (size_t i = 0; i < pricing->count; i++)
        free(pricing->entries[i].model);
    free(pricing->entries);
    free(pricing);
}

/* One LiteLLM entry; false when it has no per-token text prices. */
static bool entry_price(const cJSON *entry, plx_price *out)
{
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(entry, "input_cost_per_token");
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(entry, "output_cost_per_token");
    if (!cJSON_IsNumber(in) || in->valuedouble < 0)
        return false;
    out->input_per_token = in->valuedouble;
    out->output_per_token = cJSON_IsNumber(o) && o->valuedouble >= 0 ? o->valuedouble : 0;
    return true;
}

static plx_status from_json(const cJSON *table, plx_pricing **out)
{
    plx_pricing *pricing = calloc(1, sizeof *pricing);
    size_t n = (size_t)cJSON_GetArraySize(table);
    if (!pricing || (n && !(pricing->entries = calloc(n, sizeof *pricing->entries)))) {
        free(pricing);
        return PLX_ENOMEM;
    }
    const cJSON *entry;
    cJSON_ArrayForEach(entry, table) {
        plx_price price;
        if (!cJSON_IsObject(entry) || !entry_price(entry, &price))
            continue;
        price_entry *e = &pricing->entries[pricing->count];
        if (!(e->model = plx_strdup(entry->string))) {
            plx_pricing_free(pricing);
            return PLX_ENOMEM;
        }
        e->price = price;
        pricing->count++;
    }
    qsort(pricing->entries, pricing->count, sizeof *pricing->entries, entry_cmp);
    *out = pricing;
    return PLX_OK;
}

static plx_status read_file(const plx_cfg *cfg, const char *path, cJSON **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return plx_cfg_fail(cfg, "pricing", "cannot open '%s'", path);
    plx_buf text = {0};
    char chunk[65536];
    size_t n;
    plx_status st = PLX_OK;
    while (st == PLX_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = plx_buf_append(&text, chunk, n);
    bool failed = ferror(f);
    fclose(f);
    if (st == PLX_OK && failed)
        st = plx_cfg_fail(cfg, "pricing", "cannot read '%s'", path);
    char what[300];
    snprintf(what, sizeof what, "pricing file '%s'", path);
    if (st == PLX_OK)
        st = plx_json_parse(cfg->ctx, text.data ? text.data : "", what, PLX_ECONFIG, out);
    plx_buf_free(&text);
    return st;
}

plx_status plx_pricing_load(const plx_ctx *ctx, const plx_cfg *cfg, const cJSON *value,
                            plx_pricing **out)
{
    (void)ctx;
    *out = NULL;
    cJSON *parsed = NULL;
    const cJSON *table = value;
    if (cJSON_IsString(value)) {
        plx_status st = read_file(cfg, value->valuestring, &parsed);
        if (st != PLX_OK)
            return st;
        table = parsed;
    }
    plx_status st = cJSON_IsObject(table)
        ? from_json(table, out)
        : plx_cfg_fail(cfg, "pricing", "expected a path to a LiteLLM-format JSON file, or "
                       "an object in that format");
    cJSON_Delete(parsed);
    return st;
}

static bool find(const plx_pricing *user, const char *model, plx_price *out)
{
    if (user && user->count) {
        price_entry key = {(char *)model, {0, 0}};
        const price_entry *e = bsearch(&key, user->entries, user->count, sizeof key, entry_cmp);
        if (e) {
            *out = e->price;
            return true;
        }
    }
    for (size_t i = 0; i < PLX_ARRAY_LEN(BUILTIN); i++) {
        if (strcmp(BUILTIN[i].model, model) == 0) {
            *out = (plx_price){PER_M(BUILTIN[i].in), PER_M(BUILTIN[i].out)};
            return true;
        }
    }
    return false;
}

/* The length of model without a "-2024-07-18" style suffix, or 0. */
static size_t without_date(const char *model)
{
    size_t n = strlen(model);
    if (n < 12 || model[n - 11] != '-' || model[n - 6] != '-' || model[n - 3] != '-')
        return 0;
    for (size_t i = n - 10; i < n; i++)
        if (i != n - 6 && i != n - 3 && !isdigit((unsigned char)model[i]))
            return 0;
    return n - 11;
}

/* LiteLLM's key prefix for a kind's models. */
static const char *kind_prefix(const char *kind)
{
    if (strcmp(kind, "azure_openai") == 0)
        return "azure";
    if (strcmp(kind, "bedrock") == 0 || strcmp(kind, "huggingface") == 0)
        return kind;
    return NULL;
}

bool plx_pricing_lookup(const plx_pricing *user, const char *kind, const char *model,
                        plx_price *out)
{
    if (!model || !*model)
        return false;
    char name[256];
    const char *prefix = kind ? kind_prefix(kind) : NULL;
    if (prefix && snprintf(name, sizeof name, "%s/%s", prefix, model) < (int)sizeof name &&
        find(user, name, out))
        return true;
    if (find(user, model, out))
        return true;
    size_t n = without_date(model);
    if (n && n < sizeof name) {
        memcpy(name, model, n);
        name[n] = '\0';
        if (find(user, name, out))
            return true;
    }
    static const char *const regions[] = {"us.", "eu.", "apac.", "global."};
    for (size_t i = 0; i < PLX_ARRAY_LEN(regions); i++)
        if (strncmp(model, regions[i], strlen(regions[i])) == 0)
            return find(user, model + strlen(regions[i]), out);
    return false;
}
