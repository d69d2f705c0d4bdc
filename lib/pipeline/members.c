/* Parsing only the parts of a result that references use. A result is a
 * JSON object (call.c writes it); a step whose output is referenced only
 * as {{steps.ID.output.KEY...}} needs only those top-level members (plus
 * attempts and cost_usd, which the engine reads). The others, often the
 * larger part (reply headers, usage), are skipped without building a
 * tree: parsing was the largest cost of a step after the call itself. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* After the string starting at p ('"'); NULL if it does not end. */
static const char *skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && !*++p)
            return NULL;
    return *p ? p + 1 : NULL;
}

/* After the JSON value starting at p; NULL if malformed. Only delimits:
 * the values kept are parsed (and so checked) by cJSON. */
static const char *skip_value(const char *p)
{
    if (*p == '"')
        return skip_string(p);
    if (*p != '{' && *p != '[') {
        while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
               *p != '\t' && *p != '\r')
            p++;
        return p;
    }
    int depth = 0;
    do {
        if (*p == '"') {
            if (!(p = skip_string(p)))
                return NULL;
            continue;
        }
        depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
        p++;
    } while (*p && depth > 0);
    return depth == 0 ? p : NULL;
}

static bool wanted(const pl_step *d, const char *key, size_t len)
{
    static const char *const always[] = {"attempts", "cost_usd"};
    for (size_t i = 0; i < PLX_ARRAY_LEN(always); i++)
        if (strlen(always[i]) == len && memcmp(always[i], key, len) == 0)
            return true;
    for (size_t i = 0; i < d->nout_keys; i++)
        if (strlen(d->out_keys[i]) == len && memcmp(d->out_keys[i], key, len) == 0)
            return true;
    return false;
}

/* Adds the member key: text[0, len) to obj. */
static bool keep(cJSON *obj, const char *key, size_t klen, const char *text, size_t len)
{
    char name[128];
    cJSON *v = cJSON_ParseWithLength(text, len);
    if (!v || klen >= sizeof name) {
        cJSON_Delete(v);
        return false;
    }
    memcpy(name, key, klen);
    name[klen] = '\0';
    return cJSON_AddItemToObject(obj, name, v);
}

cJSON *pl_parse_members(const char *text, const pl_step *d)
{
    const char *p = skip_ws(text);
    if (*p++ != '{')
        return NULL;
    cJSON *obj = cJSON_CreateObject();
    for (p = skip_ws(p); obj && *p != '}';) {
        const char *key = p + 1, *end = *p == '"' ? skip_string(p) : NULL;
        if (!end || memchr(key, '\\', (size_t)(end - 1 - key)))
            break; /* an escaped name: let cJSON read it all */
        size_t klen = (size_t)(end - 1 - key);
        const char *v = skip_ws(end);
        if (*v++ != ':')
            break;
        v = skip_ws(v);
        const char *after = skip_value(v);
        if (!after || (wanted(d, key, klen) && !keep(obj, key, klen, v, (size_t)(after - v))))
            break;
        p = skip_ws(after);
        if (*p == ',')
            p = skip_ws(p + 1);
        else if (*p != '}')
            break;
    }
    if (obj && *p == '}')
        return obj;
    cJSON_Delete(obj);
    return NULL;
}
