/* AWS credentials and region, looked for where the AWS tools look: explicit
 * config keys, the environment, then the shared credentials and config
 * files for a profile. */
#include "sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INI_MAX (1024 * 1024)

enum { KEY_ID, SECRET, TOKEN, REGION, NKEYS };
static const char *const INI_KEYS[NKEYS] = {"aws_access_key_id", "aws_secret_access_key",
                                            "aws_session_token", "region"};

void plx_aws_credentials_clear(plx_aws_credentials *c)
{
    free(c->access_key_id);
    plx_secret_free(c->secret_access_key);
    plx_secret_free(c->session_token);
    *c = (plx_aws_credentials){0};
}

void plx_aws_resolved_clear(plx_aws_resolved *r)
{
    plx_aws_credentials_clear(&r->creds);
    free(r->region);
    free(r->tried);
    *r = (plx_aws_resolved){0};
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Reads a small regular file whole; NULL (errno set) when it cannot. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat info;
    char *data = NULL;
    errno = 0;
    if (fstat(fileno(f), &info) == 0 && S_ISREG(info.st_mode) && info.st_size < INI_MAX &&
        (data = malloc((size_t)info.st_size + 1))) {
        size_t n = fread(data, 1, (size_t)info.st_size, f);
        data[n] = '\0';
    } else if (errno == 0) {
        errno = EINVAL;
    }
    fclose(f);
    return data;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Is this "[ name ]" line the section we want? */
static bool is_section(char *line, const char *want)
{
    size_t n = strlen(line);
    if (n < 2 || line[n - 1] != ']')
        return false;
    line[n - 1] = '\0';
    char *name = trim(line + 1);
    if (strncmp(name, "profile", 7) == 0 && (name[7] == ' ' || name[7] == '\t') &&
        strncmp(want, "profile ", 8) == 0)
        return strcmp(trim(name + 8), want + 8) == 0;
    return strcmp(name, want) == 0;
}

/* Fills values[] (malloc'ed) with the INI_KEYS found in section `want` of
 * the text. Lines starting with whitespace belong to a nested block (the
 * AWS config's "s3 =" sub-sections) and are skipped. true if the section
 * exists. */
static bool ini_find(char *text, const char *want, char *values[NKEYS])
{
    bool in = false, found = false;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (*line == ' ' || *line == '\t')
            continue;
        line = trim(line);
        if (*line == '#' || *line == ';' || !*line)
            continue;
        if (*line == '[') {
            in = is_section(line, want);
            found |= in;
            continue;
        }
        char *eq = strchr(line, '=');
        if (!in || !eq)
            continue;
        *eq = '\0';
        char *key = trim(line), *value = trim(eq + 1);
        for (int k = 0; k < NKEYS; k++) {
            if (strcmp(key, INI_KEYS[k]) == 0 && *value) {
                plx_secret_free(values[k]);
                values[k] = plx_strdup(value);
            }
        }
    }
    return found;
}

/* The path of a shared file: $VAR, else ~/.aws/NAME. */
static char *shared_path(const char *var, const char *name)
{
    const char *p = env(var);
    if (p)
        return plx_strdup(p);
    const char *home = env("HOME");
    if (!home)
        return NULL;
    plx_buf b = {0};
    if (plx_buf_printf(&b, "%s/.aws/%s", home, name) != PLX_OK)
        return NULL;
    return plx_buf_steal(&b);
}

typedef struct search {
    const char *profile;
    bool explicit_profile;
    char *values[NKEYS];          /* from the files */
    plx_buf tried;
} search;

static void note(search *s, const char *fmt, ...) PLX_PRINTF(2, 3);
static void note(search *s, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    plx_buf_printf(&s->tried, "%s%s", s->tried.len ? "; " : "", line);
}

/* Looks in one shared file; credentials only if none were found yet, and
 * only as a pair. */
static void search_file(search *s, const char *var, const char *name, bool config)
{
    char *path = shared_path(var, name);
    char section[300];
    snprintf(section, sizeof section, "%s%s", config && strcmp(s->profile, "default") != 0
             ? "profile " : "", s->profile);
    if (!path) {
        note(s, "%s (no $%s nor $HOME)", name, var);
        return;
    }
    char *text = slurp(path);
    char *v[NKEYS] = {0};
    if (!text)
        note(s, "%s (%s)", path, strerror(errno));
    else if (!ini_find(text, section, v))
        note(s, "%s (no [%s] section)", path, section);
    else if (!s->values[KEY_ID] && (!v[KEY_ID] || !v[SECRET]))
        note(s, "%s [%s] (no aws_access_key_id and aws_secret_access_key)", path, section);
    bool take_keys = !s->values[KEY_ID] && v[KEY_ID] && v[SECRET];
    for (int k = 0; k < NKEYS; k++) {
        bool take = k == REGION ? !s->values[REGION] && config : take_keys && k != REGION;
        if (take && v[k]) {
            s->values[k] = v[k];
            v[k] = NULL;
        }
        plx_secret_free(v[k]);
    }
    free(text);
    free(path);
}

