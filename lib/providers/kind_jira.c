/* Kind "jira" (Jira Cloud REST API v3). One op per request, so that each
 * stays a pure build/parse pair; plx_notify chains them (notify_flow.c):
 *   create       the alert -> POST /rest/api/3/issue (description in ADF,
 *                project, issue type, labels, priority from severity; a
 *                dedup_key adds the label "plexus-<sha256 prefix>")
 *   search       {"dedup_key"} -> POST /rest/api/3/search/jql for open
 *                issues of the project carrying that label
 *   comment      {"issue", "alert"} -> POST /rest/api/3/issue/{issue}/comment
 *   transitions  {"issue"} -> GET /rest/api/3/issue/{issue}/transitions;
 *                the one to resolve with is marked "resolve": true
 *   transition   {"issue", "transition"} -> POST .../transitions
 *   notify       = create for a trigger without dedup_key. With a dedup_key,
 *                or to acknowledge or resolve, several requests are needed:
 *                PLX_EUNSUPPORTED, naming plx_notify, which does them.
 * Config: base_url (https://SITE.atlassian.net), auth basic (email, API
 * token), "project" (key), "issue_type" (default Task), "labels",
 * "priorities" ({severity: name} or false), "resolve_transition" (a name or
 * id; default: the first transition to a status of category done). */
#include "alert.h"
#include "../crypto/crypto.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUMMARY_MAX 255
/* Jira holds up to 32767 characters in a description or comment. */
#define TEXT_MAX 30000
#define ISSUE_MAX 255
#define LABEL_PREFIX "plexus-"

static const char *const KEYS[] = {"project", "issue_type", "labels", "priorities",
                                   "resolve_transition", NULL};

typedef struct jira_state {
    char *project;
    char *issue_type;
    cJSON *labels;              /* array of strings */
    char *priorities[4];        /* by severity; all NULL: do not set */
    char *resolve_transition;
} jira_state;

static void jira_release(void *state)
{
    jira_state *s = state;
    if (!s)
        return;
    free(s->project);
    free(s->issue_type);
    cJSON_Delete(s->labels);
    for (int i = 0; i < 4; i++)
        free(s->priorities[i]);
    free(s->resolve_transition);
    free(s);
}

/* ---- config ---- */

