/* The "aws_sigv4" auth scheme: an auth funcs object whose sign slot signs
 * each attempt with SigV4. Region and service come from the config, else
 * from the scope header a kind sets, else from the AWS host name. */
#include "sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCOPE_PART 64

typedef struct sigv4_auth {
    plx_sigv4_signer *signer;     /* NULL: no credentials were found */
    char *tried;                  /* then: where we looked */
    char *region;                 /* configured, or NULL */
    char *default_region;         /* from the environment or a profile, or NULL */
    char *service;                /* configured, or NULL */
    bool unsigned_payload;
} sigv4_auth;

static void sigv4_auth_free(void *user_data)
{
    sigv4_auth *a = user_data;
    plx_sigv4_signer_free(a->signer);
    free(a->tried);
    free(a->region);
    free(a->default_region);
    free(a->service);
    free(a);
}

/* "eu-west-1", "us-gov-west-1", "cn-north-1": letters, dashes, a digit last. */
static bool looks_like_region(const char *s, size_t n)
{
    int dashes = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-')
            dashes++;
        else if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
            return false;
    }
    return dashes >= 2 && n > 0 && isdigit((unsigned char)s[n - 1]);
}

static bool copy_part(char *dst, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

/* The signing name for an endpoint label. */
static void service_alias(char *service)
{
    static const char *const aliases[][2] = {
        {"bedrock-runtime", "bedrock"}, {"bedrock-agent-runtime", "bedrock"},
        {"bedrock-agent", "bedrock"}, {"runtime.sagemaker", "sagemaker"},
        {"api.sagemaker", "sagemaker"}};
    size_t n = strlen(service);
    if (n > 5 && strcmp(service + n - 5, "-fips") == 0)
        service[n - 5] = '\0';
    for (size_t i = 0; i < PLX_ARRAY_LEN(aliases); i++)
        if (strcmp(service, aliases[i][0]) == 0)
            strcpy(service, aliases[i][1]);
}

bool plx_sigv4_scope_from_host(const char *host, char *region, size_t region_cap,
                               char *service, size_t service_cap)
{
    static const char *const suffixes[] = {".amazonaws.com", ".amazonaws.com.cn", ".api.aws"};
    size_t n = strcspn(host, ":"), cut = 0;
    if (host[0] == '[')
        return false;
    for (size_t i = 0; i < PLX_ARRAY_LEN(suffixes) && !cut; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strncmp(host + n - k, suffixes[i], k) == 0)
            cut = k;
    }
    if (!cut)
        return false;
    n -= cut;                           /* host[0..n) = "a.b.region" */
    const char *last = host + n;
    while (last > host && last[-1] != '.')
        last--;
    size_t last_len = (size_t)(host + n - last);
    if (last_len > 3 && strncmp(last, "s3-", 3) == 0 &&
        looks_like_region(last + 3, last_len - 3)) {   /* legacy "s3-us-west-1" */
        if (!copy_part(region, region_cap, last + 3, last_len - 3) ||
            !copy_part(service, service_cap, "s3", 2))
            return false;
    } else if (looks_like_region(last, last_len) && last > host) {
        const char *svc = last - 1;     /* the '.' */
        while (svc > host && svc[-1] != '.')
            svc--;
        if (!copy_part(region, region_cap, last, last_len) ||
            !copy_part(service, service_cap, svc, (size_t)(last - 1 - svc)))
            return false;
    } else {                            /* a global endpoint: "iam.amazonaws.com" */
        if (!copy_part(region, region_cap, "us-east-1", 9) ||
            !copy_part(service, service_cap, last, last_len))
            return false;
    }
    service_alias(service);
    return true;
}

/* Region and service for this request, by precedence. */
static plx_status pick_scope(const sigv4_auth *a, plx_request *req, char *region,
                             char *service)
{
    char host[256], guess_region[SCOPE_PART] = "", guess_service[SCOPE_PART] = "";
    const char *path, *query;
    size_t path_len, query_len;
    const char *scope = plx_headers_get(&req->headers, PLX_SIGV4_SCOPE_HEADER);
    if (scope) {
        const char *slash = strchr(scope, '/');
        if (!slash || !copy_part(region, SCOPE_PART, scope, (size_t)(slash - scope)) ||
            !copy_part(service, SCOPE_PART, slash + 1, strlen(slash + 1)))
            return plx_fail(NULL, PLX_EINVAL, "aws_sigv4: malformed %s header",
                            PLX_SIGV4_SCOPE_HEADER);
        return PLX_OK;
    }
    if (plx_sigv4_split_url(req->url, host, sizeof host, &path, &path_len, &query,
                            &query_len))
        plx_sigv4_scope_from_host(host, guess_region, sizeof guess_region, guess_service,
                                  sizeof guess_service);
    const char *r = a->region ? a->region : guess_region[0] ? guess_region
                                                            : a->default_region;
    const char *s = a->service ? a->service : guess_service;
    if (!s[0])
        return plx_fail(NULL, PLX_EAUTH, "aws_sigv4: cannot tell the service to sign for "
                        "from host '%s': set auth.service", host);
    if (!r)
        return plx_fail(NULL, PLX_EAUTH, "aws_sigv4: no region (set auth.region, "
                        "AWS_REGION or a profile's region)");
    snprintf(region, SCOPE_PART, "%s", r);
    snprintf(service, SCOPE_PART, "%s", s);
    return PLX_OK;
}

