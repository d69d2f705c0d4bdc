/* The exchange: the one function that wraps every transport call. It decides
 * circuit, rate limit, auth, redirects, retries and deadlines; the blocking
 * and async drivers only do the I/O it asks for. */
#include "resilience.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static void finish(plx_exchange *x, plx_status status, const char *fmt, ...)
    PLX_PRINTF(3, 4);

static void finish(plx_exchange *x, plx_status status, const char *fmt, ...)
{
    x->finished = true;
    x->status = status;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(x->message, sizeof x->message, fmt, ap);
        va_end(ap);
    }
}

plx_status plx_exchange_init(plx_exchange *x, plx_ctx *ctx, const plx_policy *policy,
                             const plx_auth_funcs *auth, const char *provider_name,
                             plx_request *req)
{
    *x = (plx_exchange){.ctx = ctx, .policy = policy, .auth = auth,
                        .provider_name = provider_name, .base_req = req};
    x->start_us = plx_now_us();
    if (policy->deadline_ms)
        x->deadline_us = x->start_us + (uint64_t)policy->deadline_ms * 1000u;
    return PLX_OK;
}

void plx_exchange_cleanup(plx_exchange *x)
{
    plx_request_free(x->base_req);
    plx_request_free(x->attempt_req);
    plx_response_free(x->resp);
    x->base_req = x->attempt_req = NULL;
    x->resp = NULL;
}

uint64_t plx_exchange_latency_ms(const plx_exchange *x, uint64_t now_us)
{
    return now_us > x->start_us ? (now_us - x->start_us) / 1000u : 0;
}

/* Circuit and rate limit, before a new attempt. false when finished. */
static bool admit(plx_exchange *x, uint64_t now_us)
{
    const plx_policy *p = x->policy;
    if (p->circuit && !plx_circuit_allow(p->circuit, now_us / 1000u)) {
        finish(x, PLX_ECIRCUIT, "circuit breaker of provider '%s' is open after "
               "repeated failures; calls fail fast for %" PRIu32 " ms",
               x->provider_name, p->circuit->open_ms);
        return false;
    }
    if (!p->ratelimit)
        return true;
    uint64_t limit = x->deadline_us ? (x->deadline_us > now_us ? x->deadline_us - now_us : 0)
                                    : UINT64_MAX;
    uint64_t wait = plx_ratelimit_reserve(p->ratelimit, now_us, limit);
    if (wait == UINT64_MAX) {
        if (p->circuit)
            plx_circuit_cancel(p->circuit);
        finish(x, PLX_ERATELIMIT, "provider '%s' rate limit (%.3g/s) would delay the "
               "call past its deadline", x->provider_name, p->ratelimit->per_second);
        return false;
    }
    x->wake_at_us = now_us + wait;
    return true;
}

/* Drops every header that could carry a credential before a request goes to
 * an origin other than the configured one. */
static void strip_credentials(plx_exchange *x, plx_request *req)
{
    static const char *const sensitive[] = {"authorization", "proxy-authorization",
                                            "cookie"};
    for (size_t i = 0; i < PLX_ARRAY_LEN(sensitive); i++)
        plx_headers_remove(&req->headers, sensitive[i]);
    for (size_t i = 0; i < req->headers.count;) {
        if (plx_contains_secret(x->ctx, req->headers.items[i].value))
            plx_headers_remove(&req->headers, req->headers.items[i].name);
        else
            i++;
    }
}

/* Makes attempt_req and a fresh resp for the next send. */
static bool prepare_attempt(plx_exchange *x, uint64_t now_us)
{
    const plx_policy *p = x->policy;
    uint64_t timeout_ms = p->timeout_ms;
    if (x->deadline_us) {
        uint64_t left_ms = x->deadline_us > now_us ? (x->deadline_us - now_us) / 1000u : 0;
        if (left_ms == 0) {
            finish(x, PLX_ETIMEOUT, "deadline of %" PRIu32 " ms passed after %" PRIu32
                   " attempt(s)", p->deadline_ms, x->attempts);
            return false;
        }
        if (timeout_ms == 0 || left_ms < timeout_ms)
            timeout_ms = left_ms;
    }
    plx_request_free(x->attempt_req);
    plx_response_free(x->resp);
    x->attempt_req = NULL;
    x->resp = NULL;
    plx_status st = plx_request_clone(x->base_req, &x->attempt_req);
    if (st == PLX_OK) {
        x->attempt_req->timeout_ms = (uint32_t)timeout_ms;
        x->attempt_req->connect_timeout_ms = p->connect_timeout_ms;
        if (x->cross_origin)
            strip_credentials(x, x->attempt_req);
        else if ((st = plx_auth_sign(x->auth, x->attempt_req)) != PLX_OK) {
            finish(x, st, "auth for provider '%s' failed: %s", x->provider_name,
                   plx_errmsg_current());
            return false;
        }
    }
    if (st == PLX_OK)
        st = plx_response_create(x->attempt_req, &x->resp);
    if (st != PLX_OK) {
        finish(x, st, "%s", plx_status_str(st));
        return false;
    }
    return true;
}

plx_step plx_exchange_next(plx_exchange *x, uint64_t now_us)
{
    if (x->finished)
        return PLX_STEP_DONE;
    if (!x->ready) {
        if (now_us < x->wake_at_us)
            return PLX_STEP_WAIT;   /* backing off before a retry */
        if (!admit(x, now_us))
            return PLX_STEP_DONE;
        x->ready = true;
        x->attempts++;
    }
    if (now_us < x->wake_at_us)
        return PLX_STEP_WAIT;       /* waiting for a rate-limit token */
    if (!prepare_attempt(x, now_us))
        return PLX_STEP_DONE;
    x->ready = false;
    return PLX_STEP_SEND;
}