static plx_status read_project(jira_state *s, const plx_cfg *cfg, const cJSON *config)
{
    const char *project = NULL;
    plx_status st = plx_cfg_string(cfg, config, "project", &project);
    if (st != PLX_OK)
        return st;
    bool ok = project && isupper((unsigned char)project[0]) && strlen(project) <= 64;
    for (const char *c = project; ok && *c; c++)
        ok = isupper((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_';
    if (!ok)
        return plx_cfg_fail(cfg, "project", "expected a project key (\"OPS\": upper-case "
                            "letters, digits, _)");
    s->project = plx_strdup(project);
    return s->project ? PLX_OK : PLX_ENOMEM;
}

static plx_status dup_string(const plx_cfg *cfg, const cJSON *config, const char *key,
                             const char *fallback, char **out)
{
    const char *v = fallback;
    plx_status st = plx_cfg_string(cfg, config, key, &v);
    if (st != PLX_OK || !v)
        return st;
    if (!*v)
        return plx_cfg_fail(cfg, key, "must not be empty");
    *out = plx_strdup(v);
    return *out ? PLX_OK : PLX_ENOMEM;
}

static bool label_valid(const char *l)
{
    if (!*l || strlen(l) > 255)
        return false;
    for (; *l; l++)
        if (isspace((unsigned char)*l))
            return false;
    return true;
}

static plx_status read_labels(jira_state *s, const plx_cfg *cfg, const cJSON *config)
{
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(config, "labels");
    if (!labels)
        return PLX_OK;
    bool ok = cJSON_IsArray(labels);
    const cJSON *l;
    cJSON_ArrayForEach(l, labels)
        ok = ok && cJSON_IsString(l) && label_valid(l->valuestring);
    if (!ok)
        return plx_cfg_fail(cfg, "labels", "expected an array of labels (strings without "
                            "spaces, at most 255 bytes)");
    s->labels = cJSON_Duplicate(labels, true);
    return s->labels ? PLX_OK : PLX_ENOMEM;
}

/* {"critical": "Highest", ...} overrides some defaults; false sets none. */
static plx_status read_priorities(jira_state *s, const plx_cfg *cfg, const cJSON *config)
{
    static const char *const defaults[] = {"Low", "Medium", "High", "Highest"};
    const cJSON *prio = cJSON_GetObjectItemCaseSensitive(config, "priorities");
    if (cJSON_IsFalse(prio))
        return PLX_OK;
    if (prio && !cJSON_IsObject(prio))
        return plx_cfg_fail(cfg, "priorities", "expected {severity: priority name} or false");
    char path[256];
    plx_cfg_subpath(cfg, "priorities", path, sizeof path);
    plx_cfg sub = {cfg->ctx, path};
    static const char *const keys[] = {"info", "warning", "error", "critical", NULL};
    plx_status st = prio ? plx_cfg_check_keys(&sub, prio, keys) : PLX_OK;
    for (int i = 0; i < 4 && st == PLX_OK; i++)
        st = dup_string(&sub, prio, keys[i], defaults[i], &s->priorities[i]);
    return st;
}

static plx_status jira_configure(plx_provider *p, const plx_cfg *cfg, const cJSON *config,
                                 void **state)
{
    jira_state *s = calloc(1, sizeof *s);
    if (!s)
        return PLX_ENOMEM;
    *state = s;
    if (!p->base_url)
        return plx_cfg_fail(cfg, "base_url", "missing (your site, "
                            "https://YOUR-DOMAIN.atlassian.net)");
    plx_status st = read_project(s, cfg, config);
    if (st == PLX_OK)
        st = dup_string(cfg, config, "issue_type", "Task", &s->issue_type);
    if (st == PLX_OK)
        st = read_labels(s, cfg, config);
    if (st == PLX_OK)
        st = read_priorities(s, cfg, config);
    if (st == PLX_OK)
        st = dup_string(cfg, config, "resolve_transition", NULL, &s->resolve_transition);
    if (st == PLX_OK)
        plx_notify_kind_defaults(p, config, 0, 0);
    return st;
}

/* ---- Atlassian Document Format ---- */

static void adf_text(plx_jw *w, const char *s, size_t len, bool strong, const char *href)
{
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "text");
    plx_jw_string(w, "text", s, len);
    if (strong || href) {
        plx_jw_begin_array(w, "marks");
        plx_jw_begin(w, NULL);
        if (href) {
            PLX_JW_LIT(w, "type", "link");
            plx_jw_begin(w, "attrs");
            plx_jw_string(w, "href", href, strlen(href));
            plx_jw_end(w);
        } else {
            PLX_JW_LIT(w, "type", "strong");
        }
        plx_jw_end(w);
        plx_jw_end_array(w);
    }
    plx_jw_end(w);
}

static void adf_hard_break(plx_jw *w)
{
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "hardBreak");
    plx_jw_end(w);
}

/* A paragraph of text; lines become text nodes joined by hard breaks (ADF
 * has no empty text nodes). */
static void adf_paragraph(plx_jw *w, const char *text)
{
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "paragraph");
    plx_jw_begin_array(w, "content");
    bool first = true;
    for (const char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        size_t shown = n && line[n - 1] == '\r' ? n - 1 : n;
        if (!first)
            adf_hard_break(w);
        if (shown)
            adf_text(w, line, shown, false, NULL);
        first = false;
        line += n + (line[n] == '\n');
    }
    plx_jw_end_array(w);
    plx_jw_end(w);
}

static void adf_fact(plx_jw *w, const char *name, const char *value)
{
    char label[256];
    snprintf(label, sizeof label, "%s: ", name);
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "listItem");
    plx_jw_begin_array(w, "content");
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "paragraph");
    plx_jw_begin_array(w, "content");
    adf_text(w, label, strlen(label), true, NULL);
    if (*value)
        adf_text(w, value, strlen(value), false, NULL);
    plx_jw_end_array(w);
    plx_jw_end(w);
    plx_jw_end_array(w);
    plx_jw_end(w);
}

static void adf_facts(plx_jw *w, const plx_alert *a)
{
    char value[2048];
    plx_jw_begin(w, NULL);
    PLX_JW_LIT(w, "type", "bulletList");
    plx_jw_begin_array(w, "content");
    adf_fact(w, "Severity", plx_severity_name(a->severity));
    adf_fact(w, "Source", a->source);
    if (a->dedup_key)
        adf_fact(w, "Dedup key", a->dedup_key);
    const cJSON *f;
    cJSON_ArrayForEach(f, a->fields) {
        plx_alert_value_text(f, value, sizeof value);
        adf_fact(w, f->string, value);
    }
    plx_jw_end_array(w);
    plx_jw_end(w);
}

