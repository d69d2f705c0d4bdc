/* Short target URLs, an alternative to a JSON provider config:
 *   slack://hooks/T000/B000/XXXX           incoming webhook
 *   slack://BOT_TOKEN@CHANNEL              chat.postMessage
 *   teams://HOST/PATH?QUERY                Workflows webhook (https)
 *   pagerduty://ROUTING_KEY[?region=eu]    Events API v2
 *   jira://USER:API_TOKEN@HOST/PROJECT[?type=Bug]
 *   datadog://API_KEY[:APP_KEY]@SITE       SITE: us1, eu, ... or a domain
 *   https://HOST/PATH, http://...          webhook, unsigned (a path and
 *                                          query of 16 bytes or more count
 *                                          as a secret)
 *   webhook+https://SECRET@HOST/PATH       webhook, HMAC-signed
 * Components are percent-decoded (an email in jira:// is USER%40DOMAIN).
 * Every secret is registered with the ctx before anything can print it;
 * messages name the target and its scheme, never the URL. */
#include "notify_internal.h"
#include "../auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct url_parts {
    plx_ctx *ctx;
    const char *where;      /* "targets[2]" */
    const char *scheme;
    const char *rest;       /* after "://" */
    cJSON *config;
} url_parts;

static plx_status malformed(const url_parts *u, const char *form)
{
    return plx_fail(u->ctx, PLX_ECONFIG, "%s: a %s:// target must look like %s", u->where,
                    u->scheme, form);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes n bytes of s into a new string; NULL when malformed or
 * when it would hold a NUL or control byte. */
static char *decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; out && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(out);
                return NULL;
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f) {
            free(out);
            return NULL;
        }
        out[j++] = (char)c;
    }
    if (out)
        out[j] = '\0';
    return out;
}

/* Adds key: decoded s[0..n) to the config; registers it when secret. */
static plx_status add_decoded(url_parts *u, cJSON *obj, const char *key, const char *s,
                              size_t n, bool secret)
{
    char *v = n ? decode(s, n) : NULL;
    char *raw = secret && v ? plx_strndup(s, n) : NULL;
    if (!v)
        return PLX_EINVAL;
    if (secret) {
        plx_secret_register(u->ctx, v);
        if (raw)    /* the encoded form is what the URL shows */
            plx_secret_register(u->ctx, raw);
        plx_secret_free(raw);
    }
    plx_status st = cJSON_AddStringToObject(obj, key, v) ? PLX_OK : PLX_ENOMEM;
    if (secret)
        explicit_bzero(v, strlen(v));
    free(v);
    return st;
}

static plx_status add_string(cJSON *obj, const char *key, const char *v)
{
    return cJSON_AddStringToObject(obj, key, v) ? PLX_OK : PLX_ENOMEM;
}

/* "key=value" pairs of a query; only those in allowed, each at most once. */
static plx_status add_query(url_parts *u, const char *query, const char *const *names,
                            const char *const *keys, const char *form)
{
    for (const char *q = query; q && *q;) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        size_t i = 0;
        while (eq && names[i] && (strlen(names[i]) != (size_t)(eq - q) ||
                                  strncmp(q, names[i], (size_t)(eq - q)) != 0))
            i++;
        if (!eq || !names[i] || cJSON_GetObjectItemCaseSensitive(u->config, keys[i]) ||
            add_decoded(u, u->config, keys[i], eq + 1, n - (size_t)(eq - q) - 1, false) != PLX_OK)
            return malformed(u, form);
        q += n + (q[n] == '&');
    }
    return PLX_OK;
}

/* ---- schemes ---- */

static plx_status parse_slack(url_parts *u)
{
    static const char form[] = "slack://hooks/T.../B.../... or slack://BOT_TOKEN@CHANNEL";
    const char *r = u->rest;
    if (strncmp(r, "hooks/", 6) == 0) {
        const char *path = r + 6;
        if (!*path || strpbrk(path, "?#@"))
            return malformed(u, form);
        plx_secret_register(u->ctx, path);
        plx_buf url = {0};
        plx_status st = plx_buf_printf(&url, "https://hooks.slack.com/services/%s", path);
        if (st == PLX_OK)
            st = add_string(u->config, "webhook_url", url.data);
        plx_buf_free(&url);
        return st;
    }
    const char *at = strrchr(r, '@');
    if (!at || at == r || !at[1] || strpbrk(r, "/?#"))
        return malformed(u, form);
    cJSON *auth = cJSON_AddObjectToObject(u->config, "auth");
    if (!auth || add_string(auth, "type", "bearer") != PLX_OK)
        return PLX_ENOMEM;
    if (add_decoded(u, auth, "token", r, (size_t)(at - r), true) != PLX_OK ||
        add_decoded(u, u->config, "channel", at + 1, strlen(at + 1), false) != PLX_OK)
        return malformed(u, form);
    return PLX_OK;
}

