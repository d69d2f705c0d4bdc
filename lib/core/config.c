/* Reading configuration objects with errors that name the key path. */
#include "core.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void plx_cfg_subpath(const plx_cfg *cfg, const char *key, char *dst, size_t cap)
{
    if (cfg->path && cfg->path[0])
        snprintf(dst, cap, "%s.%s", cfg->path, key);
    else
        snprintf(dst, cap, "%s", key);
}

plx_status plx_cfg_fail(const plx_cfg *cfg, const char *key, const char *fmt, ...)
{
    char path[256];
    char detail[512];
    plx_cfg_subpath(cfg, key, path, sizeof path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return plx_fail(cfg->ctx, PLX_ECONFIG, "%s: %s", path, detail);
}

static bool key_allowed(const char *key, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(key, *allowed) == 0)
            return true;
    return false;
}

plx_status plx_cfg_check_keys(const plx_cfg *cfg, const cJSON *obj,
                              const char *const *allowed)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, obj) {
        for (const cJSON *prev = obj->child; prev != item; prev = prev->next)
            if (strcmp(prev->string, item->string) == 0)
                return plx_cfg_fail(cfg, item->string, "duplicate key");
        if (key_allowed(item->string, allowed))
            continue;
        char list[512] = "";
        size_t used = 0;
        for (const char *const *k = allowed; *k && used < sizeof list; k++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     k == allowed ? "" : ", ", *k);
        return plx_cfg_fail(cfg, item->string, "unknown key (known: %s)", list);
    }
    return PLX_OK;
}

plx_status plx_cfg_int(const plx_cfg *cfg, const cJSON *obj, const char *key,
                       int64_t min, int64_t max, int64_t *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return PLX_OK;
    double v = item->valuedouble;
    if (!cJSON_IsNumber(item) || v != floor(v) || v < (double)min || v > (double)max)
        return plx_cfg_fail(cfg, key, "expected an integer from %lld to %lld",
                            (long long)min, (long long)max);
    *out = (int64_t)v;
    return PLX_OK;
}

plx_status plx_cfg_double(const plx_cfg *cfg, const cJSON *obj, const char *key,
                          double min, double max, double *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return PLX_OK;
    double v = item->valuedouble;
    if (!cJSON_IsNumber(item) || !isfinite(v) || v < min || v > max)
        return plx_cfg_fail(cfg, key, "expected a number from %g to %g", min, max);
    *out = v;
    return PLX_OK;
}

plx_status plx_cfg_bool(const plx_cfg *cfg, const cJSON *obj, const char *key,
                        bool *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return PLX_OK;
    if (!cJSON_IsBool(item))
        return plx_cfg_fail(cfg, key, "expected true or false");
    *out = cJSON_IsTrue(item);
    return PLX_OK;
}

plx_status plx_cfg_string(const plx_cfg *cfg, const cJSON *obj, const char *key,
                          const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return PLX_OK;
    if (!cJSON_IsString(item))
        return plx_cfg_fail(cfg, key, "expected a string");
    *out = item->valuestring;
    return PLX_OK;
}

plx_status plx_cfg_string_dup(const plx_cfg *cfg, const cJSON *obj, const char *key,
                              char **out)
{
    const char *v = NULL;
    plx_status st = plx_cfg_string(cfg, obj, key, &v);
    if (st == PLX_OK && v && !(*out = plx_strdup(v)))
        st = PLX_ENOMEM;
    return st;
}

plx_status plx_cfg_object(const plx_cfg *cfg, const cJSON *obj, const char *key,
                          const cJSON **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return PLX_OK;
    if (!cJSON_IsObject(item))
        return plx_cfg_fail(cfg, key, "expected an object");
    *out = item;
    return PLX_OK;
}