static plx_status from_config_keys(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *obj,
                                   plx_aws_credentials *c)
{
    bool id = cJSON_GetObjectItemCaseSensitive(obj, "access_key_id") != NULL;
    bool secret = cJSON_GetObjectItemCaseSensitive(obj, "secret_access_key") != NULL;
    if (!id && !secret) {
        if (cJSON_GetObjectItemCaseSensitive(obj, "session_token"))
            return plx_cfg_fail(cfg, "session_token", "given without access_key_id and "
                                "secret_access_key");
        return PLX_OK;
    }
    if (!id || !secret)
        return plx_cfg_fail(cfg, id ? "secret_access_key" : "access_key_id",
                            "missing (access_key_id and secret_access_key go together)");
    plx_status st = plx_secret_read(ctx, cfg, obj, "access_key_id", &c->access_key_id);
    if (st == PLX_OK)
        st = plx_secret_read(ctx, cfg, obj, "secret_access_key", &c->secret_access_key);
    if (st == PLX_OK && cJSON_GetObjectItemCaseSensitive(obj, "session_token"))
        st = plx_secret_read(ctx, cfg, obj, "session_token", &c->session_token);
    return st;
}

static plx_status from_env(plx_aws_credentials *c)
{
    const char *id = env("AWS_ACCESS_KEY_ID"), *secret = env("AWS_SECRET_ACCESS_KEY");
    const char *token = env("AWS_SESSION_TOKEN");
    if (!id || !secret)
        return PLX_OK;
    c->access_key_id = plx_strdup(id);
    c->secret_access_key = plx_strdup(secret);
    c->session_token = token ? plx_strdup(token) : NULL;
    if (!c->access_key_id || !c->secret_access_key || (token && !c->session_token))
        return PLX_ENOMEM;
    return PLX_OK;
}

static plx_status register_secrets(plx_ctx *ctx, const plx_aws_credentials *c)
{
    plx_status st = PLX_OK;
    if (c->secret_access_key)
        st = plx_secret_register(ctx, c->secret_access_key);
    if (st == PLX_OK && c->session_token)
        st = plx_secret_register(ctx, c->session_token);
    return st;
}

/* Credentials and region from the shared files into out. */
static void from_files(search *s, plx_aws_resolved *out)
{
    search_file(s, "AWS_SHARED_CREDENTIALS_FILE", "credentials", false);
    search_file(s, "AWS_CONFIG_FILE", "config", true);
    if (!out->creds.access_key_id && s->values[KEY_ID]) {
        out->creds.access_key_id = s->values[KEY_ID];
        out->creds.secret_access_key = s->values[SECRET];
        out->creds.session_token = s->values[TOKEN];
        s->values[KEY_ID] = s->values[SECRET] = s->values[TOKEN] = NULL;
    }
    if (!out->region && s->values[REGION]) {
        out->region = s->values[REGION];
        s->values[REGION] = NULL;
    }
}

static plx_status resolve(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *obj, search *s,
                          plx_aws_resolved *out)
{
    const char *region = NULL;
    plx_status st = plx_cfg_string(cfg, obj, "region", &region);
    if (st == PLX_OK && region && !*region)
        st = plx_cfg_fail(cfg, "region", "must not be empty");
    if (st == PLX_OK)
        st = plx_cfg_string(cfg, obj, "profile", &s->profile);
    if (st != PLX_OK)
        return st;
    s->explicit_profile = s->profile != NULL;
    if (!s->profile)
        s->profile = env("AWS_PROFILE") ? env("AWS_PROFILE") : "default";
    if (!region)
        region = env("AWS_REGION") ? env("AWS_REGION") : env("AWS_DEFAULT_REGION");
    if (region && !(out->region = plx_strdup(region)))
        return PLX_ENOMEM;
    st = from_config_keys(ctx, cfg, obj, &out->creds);
    note(s, "config keys access_key_id/secret_access_key");
    if (st == PLX_OK && !out->creds.access_key_id && !s->explicit_profile) {
        st = from_env(&out->creds);
        note(s, "environment AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
    }
    if (st == PLX_OK && (!out->creds.access_key_id || !out->region))
        from_files(s, out);
    if (st == PLX_OK)
        st = register_secrets(ctx, &out->creds);
    return st;
}

plx_status plx_aws_resolve(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *obj,
                           plx_aws_resolved *out)
{
    *out = (plx_aws_resolved){0};
    search s = {0};
    plx_status st = resolve(ctx, cfg, obj, &s, out);
    if (st == PLX_OK && !out->creds.access_key_id)
        out->tried = plx_buf_steal(&s.tried);
    if (st == PLX_OK && !out->creds.access_key_id && !out->tried)
        st = PLX_ENOMEM;
    for (int k = 0; k < NKEYS; k++)
        plx_secret_free(s.values[k]);
    plx_buf_free(&s.tried);
    if (st != PLX_OK)
        plx_aws_resolved_clear(out);
    return st;
}