static plx_status parse_teams(url_parts *u)
{
    static const char form[] = "teams://HOST/PATH?QUERY (the Workflows URL without https://)";
    const char *slash = strchr(u->rest, '/');
    if (!slash || slash == u->rest || !slash[1] || strchr(u->rest, '@'))
        return malformed(u, form);
    plx_secret_register(u->ctx, slash + 1);
    plx_buf url = {0};
    plx_status st = plx_buf_printf(&url, "https://%s", u->rest);
    if (st == PLX_OK && !plx_url_is_http(url.data))
        st = malformed(u, form);
    if (st == PLX_OK)
        st = add_string(u->config, "webhook_url", url.data);
    plx_buf_free(&url);
    return st;
}

static plx_status parse_pagerduty(url_parts *u)
{
    static const char form[] = "pagerduty://ROUTING_KEY[?region=eu]";
    static const char *const names[] = {"region", NULL}, *const keys[] = {"region", NULL};
    size_t n = strcspn(u->rest, "?");
    if (!n || memchr(u->rest, '/', n) || memchr(u->rest, '@', n) ||
        add_decoded(u, u->config, "routing_key", u->rest, n, true) != PLX_OK)
        return malformed(u, form);
    return u->rest[n] ? add_query(u, u->rest + n + 1, names, keys, form) : PLX_OK;
}

/* USER:TOKEN as basic auth. */
static plx_status add_basic(url_parts *u, const char *userinfo, size_t n)
{
    const char *colon = memchr(userinfo, ':', n);
    if (!colon || colon == userinfo || colon + 1 == userinfo + n)
        return PLX_EINVAL;
    cJSON *auth = cJSON_AddObjectToObject(u->config, "auth");
    if (!auth || add_string(auth, "type", "basic") != PLX_OK)
        return PLX_ENOMEM;
    plx_status st = add_decoded(u, auth, "password", colon + 1,
                                n - (size_t)(colon + 1 - userinfo), true);
    if (st == PLX_OK)
        st = add_decoded(u, auth, "username", userinfo, (size_t)(colon - userinfo), false);
    return st;
}

static plx_status parse_jira(url_parts *u)
{
    static const char form[] = "jira://USER:API_TOKEN@HOST/PROJECT[?type=ISSUE_TYPE]";
    static const char *const names[] = {"type", NULL}, *const keys[] = {"issue_type", NULL};
    const char *r = u->rest, *query = strchr(r, '?');
    size_t end = query ? (size_t)(query - r) : strlen(r);
    const char *at = NULL;
    for (const char *c = r; c < r + end; c++)
        at = *c == '@' ? c : at;
    const char *slash = at ? memchr(at, '/', (size_t)(r + end - at)) : NULL;
    if (!at || !slash || slash == at + 1 || slash + 1 == r + end ||
        add_basic(u, r, (size_t)(at - r)) != PLX_OK)
        return malformed(u, form);
    plx_buf base = {0};
    plx_status st = plx_buf_printf(&base, "https://%.*s", (int)(slash - at - 1), at + 1);
    if (st == PLX_OK && !plx_url_is_http(base.data))
        st = malformed(u, form);
    if (st == PLX_OK)
        st = add_string(u->config, "base_url", base.data);
    plx_buf_free(&base);
    if (st == PLX_OK && add_decoded(u, u->config, "project", slash + 1,
                                    (size_t)(r + end - slash - 1), false) != PLX_OK)
        st = malformed(u, form);
    if (st == PLX_OK && query)
        st = add_query(u, query + 1, names, keys, form);
    return st;
}

static plx_status parse_datadog(url_parts *u)
{
    static const char form[] = "datadog://API_KEY[:APP_KEY]@SITE";
    const char *r = u->rest, *at = strrchr(r, '@');
    if (!at || at == r || !at[1] || strpbrk(r, "/?#"))
        return malformed(u, form);
    const char *colon = memchr(r, ':', (size_t)(at - r));
    size_t key_len = colon ? (size_t)(colon - r) : (size_t)(at - r);
    if (add_decoded(u, u->config, "api_key", r, key_len, true) != PLX_OK ||
        (colon && add_decoded(u, u->config, "app_key", colon + 1,
                              (size_t)(at - colon - 1), true) != PLX_OK) ||
        add_decoded(u, u->config, "site", at + 1, strlen(at + 1), false) != PLX_OK)
        return malformed(u, form);
    return PLX_OK;
}

