/* Typed tensors: checking that data matches shape and datatype before a
 * request is sent, and writing tensors flat, nested or row by row. */
#include "tensor.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES (INT64_C(1) << 32)
#define MAX_DEPTH 64
#define PATH_CAP 256

static const char *const NAMES[] = {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64",
                                    "INT8", "INT16", "INT32", "INT64",
                                    "FP16", "FP32", "FP64", "BYTES"};

const char *plx_dtype_name(plx_dtype t)
{
    return t < PLX_DT_NONE ? NAMES[t] : "";
}

plx_dtype plx_dtype_from_name(const char *name)
{
    for (size_t i = 0; name && i < PLX_ARRAY_LEN(NAMES); i++)
        if (strcmp(name, NAMES[i]) == 0)
            return (plx_dtype)i;
    return PLX_DT_NONE;
}

/* ---- leaves ------------------------------------------------------------ */

static bool b64_text_ok(const char *s)
{
    for (; *s; s++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_", *s))
            return false;
    return true;
}

/* {"b64": "..."}: TensorFlow Serving's form of binary values. */
static bool is_b64_leaf(const cJSON *v)
{
    return cJSON_IsObject(v) && v->child && !v->child->next &&
           strcmp(v->child->string, "b64") == 0 && cJSON_IsString(v->child) &&
           b64_text_ok(v->child->valuestring);
}

static bool int_range(plx_dtype t, double *lo, double *hi)
{
    static const struct { plx_dtype t; double lo, hi; } R[] = {
        {PLX_DT_UINT8, 0, 255}, {PLX_DT_UINT16, 0, 65535}, {PLX_DT_UINT32, 0, 4294967295.0},
        {PLX_DT_UINT64, 0, 18446744073709551615.0}, {PLX_DT_INT8, -128, 127},
        {PLX_DT_INT16, -32768, 32767}, {PLX_DT_INT32, -2147483648.0, 2147483647.0},
        {PLX_DT_INT64, -9223372036854775808.0, 9223372036854775807.0}};
    for (size_t i = 0; i < PLX_ARRAY_LEN(R); i++) {
        if (R[i].t == t) {
            *lo = R[i].lo;
            *hi = R[i].hi;
            return true;
        }
    }
    return false;
}

/* A short description of v for messages: 300, "abc", true, an array. */
static void describe(const cJSON *v, char *dst, size_t cap)
{
    if (cJSON_IsNumber(v))
        snprintf(dst, cap, "%.17g", v->valuedouble);
    else if (cJSON_IsString(v)) {
        char ex[48];
        plx_excerpt(v->valuestring, strlen(v->valuestring), 32, ex, sizeof ex);
        snprintf(dst, cap, "\"%s\"", ex);
    } else if (cJSON_IsBool(v))
        snprintf(dst, cap, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNull(v))
        snprintf(dst, cap, "null");
    else
        snprintf(dst, cap, "%s", cJSON_IsArray(v) ? "an array" : "an object");
}

/* NULL if v is a value of datatype t; else what t expects. */
static const char *leaf_mismatch(plx_dtype t, const cJSON *v, char *buf, size_t cap)
{
    double lo, hi;
    switch (t) {
    case PLX_DT_BOOL:
        return cJSON_IsBool(v) ? NULL : "expected true or false";
    case PLX_DT_BYTES:
        return cJSON_IsString(v) || is_b64_leaf(v) ? NULL : "expected a string";
    case PLX_DT_FP16:
    case PLX_DT_FP32:
    case PLX_DT_FP64: {
        if (!cJSON_IsNumber(v))
            return "expected a number";
        double max = t == PLX_DT_FP16 ? 65504.0 : t == PLX_DT_FP32 ? FLT_MAX : DBL_MAX;
        return fabs(v->valuedouble) <= max ? NULL : "out of the datatype's range";
    }
    default:
        if (!int_range(t, &lo, &hi))
            return "unknown datatype";
        if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
            v->valuedouble >= lo && v->valuedouble <= hi)
            return NULL;
        snprintf(buf, cap, "expected an integer from %.0f to %.0f", lo, hi);
        return buf;
    }
}

/* ---- leaf collection --------------------------------------------------- */

static plx_status push_leaf(plx_tensor *t, size_t *cap, const cJSON *v)
{
    if (t->count == *cap) {
        size_t n = *cap ? *cap * 2 : 16;
        const cJSON **grown = realloc(t->values, n * sizeof *grown);
        if (!grown)
            return PLX_ENOMEM;
        t->values = grown;
        *cap = n;
    }
    t->values[t->count++] = v;
    return PLX_OK;
}

