/* Typed tensors for the ML kinds (kserve, tfserving, torchserve): read and
 * check open inference protocol tensors ({name, shape, datatype, data}) and
 * nested JSON arrays, and write them back flat, nested or row by row.
 * Tensors borrow their values from the cJSON they were read from. */
#ifndef PLX_TENSOR_H
#define PLX_TENSOR_H

#include "../core/core.h"

typedef enum plx_dtype {
    PLX_DT_BOOL, PLX_DT_UINT8, PLX_DT_UINT16, PLX_DT_UINT32, PLX_DT_UINT64,
    PLX_DT_INT8, PLX_DT_INT16, PLX_DT_INT32, PLX_DT_INT64,
    PLX_DT_FP16, PLX_DT_FP32, PLX_DT_FP64, PLX_DT_BYTES,
    PLX_DT_NONE                   /* unknown: infer it from the values */
} plx_dtype;

#define PLX_TENSOR_MAX_DIMS 16

typedef struct plx_tensor {
    const char *name;             /* borrowed */
    plx_dtype dtype;
    int ndims;                    /* 0: a scalar */
    int64_t shape[PLX_TENSOR_MAX_DIMS];
    const cJSON **values;         /* the leaves in row-major order (owned array) */
    size_t count;
    const cJSON *parameters;      /* borrowed; NULL if none */
    bool has_b64;                 /* some BYTES leaves are {"b64": ...} objects */
} plx_tensor;

typedef struct plx_tensor_list {
    plx_tensor *items;
    size_t count;
} plx_tensor_list;

/* "FP32", ...; "" for PLX_DT_NONE. */
const char *plx_dtype_name(plx_dtype t);
/* PLX_DT_NONE when name is not a datatype of the protocol. */
plx_dtype plx_dtype_from_name(const char *name);

/* Reads the v2 tensor object obj found at path ("request.inputs[0]"): name,
 * shape, datatype, data (flat or nested, row-major), parameters. Fails with
 * PLX_EINVAL and a message naming the tensor when the data does not hold
 * exactly product(shape) values of the datatype. */
plx_status plx_tensor_read_v2(const plx_ctx *ctx, const cJSON *obj, const char *path,
                              plx_tensor *t);

/* Reads n rows (each a nested array or a value; rows[i] is at
 * "<path>[i]<suffix>") as a tensor of shape [n, row shape...]. Rows of
 * different shapes fail. want: the datatype to check the values against,
 * or PLX_DT_NONE to infer one (BOOL; INT64 when every number is integral;
 * FP64; BYTES for strings and {"b64": ...} objects). */
plx_status plx_tensor_read_rows(const plx_ctx *ctx, const char *name, const cJSON *const *rows,
                                size_t n, plx_dtype want, const char *path, const char *suffix,
                                plx_tensor *t);

/* Reads a nested array (shape from the nesting) or a single value (a scalar
 * tensor) found at path; datatype as for plx_tensor_read_rows. */
plx_status plx_tensor_read_nested(const plx_ctx *ctx, const char *name, const cJSON *value,
                                  plx_dtype want, const char *path, plx_tensor *t);

void plx_tensor_free(plx_tensor *t);
void plx_tensor_list_free(plx_tensor_list *l);
/* Appends a tensor (taken over) to l. */
plx_status plx_tensor_list_push(plx_tensor_list *l, plx_tensor *t);

/* Size of the first dimension (1 for a scalar). */
int64_t plx_tensor_rows(const plx_tensor *t);

/* Writes rows [begin, end) of t as a v2 object with flat data. */
void plx_tensor_write_v2(plx_jw *w, const char *key, const plx_tensor *t, int64_t begin,
                         int64_t end);
/* Writes rows [begin, end) as a nested array (a scalar: its value). */
void plx_tensor_write_nested(plx_jw *w, const char *key, const plx_tensor *t, int64_t begin,
                             int64_t end);
/* Writes row i without the first dimension: the row's nested value. */
void plx_tensor_write_row(plx_jw *w, const char *key, const plx_tensor *t, int64_t row);

/* Writes one JSON value compactly (numbers exactly, strings escaped). */
void plx_json_write_value(plx_jw *w, const char *key, const cJSON *v);

#endif
