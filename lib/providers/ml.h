/* What the ML serving kinds (kserve, tfserving, torchserve) share:
 * the model and version a request names, URL segments, canonical inputs
 * read into tensors, JSON bodies and the services' error bodies. */
#ifndef PLX_ML_H
#define PLX_ML_H

#include "providers.h"
#include "tensor.h"

/* Provider config keys every ML kind has: "model" and "version", the
 * defaults for requests that name none. */
typedef struct plx_ml_defaults {
    char *model;
    char *version;
} plx_ml_defaults;

/* Reads "model" and "version" (a string or an integer) of a provider config. */
plx_status plx_ml_defaults_read(const plx_cfg *cfg, const cJSON *config, plx_ml_defaults *d);
void plx_ml_defaults_free(plx_ml_defaults *d);

/* The request's "model", else the default; fails naming request.model when
 * there is neither. */
plx_status plx_ml_model(const plx_provider *p, const cJSON *request, const plx_ml_defaults *d,
                        const char **out);
/* The request's "version" (a string or an integer >= 0) as text in buf,
 * else the default; *out is NULL when there is none. */
plx_status plx_ml_version(const plx_provider *p, const cJSON *request,
                          const plx_ml_defaults *d, char *buf, size_t cap, const char **out);

/* Appends "/" and s, percent-encoded, to b. */
plx_status plx_ml_append_segment(plx_buf *b, const char *s);
/* What follows the last marker ("/v2/models/") in the path of req's URL,
 * or NULL. */
const char *plx_ml_url_after(const plx_request *req, const char *marker);
/* Percent-decodes the path segment at s (up to '/', ':', '?' or the end)
 * into dst; returns where it ends. */
const char *plx_ml_segment(const char *s, char *dst, size_t cap);

/* How a predict request gave its inputs. */
typedef enum plx_ml_form {
    PLX_ML_ROWS,         /* "instances": rows of values or nested arrays */
    PLX_ML_NAMED_ROWS,   /* "instances": rows of {name: value} */
    PLX_ML_TENSORS,      /* "inputs": [{name, shape, datatype, data}] */
    PLX_ML_COLUMNS,      /* "inputs": {name: nested array} */
    PLX_ML_COLUMN        /* "inputs": one nested array */
} plx_ml_form;

/* Reads a predict request's "instances" or "inputs" into checked tensors
 * (one per named input; unnamed ones are called default_name). want: the
 * datatype of inferred tensors, or PLX_DT_NONE. */
plx_status plx_ml_read_inputs(const plx_provider *p, const cJSON *request, plx_dtype want,
                              const char *default_name, plx_tensor_list *out,
                              plx_ml_form *form);

/* Reads rows (an array of values, nested arrays, or {name: value} objects,
 * found at path) into tensors whose first dimension is the row; *named
 * tells whether the rows were objects. */
plx_status plx_ml_read_rows(const plx_ctx *ctx, const cJSON *rows, const char *path,
                            plx_dtype want, const char *default_name, plx_tensor_list *out,
                            bool *named);

/* Checks that exactly one of the keys is present in request; returns it. */
plx_status plx_ml_one_of(const plx_provider *p, const cJSON *request, const char *const *keys,
                         const cJSON **item, const char **key);

/* Turns the writer's text into req's JSON body. */
plx_status plx_ml_json_body(plx_request *req, plx_jw *w);

/* The reply body as JSON (a 2xx reply that is not JSON: PLX_EPROTOCOL). */
plx_status plx_ml_reply_json(const plx_provider *p, const plx_reply *r, cJSON **out);

/* Fills r->service_message (and service_code) from an error reply:
 * {"error": "..."}, {"error": {"message"}}, {"message", "type"|"code"},
 * {"detail": "..." | [{"msg"}]}, else an excerpt of the body. */
void plx_ml_error(plx_reply *r);

/* Writes predictions (one entry per row: the row's value, or {name: value}
 * for several outputs) when every tensor has the same first dimension. */
void plx_ml_write_predictions(plx_jw *w, const plx_tensor_list *outputs);

/* The body of a "raw" input: text, {"b64": ...} bytes, or any other JSON,
 * with content type type (a JSON string) or one that fits. */
plx_status plx_ml_raw_body(const plx_provider *p, const cJSON *raw, const cJSON *type,
                           plx_request *req);
/* Writes a reply of any form: JSON as "outputs" (and "predictions" when it
 * is an array or holds one under "predictions"), text as "outputs", other
 * bytes as "outputs_base64". */
plx_status plx_ml_write_any_outputs(plx_jw *w, const plx_response *resp);
/* Writes "model" and "model_version" (null when unknown). */
void plx_ml_write_model(plx_jw *w, const char *model, const char *version);

#endif
