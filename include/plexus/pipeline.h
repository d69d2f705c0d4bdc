/* plexus - pipelines: a DAG of calls from JSON, and a crash-safe batch
 * runner over JSONL files.
 *
 * Include <plexus.h>, not this file directly. docs/PIPELINES.md describes
 * the definition format, templates, routing, the batch runner and its
 * checkpoint discipline. */
#ifndef PLEXUS_PIPELINE_H
#define PLEXUS_PIPELINE_H

#include "ctx.h"

PLX_BEGIN_DECLS

/* A pipeline: steps that call providers of one ctx, each step's request a
 * template over the record ({{input.x}}) and earlier steps' results
 * ({{steps.ID.output.y}}). Thread safety: one run at a time per pipeline
 * (a second gets PLX_EBUSY); runs drive the ctx's async calls with
 * plx_ctx_poll, so no other thread may poll that ctx meanwhile. */
typedef struct plx_pipeline plx_pipeline;

/* Loads and validates a definition:
 *
 *   {"seed": 42,                             optional: routing choices
 *    "steps": [
 *      {"id": "sentiment", "provider": "nlp", "op": "request",
 *       "input": {"method": "POST", "path": "/sentiment",
 *                 "body": {"text": "{{input.text}}"}}},
 *      {"id": "summary", "provider": ["openai", "anthropic", "local"],
 *       "op": "chat",
 *       "when": {"{{steps.sentiment.output.body.label}}": "negative"},
 *       "input": {"messages": [{"role": "user",
 *                               "content": "Summarize: {{input.text}}"}]},
 *       "retry": {"max_attempts": 2}, "timeout_ms": 30000,
 *       "on_error": "default", "default": {"text": ""}}],
 *    "output": {"label": "{{steps.sentiment.output.body.label}}",
 *               "summary": "{{steps.summary.output.text}}"}}
 *
 * A step may name an ML endpoint of the ctx ("endpoint": NAME, op
 * "predict") instead of a provider. Dependencies come from the references;
 * a cycle, an unknown step, provider or endpoint, a bad reference or an
 * unknown key fails with PLX_ECONFIG and a
 * message naming the step and the key ("steps.summary.input.messages[0]
 * .content: unknown step 'x' in {{steps.x.output}}"). The ctx must outlive
 * the pipeline. */
PLX_API plx_status plx_pipeline_new(plx_ctx *ctx, const char *definition_json,
                                    plx_pipeline **out);

/* Frees a pipeline. NULL is allowed. Not during a run. */
PLX_API void plx_pipeline_free(plx_pipeline *pl);

/* Runs the pipeline on one record (any JSON value) and waits for it.
 * Independent steps run at once. *result_json (free with plx_free) is, on
 * success and on failure alike:
 *
 *   {"status": "ok" | "failed", "output": ... (null when failed),
 *    "error": {"step", "code", "message"} (when failed),
 *    "steps": {ID: {"status": "ok"|"skipped"|"failed"|"defaulted"|"not_run",
 *                   "provider", "attempts", "latency_ms", "cost_usd",
 *                   "error"?}},
 *    "totals": {"attempts", "cost_usd", "latency_ms", "ok", "skipped",
 *               "failed", "defaulted", "not_run"}}
 *
 * Returns PLX_OK, or the failing step's status (message: plx_errmsg). It is
 * NULL only when the run could not start (PLX_EINVAL, PLX_EBUSY,
 * PLX_ENOMEM). */
PLX_API plx_status plx_pipeline_run(plx_pipeline *pl, const char *input_json,
                                    char **result_json);

/* Receives the progress of a batch run as JSON:
 *   {"done", "failed", "total" (null if unknown), "rate" (records/s),
 *    "eta_s" (null if unknown), "cost_usd", "in_flight"}
 * Return 0 to go on; anything else stops the run cleanly and resumably
 * (plx_pipeline_run_batch then returns PLX_ECANCELED). Called on the
 * running thread, about once per second and at the end. */
typedef int (*plx_progress_fn)(const char *progress_json, void *user_data);

/* Runs the pipeline over every line of a JSONL file (or stdin) and writes
 * one result line per record:
 *
 *   {"input": PATH | "-", "output": PATH,
 *    "dead_letter": PATH (default OUTPUT.dead.jsonl),
 *    "checkpoint": PATH (default OUTPUT.checkpoint), "resume": false,
 *    "concurrency": 16, "ordered": true, "checkpoint_every": 10000,
 *    "checkpoint_ms": 1000, "max_cost_usd": 0 (none), "progress_ms": 1000,
 *    "max_line_bytes": 16777216, "window": 32 x concurrency}
 *
 * An output line is {"line": N, "output": ...}; a record that fails, or a
 * line that is not JSON, goes to the dead-letter file as {"line": N,
 * "error": {...}, "input": ...} (or "raw": the line). After a crash, the
 * same call with "resume": true continues from the last checkpoint and
 * ends with exactly the files an uninterrupted run writes: no line lost,
 * none written twice. Memory stays flat whatever the number of records: at
 * most concurrency records run, and at most window lines wait between
 * reading and writing. *summary_json (free with plx_free) gets counts,
 * cost, timings and paths (docs/PIPELINES.md). Returns PLX_OK when every
 * line was processed (records that failed are counted, not errors),
 * PLX_EBUDGET when max_cost_usd stopped it, PLX_ECANCELED when progress_fn
 * did; both are resumable. progress_fn may be NULL. */
PLX_API plx_status plx_pipeline_run_batch(plx_pipeline *pl, const char *opts_json,
                                          plx_progress_fn progress_fn, void *user_data,
                                          char **summary_json);

PLX_END_DECLS

#endif