/* A webhook URL's path and query often are its capability (a token):
 * registered when long enough to hold one, so that a plain "/alerts" does
 * not turn every "alerts" in messages into [REDACTED]. */
#define CAPABILITY_MIN 16

static void register_path(plx_ctx *ctx, const char *after_scheme)
{
    const char *slash = strchr(after_scheme, '/');
    if (slash && strlen(slash + 1) >= CAPABILITY_MIN)
        plx_secret_register(ctx, slash + 1);
}

static plx_status parse_http(url_parts *u)
{
    static const char form[] = "https://HOST/PATH";
    plx_buf url = {0};
    plx_status st = plx_buf_printf(&url, "%s://%s", u->scheme, u->rest);
    if (st == PLX_OK && (!plx_url_is_http(url.data) || strchr(u->rest, '@')))
        st = malformed(u, form);
    register_path(u->ctx, u->rest);
    if (st == PLX_OK)
        st = add_string(u->config, "url", url.data);
    plx_buf_free(&url);
    return st;
}

static plx_status parse_signed(url_parts *u)
{
    static const char form[] = "webhook+https://SECRET@HOST/PATH";
    const char *r = u->rest, *at = strchr(r, '@');
    const char *slash = strchr(r, '/');
    if (!at || at == r || (slash && slash < at) ||
        add_decoded(u, u->config, "secret", r, (size_t)(at - r), true) != PLX_OK)
        return malformed(u, form);
    register_path(u->ctx, at + 1);
    plx_buf url = {0};
    plx_status st = plx_buf_printf(&url, "%s://%s", u->scheme + strlen("webhook+"), at + 1);
    if (st == PLX_OK && !plx_url_is_http(url.data))
        st = malformed(u, form);
    if (st == PLX_OK)
        st = add_string(u->config, "url", url.data);
    plx_buf_free(&url);
    return st;
}

static const struct {
    const char *scheme;
    const char *kind;
    plx_status (*parse)(url_parts *u);
} SCHEMES[] = {
    {"slack", "slack", parse_slack},
    {"teams", "teams", parse_teams},
    {"pagerduty", "pagerduty", parse_pagerduty},
    {"jira", "jira", parse_jira},
    {"datadog", "datadog", parse_datadog},
    {"https", "webhook", parse_http},
    {"http", "webhook", parse_http},
    {"webhook+https", "webhook", parse_signed},
    {"webhook+http", "webhook", parse_signed},
};

static char *redacted_label(const plx_ctx *ctx, const char *url)
{
    char label[512];
    plx_redact(ctx, url, label, sizeof label);
    return plx_strdup(label);
}

plx_status plx_target_url_parse(plx_ctx *ctx, const char *where, const char *url,
                                cJSON **config, char **label)
{
    *config = NULL;
    *label = NULL;
    const char *sep = strstr(url, "://");
    char scheme[32] = "";
    size_t n = sep ? (size_t)(sep - url) : 0;
    if (n && n < sizeof scheme)
        memcpy(scheme, url, n), scheme[n] = '\0';
    for (size_t i = 0; scheme[0] && i < PLX_ARRAY_LEN(SCHEMES); i++) {
        if (strcasecmp(scheme, SCHEMES[i].scheme) != 0)
            continue;
        url_parts u = {ctx, where, SCHEMES[i].scheme, sep + 3, cJSON_CreateObject()};
        plx_status st = u.config && add_string(u.config, "kind", SCHEMES[i].kind) == PLX_OK
                            ? SCHEMES[i].parse(&u)
                            : PLX_ENOMEM;
        if (st == PLX_OK && !(*label = redacted_label(ctx, url)))
            st = PLX_ENOMEM;
        if (st != PLX_OK) {
            cJSON_Delete(u.config);
            return st == PLX_ENOMEM ? plx_fail(ctx, st, "%s: out of memory", where) : st;
        }
        *config = u.config;
        return PLX_OK;
    }
    return plx_fail(ctx, PLX_ECONFIG, "%s: unknown target scheme (known: slack, teams, "
                    "pagerduty, jira, datadog, http, https, webhook+http, webhook+https)",
                    where);
}
