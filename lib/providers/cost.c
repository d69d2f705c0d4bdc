/* Running usage and cost totals per provider and model, budgets, and
 * plx_ctx_usage. */
#include "pricing.h"

#include <stdlib.h>
#include <string.h>

typedef struct usage_row {
    const plx_provider *provider;   /* identity only; name copied */
    char *provider_name;
    char *model;
    uint64_t calls;
    uint64_t unpriced_calls;
    int64_t input_tokens, output_tokens;
    double cost_usd;
} usage_row;

struct plx_costs {
    pthread_mutex_t lock;
    plx_pricing *pricing;
    double max_cost_usd;      /* 0: none */
    double total_usd;
    usage_row *rows;
    size_t count, cap;
};

plx_status plx_costs_init(plx_ctx *ctx, plx_pricing *pricing, double max_cost_usd)
{
    struct plx_costs *c = calloc(1, sizeof *c);
    if (!c || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        plx_pricing_free(pricing);
        return PLX_ENOMEM;
    }
    c->pricing = pricing;
    c->max_cost_usd = max_cost_usd;
    ctx->costs = c;
    return PLX_OK;
}

void plx_costs_free(plx_ctx *ctx)
{
    struct plx_costs *c = ctx->costs;
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++) {
        free(c->rows[i].provider_name);
        free(c->rows[i].model);
    }
    free(c->rows);
    plx_pricing_free(c->pricing);
    pthread_mutex_destroy(&c->lock);
    free(c);
    ctx->costs = NULL;
}

/* The row of (p, model), made on first use; NULL when out of memory.
 * Called with the lock held. */
static usage_row *row_for(struct plx_costs *c, const plx_provider *p, const char *model)
{
    for (size_t i = 0; i < c->count; i++)
        if (c->rows[i].provider == p && strcmp(c->rows[i].model, model) == 0)
            return &c->rows[i];
    if (c->count == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        usage_row *rows = realloc(c->rows, cap * sizeof *rows);
        if (!rows)
            return NULL;
        c->rows = rows;
        c->cap = cap;
    }
    usage_row *r = &c->rows[c->count];
    *r = (usage_row){.provider = p, .provider_name = plx_strdup(p->name),
                     .model = plx_strdup(model)};
    if (!r->provider_name || !r->model) {
        free(r->provider_name);
        free(r->model);
        return NULL;
    }
    c->count++;
    return r;
}

/* Drops the rows of a provider that is going away (its pointer may be
 * reused), keeping their totals under its name. */
void plx_costs_forget(plx_provider *p)
{
    struct plx_costs *c = p->ctx->costs;
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->count; i++)
        if (c->rows[i].provider == p)
            c->rows[i].provider = NULL;
    pthread_mutex_unlock(&c->lock);
}

plx_status plx_costs_admit(const plx_provider *p)
{
    struct plx_costs *c = p->ctx->costs;
    if (!c)
        return PLX_OK;
    pthread_mutex_lock(&c->lock);
    double total = c->total_usd, mine = p->spent_usd;
    pthread_mutex_unlock(&c->lock);
    if (c->max_cost_usd > 0 && total >= c->max_cost_usd)
        return plx_fail(p->ctx, PLX_EBUDGET, "the ctx budget max_cost_usd %.6g is spent "
                        "(%.6g USD so far)", c->max_cost_usd, total);
    if (p->max_cost_usd > 0 && mine >= p->max_cost_usd)
        return plx_fail(p->ctx, PLX_EBUDGET, "provider '%s' budget max_cost_usd %.6g is "
                        "spent (%.6g USD so far)", p->name, p->max_cost_usd, mine);
    return PLX_OK;
}

bool plx_costs_record(plx_provider *p, const plx_usage *u, double *cost_usd)
{
    struct plx_costs *c = p->ctx->costs;
    plx_price price;
    bool priced = p->kind->no_cost ? (price = (plx_price){0, 0}, true)
                                   : plx_pricing_lookup(c ? c->pricing : NULL, p->kind->name,
                                                        u->model, &price);
    int64_t in = u->input_tokens > 0 ? u->input_tokens : 0;
    int64_t out = u->output_tokens > 0 ? u->output_tokens : 0;
    double cost = priced ? (double)in * price.input_per_token +
                           (double)out * price.output_per_token : 0;
    *cost_usd = cost;
    if (!c)
        return priced;
    pthread_mutex_lock(&c->lock);
    usage_row *r = row_for(c, p, u->model[0] ? u->model : "(unknown)");
    bool first_unpriced = !priced && r && r->unpriced_calls == 0;
    if (r) {
        r->calls++;
        r->unpriced_calls += priced ? 0 : 1;
        r->input_tokens += in;
        r->output_tokens += out;
        r->cost_usd += cost;
    }
    c->total_usd += cost;
    p->spent_usd += cost;
    pthread_mutex_unlock(&c->lock);
    if (first_unpriced)
        plx_log(p->ctx, PLX_LOG_WARN, "provider '%s': no price known for model '%s': "
                "its cost is reported as null (add it to the \"pricing\" file)",
                p->name, u->model[0] ? u->model : "(unknown)");
    return priced;
}

static void write_row(plx_jw *w, const usage_row *r)
{
    plx_jw_begin(w, NULL);
    plx_jw_string(w, "provider", r->provider_name, strlen(r->provider_name));
    plx_jw_string(w, "model", r->model, strlen(r->model));
    plx_jw_int(w, "calls", (int64_t)r->calls);
    plx_jw_int(w, "input_tokens", r->input_tokens);
    plx_jw_int(w, "output_tokens", r->output_tokens);
    plx_jw_double(w, "cost_usd", r->cost_usd);
    plx_jw_int(w, "unpriced_calls", (int64_t)r->unpriced_calls);
    plx_jw_end(w);
}

PLX_API plx_status plx_ctx_usage(plx_ctx *ctx, char **usage_json)
{
    if (usage_json)
        *usage_json = NULL;
    if (!ctx || !usage_json)
        return plx_fail(ctx, PLX_EINVAL, "plx_ctx_usage: ctx and usage_json must not be NULL");
    struct plx_costs *c = ctx->costs;
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    if (c)
        pthread_mutex_lock(&c->lock);
    plx_jw_double(&w, "cost_usd", c ? c->total_usd : 0);
    if (c && c->max_cost_usd > 0)
        plx_jw_double(&w, "max_cost_usd", c->max_cost_usd);
    plx_jw_begin_array(&w, "by_model");
    for (size_t i = 0; c && i < c->count; i++)
        write_row(&w, &c->rows[i]);
    plx_jw_end_array(&w);
    if (c)
        pthread_mutex_unlock(&c->lock);
    plx_jw_end(&w);
    *usage_json = plx_jw_finish(&w);
    return *usage_json ? PLX_OK : PLX_ENOMEM;
}
