/* plx_pipeline_run: one record through the engine, and its result JSON. */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>

static uint64_t step_latency_ms(const pl_step_state *s)
{
    return s->started_us && s->ended_us > s->started_us ? (s->ended_us - s->started_us) / 1000
                                                        : 0;
}

static void write_step(plx_jw *w, const pl_step *d, const pl_step_state *s)
{
    const char *state = pl_state_name((pl_state)s->state);
    plx_jw_begin(w, d->id);
    plx_jw_string(w, "status", state, strlen(state));
    if (s->provider)
        plx_jw_string(w, "provider", s->provider->name, strlen(s->provider->name));
    plx_jw_int(w, "attempts", s->attempts);
    plx_jw_int(w, "latency_ms", (int64_t)step_latency_ms(s));
    pl_jw_round(w, "cost_usd", s->cost_usd, PL_USD);
    if (s->error && (s->state == PL_FAILED || s->state == PL_DEFAULTED))
        pl_jw_cjson(w, "error", s->error);
    plx_jw_end(w);
}

static void write_totals(plx_jw *w, const plx_pipeline *pl, const pl_run *r)
{
    uint64_t count[PL_NOT_RUN + 1] = {0}, attempts = 0;
    double cost = 0;
    for (size_t i = 0; i < pl->nsteps; i++) {
        count[r->steps[i].state]++;
        attempts += r->steps[i].attempts;
        cost += r->steps[i].cost_usd;
    }
    plx_jw_begin(w, "totals");
    plx_jw_int(w, "attempts", (int64_t)attempts);
    pl_jw_round(w, "cost_usd", cost, PL_USD);
    plx_jw_int(w, "latency_ms", (int64_t)((plx_now_us() - r->started_us) / 1000));
    static const pl_state states[] = {PL_OK, PL_SKIPPED, PL_FAILED, PL_DEFAULTED, PL_NOT_RUN};
    for (size_t i = 0; i < PLX_ARRAY_LEN(states); i++)
        plx_jw_int(w, pl_state_name(states[i]), (int64_t)count[states[i]]);
    plx_jw_end(w);
}

static void write_failure(plx_jw *w, const plx_pipeline *pl, const pl_run *r, plx_status st,
                          const char *message)
{
    plx_jw_string(w, "status", "failed", 6);
    plx_jw_null(w, "output");
    plx_jw_begin(w, "error");
    if (r->failed_step >= 0) {
        const char *id = pl->steps[r->failed_step].id;
        plx_jw_string(w, "step", id, strlen(id));
    }
    plx_jw_string(w, "code", plx_status_name(st), strlen(plx_status_name(st)));
    plx_jw_string(w, "message", message, strlen(message));
    plx_jw_end(w);
}

/* The message of a failed record: its step's error message. */
static void failure_message(const plx_pipeline *pl, const pl_run *r, char *dst, size_t cap)
{
    const pl_step_state *s = &r->steps[r->failed_step];
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(s->error, "message");
    snprintf(dst, cap, "pipeline step '%s' failed: %s", pl->steps[r->failed_step].id,
             cJSON_IsString(m) ? m->valuestring : plx_status_str(pl_run_status(r)));
}

/* Renders the output of a finished record into w under key; the record
 * fails (status and message) when the output template does not render. */
plx_status pl_run_render_output(const plx_pipeline *pl, const pl_run *r, plx_jw *w,
                                const char *key)
{
    pl_scope scope = {r->input, r->steps};
    return pl_tmpl_render(pl->output, &scope, pl->ctx, w, key);
}

static char *run_result(plx_pipeline *pl, const pl_run *r, plx_status *st)
{
    char message[1024] = "";
    plx_jw w = {0};
    plx_jw_begin(&w, NULL);
    *st = pl_run_status(r);
    if (*st == PLX_OK) {
        plx_jw out = {0};
        *st = pl_run_render_output(pl, r, &out, NULL);
        snprintf(message, sizeof message, "%s", plx_errmsg_current());
        char *text = plx_jw_finish(&out);
        if (*st == PLX_OK && text) {
            plx_jw_string(&w, "status", "ok", 2);
            plx_jw_raw(&w, "output", text, strlen(text));
        }
        plx_free(text);
    } else {
        failure_message(pl, r, message, sizeof message);
    }
    if (*st != PLX_OK)
        write_failure(&w, pl, r, *st, message);
    plx_jw_begin(&w, "steps");
    for (size_t i = 0; i < pl->nsteps; i++)
        write_step(&w, &pl->steps[i], &r->steps[i]);
    plx_jw_end(&w);
    write_totals(&w, pl, r);
    plx_jw_end(&w);
    if (*st != PLX_OK)
        plx_fail(pl->ctx, *st, "%s", message);
    return plx_jw_finish(&w);
}

bool pl_begin(plx_pipeline *pl)
{
    int expected = 0;
    if (__atomic_compare_exchange_n(&pl->busy, &expected, 1, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED))
        return true;
    plx_fail(pl->ctx, PLX_EBUSY, "the pipeline is already running in another thread");
    return false;
}

void pl_end(plx_pipeline *pl)
{
    __atomic_store_n(&pl->busy, 0, __ATOMIC_RELEASE);
}

static plx_status run_one(plx_pipeline *pl, cJSON *input, char **result_json)
{
    pl_engine e;
    plx_status st = pl_engine_init(&e, pl);
    if (st != PLX_OK)
        cJSON_Delete(input);
    else if (!pl_run_start(&e, input, 0, NULL)) /* frees input on failure */
        st = PLX_ENOMEM;
    pl_run *done = NULL;
    while (st == PLX_OK && !(done = pl_engine_take(&e)) && !e.fatal)
        pl_engine_turn(&e, 1000);
    if (st == PLX_OK && !done)
        st = e.fatal;
    if (done) {
        *result_json = run_result(pl, done, &st);
        if (!*result_json)
            st = PLX_ENOMEM;
        pl_run_free(done);
    }
    pl_engine_cleanup(&e);
    if (st == PLX_ENOMEM && !*result_json)
        plx_fail(pl->ctx, st, "plx_pipeline_run: out of memory");
    return st;
}

PLX_API plx_status plx_pipeline_run(plx_pipeline *pl, const char *input_json,
                                    char **result_json)
{
    if (result_json)
        *result_json = NULL;
    if (!pl || !input_json || !result_json)
        return plx_fail(pl ? pl->ctx : NULL, PLX_EINVAL,
                        "plx_pipeline_run: pipeline, input and result must not be NULL");
    cJSON *input = NULL;
    plx_status st = plx_json_parse(pl->ctx, input_json, "input", PLX_EINVAL, &input);
    if (st != PLX_OK)
        return st;
    if (!pl_begin(pl)) {
        cJSON_Delete(input);
        return PLX_EBUSY;
    }
    st = run_one(pl, input, result_json);
    pl_end(pl);
    return st;
}