/* Every non-array node under node, depth first (v2 data may be nested). */
static plx_status collect_flat(plx_tensor *t, size_t *cap, const cJSON *node, int depth)
{
    if (depth > MAX_DEPTH)
        return PLX_EINVAL;
    if (!cJSON_IsArray(node))
        return push_leaf(t, cap, node);
    const cJSON *c;
    cJSON_ArrayForEach(c, node) {
        plx_status st = collect_flat(t, cap, c, depth + 1);
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

void plx_tensor_free(plx_tensor *t)
{
    if (!t)
        return;
    free(t->values);
    memset(t, 0, sizeof *t);
}

void plx_tensor_list_free(plx_tensor_list *l)
{
    for (size_t i = 0; l && i < l->count; i++)
        plx_tensor_free(&l->items[i]);
    if (l) {
        free(l->items);
        l->items = NULL;
        l->count = 0;
    }
}

plx_status plx_tensor_list_push(plx_tensor_list *l, plx_tensor *t)
{
    plx_tensor *grown = realloc(l->items, (l->count + 1) * sizeof *grown);
    if (!grown) {
        plx_tensor_free(t);
        return PLX_ENOMEM;
    }
    l->items = grown;
    l->items[l->count++] = *t;
    memset(t, 0, sizeof *t);
    return PLX_OK;
}

static int64_t product(const plx_tensor *t, int from)
{
    int64_t n = 1;
    for (int d = from; d < t->ndims; d++)
        n *= t->shape[d];
    return n;
}

int64_t plx_tensor_rows(const plx_tensor *t)
{
    return t->ndims ? t->shape[0] : 1;
}

/* "[2,4]" */
static void shape_text(const plx_tensor *t, char *dst, size_t cap)
{
    size_t used = (size_t)snprintf(dst, cap, "[");
    for (int d = 0; d < t->ndims && used < cap; d++)
        used += (size_t)snprintf(dst + used, cap - used, "%s%lld", d ? "," : "",
                                 (long long)t->shape[d]);
    if (used < cap)
        snprintf(dst + used, cap - used, "]");
}

/* ---- v2 objects -------------------------------------------------------- */

static plx_status read_shape(const plx_ctx *ctx, const cJSON *shape, const char *where,
                             plx_tensor *t)
{
    if (!cJSON_IsArray(shape))
        return plx_fail(ctx, PLX_EINVAL, "%s.shape: expected an array of integers", where);
    int64_t total = 1;
    const cJSON *d;
    cJSON_ArrayForEach(d, shape) {
        if (t->ndims == PLX_TENSOR_MAX_DIMS)
            return plx_fail(ctx, PLX_EINVAL, "%s.shape: more than %d dimensions", where,
                            PLX_TENSOR_MAX_DIMS);
        if (!cJSON_IsNumber(d) || d->valuedouble != floor(d->valuedouble) ||
            d->valuedouble < 0 || d->valuedouble > (double)MAX_VALUES)
            return plx_fail(ctx, PLX_EINVAL, "%s.shape[%d]: expected an integer >= 0",
                            where, t->ndims);
        t->shape[t->ndims++] = (int64_t)d->valuedouble;
        total = total * (int64_t)d->valuedouble;
        if (total > MAX_VALUES)
            return plx_fail(ctx, PLX_EINVAL, "%s.shape: more than 2^32 values", where);
    }
    return PLX_OK;
}

static plx_status check_leaves_v2(const plx_ctx *ctx, const char *where, plx_tensor *t)
{
    char buf[96], got[64];
    for (size_t i = 0; i < t->count; i++) {
        const char *why = leaf_mismatch(t->dtype, t->values[i], buf, sizeof buf);
        if (why) {
            describe(t->values[i], got, sizeof got);
            return plx_fail(ctx, PLX_EINVAL, "%s.data[%zu]: %s for datatype %s, got %s",
                            where, i, why, plx_dtype_name(t->dtype), got);
        }
        t->has_b64 = t->has_b64 || cJSON_IsObject(t->values[i]);
    }
    return PLX_OK;
}

static plx_status read_v2(const plx_ctx *ctx, const cJSON *obj, const char *path,
                          plx_tensor *t)
{
    static const char *const keys[] = {"name", "shape", "datatype", "data", "parameters", NULL};
    if (!cJSON_IsObject(obj))
        return plx_fail(ctx, PLX_EINVAL, "%s: expected a tensor object {name, shape, "
                        "datatype, data}", path);
    plx_cfg cfg = {ctx, path};
    if (plx_cfg_check_keys(&cfg, obj, keys) != PLX_OK)
        return PLX_EINVAL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return plx_fail(ctx, PLX_EINVAL, "%s.name: expected a non-empty string", path);
    t->name = name->valuestring;
    char where[PATH_CAP];
    snprintf(where, sizeof where, "%s ('%s')", path, t->name);
    plx_status st = read_shape(ctx, cJSON_GetObjectItemCaseSensitive(obj, "shape"), where, t);
    if (st != PLX_OK)
        return st;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(obj, "datatype");
    t->dtype = cJSON_IsString(dt) ? plx_dtype_from_name(dt->valuestring) : PLX_DT_NONE;
    if (t->dtype == PLX_DT_NONE)
        return plx_fail(ctx, PLX_EINVAL, "%s.datatype: expected one of BOOL, UINT8, UINT16, "
                        "UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES",
                        where);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(obj, "parameters");
    if (params && !cJSON_IsObject(params))
        return plx_fail(ctx, PLX_EINVAL, "%s.parameters: expected an object", where);
    t->parameters = params;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(obj, "data");
    if (!cJSON_IsArray(data))
        return plx_fail(ctx, PLX_EINVAL, "%s.data: expected an array", where);
    size_t cap = 0;
    st = collect_flat(t, &cap, data, 0);
    if (st == PLX_EINVAL)
        return plx_fail(ctx, st, "%s.data: nested too deeply", where);
    if (st != PLX_OK)
        return st;
    int64_t need = product(t, 0);
    if ((int64_t)t->count != need) {
        char shape[128];
        shape_text(t, shape, sizeof shape);
        return plx_fail(ctx, PLX_EINVAL, "%s: shape %s needs %lld values, data has %zu",
                        where, shape, (long long)need, t->count);
    }
    return check_leaves_v2(ctx, where, t);
}

plx_status plx_tensor_read_v2(const plx_ctx *ctx, const cJSON *obj, const char *path,
                              plx_tensor *t)
{
    memset(t, 0, sizeof *t);
    plx_status st = read_v2(ctx, obj, path, t);
    if (st != PLX_OK)
        plx_tensor_free(t);
    return st;
}

/* ---- nested arrays ----------------------------------------------------- */

typedef struct nest {
    const plx_ctx *ctx;
    plx_tensor *t;
    size_t cap;
    const char *path;             /* of the rows */
    const char *suffix;           /* after the row index */
    size_t idx[PLX_TENSOR_MAX_DIMS];
} nest;

/* "<path>[row]<suffix>[i][j]" for the first depth indices of n->idx. */
static void nest_path(const nest *n, int depth, char *dst, size_t cap)
{
    size_t used = (size_t)snprintf(dst, cap, "%s[%zu]%s", n->path, n->idx[0], n->suffix);
    for (int d = 1; d < depth && used < cap; d++)
        used += (size_t)snprintf(dst + used, cap - used, "[%zu]", n->idx[d]);
}

/* The shape of a row: follows the first elements down. */
static plx_status row_shape(nest *n, const cJSON *row)
{
    plx_tensor *t = n->t;
    for (const cJSON *v = row; cJSON_IsArray(v); v = v->child) {
        if (t->ndims == PLX_TENSOR_MAX_DIMS) {
            char where[PATH_CAP];
            nest_path(n, 1, where, sizeof where);
            return plx_fail(n->ctx, PLX_EINVAL, "%s: more than %d dimensions", where,
                            PLX_TENSOR_MAX_DIMS);
        }
        t->shape[t->ndims++] = cJSON_GetArraySize(v);
        if (!v->child)
            break;
    }
    return PLX_OK;
}

/* Checks that node (at depth, 1 = a row) has the tensor's shape below it,
 * collecting its leaves. */
static plx_status nest_check(nest *n, const cJSON *node, int depth)
{
    plx_tensor *t = n->t;
    char where[PATH_CAP];
    if (depth == t->ndims) {
        if (!cJSON_IsArray(node))
            return push_leaf(t, &n->cap, node);
        nest_path(n, depth, where, sizeof where);
        return plx_fail(n->ctx, PLX_EINVAL, "%s: expected a value, got an array (arrays "
                        "must be regular: every row of one shape)", where);
    }
    int size = cJSON_GetArraySize(node);
    if (!cJSON_IsArray(node) || size != t->shape[depth]) {
        nest_path(n, depth, where, sizeof where);
        if (!cJSON_IsArray(node))
            return plx_fail(n->ctx, PLX_EINVAL, "%s: expected an array of %lld values "
                            "(arrays must be regular)", where, (long long)t->shape[depth]);
        return plx_fail(n->ctx, PLX_EINVAL, "%s: has %d values where the first row has "
                        "%lld (arrays must be regular)", where, size,
                        (long long)t->shape[depth]);
    }
    size_t i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, node) {
        n->idx[depth] = i++;
        plx_status st = nest_check(n, c, depth + 1);
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

/* The path of leaf i, from its position in the shape. */
static void leaf_path(const nest *n, size_t i, char *dst, size_t cap)
{
    nest copy = *n;
    const plx_tensor *t = n->t;
    for (int d = t->ndims - 1; d >= 0; d--) {
        size_t dim = t->shape[d] ? (size_t)t->shape[d] : 1;
        copy.idx[d] = i % dim;
        i /= dim;
    }
    nest_path(&copy, t->ndims, dst, cap);
}

static plx_status infer_dtype(nest *n)
{
    plx_tensor *t = n->t;
    size_t bools = 0, strings = 0, numbers = 0;
    bool integral = true;
    char where[PATH_CAP], got[64];
    for (size_t i = 0; i < t->count; i++) {
        const cJSON *v = t->values[i];
        if (cJSON_IsBool(v))
            bools++;
        else if (cJSON_IsString(v) || is_b64_leaf(v))
            strings++;
        else if (cJSON_IsNumber(v)) {
            numbers++;
            double d = v->valuedouble;
            integral = integral && d == floor(d) && fabs(d) < 9.2e18;
        } else {
            leaf_path(n, i, where, sizeof where);
            describe(v, got, sizeof got);
            return plx_fail(n->ctx, PLX_EINVAL, "%s: expected a number, string or "
                            "boolean, got %s", where, got);
        }
        if ((bools != 0) + (strings != 0) + (numbers != 0) > 1) {
            leaf_path(n, i, where, sizeof where);
            return plx_fail(n->ctx, PLX_EINVAL, "%s: mixes numbers, strings and booleans "
                            "in one tensor", where);
        }
    }
    t->dtype = bools ? PLX_DT_BOOL : strings ? PLX_DT_BYTES
             : numbers && !integral ? PLX_DT_FP64 : numbers ? PLX_DT_INT64 : PLX_DT_FP64;
    return PLX_OK;
}

static plx_status check_leaves_nested(nest *n)
{
    plx_tensor *t = n->t;
    char buf[96], where[PATH_CAP], got[64];
    for (size_t i = 0; i < t->count; i++) {
        const char *why = leaf_mismatch(t->dtype, t->values[i], buf, sizeof buf);
        if (why) {
            leaf_path(n, i, where, sizeof where);
            describe(t->values[i], got, sizeof got);
            return plx_fail(n->ctx, PLX_EINVAL, "%s: %s for datatype %s, got %s", where, why,
                            plx_dtype_name(t->dtype), got);
        }
        t->has_b64 = t->has_b64 || cJSON_IsObject(t->values[i]);
    }
    return PLX_OK;
}

static plx_status read_rows(nest *n, const cJSON *const *rows, size_t count, plx_dtype want)
{
    plx_tensor *t = n->t;
    t->ndims = 1;
    t->shape[0] = (int64_t)count;
    plx_status st = count ? row_shape(n, rows[0]) : PLX_OK;
    if (st == PLX_OK && product(t, 0) > MAX_VALUES)
        return plx_fail(n->ctx, PLX_EINVAL, "%s: more than 2^32 values", n->path);
    for (size_t i = 0; i < count && st == PLX_OK; i++) {
        n->idx[0] = i;
        st = nest_check(n, rows[i], 1);
    }
    if (st != PLX_OK)
        return st;
    t->dtype = want;
    if (want == PLX_DT_NONE && (st = infer_dtype(n)) != PLX_OK)
        return st;
    return check_leaves_nested(n);
}

plx_status plx_tensor_read_rows(const plx_ctx *ctx, const char *name, const cJSON *const *rows,
                                size_t n, plx_dtype want, const char *path, const char *suffix,
                                plx_tensor *t)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    nest ns = {.ctx = ctx, .t = t, .path = path, .suffix = suffix ? suffix : ""};
    plx_status st = read_rows(&ns, rows, n, want);
    if (st != PLX_OK)
        plx_tensor_free(t);
    return st;
}

plx_status plx_tensor_read_nested(const plx_ctx *ctx, const char *name, const cJSON *value,
                                  plx_dtype want, const char *path, plx_tensor *t)
{
    if (!cJSON_IsArray(value)) {
        /* A scalar: one row of one value, then drop the dimension. */
        plx_status st = plx_tensor_read_rows(ctx, name, &value, 1, want, path, "", t);
        if (st == PLX_OK)
            t->ndims = 0;
        return st;
    }
    int n = cJSON_GetArraySize(value);
    const cJSON **rows = malloc(((size_t)n + 1) * sizeof *rows);
    if (!rows)
        return PLX_ENOMEM;
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, value)
        rows[i++] = c;
    plx_status st = plx_tensor_read_rows(ctx, name, rows, (size_t)n, want, path, "", t);
    free(rows);
    return st;
}

/* ---- writing ----------------------------------------------------------- */

void plx_json_write_value(plx_jw *w, const char *key, const cJSON *v)
{
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            plx_jw_int(w, key, (int64_t)d);
        else
            plx_jw_double(w, key, d);
    } else if (cJSON_IsString(v)) {
        plx_jw_string(w, key, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsBool(v)) {
        plx_jw_bool(w, key, cJSON_IsTrue(v));
    } else if (!v || cJSON_IsNull(v)) {
        plx_jw_null(w, key);
    } else {
        char *text = cJSON_PrintUnformatted(v);
        if (text)
            plx_jw_raw(w, key, text, strlen(text));
        else
            w->status = PLX_ENOMEM;
        cJSON_free(text);
    }
}

/* The values of dimension dim onwards, starting at leaf offset. */
static void write_sub(plx_jw *w, const char *key, const plx_tensor *t, int dim, int64_t offset)
{
    if (dim == t->ndims) {
        plx_json_write_value(w, key, t->values[offset]);
        return;
    }
    int64_t stride = product(t, dim + 1);
    plx_jw_begin_array(w, key);
    for (int64_t i = 0; i < t->shape[dim]; i++)
        write_sub(w, NULL, t, dim + 1, offset + i * stride);
    plx_jw_end_array(w);
}

void plx_tensor_write_nested(plx_jw *w, const char *key, const plx_tensor *t, int64_t begin,
                             int64_t end)
{
    if (t->ndims == 0) {
        plx_json_write_value(w, key, t->count ? t->values[0] : NULL);
        return;
    }
    int64_t row = product(t, 1);
    plx_jw_begin_array(w, key);
    for (int64_t r = begin; r < end; r++)
        write_sub(w, NULL, t, 1, r * row);
    plx_jw_end_array(w);
}

void plx_tensor_write_row(plx_jw *w, const char *key, const plx_tensor *t, int64_t row)
{
    if (t->ndims == 0)
        plx_json_write_value(w, key, t->count ? t->values[0] : NULL);
    else
        write_sub(w, key, t, 1, row * product(t, 1));
}

void plx_tensor_write_v2(plx_jw *w, const char *key, const plx_tensor *t, int64_t begin,
                         int64_t end)
{
    plx_jw_begin(w, key);
    plx_jw_string(w, "name", t->name, strlen(t->name));
    plx_jw_begin_array(w, "shape");
    for (int d = 0; d < t->ndims; d++)
        plx_jw_int(w, NULL, d == 0 ? end - begin : t->shape[d]);
    plx_jw_end_array(w);
    const char *dt = plx_dtype_name(t->dtype);
    plx_jw_string(w, "datatype", dt, strlen(dt));
    if (t->parameters)
        plx_json_write_value(w, "parameters", t->parameters);
    plx_jw_begin_array(w, "data");
    int64_t row = product(t, 1);
    int64_t from = t->ndims ? begin * row : 0, to = t->ndims ? end * row : (int64_t)t->count;
    for (int64_t i = from; i < to; i++)
        plx_json_write_value(w, NULL, t->values[i]);
    plx_jw_end_array(w);
    plx_jw_end(w);
}
