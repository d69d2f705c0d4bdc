/* The canonical alert that every notify kind reads (op "notify"), and the
 * small functions those kinds share: clipping text to a service's limits,
 * default rate limits and timeouts, JSON requests and replies. */
#ifndef PLX_ALERT_H
#define PLX_ALERT_H

#include "providers.h"

typedef enum plx_severity {
    PLX_SEVERITY_INFO,
    PLX_SEVERITY_WARNING,
    PLX_SEVERITY_ERROR,
    PLX_SEVERITY_CRITICAL
} plx_severity;

typedef enum plx_alert_action {
    PLX_ALERT_TRIGGER,
    PLX_ALERT_ACKNOWLEDGE,
    PLX_ALERT_RESOLVE
} plx_alert_action;

/* {title, text, severity, source, dedup_key?, link?, fields?, action?}.
 * Strings point into the parsed JSON, which must outlive the alert. */
typedef struct plx_alert {
    const char *title;          /* non-empty */
    const char *text;           /* may be "" */
    const char *source;         /* non-empty */
    const char *dedup_key;      /* NULL when absent */
    const char *link;           /* an http(s) URL, or NULL */
    const cJSON *fields;        /* an object of strings, numbers, booleans; or NULL */
    plx_severity severity;
    plx_alert_action action;    /* default trigger */
} plx_alert;

/* Longest dedup_key accepted (PagerDuty's limit). */
#define PLX_DEDUP_KEY_MAX 255
/* Most fields an alert may carry. */
#define PLX_ALERT_FIELDS_MAX 50

/* Writes a string literal (its length known at compile time). */
#define PLX_JW_LIT(w, key, lit) plx_jw_string((w), (key), "" lit, sizeof(lit) - 1)

/* Reads and validates an alert. Errors are PLX_EINVAL with a message naming
 * the field under path ("request.severity: expected one of info, warning,
 * error, critical"). acknowledge and resolve need a dedup_key. */
plx_status plx_alert_parse(const plx_ctx *ctx, const char *path, const cJSON *json,
                           plx_alert *out);

const char *plx_severity_name(plx_severity s);
const char *plx_alert_action_name(plx_alert_action a);

/* The text of a field value: strings as they are (cut to fit at a
 * character boundary), numbers as %.15g, booleans as true/false. dst is
 * always terminated. */
void plx_alert_value_text(const cJSON *v, char *dst, size_t cap);

/* Writes one field of alert.fields as a member named after it. */
void plx_alert_write_field(plx_jw *w, const cJSON *field);

/* Writes the alert as canonical JSON (every present field, action always). */
void plx_alert_write(plx_jw *w, const char *key, const plx_alert *a);

/* Byte length of the longest prefix of s (len bytes) holding at most
 * max_chars code points, cut at a character boundary. */
size_t plx_utf8_prefix(const char *s, size_t len, size_t max_chars);

/* Writes s, clipped to max_chars code points; a clipped string ends in
 * "..." (U+2026) so readers see that text is missing. */
void plx_jw_clipped(plx_jw *w, const char *key, const char *s, size_t max_chars);
/* The same into a buffer. */
plx_status plx_buf_clipped(plx_buf *b, const char *s, size_t max_chars);

/* ---- for the configure of notify kinds ---- */

/* Defaults that suit alerting unless the config sets the key: a rate limit
 * matching the service's documented limit (per_second 0: none), a 10 s
 * attempt timeout and a 30 s deadline, so that a dead target ends soon. */
void plx_notify_kind_defaults(plx_provider *p, const cJSON *config, double per_second,
                              double burst);
/* Sets base_url when the config has none. */
plx_status plx_kind_default_base_url(plx_provider *p, const char *url);
/* Reads the secret at key (string, {"env"} or {"file"}), registered for
 * redaction; *out stays NULL when absent, and missing ones fail when
 * required. */
plx_status plx_kind_secret(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                           const char *key, bool required, char **out);

/* ---- for build and parse ---- */

/* A request to path (or an absolute URL) with the JSON text of w as body;
 * w is freed. */
plx_status plx_kind_json_request(const plx_provider *p, const char *method, const char *path,
                                 plx_jw *w, plx_request **out);
/* The reply's body as JSON, or NULL when it is empty or not JSON. */
cJSON *plx_reply_json(const plx_reply *r);
/* A string member of obj, or NULL. */
const char *plx_json_str(const cJSON *obj, const char *key);
/* Writes "status" (the HTTP status) and, when id is not NULL, "id". */
void plx_notify_result(plx_reply *r, const char *id);

#endif
