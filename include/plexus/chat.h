/* plexus - LLM chat and embeddings, usage and cost.
 *
 * Include <plexus.h>, not this file directly.
 *
 * Every LLM provider kind (openai, azure_openai, anthropic, bedrock,
 * huggingface, and local as an offline fallback) takes the same canonical
 * requests and gives the same results; docs/OPERATIONS.md has the formats. */
#ifndef PLEXUS_CHAT_H
#define PLEXUS_CHAT_H

#include "provider.h"

PLX_BEGIN_DECLS

/* A chat completion: plx_call(p, "chat", ...).
 *   {"model"?, "messages": [{"role", "content"}...], "max_tokens"?,
 *    "temperature"?, "stop"?, "tools"?}
 *   -> {"text", "finish_reason", "model", "tool_calls"?, "usage":
 *       {"input_tokens", "output_tokens"}, "cost_usd", "provider",
 *       "latency_ms", "attempts"}
 * cost_usd is null when the model has no known price. */
PLX_API plx_status plx_chat(plx_provider *p, const char *request_json,
                            char **response_json);

/* Receives a chat's text as it is generated: len bytes of UTF-8 (not NUL
 * terminated; a multi-byte character may be split across two calls when the
 * service splits it). Return 0 to go on, anything else to stop the stream:
 * plx_chat_stream then returns PLX_ECANCELED with the text so far. */
typedef int (*plx_chat_delta_fn)(const char *text, size_t len, void *user_data);

/* A streamed chat: on_delta runs on the calling thread for each piece of
 * text as it arrives, then *response_json receives the same result plx_chat
 * gives. Kinds that cannot stream deliver the whole text in one delta.
 * Once text has been delivered the call is not retried (the user has seen
 * it); before that, the provider's retry policy applies. timeout_ms bounds
 * the whole stream. */
PLX_API plx_status plx_chat_stream(plx_provider *p, const char *request_json,
                                   plx_chat_delta_fn on_delta, void *user_data,
                                   char **response_json);

/* Embeddings: plx_call(p, "embed", ...).
 *   {"model"?, "input": ["text", ...]} -> {"vectors": [[...]...], "model",
 *   "usage", "cost_usd", ...}, one vector per input, in order. */
PLX_API plx_status plx_embed(plx_provider *p, const char *request_json,
                             char **response_json);

/* The ctx's running usage totals as JSON (free with plx_free):
 *   {"cost_usd": 0.0123, "max_cost_usd"?: 5,
 *    "by_model": [{"provider", "model", "calls", "input_tokens",
 *                  "output_tokens", "cost_usd", "unpriced_calls"}...]}
 * Budgets: "max_cost_usd" in the ctx config, or in a provider's config; a
 * call that would start once its budget is spent fails with PLX_EBUDGET. */
PLX_API plx_status plx_ctx_usage(plx_ctx *ctx, char **usage_json);

PLX_END_DECLS

#endif
