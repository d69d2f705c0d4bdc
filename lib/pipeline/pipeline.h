/* Internal pipelines layer: a DAG of steps from JSON, templates, `when`
 * conditions, routes over providers, the scheduler that runs many records'
 * DAGs at once over the async transport, micro-batching, and the batch
 * runner (JSONL in and out, checkpoints). Knows no wire format: a step is a
 * canonical operation on a provider. */
#ifndef PLX_PIPELINE_H
#define PLX_PIPELINE_H

#include "../providers/providers.h"

#define PL_MAX_STEPS 256
#define PL_MAX_CHOICES 64        /* providers in one weighted group */

/* ---- paths (path.c): "a.b[2].c" below a template root ---- */
typedef struct pl_seg {
    char *key;        /* NULL for an [N] index */
    long index;       /* for [N]; a numeric key also indexes an array */
} pl_seg;

typedef struct pl_path {
    pl_seg *segs;
    size_t n;
} pl_path;

/* Parses len bytes of s ("" is the empty path; a leading "." is required
 * before a key unless first is true). false on a syntax error. */
bool pl_path_parse(const char *s, size_t len, bool first, pl_path *out);
void pl_path_free(pl_path *p);
/* The value at p below root; NULL if some segment does not resolve, and
 * *depth (may be NULL) says how many segments did. */
const cJSON *pl_path_get(const cJSON *root, const pl_path *p, size_t *depth);
/* Detaches the item at p (non-empty) from root; NULL if absent. */
cJSON *pl_path_detach(cJSON *root, const pl_path *p);
/* Puts item at p (non-empty) below root, whose parent must exist; takes
 * item (freed on failure). */
bool pl_path_set(cJSON *root, const pl_path *p, cJSON *item);

/* ---- references: {{input.x}}, {{steps.ID.output.x}} (template.c) ---- */
typedef enum pl_ref_kind {
    PL_REF_INPUT,
    PL_REF_OUTPUT,    /* steps.ID.output[...] */
    PL_REF_STATUS,    /* steps.ID.status */
    PL_REF_ERROR      /* steps.ID.error[...] */
} pl_ref_kind;

typedef struct pl_ref {
    pl_ref_kind kind;
    int step;         /* for steps.* */
    pl_path path;
    char *text;       /* as written, for messages */
} pl_ref;

struct pl_step_state;

/* What references see while a record runs. */
typedef struct pl_scope {
    const cJSON *input;
    const struct pl_step_state *steps;
} pl_scope;

/* Resolves r. *out is NULL when the reference does not resolve (an error
 * in templates); a skipped step's output is JSON null, never NULL. */
const cJSON *pl_ref_resolve(const pl_ref *r, const pl_scope *s);

typedef struct pl_tmpl pl_tmpl;

/* Compiles a JSON value (strings may hold {{...}}) into a template. where
 * names its place in the definition ("steps.a.input") for messages. */
plx_status pl_tmpl_compile(plx_pipeline *pl, const cJSON *json, const char *where,
                           pl_tmpl **out);
void pl_tmpl_free(pl_tmpl *t);
/* Writes the rendered value under key (NULL: an element or the top). A
 * reference that does not resolve fails with PLX_EINVAL and a message
 * naming the place and the reference. */
plx_status pl_tmpl_render(const pl_tmpl *t, const pl_scope *s, plx_ctx *ctx, plx_jw *w,
                          const char *key);
/* Calls fn for each reference to a step ({{steps.ID...}}) in the template. */
typedef void (*pl_ref_fn)(const pl_ref *r, void *ud);
void pl_tmpl_each_ref(const pl_tmpl *t, pl_ref_fn fn, void *ud);
/* Parses one reference ("steps.a.output.x", without braces). */
plx_status pl_ref_parse(plx_pipeline *pl, const char *text, size_t len, const char *where,
                        pl_ref *out);
void pl_ref_free(pl_ref *r);

/* Writes a cJSON value with the JSON writer. */
void pl_jw_cjson(plx_jw *w, const char *key, const cJSON *v);
/* Writes v rounded to 1/scale (sums of prices are not exact in binary). */
void pl_jw_round(plx_jw *w, const char *key, double v, double scale);
#define PL_USD 1e12      /* money: to 1e-12 USD */
#define PL_FIGURE 1e3    /* rates and means: to 3 decimals */

/* ---- conditions (cond.c) ---- */
typedef struct pl_cond pl_cond;
plx_status pl_cond_compile(plx_pipeline *pl, const cJSON *json, const char *where,
                           pl_cond **out);
