/* The parts of plx_notify: short target URLs (target_url.c), delivering one
 * alert to one target, in one request or a kind's chain of requests
 * (notify_flow.c), and the fan-out and report (notify.c). */
#ifndef PLX_NOTIFY_INTERNAL_H
#define PLX_NOTIFY_INTERNAL_H

#include "alert.h"

/* What delivering to one target came to. */
typedef struct plx_notify_outcome {
    plx_status status;
    int http_status;            /* of the last request; 0 without a reply */
    char *id;                   /* the service's id of the message/event/issue */
    char *error_json;           /* the failed call's "error" object */
    char message[512];          /* its message (redacted) */
    const char *action;         /* what a chain of requests did, or NULL */
    int64_t attempts;
    int64_t latency_ms;
} plx_notify_outcome;

void plx_notify_outcome_free(plx_notify_outcome *o);

/* Delivers the alert (alert_json, already validated into *alert) through
 * p: op "notify", or the kind's chain of requests (jira's dedup flow).
 * Blocking; safe from any thread. */
void plx_notify_deliver(plx_provider *p, const char *alert_json, const plx_alert *alert,
                        plx_notify_outcome *out);

/* Parses a short target URL ("pagerduty://ROUTING_KEY", docs/CONFIG.md)
 * into a provider config object with its "kind". Registers the secrets it
 * carries with ctx first, so *label (the URL with them redacted) and every
 * message are clean. where names the target ("targets[2]"); messages never
 * quote the URL. */
plx_status plx_target_url_parse(plx_ctx *ctx, const char *where, const char *url,
                                cJSON **config, char **label);

#endif