/* A document: an optional lead line, the text, the facts, the link. */
static void adf_doc(plx_jw *w, const char *key, const char *lead, const plx_alert *a)
{
    plx_jw_begin(w, key);
    PLX_JW_LIT(w, "type", "doc");
    plx_jw_int(w, "version", 1);
    plx_jw_begin_array(w, "content");
    if (lead)
        adf_paragraph(w, lead);
    plx_buf text = {0};
    if (a->text[0] && plx_buf_clipped(&text, a->text, TEXT_MAX) != PLX_OK)
        w->status = PLX_ENOMEM;
    if (text.data)
        adf_paragraph(w, text.data);
    plx_buf_free(&text);
    adf_facts(w, a);
    if (a->link) {
        plx_jw_begin(w, NULL);
        PLX_JW_LIT(w, "type", "paragraph");
        plx_jw_begin_array(w, "content");
        adf_text(w, a->link, strlen(a->link), false, a->link);
        plx_jw_end_array(w);
        plx_jw_end(w);
    }
    plx_jw_end_array(w);
    plx_jw_end(w);
}

/* ---- requests ---- */

/* "plexus-" and the first 16 hex digits of SHA-256(dedup_key): labels
 * cannot hold spaces, and keys can. */
static void dedup_label(const char *key, char out[sizeof LABEL_PREFIX + 16])
{
    unsigned char digest[PLX_SHA256_LEN];
    char hex[2 * PLX_SHA256_LEN + 1];
    plx_sha256(key, strlen(key), digest);
    plx_hex_lower(digest, sizeof digest, hex);
    snprintf(out, sizeof LABEL_PREFIX + 16, "%s%.16s", LABEL_PREFIX, hex);
}

/* The summary: one line (Jira rejects line breaks), at most 255 chars. */
static void summary(plx_jw *w, const char *title)
{
    char *line = plx_strdup(title);
    if (!line) {
        w->status = PLX_ENOMEM;
        return;
    }
    for (char *c = line; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    plx_jw_clipped(w, "summary", line, SUMMARY_MAX);
    free(line);
}

static void issue_fields(plx_jw *w, const jira_state *s, const plx_alert *a)
{
    plx_jw_begin(w, "fields");
    plx_jw_begin(w, "project");
    plx_jw_string(w, "key", s->project, strlen(s->project));
    plx_jw_end(w);
    plx_jw_begin(w, "issuetype");
    plx_jw_string(w, "name", s->issue_type, strlen(s->issue_type));
    plx_jw_end(w);
    summary(w, a->title);
    adf_doc(w, "description", NULL, a);
    plx_jw_begin_array(w, "labels");
    const cJSON *l;
    cJSON_ArrayForEach(l, s->labels)
        plx_jw_string(w, NULL, l->valuestring, strlen(l->valuestring));
    if (a->dedup_key) {
        char label[sizeof LABEL_PREFIX + 16];
        dedup_label(a->dedup_key, label);
        plx_jw_string(w, NULL, label, strlen(label));
    }
    plx_jw_end_array(w);
    const char *prio = s->priorities[a->severity];
    if (prio) {
        plx_jw_begin(w, "priority");
        plx_jw_string(w, "name", prio, strlen(prio));
        plx_jw_end(w);
    }
    plx_jw_end(w);
}

static plx_status build_create(const plx_provider *p, const cJSON *request, plx_request **out)
{
    plx_alert a;
    plx_status st = plx_alert_parse(p->ctx, "request", request, &a);
    if (st != PLX_OK)
        return st;
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    issue_fields(&w, p->kind_state, &a);
    plx_jw_end(&w);
    return plx_kind_json_request(p, "POST", "/rest/api/3/issue", &w, out);
}

static plx_status build_notify(const plx_provider *p, const cJSON *request, plx_request **out)
{
    const cJSON *dedup = cJSON_GetObjectItemCaseSensitive(request, "dedup_key");
    const char *action = plx_json_str(request, "action");
    if (dedup || (action && strcmp(action, "trigger") != 0))
        return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'jira': an alert with a dedup_key "
                        "or an action other than trigger takes several requests (search, "
                        "then comment, create or transition): send it with plx_notify, or "
                        "use the ops search, create, comment, transitions, transition");
    return build_create(p, request, out);
}

