/* Model prices (USD per token) from LiteLLM's model_prices_and_context_window
 * format, with a small built-in table for common models; and the ctx's
 * running usage totals and budgets. */
#ifndef PLX_PRICING_H
#define PLX_PRICING_H

#include "providers.h"

typedef struct plx_price {
    double input_per_token;
    double output_per_token;
} plx_price;

typedef struct plx_pricing plx_pricing;

/* Reads a pricing table: a path to a LiteLLM-format JSON file, or an object
 * in that format inline. Entries without per-token prices (images, audio)
 * are skipped. */
plx_status plx_pricing_load(const plx_ctx *ctx, const plx_cfg *cfg, const cJSON *value,
                            plx_pricing **out);
void plx_pricing_free(plx_pricing *pricing);

/* Looks model up in the user's table (may be NULL), then the built-in one,
 * trying "<kind prefix>/<model>", the model, the model without a date
 * suffix, and without a cross-region prefix ("us.", "eu."). */
bool plx_pricing_lookup(const plx_pricing *user, const char *kind, const char *model,
                        plx_price *out);

/* ---- usage totals and budgets (cost.c) ---- */

/* Sets up ctx->costs; pricing (may be NULL) is taken over. max_cost_usd 0:
 * no ctx budget. */
plx_status plx_costs_init(plx_ctx *ctx, plx_pricing *pricing, double max_cost_usd);
void plx_costs_free(plx_ctx *ctx);

/* PLX_EBUDGET (with a message) when the ctx or the provider has spent its
 * budget, so a call must not start. */
plx_status plx_costs_admit(const plx_provider *p);

/* Adds a call's usage to the totals. *cost_usd receives its cost; false
 * when the model has no known price (logged once per model). */
bool plx_costs_record(plx_provider *p, const plx_usage *usage, double *cost_usd);

/* Keeps a destroyed provider's totals under its name only. */
void plx_costs_forget(plx_provider *p);

#endif