static plx_status sigv4_auth_sign(plx_request *req, void *user_data)
{
    const sigv4_auth *a = user_data;
    if (!a->signer)
        return plx_fail(NULL, PLX_EAUTH, "no AWS credentials found; looked at: %s",
                        a->tried);
    char region[SCOPE_PART], service[SCOPE_PART];
    plx_status st = pick_scope(a, req, region, service);
    if (st != PLX_OK)
        return st;
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, region, service);
    o.unsigned_payload = a->unsigned_payload;
    return plx_sigv4_sign_request(a->signer, &o, req);
}

static plx_status read_options(const plx_cfg *cfg, const cJSON *obj, sigv4_auth *a)
{
    const char *service = NULL;
    plx_status st = plx_cfg_string(cfg, obj, "service", &service);
    if (st == PLX_OK && service && (!*service || strchr(service, '/') ||
                                    strlen(service) >= SCOPE_PART))
        st = plx_cfg_fail(cfg, "service", "expected a signing name such as \"s3\"");
    if (st == PLX_OK)
        st = plx_cfg_bool(cfg, obj, "unsigned_payload", &a->unsigned_payload);
    if (st == PLX_OK && service && !(a->service = plx_strdup(service)))
        st = PLX_ENOMEM;
    return st;
}

/* Moves what the credential chain found into a. */
static plx_status take_resolved(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *obj,
                                plx_aws_resolved *r, sigv4_auth *a)
{
    plx_status st = PLX_OK;
    if (r->creds.access_key_id)
        st = plx_sigv4_signer_new(r->creds.access_key_id, r->creds.secret_access_key,
                                  r->creds.session_token, &a->signer);
    else
        plx_log(ctx, PLX_LOG_WARN, "%s%sno AWS credentials found (looked at: %s); calls "
                "will fail with PLX_EAUTH", cfg->path, *cfg->path ? ": " : "", r->tried);
    a->tried = r->tried;
    r->tried = NULL;
    if (cJSON_GetObjectItemCaseSensitive(obj, "region"))
        a->region = r->region;
    else
        a->default_region = r->region;
    r->region = NULL;
    return st;
}

plx_status plx_sigv4_auth_new(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *obj,
                              plx_auth_funcs **out, char **region_out)
{
    *out = NULL;
    if (region_out)
        *region_out = NULL;
    sigv4_auth *a = calloc(1, sizeof *a);
    if (!a)
        return PLX_ENOMEM;
    plx_aws_resolved r;
    plx_status st = read_options(cfg, obj, a);
    if (st == PLX_OK)
        st = plx_aws_resolve(ctx, cfg, obj, &r);
    if (st == PLX_OK) {
        st = take_resolved(ctx, cfg, obj, &r, a);
        plx_aws_resolved_clear(&r);
    }
    const char *region = a->region ? a->region : a->default_region;
    if (st == PLX_OK && region_out && region && !(*region_out = plx_strdup(region)))
        st = PLX_ENOMEM;
    if (st == PLX_OK)
        st = plx_auth_funcs_new(out);
    if (st != PLX_OK) {
        sigv4_auth_free(a);
        if (region_out) {
            free(*region_out);
            *region_out = NULL;
        }
        return st;
    }
    plx_auth_funcs_set_sign(*out, sigv4_auth_sign, a, sigv4_auth_free);
    plx_auth_funcs_make_immutable(*out);
    return PLX_OK;
}

plx_status plx_sigv4_auth_from_config(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *auth,
                                      plx_auth_funcs **out)
{
    static const char *const keys[] = {"type", "region", "service", "access_key_id",
                                       "secret_access_key", "session_token", "profile",
                                       "unsigned_payload", NULL};
    plx_status st = plx_cfg_check_keys(cfg, auth, keys);
    if (st != PLX_OK)
        return st;
    return plx_sigv4_auth_new(ctx, cfg, auth, out, NULL);
}