void pl_cond_free(pl_cond *c);
bool pl_cond_eval(const pl_cond *c, const pl_scope *s);
void pl_cond_each_ref(const pl_cond *c, pl_ref_fn fn, void *ud);

/* ---- routes (route.c): a provider, a fallback chain, weights ---- */
typedef struct pl_choice {
    plx_provider *p;
    uint32_t weight;
} pl_choice;

typedef struct pl_slot {        /* one link of a fallback chain */
    pl_choice *choices;         /* one, or several with weights */
    size_t n;
} pl_slot;

typedef struct pl_route {
    pl_slot *slots;
    size_t n;
} pl_route;

plx_status pl_route_parse(plx_ctx *ctx, const cJSON *json, const char *where, pl_route *out);
void pl_route_free(pl_route *r);
/* The provider for slot i: by weight among those whose circuit is not open
 * (rng advances); NULL if every circuit of the slot is open. */
plx_provider *pl_route_pick(const pl_route *r, size_t i, uint64_t *rng);
/* Whether p's circuit breaker is open right now (a half-open circuit lets
 * a trial through, so it counts as not open). */
bool pl_provider_circuit_open(plx_provider *p);
uint64_t pl_rng_next(uint64_t *state);

/* ---- the definition (definition.c) ---- */
typedef enum pl_on_error {
    PL_ON_ERROR_FAIL,
    PL_ON_ERROR_SKIP,
    PL_ON_ERROR_DEFAULT
} pl_on_error;

typedef struct pl_step {
    char *id;
    char *op;
    pl_route route;             /* empty for an endpoint step */
    plx_endpoint *endpoint;     /* owned by the ctx; NULL: a provider step */
    pl_tmpl *input;
    pl_cond *when;              /* NULL: always */
    plx_retry_policy retry;     /* step-level: passes over the whole route */
    uint32_t timeout_ms;        /* 0: none */
    pl_on_error on_error;
    cJSON *default_value;       /* for on_error "default" */
    double cost_per_call_usd;   /* when a result carries no cost_usd */
    uint32_t batch_size;        /* > 1: records share a request */
    uint32_t batch_wait_ms;
    pl_path batch_list;         /* in the request: the list to concatenate */
    pl_path batch_results;      /* in the result: the list to split */
    bool has_batch_results;
    int *deps;                  /* steps this one references, deduplicated */
    size_t ndeps;
    int *dependents;
    size_t ndependents;
    char **out_keys;            /* top-level members of the result references use */
    size_t nout_keys;
    bool out_all;               /* the whole result is used (or may be) */
} pl_step;

struct plx_pipeline {
    plx_ctx *ctx;
    pl_step *steps;
    size_t nsteps;
    pl_tmpl *output;            /* the result template */
    uint64_t rng;               /* routing choices; seeded by "seed" */
    char digest[65];            /* SHA-256 of the definition, for checkpoints */
    int busy;                   /* a run is under way (atomic) */
};

/* The members of a successful result that step d's references use (and
 * attempts, cost_usd), as an object; NULL when text is not a plain object
 * (then parse it whole). members.c */
cJSON *pl_parse_members(const char *text, const pl_step *d);

/* Index of the step named id (len bytes), or -1. */
int pl_step_index(const plx_pipeline *pl, const char *id, size_t len);

/* ---- the scheduler (engine.c) ---- */
typedef enum pl_state {
    PL_WAITING,     /* for the steps it references */
    PL_READY,       /* in the ready queue */
    PL_RUNNING,     /* a call (or a micro-batch) is in flight */
    PL_BACKOFF,     /* waiting to retry */
    PL_OK,
    PL_SKIPPED,     /* its `when` was false */
    PL_FAILED,      /* failed; on_error skip (or fail: the record failed) */
    PL_DEFAULTED,   /* failed; on_error default */
    PL_NOT_RUN      /* the record failed before it ran */
} pl_state;

typedef struct pl_token pl_token;
typedef struct pl_run pl_run;
typedef struct pl_engine pl_engine;

typedef struct pl_step_state {
    pl_run *run;
    struct pl_step_state *next_ready;
    uint8_t state;
    uint16_t index;
    uint16_t deps_left;
    uint16_t slot;              /* route link being tried */
    uint16_t passes;            /* passes over the route so far */
    char *request;              /* rendered request JSON */
    cJSON *output;              /* the result without attempts/latency_ms */
    cJSON *error;               /* the last failure's error object */
    plx_status code;            /* of the last failure */
    plx_provider *provider;     /* that answered last */
    uint32_t attempts;          /* requests sent, across calls */
    double cost_usd;
    uint64_t started_us, ended_us, wake_us, deadline_us;
    pl_token *token;            /* the call or micro-batch entry in flight */
} pl_step_state;

