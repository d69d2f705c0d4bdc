/* Delivering one alert to one target. Most kinds need one request (op
 * "notify"); jira needs a chain when the alert has a dedup_key or closes
 * one (search by the dedup label, then comment, create or transition).
 * Each step is an ordinary plx_call, so every request gets the provider's
 * retries, rate limit and circuit breaker, and the kinds stay pure. */
#include "notify_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void plx_notify_outcome_free(plx_notify_outcome *o)
{
    free(o->id);
    plx_free(o->error_json);
    o->id = o->error_json = NULL;
}

static char *dup_json(const cJSON *item)
{
    return item ? plx_json_print(item) : NULL;
}

/* Records a call's result JSON (or, when it could not start, the thread's
 * message) in o. Returns the result parsed, for the caller to read. */
static cJSON *record(plx_notify_outcome *o, plx_status st, const char *json)
{
    cJSON *r = json ? cJSON_Parse(json) : NULL;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(r, "status");
    const cJSON *attempts = cJSON_GetObjectItemCaseSensitive(r, "attempts");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(r, "error");
    const char *id = plx_json_str(r, "id");
    const cJSON *http = cJSON_GetObjectItemCaseSensitive(err, "http_status");
    o->status = st;
    o->http_status = cJSON_IsNumber(status) ? status->valueint
                     : cJSON_IsNumber(http) ? http->valueint
                                            : 0;
    o->attempts += cJSON_IsNumber(attempts) ? attempts->valueint : 0;
    if (id && st == PLX_OK) {
        free(o->id);
        o->id = plx_strdup(id);
    }
    if (st != PLX_OK) {
        const char *msg = plx_json_str(err, "message");
        snprintf(o->message, sizeof o->message, "%s", msg ? msg : plx_errmsg_current());
        plx_free(o->error_json);
        o->error_json = dup_json(err);
    }
    return r;
}

/* An error object for a failure that produced no result JSON. */
static void fail_without_result(plx_notify_outcome *o, plx_status st, const char *message)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_string(&w, "code", plx_status_name(st), strlen(plx_status_name(st)));
    plx_jw_string(&w, "message", message, strlen(message));
    plx_jw_bool(&w, "retryable", false);
    plx_jw_end(&w);
    plx_free(o->error_json);
    o->error_json = plx_jw_finish(&w);
    o->status = st;
    snprintf(o->message, sizeof o->message, "%s", message);
}

/* One plx_call; the parsed result (NULL on failure) goes to *result. */
static plx_status step(plx_provider *p, const char *op, const char *request,
                       plx_notify_outcome *o, cJSON **result)
{
    char *json = NULL;
    plx_status st = plx_call(p, op, request, &json);
    cJSON *r = record(o, st, json);
    if (!json && st != PLX_OK)
        fail_without_result(o, st, plx_errmsg_current());
    plx_free(json);
    if (st == PLX_OK && result)
        *result = r;
    else
        cJSON_Delete(r);
    return st;
}

/* ---- jira ---- */

/* A request {"issue": KEY, <member>} where member is raw JSON text. */
static char *issue_request(const char *issue, const char *key, const char *raw, bool is_string)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_string(&w, "issue", issue, strlen(issue));
    if (key && is_string)
        plx_jw_string(&w, key, raw, strlen(raw));
    else if (key)
        plx_jw_raw(&w, key, raw, strlen(raw));
    plx_jw_end(&w);
    return plx_jw_finish(&w);
}

static plx_status issue_step(plx_provider *p, const char *op, const char *issue,
                             const char *key, const char *raw, bool is_string,
                             plx_notify_outcome *o, cJSON **result)
{
    char *request = issue_request(issue, key, raw, is_string);
    if (!request) {
        fail_without_result(o, PLX_ENOMEM, "out of memory");
        return PLX_ENOMEM;
    }
    plx_status st = step(p, op, request, o, result);
    plx_free(request);
    return st;
}

/* The key of the open issue carrying the alert's dedup label, or NULL. */
static plx_status search(plx_provider *p, const plx_alert *a, plx_notify_outcome *o,
                         char **issue)
{
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_string(&w, "dedup_key", a->dedup_key, strlen(a->dedup_key));
    plx_jw_end(&w);
    char *request = plx_jw_finish(&w);
    cJSON *result = NULL;
    plx_status st = request ? step(p, "search", request, o, &result) : PLX_ENOMEM;
    plx_free(request);
    const cJSON *issues = cJSON_GetObjectItemCaseSensitive(result, "issues");
    const char *key = plx_json_str(cJSON_GetArrayItem(issues, 0), "key");
    *issue = key ? plx_strdup(key) : NULL;
    cJSON_Delete(result);
    return st;
}

/* Succeeded: the id reported is the issue's key. */
static void done_with(plx_notify_outcome *o, const char *action, const char *issue)
{
    o->action = action;
    free(o->id);
    o->id = plx_strdup(issue);
}

/* The transition the kind marked "resolve". */
static char *resolve_transition(const cJSON *result)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(result, "transitions"))
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "resolve")))
            return plx_strdup(plx_json_str(t, "id"));
    return NULL;
}

static void jira_resolve(plx_provider *p, const char *issue, plx_notify_outcome *o)
{
    cJSON *result = NULL;
    if (issue_step(p, "transitions", issue, NULL, NULL, false, o, &result) != PLX_OK)
        return;
    char *id = resolve_transition(result);
    cJSON_Delete(result);
    if (!id) {
        char msg[400];
        snprintf(msg, sizeof msg, "provider '%s': issue %s has no transition to a status of "
                 "category done (set \"resolve_transition\" to its name)", p->name, issue);
        fail_without_result(o, PLX_ENOTFOUND, msg);
        return;
    }
    if (issue_step(p, "transition", issue, "transition", id, true, o, NULL) == PLX_OK)
        done_with(o, "resolved", issue);
    free(id);
}

static void jira_flow(plx_provider *p, const char *alert_json, const plx_alert *a,
                      plx_notify_outcome *o)
{
    char *issue = NULL;
    if (search(p, a, o, &issue) != PLX_OK)
        return;
    if (issue && a->action == PLX_ALERT_RESOLVE) {
        jira_resolve(p, issue, o);
    } else if (issue) {
        if (issue_step(p, "comment", issue, "alert", alert_json, false, o, NULL) == PLX_OK)
            done_with(o, "commented", issue);
    } else if (a->action == PLX_ALERT_TRIGGER) {
        if (step(p, "create", alert_json, o, NULL) == PLX_OK)
            o->action = "created";
    } else {
        o->action = "none";   /* nothing open to acknowledge or resolve */
    }
    free(issue);
}

void plx_notify_deliver(plx_provider *p, const char *alert_json, const plx_alert *alert,
                        plx_notify_outcome *out)
{
    *out = (plx_notify_outcome){0};
    uint64_t start = plx_now_ms();
    bool chain = alert->dedup_key || alert->action != PLX_ALERT_TRIGGER;
    if (p->kind == &plx_kind_jira && chain)
        jira_flow(p, alert_json, alert, out);
    else
        step(p, "notify", alert_json, out, NULL);
    out->latency_ms = (int64_t)(plx_now_ms() - start);
}
