/* Paths below a template root: ".key", "[N]", and a numeric key that
 * indexes an array ("output.vectors.0" == "output.vectors[0]"). */
#include "pipeline.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool key_char(char c)
{
    return c != '.' && c != '[' && c != ']' && c != '{' && c != '}' &&
           !isspace((unsigned char)c);
}

static bool push(pl_path *p, char *key, long index)
{
    pl_seg *segs = realloc(p->segs, (p->n + 1) * sizeof *segs);
    if (!segs) {
        free(key);
        return false;
    }
    p->segs = segs;
    p->segs[p->n++] = (pl_seg){.key = key, .index = index};
    return true;
}

/* "[N]" at s; returns the bytes read, 0 on a syntax error. */
static size_t parse_index(const char *s, size_t len, long *out)
{
    size_t i = 1;
    long v = 0;
    while (i < len && isdigit((unsigned char)s[i]) && v < 100000000)
        v = v * 10 + (s[i++] - '0');
    if (i == 1 || i >= len || s[i] != ']')
        return 0;
    *out = v;
    return i + 1;
}

bool pl_path_parse(const char *s, size_t len, bool first, pl_path *out)
{
    *out = (pl_path){0};
    size_t i = 0;
    while (i < len) {
        if (s[i] == '[') {
            long index;
            size_t n = parse_index(s + i, len - i, &index);
            if (!n || !push(out, NULL, index))
                goto fail;
            i += n;
            first = false;
            continue;
        }
        if (!first && s[i++] != '.')
            goto fail;
        first = false;
        size_t start = i;
        while (i < len && key_char(s[i]))
            i++;
        char *key = i > start ? plx_strndup(s + start, i - start) : NULL;
        if (!key || !push(out, key, -1))
            goto fail;
    }
    return true;
fail:
    pl_path_free(out);
    return false;
}

void pl_path_free(pl_path *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->segs[i].key);
    free(p->segs);
    *p = (pl_path){0};
}

/* A key that is all digits, as an index; -1 otherwise. */
static long numeric(const char *key)
{
    long v = 0;
    if (!*key)
        return -1;
    for (const char *c = key; *c; c++) {
        if (!isdigit((unsigned char)*c) || v > 100000000)
            return -1;
        v = v * 10 + (*c - '0');
    }
    return v;
}

static cJSON *step_into(const cJSON *v, const pl_seg *s)
{
    if (s->key && cJSON_IsObject(v))
        return cJSON_GetObjectItemCaseSensitive(v, s->key);
    long index = s->key ? numeric(s->key) : s->index;
    if (index < 0 || !cJSON_IsArray(v) || index > 0x7fffffff)
        return NULL;
    return cJSON_GetArrayItem(v, (int)index);
}

const cJSON *pl_path_get(const cJSON *root, const pl_path *p, size_t *depth)
{
    const cJSON *v = root;
    size_t i = 0;
    for (; v && i < p->n; i++)
        v = step_into(v, &p->segs[i]);
    if (depth)
        *depth = v ? p->n : (i ? i - 1 : 0);
    return v;
}

/* The parent of the item at p, and its last segment. */
static cJSON *parent_of(cJSON *root, const pl_path *p, const pl_seg **last)
{
    pl_path up = {p->segs, p->n - 1};
    *last = &p->segs[p->n - 1];
    return (cJSON *)pl_path_get(root, &up, NULL);
}

cJSON *pl_path_detach(cJSON *root, const pl_path *p)
{
    const pl_seg *last = NULL;
    cJSON *parent = p->n ? parent_of(root, p, &last) : NULL;
    cJSON *item = parent ? step_into(parent, last) : NULL;
    return item ? cJSON_DetachItemViaPointer(parent, item) : NULL;
}

bool pl_path_set(cJSON *root, const pl_path *p, cJSON *item)
{
    const pl_seg *last = NULL;
    cJSON *parent = p->n ? parent_of(root, p, &last) : NULL;
    bool ok = false;
    if (cJSON_IsObject(parent) && last->key) {
        cJSON_DeleteItemFromObjectCaseSensitive(parent, last->key);
        ok = cJSON_AddItemToObject(parent, last->key, item);
    } else if (cJSON_IsArray(parent)) {
        long index = last->key ? numeric(last->key) : last->index;
        ok = index >= 0 && index <= cJSON_GetArraySize(parent) &&
             cJSON_InsertItemInArray(parent, (int)index, item);
    }
    if (!ok)
        cJSON_Delete(item);
    return ok;
}