struct pl_run {
    pl_engine *engine;
    pl_run *prev, *next;        /* the engine's active or finished list */
    cJSON *input;
    pl_step_state *steps;
    size_t left;                /* steps not finished */
    int failed_step;            /* -1, or the step that failed the record */
    bool finished;
    uint64_t started_us;
    uint64_t line;              /* batch: the input line number */
    void *user;                 /* batch: its slot */
};

/* A call or micro-batch entry: which step of which run it serves. run is
 * NULL once nobody waits for it (the record finished without it). */
struct pl_token {
    pl_run *run;
    uint16_t step;
    cJSON *request;             /* micro-batch: the request without its list */
    cJSON *list;                /* micro-batch: the list (or the one item) */
    size_t items;               /* micro-batch: list items it contributed */
};

typedef struct pl_batcher pl_batcher;

typedef struct pl_step_totals {
    uint64_t ok, skipped, failed, defaulted, not_run, attempts;
    double cost_usd;
    uint64_t latency_ms;
} pl_step_totals;

struct pl_engine {
    plx_pipeline *pl;
    plx_ctx *ctx;
    pl_step_state *ready_head, *ready_tail;
    pl_run *active_head;        /* runs under way */
    pl_run *finished_head, *finished_tail; /* runs done, for pl_engine_take */
    size_t active;              /* runs started, not yet taken */
    size_t calls;               /* our calls in flight, abandoned ones too */
    bool timers;                /* some step has a timeout or retries */
    pl_batcher **batchers;      /* per step and route link; NULL: none */
    double spent_usd;           /* every call's cost, this engine */
    uint64_t requests;          /* calls made */
    plx_status fatal;           /* out of memory: stop */
};

plx_status pl_engine_init(pl_engine *e, plx_pipeline *pl);
/* Waits for abandoned calls, then frees what the engine holds. */
void pl_engine_cleanup(pl_engine *e);
/* Starts a record; takes input. NULL when out of memory. */
pl_run *pl_run_start(pl_engine *e, cJSON *input, uint64_t line, void *user);
void pl_run_free(pl_run *r);
/* Runs ready steps, flushes due micro-batches, then waits up to max_wait_ms
 * for calls and timers. Finished runs are then taken with pl_engine_take. */
void pl_engine_turn(pl_engine *e, int max_wait_ms);
pl_run *pl_engine_take(pl_engine *e);
const char *pl_state_name(pl_state s);
/* The record's outcome: PLX_OK or the failing step's code. */
plx_status pl_run_status(const pl_run *r);

/* Internal to the engine and the micro-batcher. */
pl_token *pl_token_new(pl_run *r, uint16_t step);
void pl_token_free(pl_token *t);
/* Hands a call's outcome to the step t serves (or drops it when nobody
 * waits). Takes result (may be NULL: message says why). */
void pl_engine_deliver(pl_engine *e, pl_token *t, plx_status st, cJSON *result,
                       const char *message, plx_provider *p);
/* Starts an async call serving tokens (a micro-batch when n > 1 or
 * tokens[0]->list): op on provider p, or "predict" on endpoint ep. On
 * failure nothing was started. */
plx_status pl_engine_call(pl_engine *e, plx_provider *p, plx_endpoint *ep, const char *op,
                          const char *request, pl_token **tokens, size_t n);
/* {"code": "PLX_...", "message": message}. */
cJSON *pl_error_json(plx_status st, const char *message);

/* ---- runs (run.c) ---- */
/* Marks the pipeline busy; false (PLX_EBUSY, with a message) if it is. */
bool pl_begin(plx_pipeline *pl);
void pl_end(plx_pipeline *pl);
/* Renders a finished record's output template into w under key. */
plx_status pl_run_render_output(const plx_pipeline *pl, const pl_run *r, plx_jw *w,
                                const char *key);

/* ---- micro-batching (microbatch.c) ---- */
plx_status pl_batchers_new(pl_engine *e);
void pl_batchers_free(pl_engine *e);
/* Queues step state s for the batch of its current route link. */
void pl_batch_add(pl_engine *e, pl_step_state *s);
/* Sends batches that are full, due, or (idle) any waiting one; returns the
 * earliest time a waiting batch becomes due (UINT64_MAX: none). */
uint64_t pl_batch_flush(pl_engine *e, bool idle);
/* Splits a batch call's result among the tokens. */
void pl_batch_deliver(pl_engine *e, pl_token **tokens, size_t n, plx_status st,
                      cJSON *result, const char *message, plx_provider *p);

#endif
