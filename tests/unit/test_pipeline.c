/* Pipelines through the public API against an in-process fake service:
 * dependency inference and concurrency, validation errors and their
 * messages, routing (fallback chains, open circuits, seeded weights),
 * `when`, on_error, step retries and timeouts, micro-batching, cost. */
#include "../tap.h"
#include "pipeline/pipeline.h"
#include "test_pipeline_service.h"

/* JSON with ' for " (readable definitions); a rotating static buffer. */
static const char *jq(const char *s)
{
    static char bufs[4][8192];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s", s);
    for (char *p = b; *p; p++)
        if (*p == '\'')
            *p = '"';
    return b;
}

static service svc;

/* Runs def on input; returns the status, *out the result (free it). */
static plx_status run(plx_ctx *ctx, const char *def, const char *input, char **out)
{
    plx_pipeline *pl = NULL;
    *out = NULL;
    plx_status st = plx_pipeline_new(ctx, jq(def), &pl);
    if (st != PLX_OK) {
        fprintf(stderr, "load: %s\n", plx_errmsg(ctx));
        return st;
    }
    st = plx_pipeline_run(pl, jq(input), out);
    plx_pipeline_free(pl);
    return st;
}

static long number_after(const char *json, const char *key)
{
    const char *at = json ? strstr(json, key) : NULL;
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

static void test_dependencies_and_output(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    const char *def =
        "{'steps':["
        " {'id':'reply','provider':'ok','op':'request',"
        "  'input':{'method':'POST','path':'/echo','body':{'label':'{{steps.label.output.body.label}}',"
        "   'n':'{{input.n}}','note':'n is {{input.n}}'}}},"
        " {'id':'label','provider':'ok','op':'request',"
        "  'input':{'method':'POST','path':'/label','body':{'text':'{{input.text}}'}}},"
        " {'id':'other','provider':'other','op':'request','input':{'path':'/echo'}}],"
        " 'output':{'label':'{{steps.label.output.body.label}}','echo':'{{steps.reply.output.body.body}}',"
        "  'status':'{{steps.reply.output.status}}'}}";
    CHECK_INT(run(ctx, def, "{'text':'a bad day','n':7}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'status':'ok','output':{'label':'negative','echo':{'label':'negative',"
                           "'n':7,'note':'n is 7'},'status':200}"));
    CHECK_CONTAINS(out, jq("'reply':{'status':'ok','provider':'ok','attempts':1,"));
    CHECK_CONTAINS(out, jq("'totals':{'attempts':3,"));
    /* label and other start together; reply waits for label */
    CHECK_STR(svc.hosts, "ok.test /label\nother.test /echo\nok.test /echo\n");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_inferred_dependency_lists(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    plx_pipeline *pl = NULL;
    CHECK_INT(plx_pipeline_new(ctx, jq("{'steps':["
        "{'id':'a','provider':'ok','op':'request'},"
        "{'id':'b','provider':'ok','op':'request','input':{'x':'{{steps.a.output}}'}},"
        "{'id':'c','provider':'ok','op':'request','input':{'x':'{{steps.a.status}} {{steps.b.output.y}}'},"
        " 'when':{'not':{'{{steps.a.error.code}}':'x'}}}]}"), &pl), PLX_OK);
    CHECK_INT(pl->steps[0].ndeps, 0);
    CHECK_INT(pl->steps[1].ndeps, 1);
    CHECK_INT(pl->steps[2].ndeps, 2); /* a counted once, though referenced thrice */
    CHECK_INT(pl->steps[0].ndependents, 2);
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
}

static void test_independent_steps_run_at_once(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    const char *def =
        "{'steps':[{'id':'a','provider':'ok','op':'request','input':{'path':'/delay/150'}},"
        "{'id':'b','provider':'other','op':'request','input':{'path':'/delay/150'}},"
        "{'id':'c','provider':'ok','op':'request','input':{'path':'/delay/150'}},"
        "{'id':'d','provider':'ok','op':'request','input':{'path':'/echo',"
        " 'body':['{{steps.a.output.body.ok}}','{{steps.b.output.body.ok}}','{{steps.c.status}}']}}],"
        "'output':'{{steps.d.output.body.body}}'}";
    CHECK_INT(run(ctx, def, "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'output':[true,true,'ok']"));
    CHECK_INT(svc.max_pending, 3);
    long total = number_after(strstr(out, "\"totals\""), "\"latency_ms\":");
    CHECK(total >= 150 && total < 400); /* not 450: the three ran together */
    plx_free(out);
    plx_ctx_free(ctx);
}

typedef struct bad_def {
    const char *def;
    plx_status st;
    const char *message;
} bad_def;

static void test_validation_errors(void)
{
#define STEP(extra) "{'id':'a','provider':'ok','op':'request'" extra "}"
    static const bad_def cases[] = {
        {"{'steps':[" STEP(",'input':{'x':'{{steps.b.output}}'}") ","
         "{'id':'b','provider':'ok','op':'request','input':{'x':'{{steps.a.output}}'}}]}",
         PLX_ECONFIG, "steps.a: dependency cycle a -> b -> a"},
        {"{'steps':[" STEP(",'when':'{{steps.a.status}}'") "]}",
         PLX_ECONFIG, "steps.a: dependency cycle a -> a"},
        {"{'steps':[" STEP(",'input':{'body':{'x':'{{steps.zz.output}}'}}") "]}",
         PLX_ECONFIG, "steps.a.input.body.x: unknown step 'zz' in {{steps.zz.output}}"},
        {"{'steps':[{'id':'a','provider':'nope','op':'request'}]}",
         PLX_ECONFIG, "steps.a.provider: no provider named 'nope' in the ctx config"},
        {"{'steps':[{'id':'a','provider':['ok','nope'],'op':'request'}]}",
         PLX_ECONFIG, "steps.a.provider[1]: no provider named 'nope'"},
        {"{'steps':[{'id':'a','provider':{'weights':{'ok':1,'nope':1}},'op':'request'}]}",
         PLX_ECONFIG, "steps.a.provider.weights.nope: no provider named 'nope'"},
        {"{'steps':[{'id':'a','provider':{'weights':{'ok':0}},'op':'request'}]}",
         PLX_ECONFIG, "steps.a.provider.weights: the weights add up to 0"},
        {"{'steps':[{'id':'a','provider':{'weights':{'ok':1.5}},'op':'request'}]}",
         PLX_ECONFIG, "steps.a.provider.weights.ok: expected an integer from 0 to 1000000"},
        {"{'steps':[{'id':'a','provider':[],'op':'request'}]}",
         PLX_ECONFIG, "steps.a.provider: an empty list of providers"},
        {"{'steps':[" STEP(",'input':{'path':'{{input..x}}'}") "]}",
         PLX_ECONFIG, "steps.a.input.path: bad path in {{input..x}}"},
        {"{'steps':[" STEP(",'provder':1") "]}",
         PLX_ECONFIG, "steps.a.provder: unknown key"},
        {"{'steps':[{'id':'a','provider':'ok'}]}",
         PLX_ECONFIG, "steps.a.op: missing"},
        {"{'steps':[{'id':'a','op':'request'}]}",
         PLX_ECONFIG, "steps.a.provider: missing"},
        {"{'steps':[" STEP(",'on_error':'retry'") "]}",
         PLX_ECONFIG, "steps.a.on_error: expected fail, skip or default"},
        {"{'steps':[" STEP(",'on_error':'default'") "]}",
         PLX_ECONFIG, "steps.a.default: missing (on_error is \"default\")"},
        {"{'steps':[" STEP(",'default':1") "]}",
         PLX_ECONFIG, "steps.a.default: only with \"on_error\": \"default\""},
        {"{'steps':[" STEP("") "," STEP("") "]}",
         PLX_ECONFIG, "steps[1].id: 'a' is used twice"},
        {"{'steps':[{'id':'a b','provider':'ok','op':'request'}]}",
         PLX_ECONFIG, "steps[0].id: 'a b' is not a name"},
        {"{'steps':[{'provider':'ok','op':'request'}]}",
         PLX_ECONFIG, "steps[0].id: missing"},
        {"{'steps':[{'id':'a','endpoint':'fraud'}]}",
         PLX_ECONFIG, "steps.a.endpoint: no endpoint named 'fraud' in the ctx config"},
        {"{'steps':[{'id':'a','endpoint':'fraud','provider':'ok'}]}",
         PLX_ECONFIG, "steps.a.endpoint: give either provider or endpoint, not both"},
        {"{'steps':[]}", PLX_ECONFIG, "steps: expected a list of 1 to 256 steps"},
        {"{'steps':[" STEP(",'batch_size':8") "]}",
         PLX_ECONFIG, "steps.a.batch_list: missing: with batch_size"},
        {"{'steps':[" STEP(",'batch_size':8,'batch_list':'a..b'") "]}",
         PLX_ECONFIG, "steps.a.batch_list: 'a..b' is not a path"},
        {"{'steps':[" STEP("") "],'output':{'x':'{{steps.b.output}}'}}",
         PLX_ECONFIG, "output.x: unknown step 'b' in {{steps.b.output}}"},
        {"{'steps':[" STEP(",'when':{'{{steps.q.status}}':'ok'}") "]}",
         PLX_ECONFIG, "steps.a.when.{{steps.q.status}}: unknown step 'q'"},
        {"{'stepz':[]}", PLX_ECONFIG, "stepz: unknown key"},
        {"{'steps':[" STEP(",'retry':{'max_attempts':0}") "]}",
         PLX_ECONFIG, "steps.a.retry.max_attempts: expected an integer from 1 to 100"},
        {"{'steps':[" STEP(",'timeout_ms':-1") "]}",
         PLX_ECONFIG, "steps.a.timeout_ms: expected an integer from 0 to"},
        {"{'steps':[" STEP("") "],'seed':'x'}",
         PLX_ECONFIG, "seed: expected an integer"},
        {"{'steps':[", PLX_ECONFIG, "pipeline definition: invalid JSON at line 1"},
        {"[]", PLX_ECONFIG, "pipeline definition: expected a JSON object"},
    };
#undef STEP
    plx_ctx *ctx = svc_ctx(&svc);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plx_pipeline *pl = (plx_pipeline *)1;
        CHECK_INT(plx_pipeline_new(ctx, jq(cases[i].def), &pl), cases[i].st);
        CHECK(pl == NULL);
        CHECK_CONTAINS(plx_errmsg(ctx), cases[i].message);
    }
    CHECK_INT(plx_pipeline_new(ctx, NULL, NULL), PLX_EINVAL);
    plx_ctx_free(ctx);
}

static void test_fallback_chain(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    CHECK_INT(run(ctx, "{'steps':[{'id':'s','provider':['down','ok'],'op':'request',"
                       "'input':{'path':'/echo'}}],'output':'{{steps.s.output.body.host}}'}",
                  "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'output':'ok.test'"));
    CHECK_CONTAINS(out, jq("'s':{'status':'ok','provider':'ok','attempts':2,"));
    CHECK_INT(svc.down_requests, 1);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_open_circuit_is_skipped(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    plx_pipeline *pl = NULL;
    CHECK_INT(plx_pipeline_new(ctx, jq("{'steps':[{'id':'s','provider':['down','other'],"
                                       "'op':'request','input':{'path':'/echo'}}]}"), &pl), PLX_OK);
    for (int i = 0; i < 5; i++) {
        char *out = NULL;
        CHECK_INT(plx_pipeline_run(pl, "{}", &out), PLX_OK);
        CHECK_CONTAINS(out, "\"provider\":\"other\"");
        plx_free(out);
    }
    CHECK_INT(svc.down_requests, 2); /* its circuit opened after 2 failures */
    char *stats = NULL;
    plx_provider *down = NULL;
    plx_ctx_provider(ctx, "down", &down);
    plx_provider_stats(down, &stats);
    CHECK_CONTAINS(stats, "\"circuit\":\"open\"");
    plx_free(stats);
    /* every provider open: the step fails at once with PLX_ECIRCUIT */
    plx_pipeline *only = NULL;
    CHECK_INT(plx_pipeline_new(ctx, jq("{'steps':[{'id':'s','provider':'down','op':'request'}]}"),
                               &only), PLX_OK);
    char *out = NULL;
    CHECK_INT(plx_pipeline_run(only, "{}", &out), PLX_ECIRCUIT);
    CHECK_CONTAINS(out, "circuit breaker of every provider");
    CHECK_INT(svc.down_requests, 2);
    plx_free(out);
    plx_pipeline_free(only);
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
}

/* Runs a weighted step n times; returns how many went to "ok". */
static int weighted_runs(plx_ctx *ctx, int seed, int n, char *hosts, size_t cap)
{
    char def[512];
    snprintf(def, sizeof def, "{'seed':%d,'steps':[{'id':'s','provider':{'weights':"
             "{'ok':90,'other':10}},'op':'request','input':{'path':'/echo'}}]}", seed);
    plx_pipeline *pl = NULL;
    CHECK_INT(plx_pipeline_new(ctx, jq(def), &pl), PLX_OK);
    int ok = 0;
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        char *out = NULL;
        plx_pipeline_run(pl, "{}", &out);
        bool to_ok = out && strstr(out, "\"provider\":\"ok\"");
        ok += to_ok;
        if (used + 1 < cap)
            hosts[used++] = to_ok ? 'o' : 'x';
        plx_free(out);
    }
    hosts[used] = '\0';
    plx_pipeline_free(pl);
    return ok;
}

static void test_weighted_routing_is_seedable(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    static char first[1024], second[1024], third[1024];
    int ok = weighted_runs(ctx, 42, 1000, first, sizeof first);
    CHECK(ok > 860 && ok < 940);
    CHECK_INT(weighted_runs(ctx, 42, 1000, second, sizeof second), ok);
    CHECK_STR(first, second); /* the same seed, the same choices */
    weighted_runs(ctx, 43, 1000, third, sizeof third);
    CHECK(strcmp(first, third) != 0);
    plx_ctx_free(ctx);
}

static const char *WHEN_DEF =
    "{'steps':[{'id':'sentiment','provider':'ok','op':'request',"
    "  'input':{'method':'POST','path':'/label','body':{'text':'{{input.text}}'}}},"
    " {'id':'alert','provider':'other','op':'request',"
    "  'when':{'{{steps.sentiment.output.body.label}}':'negative'},"
    "  'input':{'method':'POST','path':'/echo','body':'alert: {{input.text}}'}},"
    " {'id':'after','provider':'ok','op':'request','input':{'method':'POST','path':'/echo',"
    "  'body':{'alert':'{{steps.alert.output.body.body}}','s':'{{steps.alert.status}}'}}}],"
    " 'output':{'alert':'{{steps.alert.output.body.body}}','after':'{{steps.after.output.body.body}}'}}";

static void test_when_skips_steps(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    CHECK_INT(run(ctx, WHEN_DEF, "{'text':'a bad day'}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'output':{'alert':'alert: a bad day','after':{'alert':'alert: a bad day','s':'ok'}}"));
    plx_free(out);
    svc.hosts[0] = '\0';
    CHECK_INT(run(ctx, WHEN_DEF, "{'text':'a fine day'}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'output':{'alert':null,'after':{'alert':null,'s':'skipped'}}"));
    CHECK_CONTAINS(out, jq("'alert':{'status':'skipped','attempts':0,"));
    CHECK_CONTAINS(out, jq("'skipped':1,"));
    CHECK(!strstr(svc.hosts, "other.test"));
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_on_error_modes(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    const char *fail = "{'steps':[{'id':'bad','provider':'ok','op':'request','input':{'path':'/status/500'}},"
                       "{'id':'next','provider':'ok','op':'request','input':{'x':'{{steps.bad.output}}'}},"
                       "{'id':'free','provider':'other','op':'request','input':{'path':'/delay/50'}}]}";
    CHECK_INT(run(ctx, fail, "{}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, jq("'status':'failed','output':null,'error':{'step':'bad','code':'PLX_EHTTP',"));
    CHECK_CONTAINS(out, "\"message\":\"pipeline step 'bad' failed: provider 'ok', op 'request': HTTP 500");
    CHECK_CONTAINS(out, jq("'next':{'status':'not_run'"));
    CHECK_CONTAINS(out, jq("'free':{'status':'not_run'")); /* abandoned when the record failed */
    CHECK_CONTAINS(out, jq("'http_status':500"));
    CHECK_CONTAINS(plx_errmsg(ctx), "pipeline step 'bad' failed");
    plx_free(out);

    const char *skip = "{'steps':[{'id':'bad','provider':'ok','op':'request','input':{'path':'/status/404'},"
                       "'on_error':'skip'},"
                       "{'id':'next','provider':'ok','op':'request','input':{'path':'/echo','body':"
                       "{'x':'{{steps.bad.output}}','s':'{{steps.bad.status}}','e':'{{steps.bad.error.code}}'}}}],"
                       "'output':'{{steps.next.output.body.body}}'}";
    CHECK_INT(run(ctx, skip, "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'output':{'x':null,'s':'failed','e':'PLX_EHTTP'}"));
    plx_free(out);

    const char *def = "{'steps':[{'id':'bad','provider':'ok','op':'request','input':{'path':'/status/503'},"
                      "'on_error':'default','default':{'body':{'label':'unknown'}}}],"
                      "'output':'{{steps.bad.output.body.label}}'}";
    CHECK_INT(run(ctx, def, "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'output':'unknown'"));
    CHECK_CONTAINS(out, jq("'bad':{'status':'defaulted','provider':'ok','attempts':1,"));
    CHECK_CONTAINS(out, jq("'error':{'code':'PLX_EHTTP'"));
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_step_retry(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    svc.flaky = 2;
    char *out = NULL;
    CHECK_INT(run(ctx, "{'steps':[{'id':'s','provider':'ok','op':'request','input':{'path':'/flaky'},"
                       "'retry':{'max_attempts':3,'base_delay_ms':1,'max_delay_ms':5}}]}", "{}", &out),
              PLX_OK);
    CHECK_CONTAINS(out, jq("'s':{'status':'ok','provider':'ok','attempts':3,"));
    plx_free(out);
    /* a 400 is not retried */
    CHECK_INT(run(ctx, "{'steps':[{'id':'s','provider':'ok','op':'request','input':{'path':'/status/400'},"
                       "'retry':{'max_attempts':3,'base_delay_ms':1}}]}", "{}", &out), PLX_EHTTP);
    CHECK_CONTAINS(out, jq("'attempts':1,"));
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_step_timeout(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    CHECK_INT(run(ctx, "{'steps':[{'id':'slow','provider':'ok','op':'request','input':{'path':'/delay/400'},"
                       "'timeout_ms':50,'on_error':'default','default':'late'},"
                       "{'id':'then','provider':'ok','op':'request','input':{'path':'/echo','body':'{{steps.slow.output}}'}}],"
                       "'output':'{{steps.then.output.body.body}}'}", "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'output':'late'"));
    CHECK_CONTAINS(out, jq("'slow':{'status':'defaulted','attempts':0,"));
    CHECK_CONTAINS(out, "no result within timeout_ms (50 ms)");
    long slow = number_after(strstr(out, "\"slow\""), "\"latency_ms\":");
    CHECK(slow >= 50 && slow < 300);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_render_error_fails_the_record(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    CHECK_INT(run(ctx, "{'steps':[{'id':'s','provider':'ok','op':'request','input':{'path':'/echo',"
                       "'body':{'t':'{{input.text}}'}}}]}", "{'txt':1}", &out), PLX_EINVAL);
    CHECK_CONTAINS(out, "steps.s.input.body.t: {{input.text}}: no 'text' there");
    CHECK_INT(svc.requests, 0);
    plx_free(out);
    CHECK_INT(run(ctx, "{'steps':[{'id':'s','provider':'ok','op':'request','input':{'path':'/echo'}}],"
                       "'output':'{{steps.s.output.body.zzz}}'}", "{}", &out), PLX_EINVAL);
    CHECK_CONTAINS(out, "output: {{steps.s.output.body.zzz}}: no 'zzz' there");
    plx_free(out);
    plx_pipeline *pl = NULL;
    plx_pipeline_new(ctx, jq("{'steps':[{'id':'s','provider':'ok','op':'request'}]}"), &pl);
    CHECK_INT(plx_pipeline_run(pl, "{bad", &out), PLX_EINVAL);
    CHECK(out == NULL);
    CHECK_CONTAINS(plx_errmsg(ctx), "input: invalid JSON");
    CHECK_INT(plx_pipeline_run(pl, NULL, &out), PLX_EINVAL);
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
}

static void test_unsupported_op_falls_back(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    CHECK_INT(run(ctx, "{'steps':[{'id':'s','provider':'ok','op':'chat','input':{}}]}", "{}", &out),
              PLX_EUNSUPPORTED);
    CHECK_CONTAINS(out, "kind 'http' has no op 'chat'");
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_default_output_and_cost(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    CHECK_INT(run(ctx, "{'steps':[{'id':'a','provider':'ok','op':'request','input':{'path':'/label',"
                       "'method':'POST','body':{'text':'fine'}},'cost_per_call_usd':0.25},"
                       "{'id':'b','provider':'ok','op':'request','input':{'path':'/status/500'},"
                       "'on_error':'skip','cost_per_call_usd':1}]}", "{}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'output':{'a':{'status':200,'headers':{'content-type':'application/json'},"
                           "'body':{'label':'positive'},'provider':'ok'},'b':null}"));
    CHECK_CONTAINS(out, jq("'cost_usd':0.25}"));
    CHECK_CONTAINS(out, jq("'totals':{'attempts':2,'cost_usd':0.25,")); /* failed calls cost nothing */
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_micro_batch_single_record(void)
{
    plx_ctx *ctx = svc_ctx(&svc);
    char *out = NULL;
    CHECK_INT(run(ctx, "{'steps':[{'id':'e','provider':'ok','op':'request','batch_size':8,"
                       "'batch_list':'body.input','batch_results':'body.vectors',"
                       "'input':{'method':'POST','path':'/embed','body':{'input':['{{input.a}}','{{input.b}}']}}}],"
                       "'output':'{{steps.e.output.body.vectors}}'}", "{'a':'xy','b':'abcd'}", &out),
              PLX_OK);
    CHECK_CONTAINS(out, jq("'output':[[2],[4]]"));
    CHECK_INT(svc.embed_requests, 1);
    plx_free(out);
    plx_ctx_free(ctx);
}

static void test_endpoint_step(void)
{
    plx_ctx *ctx = NULL;
    CHECK_INT(plx_ctx_new(&ctx, "{\"log_level\":\"none\",\"providers\":{"
        "\"ml\":{\"kind\":\"kserve\",\"base_url\":\"http://ml.test\",\"retry\":{\"max_attempts\":1}},"
        "\"ok\":{\"kind\":\"http\",\"base_url\":\"http://ok.test\"}},"
        "\"endpoints\":{\"iris\":{\"variants\":[{\"name\":\"blue\",\"provider\":\"ml\","
        "\"model\":\"iris\",\"version\":\"v1\"}]}}}"), PLX_OK);
    if (!ctx) {
        fprintf(stderr, "endpoint ctx: %s\n", plx_errmsg(NULL));
        return;
    }
    svc_attach(&svc, ctx);
    char *out = NULL;
    CHECK_INT(run(ctx, "{'steps':[{'id':'score','endpoint':'iris',"
                       "'input':{'instances':'{{input.rows}}'}},"
                       "{'id':'log','provider':'ok','op':'request','input':{'path':'/echo',"
                       "'body':{'p':'{{steps.score.output.predictions}}','v':'{{steps.score.output.variant}}'}}}],"
                       "'output':'{{steps.log.output.body.body}}'}",
                  "{'rows':[[5.1,3.5,1.4,0.2],[6.3,3.3,6.0,2.5]]}", &out), PLX_OK);
    CHECK_CONTAINS(out, jq("'output':{'p':[[2]],'v':'blue'}"));
    CHECK_CONTAINS(out, jq("'score':{'status':'ok','provider':'ml','attempts':1,"));
    plx_free(out);
    plx_pipeline *pl = NULL;
    CHECK_INT(plx_pipeline_new(ctx, jq("{'steps':[{'id':'s','endpoint':'iris','op':'chat'}]}"), &pl),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "steps.s.op: an endpoint's op is \"predict\"");
    CHECK_INT(plx_pipeline_new(ctx, jq("{'steps':[{'id':'s','endpoint':'iris','batch_size':4}]}"), &pl),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "steps.s.batch_size: not with an endpoint");
    plx_ctx_free(ctx);
}

TEST_MAIN(test_dependencies_and_output, test_inferred_dependency_lists,
          test_independent_steps_run_at_once, test_validation_errors, test_fallback_chain,
          test_open_circuit_is_skipped, test_weighted_routing_is_seedable, test_when_skips_steps,
          test_on_error_modes, test_step_retry, test_step_timeout,
          test_render_error_fails_the_record, test_unsupported_op_falls_back,
          test_default_output_and_cost, test_micro_batch_single_record, test_endpoint_step)