/* request.<key> as a non-empty string. */
static plx_status request_string(const plx_provider *p, const cJSON *request, const char *key,
                                 const char **out)
{
    *out = plx_json_str(request, key);
    if (!*out || !**out || strlen(*out) > ISSUE_MAX)
        return plx_fail(p->ctx, PLX_EINVAL, "request.%s: expected a non-empty string", key);
    return PLX_OK;
}

static plx_status build_search(const plx_provider *p, const cJSON *request, plx_request **out)
{
    const jira_state *s = p->kind_state;
    const char *key = NULL;
    plx_status st = request_string(p, request, "dedup_key", &key);
    if (st != PLX_OK)
        return st;
    char label[sizeof LABEL_PREFIX + 16];
    dedup_label(key, label);
    plx_buf jql = {0};
    st = plx_buf_printf(&jql, "project = \"%s\" AND labels = \"%s\" AND statusCategory != "
                        "Done ORDER BY created DESC", s->project, label);
    if (st != PLX_OK)
        return st;
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    plx_jw_string(&w, "jql", jql.data, jql.len);
    plx_jw_int(&w, "maxResults", 1);
    plx_jw_begin_array(&w, "fields");
    PLX_JW_LIT(&w, NULL, "status");
    plx_jw_end_array(&w);
    plx_jw_end(&w);
    plx_buf_free(&jql);
    return plx_kind_json_request(p, "POST", "/rest/api/3/search/jql", &w, out);
}

/* /rest/api/3/issue/<issue, percent-encoded><suffix> */
static plx_status issue_path(const plx_provider *p, const cJSON *request, const char *suffix,
                             plx_buf *path)
{
    const char *issue = NULL;
    plx_status st = request_string(p, request, "issue", &issue);
    if (st == PLX_OK)
        st = plx_buf_append_str(path, "/rest/api/3/issue/");
    if (st == PLX_OK)
        st = plx_url_encode(path, issue, strlen(issue), false);
    if (st == PLX_OK)
        st = plx_buf_append_str(path, suffix);
    return st;
}

static const char *lead_line(const plx_alert *a, plx_buf *b)
{
    static const char *const verbs[] = {"Alert fired again", "Alert acknowledged",
                                        "Alert resolved"};
    if (plx_buf_printf(b, "%s: %s", verbs[a->action], a->title) != PLX_OK)
        return NULL;
    return b->data;
}

static plx_status build_comment(const plx_provider *p, const cJSON *request, plx_request **out)
{
    plx_buf path = {0}, lead = {0};
    plx_alert a;
    plx_status st = issue_path(p, request, "/comment", &path);
    if (st == PLX_OK)
        st = plx_alert_parse(p->ctx, "request.alert",
                             cJSON_GetObjectItemCaseSensitive(request, "alert"), &a);
    plx_jw w = {0};
    if (st == PLX_OK) {
        plx_jw_begin(&w, NULL);
        adf_doc(&w, "body", lead_line(&a, &lead), &a);
        plx_jw_end(&w);
        st = plx_kind_json_request(p, "POST", path.data, &w, out);
    }
    plx_buf_free(&path);
    plx_buf_free(&lead);
    return st;
}

static plx_status build_transitions(const plx_provider *p, const cJSON *request,
                                    plx_request **out)
{
    plx_buf path = {0};
    plx_status st = issue_path(p, request, "/transitions", &path);
    if (st == PLX_OK)
        st = plx_provider_request(p, "GET", path.data, out);
    plx_buf_free(&path);
    return st;
}

static plx_status build_transition(const plx_provider *p, const cJSON *request,
                                   plx_request **out)
{
    plx_buf path = {0};
    const char *id = NULL;
    plx_status st = issue_path(p, request, "/transitions", &path);
    if (st == PLX_OK)
        st = request_string(p, request, "transition", &id);
    plx_jw w = {0};
    if (st == PLX_OK) {
        plx_jw_begin(&w, NULL);
        plx_jw_begin(&w, "transition");
        plx_jw_string(&w, "id", id, strlen(id));
        plx_jw_end(&w);
        plx_jw_end(&w);
        st = plx_kind_json_request(p, "POST", path.data, &w, out);
    }
    plx_buf_free(&path);
    return st;
}

typedef plx_status (*jira_builder)(const plx_provider *, const cJSON *, plx_request **);

static const struct {
    const char *op;
    jira_builder build;
} OPS[] = {{"notify", build_notify},           {"create", build_create},
           {"search", build_search},           {"comment", build_comment},
           {"transitions", build_transitions}, {"transition", build_transition}};

