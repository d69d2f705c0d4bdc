/* plexus - one alert to many targets at once.
 *
 * Include <plexus.h>, not this file directly. */
#ifndef PLEXUS_NOTIFY_H
#define PLEXUS_NOTIFY_H

#include "provider.h"

PLX_BEGIN_DECLS

/* Sends one alert to every target concurrently and reports each outcome.
 *
 * alert_json is the canonical alert:
 *   {"title": "Cost spike", "text": "EC2 spend +200% in 1 h",
 *    "severity": "info"|"warning"|"error"|"critical", "source": "cost-optimizer",
 *    "dedup_key": "cost-spike-ec2",            (optional; needed to acknowledge/resolve)
 *    "link": "https://...",                     (optional)
 *    "fields": {"account": "prod", "delta_usd": 1234.5},   (optional, scalars)
 *    "action": "trigger"|"acknowledge"|"resolve"}          (optional, default trigger)
 *
 * targets_json is an array; each target is one of
 *   "NAME"                   a provider of the ctx config (kind slack, teams,
 *                            jira, pagerduty, datadog, webhook, or any kind
 *                            with an op "notify"),
 *   "pagerduty://KEY", ...   a short target URL (docs/CONFIG.md lists the
 *                            schemes; the secrets in it are redacted from
 *                            every message and from the report),
 *   {"kind": "slack", "name"?: "ops", ...provider config...}.
 * An invalid alert or target fails with PLX_EINVAL / PLX_ECONFIG /
 * PLX_ENOTFOUND before anything is sent (*report_json NULL).
 *
 * Each target is delivered on its own thread with the provider's timeouts,
 * retries (never for a 4xx other than 408/429; 429 waits for Retry-After),
 * circuit breaker and rate limit (notify kinds default to their service's
 * documented limit), so a dead or slow target never delays the others; the
 * call returns when every target has finished. For jira, an alert with a
 * dedup_key comments on the open issue carrying it instead of opening
 * another, and "resolve" transitions that issue to done.
 *
 * *report_json (free with plx_free):
 *   {"ok": false, "delivered": 2, "failed": 1, "latency_ms": 812,
 *    "results": [{"target": "ops-slack", "kind": "slack", "ok": true,
 *                 "status": 200, "id": "1712.0001", "attempts": 1, "latency_ms": 95},
 *                {"target": "pagerduty://[REDACTED]", "kind": "pagerduty",
 *                 "ok": false, "status": 400, "attempts": 1, "latency_ms": 80,
 *                 "error": {"code": "PLX_EHTTP", "message": "...", ...}}, ...]}
 * in the order of targets_json ("status" is the HTTP status, 0 without a
 * reply; "action" tells what jira did: created, commented, resolved, none).
 * Returns PLX_OK when every target succeeded, else the status of the first
 * failed target (plx_errmsg says which and why); the report is there either
 * way.
 *
 * Threads: plx_notify blocks the calling thread and never polls the ctx, so
 * it may run while another thread is inside plx_ctx_poll on the same ctx
 * (plx_ctx_poll stays single-poller; plx_notify is not a poller), from any
 * number of threads at once, and from a done callback (which then holds up
 * that poller until the alert is delivered). */
PLX_API plx_status plx_notify(plx_ctx *ctx, const char *targets_json, const char *alert_json,
                              char **report_json);

PLX_END_DECLS

#endif
