/* Internal to the aws kind: the table of AWS services (aws_services.c) and
 * the REST-JSON operations it knows, read by kind_aws.c. */
#ifndef PLX_AWS_H
#define PLX_AWS_H

#include "providers.h"

typedef enum plx_aws_protocol {
    PLX_AWS_JSON,        /* POST / with X-Amz-Target, JSON 1.0 or 1.1 */
    PLX_AWS_REST_JSON    /* a method and path per operation, JSON bodies */
} plx_aws_protocol;

/* Where a member of an operation's input or output travels. */
typedef enum plx_aws_location {
    PLX_AWS_LABEL,       /* in the path: {Name} (or {Name+}: keeps '/') */
    PLX_AWS_HEADER,      /* a header (string) */
    PLX_AWS_HEADER_INT,  /* a header holding an integer */
    PLX_AWS_QUERY,       /* a query parameter */
    PLX_AWS_PAYLOAD,     /* the whole body, as bytes (a blob payload) */
    PLX_AWS_STATUS       /* output only: the HTTP status code */
} plx_aws_location;

typedef struct plx_aws_binding {
    const char *member;          /* "ContentType"; NULL ends a list */
    plx_aws_location where;
    const char *wire;            /* header or query name; NULL otherwise */
} plx_aws_binding;

/* A REST-JSON operation. Input members not bound go into a JSON body
 * (unless the input has a PAYLOAD member); output members not bound come
 * from the JSON body (unless the output has a PAYLOAD member). */
typedef struct plx_aws_rest_op {
    const char *name;            /* "InvokeEndpoint" */
    const char *method;
    const char *path;            /* "/endpoints/{EndpointName}/invocations" */
    const plx_aws_binding *input;
    const plx_aws_binding *output;
} plx_aws_rest_op;

typedef struct plx_aws_service {
    const char *name;            /* what request.service says: "comprehend" */
    const char *alias;           /* another accepted name, or NULL */
    const char *endpoint_prefix; /* host <prefix>.<region>.amazonaws.com */
    const char *signing_name;    /* the SigV4 service name */
    plx_aws_protocol protocol;
    const char *target_prefix;   /* JSON: X-Amz-Target is "<prefix>.<Operation>" */
    const char *json_version;    /* JSON: "1.0" or "1.1" */
    const char *global_region;   /* a service with one endpoint: its region; else NULL */
    const plx_aws_rest_op *ops;  /* REST-JSON: the known operations, {NULL}-ended */
} plx_aws_service;

/* Where an AWS kind sends requests. */
typedef struct plx_aws_endpoint {
    char *region;
    char *endpoint_url;           /* an override (moto, LocalStack), no trailing '/' */
} plx_aws_endpoint;

/* Config keys every AWS kind takes (NULL-ended). */
extern const char *const PLX_AWS_CONFIG_KEYS[];

/* Reads endpoint_url, region and the credential keys of an AWS kind's
 * config, and installs the SigV4 signer as p->auth (kind_aws.c). */
plx_status plx_aws_setup(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                         plx_aws_endpoint *e);
void plx_aws_endpoint_clear(plx_aws_endpoint *e);

/* A request to path at svc's endpoint (the override, or
 * https://<prefix>.<region>.amazonaws.com), carrying its signing scope. */
plx_status plx_aws_request(const plx_provider *p, const plx_aws_endpoint *e,
                           const plx_aws_service *svc, const char *method, const char *path,
                           plx_request **out);

/* By name or alias; NULL if unknown. */
const plx_aws_service *plx_aws_service_find(const char *name);
/* "comprehend, translate, ..." for messages. */
const char *plx_aws_service_names(void);
/* A REST-JSON operation of s by name; NULL if unknown. */
const plx_aws_rest_op *plx_aws_rest_op_find(const plx_aws_service *s, const char *name);
/* The REST-JSON operation that built a request: among the REST-JSON
 * services signing as signing_name, the one whose method and path template
 * match (path without the query). NULL if none. */
const plx_aws_rest_op *plx_aws_rest_op_match(const char *signing_name, const char *method,
                                             const char *path, size_t path_len);

/* The status an AWS error code stands for (AccessDenied: PLX_EAUTH,
 * ThrottlingException: PLX_ERATELIMIT, ValidationException: PLX_EINVAL,
 * ...); PLX_OK when the code says no more than the HTTP status. */
plx_status plx_aws_error_status(const char *code);

/* Reads an AWS error reply (x-amzn-ErrorType, a JSON body's __type / code /
 * message, or an XML <Code>/<Message>) into r's service_code,
 * service_message and status. */
void plx_aws_parse_error(const plx_response *resp, plx_reply *r);

#endif