static plx_status status_for_http(int http)
{
    if (http == 401 || http == 403)
        return PLX_EAUTH;
    if (http == 429)
        return PLX_ERATELIMIT;
    if (http == 408)
        return PLX_ETIMEOUT;
    return PLX_EHTTP;
}

static bool is_redirect(int http)
{
    return http == 301 || http == 302 || http == 303 || http == 307 || http == 308;
}

/* Points base_req at the Location of a redirect. false when finished. */
static bool follow_redirect(plx_exchange *x, const char *location)
{
    int http = x->resp->status;
    if (x->redirects >= x->policy->max_redirects) {
        finish(x, PLX_EHTTP, "HTTP %d redirect not followed: max_redirects is %" PRIu32,
               http, x->policy->max_redirects);
        return false;
    }
    char *target = NULL;
    if (plx_url_resolve(x->base_req->url, location, &target) != PLX_OK) {
        finish(x, PLX_EPROTOCOL, "HTTP %d redirect to an invalid or non-HTTP location", http);
        return false;
    }
    if (!plx_url_same_origin(x->base_req->url, target))
        x->cross_origin = true;
    plx_request_set_url(x->base_req, target);
    plx_free(target);
    bool to_get = http == 303 || ((http == 301 || http == 302) &&
                                  strcasecmp(x->base_req->method, "POST") == 0);
    if (to_get && strcasecmp(x->base_req->method, "HEAD") != 0) {
        plx_request_set_method(x->base_req, "GET");
        plx_request_take_body(x->base_req, NULL, 0);
        plx_headers_remove(&x->base_req->headers, "content-type");
    }
    x->redirects++;
    x->ready = true;
    x->wake_at_us = 0;
    return true;
}

/* Schedules another attempt if policy and time allow. */
static bool schedule_retry(plx_exchange *x, plx_status st, uint64_t now_us)
{
    const plx_policy *p = x->policy;
    if (x->attempts >= p->retry.max_attempts)
        return false;
    uint64_t delay_ms = plx_retry_backoff_ms(&p->retry, x->attempts);
    int64_t asked = x->resp->status ? plx_retry_after_ms(x->resp, plx_wall_time_s()) : -1;
    if (asked > (int64_t)p->retry.max_delay_ms) {
        snprintf(x->message + strlen(x->message), sizeof x->message - strlen(x->message),
                 "; not retried: the service asked to wait %" PRId64 " ms, more than "
                 "retry.max_delay_ms (%" PRIu32 ")", asked, p->retry.max_delay_ms);
        return false;
    }
    if (asked > (int64_t)delay_ms)
        delay_ms = (uint64_t)asked;
    if (x->deadline_us && now_us + delay_ms * 1000u >= x->deadline_us) {
        snprintf(x->message + strlen(x->message), sizeof x->message - strlen(x->message),
                 "; not retried: the deadline (%" PRIu32 " ms) comes first", p->deadline_ms);
        return false;
    }
    plx_log(x->ctx, PLX_LOG_INFO, "provider '%s': %s: %s; retry %" PRIu32 " of %" PRIu32
            " in %" PRIu64 " ms", x->provider_name, plx_status_name(st), x->message,
            x->attempts, p->retry.max_attempts - 1, delay_ms);
    x->wake_at_us = now_us + delay_ms * 1000u;
    return true;
}

static void describe_failure(plx_exchange *x, plx_status transport_status)
{
    char origin[256];
    plx_url_origin(x->attempt_req->url, origin, sizeof origin);
    const char *detail = plx_response_error(x->resp);
    if (transport_status != PLX_OK)
        snprintf(x->message, sizeof x->message, "%s (%s)",
                 detail ? detail : plx_status_str(transport_status), origin);
    else
        snprintf(x->message, sizeof x->message, "HTTP %d from %s", x->resp->status, origin);
}

void plx_exchange_complete(plx_exchange *x, plx_status transport_status, uint64_t now_us)
{
    int http = transport_status == PLX_OK ? x->resp->status : 0;
    bool failure = transport_status == PLX_ETRANSPORT || transport_status == PLX_ETIMEOUT ||
                   http >= 500;
    if (x->policy->circuit)
        plx_circuit_record(x->policy->circuit, failure, now_us / 1000u);
    if (transport_status == PLX_OK && http >= 200 && http < 300) {
        finish(x, PLX_OK, NULL);
        return;
    }
    const char *location = plx_response_header(x->resp, "location");
    if (transport_status == PLX_OK && is_redirect(http) && location) {
        follow_redirect(x, location);
        return;
    }
    plx_status st = transport_status != PLX_OK ? transport_status : status_for_http(http);
    describe_failure(x, transport_status);
    if (plx_retry_is_retryable(transport_status, http) && schedule_retry(x, st, now_us))
        return;
    finish(x, st, NULL);
}

void plx_exchange_run_blocking(plx_exchange *x, const plx_transport_funcs *t)
{
    for (;;) {
        uint64_t now = plx_now_us();
        plx_step step = plx_exchange_next(x, now);
        if (step == PLX_STEP_DONE)
            return;
        if (step == PLX_STEP_WAIT) {
            plx_sleep_ms((x->wake_at_us - now + 999u) / 1000u);
            continue;
        }
        plx_status st = plx_transport_send(t, x->attempt_req, x->resp);
        plx_exchange_complete(x, st, plx_now_us());
    }
}