static plx_status jira_build(const plx_provider *p, const char *op, const cJSON *request,
                             plx_request **out)
{
    for (size_t i = 0; i < PLX_ARRAY_LEN(OPS); i++)
        if (strcmp(op, OPS[i].op) == 0)
            return OPS[i].build(p, request, out);
    return plx_fail(p->ctx, PLX_EUNSUPPORTED, "kind 'jira' has no op '%s' (ops: notify, "
                    "create, search, comment, transitions, transition)", op);
}

/* ---- replies ---- */

/* {"errorMessages": [...], "errors": {"field": "message"}} */
static void read_errors(const cJSON *json, plx_reply *r)
{
    plx_buf b = {0};
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(json, "errorMessages"))
        if (cJSON_IsString(e))
            plx_buf_printf(&b, "%s%s", b.len ? "; " : "", e->valuestring);
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(json, "errors"))
        if (cJSON_IsString(e))
            plx_buf_printf(&b, "%s%s: %s", b.len ? "; " : "", e->string, e->valuestring);
    if (b.data)
        plx_excerpt(b.data, b.len, 400, r->service_message, sizeof r->service_message);
    plx_buf_free(&b);
}

static void write_issues(plx_jw *w, const cJSON *json)
{
    plx_jw_begin_array(w, "issues");
    const cJSON *issue;
    cJSON_ArrayForEach(issue, cJSON_GetObjectItemCaseSensitive(json, "issues")) {
        const char *key = plx_json_str(issue, "key"), *id = plx_json_str(issue, "id");
        if (!key)
            continue;
        plx_jw_begin(w, NULL);
        plx_jw_string(w, "key", key, strlen(key));
        if (id)
            plx_jw_string(w, "id", id, strlen(id));
        plx_jw_end(w);
    }
    plx_jw_end_array(w);
}

static bool leads_to_done(const cJSON *t)
{
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(t, "to");
    const char *key = plx_json_str(cJSON_GetObjectItemCaseSensitive(to, "statusCategory"),
                                   "key");
    return key && strcmp(key, "done") == 0;
}

/* Whether t is the configured resolve transition (by id or name). */
static bool is_configured(const jira_state *s, const cJSON *t)
{
    const char *id = plx_json_str(t, "id"), *name = plx_json_str(t, "name");
    const char *want = s->resolve_transition;
    return (id && strcmp(id, want) == 0) || (name && strcasecmp(name, want) == 0);
}

static void write_transitions(const jira_state *s, plx_jw *w, const cJSON *json)
{
    bool chosen = false;
    plx_jw_begin_array(w, "transitions");
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(json, "transitions")) {
        const char *id = plx_json_str(t, "id"), *name = plx_json_str(t, "name");
        if (!id)
            continue;
        bool done = leads_to_done(t);
        bool resolve = !chosen && (s->resolve_transition ? is_configured(s, t) : done);
        chosen = chosen || resolve;
        plx_jw_begin(w, NULL);
        plx_jw_string(w, "id", id, strlen(id));
        if (name)
            plx_jw_string(w, "name", name, strlen(name));
        plx_jw_bool(w, "done", done);
        plx_jw_bool(w, "resolve", resolve);
        plx_jw_end(w);
    }
    plx_jw_end_array(w);
}

static plx_status jira_parse(const plx_provider *p, const char *op, plx_reply *r)
{
    cJSON *json = plx_reply_json(r);
    bool created = strcmp(op, "create") == 0 || strcmp(op, "notify") == 0;
    const char *id = NULL;
    if (!r->failed && (created || strcmp(op, "comment") == 0))
        id = plx_json_str(json, created ? "key" : "id");
    plx_notify_result(r, id);
    plx_status st = PLX_OK;
    bool listing = strcmp(op, "search") == 0 || strcmp(op, "transitions") == 0;
    if (r->failed)
        read_errors(json, r);
    else if (listing && !cJSON_IsObject(json))
        st = plx_fail(p->ctx, PLX_EPROTOCOL, "Jira's %s reply is not a JSON object", op);
    else if (strcmp(op, "search") == 0)
        write_issues(r->out, json);
    else if (strcmp(op, "transitions") == 0)
        write_transitions(p->kind_state, r->out, json);
    cJSON_Delete(json);
    return st;
}

const plx_kind plx_kind_jira = {
    .name = "jira",
    .config_keys = KEYS,
    .configure = jira_configure,
    .release = jira_release,
    .build = jira_build,
    .parse = jira_parse,
};
