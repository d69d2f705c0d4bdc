/* Credential sources: a literal, {"env": NAME} or {"file": PATH}. */
#include "auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SECRET_FILE_MAX (64 * 1024)

void plx_secret_free(char *secret)
{
    if (!secret)
        return;
    explicit_bzero(secret, strlen(secret));
    free(secret);
}

static plx_status read_env(const plx_cfg *cfg, const char *key, const char *name,
                           char **out)
{
    const char *value = getenv(name);
    if (!value || !*value)
        return plx_cfg_fail(cfg, key, "environment variable %s is not set", name);
    *out = plx_strdup(value);
    return *out ? PLX_OK : PLX_ENOMEM;
}

/* Reads a whole small file; trailing CR/LF are not part of the secret. */
static plx_status read_file(const plx_cfg *cfg, const char *key, const char *path,
                            char **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return plx_cfg_fail(cfg, key, "cannot open secret file %s: %s", path,
                            strerror(errno));
    struct stat info;
    if (fstat(fileno(f), &info) != 0 || !S_ISREG(info.st_mode)) {
        fclose(f); /* a FIFO or device could block or never end */
        return plx_cfg_fail(cfg, key, "secret file %s is not a regular file", path);
    }
    char *data = malloc(SECRET_FILE_MAX + 1);
    size_t n = data ? fread(data, 1, SECRET_FILE_MAX + 1, f) : 0;
    bool too_big = n > SECRET_FILE_MAX;
    fclose(f);
    if (!data)
        return PLX_ENOMEM;
    if (too_big || memchr(data, '\0', n)) {
        plx_secret_free(data);
        return plx_cfg_fail(cfg, key, "secret file %s is %s", path,
                            too_big ? "larger than 64 KiB" : "not text");
    }
    while (n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
        n--;
    data[n] = '\0';
    if (n == 0) {
        free(data);
        return plx_cfg_fail(cfg, key, "secret file %s is empty", path);
    }
    *out = data;
    return PLX_OK;
}

static plx_status read_source(const plx_cfg *cfg, const cJSON *item, const char *key,
                              char **out)
{
    if (cJSON_IsString(item)) {
        *out = plx_strdup(item->valuestring);
        return *out ? PLX_OK : PLX_ENOMEM;
    }
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(item, "env");
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(item, "file");
    if (!cJSON_IsObject(item) || cJSON_GetArraySize(item) != 1 ||
        (!cJSON_IsString(env) && !cJSON_IsString(file)))
        return plx_cfg_fail(cfg, key,
                            "expected a string, {\"env\": NAME} or {\"file\": PATH}");
    if (env)
        return read_env(cfg, key, env->valuestring, out);
    return read_file(cfg, key, file->valuestring, out);
}

plx_status plx_secret_read(plx_ctx *ctx, const plx_cfg *cfg, const cJSON *obj,
                           const char *key, char **out)
{
    *out = NULL;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return plx_cfg_fail(cfg, key, "missing");
    plx_status st = read_source(cfg, item, key, out);
    if (st == PLX_OK && plx_secret_register(ctx, *out) != PLX_OK) {
        plx_secret_free(*out);
        *out = NULL;
        st = PLX_ENOMEM;
    }
    return st;
}
