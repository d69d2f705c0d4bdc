/* Templates, references, paths and `when` conditions of pipelines, on the
 * internal API: compile against a fixed set of steps, render against a
 * scope of step states. */
#include "../tap.h"
#include "pipeline/pipeline.h"

static plx_ctx *ctx;
static pl_step steps[3] = {{.id = "a"}, {.id = "b"}, {.id = "long-name_2"}};
static plx_pipeline pl = {.steps = steps, .nsteps = 3};
static pl_step_state states[3];
static cJSON *input;

static void setup(void)
{
    plx_ctx_new(&ctx, "{\"log_level\":\"none\"}");
    pl.ctx = ctx;
    input = cJSON_Parse("{\"text\":\"hello\",\"n\":3,\"f\":1.5,\"ok\":true,\"none\":null,"
                        "\"list\":[\"x\",{\"y\":[10,20]}],\"obj\":{\"k\":\"v\"}}");
    states[0] = (pl_step_state){.state = PL_OK,
                                .output = cJSON_Parse("{\"body\":{\"label\":\"negative\","
                                                      "\"score\":0.25}}")};
    states[1] = (pl_step_state){.state = PL_SKIPPED};
    states[2] = (pl_step_state){.state = PL_FAILED,
                                .error = cJSON_Parse("{\"code\":\"PLX_EHTTP\"}")};
}

static void teardown(void)
{
    for (int i = 0; i < 3; i++) {
        cJSON_Delete(states[i].output);
        cJSON_Delete(states[i].error);
    }
    cJSON_Delete(input);
    plx_ctx_free(ctx);
}

/* Renders a template given as JSON text; returns the result (static) or
 * "ERROR: message". */
static const char *render(const char *json)
{
    static char out[2048];
    cJSON *t = cJSON_Parse(json);
    pl_tmpl *tmpl = NULL;
    plx_status st = pl_tmpl_compile(&pl, t, "steps.x.input", &tmpl);
    cJSON_Delete(t);
    if (st != PLX_OK) {
        snprintf(out, sizeof out, "ERROR %d: %s", st, plx_errmsg(ctx));
        return out;
    }
    pl_scope scope = {input, states};
    plx_jw w = {0};
    st = pl_tmpl_render(tmpl, &scope, ctx, &w, NULL);
    char *text = plx_jw_finish(&w);
    if (st != PLX_OK)
        snprintf(out, sizeof out, "ERROR %d: %s", st, plx_errmsg(ctx));
    else
        snprintf(out, sizeof out, "%s", text);
    plx_free(text);
    pl_tmpl_free(tmpl);
    return out;
}

static void test_constants(void)
{
    CHECK_STR(render("{\"a\":[1,2,{\"b\":null}],\"s\":\"plain } { text\"}"),
              "{\"a\":[1,2,{\"b\":null}],\"s\":\"plain } { text\"}");
    CHECK_STR(render("\"{\\\"json\\\":{\\\"in\\\":1}}\""), "\"{\\\"json\\\":{\\\"in\\\":1}}\"");
}

static void test_exact_reference_keeps_type(void)
{
    CHECK_STR(render("{\"v\":\"{{input.n}}\"}"), "{\"v\":3}");
    CHECK_STR(render("{\"v\":\"{{input.f}}\"}"), "{\"v\":1.5}");
    CHECK_STR(render("{\"v\":\"{{input.ok}}\"}"), "{\"v\":true}");
    CHECK_STR(render("{\"v\":\"{{input.none}}\"}"), "{\"v\":null}");
    CHECK_STR(render("{\"v\":\"{{ input.obj }}\"}"), "{\"v\":{\"k\":\"v\"}}");
    CHECK_STR(render("[\"{{input.list[1].y}}\",\"{{input.list.1.y.0}}\"]"), "[[10,20],10]");
    CHECK_STR(render("\"{{steps.a.output.body.score}}\""), "0.25");
    CHECK_STR(render("\"{{input}}\""),
              "{\"text\":\"hello\",\"n\":3,\"f\":1.5,\"ok\":true,\"none\":null,"
              "\"list\":[\"x\",{\"y\":[10,20]}],\"obj\":{\"k\":\"v\"}}");
}

static void test_reference_in_string_is_stringified(void)
{
    CHECK_STR(render("\"say {{input.text}} {{input.n}} times\""), "\"say hello 3 times\"");
    CHECK_STR(render("\"o={{input.obj}} l={{input.list[1]}} n={{input.none}} b={{input.ok}}\""),
              "\"o={\\\"k\\\":\\\"v\\\"} l={\\\"y\\\":[10,20]} n=null b=true\"");
    CHECK_STR(render("\"[{{steps.a.output.body.label}}]\""), "\"[negative]\"");
    CHECK_STR(render("\"{{input.text}}{{input.text}}\""), "\"hellohello\"");
}

static void test_step_status_error_and_skipped(void)
{
    CHECK_STR(render("[\"{{steps.a.status}}\",\"{{steps.b.status}}\",\"{{steps.long-name_2.status}}\"]"),
              "[\"ok\",\"skipped\",\"failed\"]");
    /* below the output of a step without one, everything is null */
    CHECK_STR(render("[\"{{steps.b.output}}\",\"{{steps.b.output.x.y[3]}}\"]"), "[null,null]");
    CHECK_STR(render("\"{{steps.long-name_2.error.code}}\""), "\"PLX_EHTTP\"");
    CHECK_STR(render("\"{{steps.a.error}}\""), "null");
}

static void test_unresolved_reference_fails(void)
{
    CHECK_STR(render("{\"body\":{\"t\":\"{{input.missing}}\"}}"),
              "ERROR 1: steps.x.input.body.t: {{input.missing}}: no 'missing' there");
    CHECK_STR(render("[\"{{input.list[5]}}\"]"),
              "ERROR 1: steps.x.input[0]: {{input.list[5]}}: no item [5] there");
    CHECK_STR(render("\"x {{steps.a.output.body.nope}}\""),
              "ERROR 1: steps.x.input: {{steps.a.output.body.nope}}: no 'nope' there");
    CHECK_STR(render("\"{{input.text.deeper}}\""),
              "ERROR 1: steps.x.input: {{input.text.deeper}}: no 'deeper' there");
}

static void test_bad_references_fail_at_load(void)
{
    CHECK_CONTAINS(render("{\"k\":\"{{foo}}\"}"),
                   "ERROR 3: steps.x.input.k: unknown reference in {{foo}}");
    CHECK_CONTAINS(render("\"{{steps.nope.output}}\""),
                   "ERROR 3: steps.x.input: unknown step 'nope' in {{steps.nope.output}}");
    CHECK_CONTAINS(render("\"{{input..x}}\""), "ERROR 3: steps.x.input: bad path in {{input..x}}");
    CHECK_CONTAINS(render("\"{{input.a[x]}}\""), "bad path in {{input.a[x]}}");
    CHECK_CONTAINS(render("\"{{steps.a.outputs}}\""),
                   "expected output, status or error after the step id in {{steps.a.outputs}}");
    CHECK_CONTAINS(render("\"{{steps.a.status.x}}\""), "status has no fields");
    CHECK_CONTAINS(render("[1,{\"m\":\"{{input.text\"}]"),
                   "ERROR 3: steps.x.input[1].m: '{{' without '}}'");
    CHECK_CONTAINS(render("\"{{}}\""), "empty reference");
    CHECK_CONTAINS(render("\"{{inputs}}\""), "unknown reference in {{inputs}}");
}

static void count_step(const pl_ref *r, void *ud)
{
    ((int *)ud)[r->step]++;
}

static void test_dependencies(void)
{
    cJSON *t = cJSON_Parse("{\"x\":\"{{steps.a.output}} {{input.n}}\","
                           "\"y\":[\"{{steps.long-name_2.status}}\",\"{{steps.a.error}}\"]}");
    pl_tmpl *tmpl = NULL;
    CHECK_INT(pl_tmpl_compile(&pl, t, "t", &tmpl), PLX_OK);
    int seen[3] = {0};
    pl_tmpl_each_ref(tmpl, count_step, seen);
    CHECK_INT(seen[0], 2);
    CHECK_INT(seen[1], 0);
    CHECK_INT(seen[2], 1);
    pl_tmpl_free(tmpl);
    cJSON_Delete(t);
}

/* Evaluates a condition given as JSON text: 1, 0, or -status. */
static int when(const char *json)
{
    cJSON *c = cJSON_Parse(json);
    pl_cond *cond = NULL;
    plx_status st = pl_cond_compile(&pl, c, "steps.x.when", &cond);
    cJSON_Delete(c);
    if (st != PLX_OK)
        return -(int)st;
    pl_scope scope = {input, states};
    int v = pl_cond_eval(cond, &scope);
    pl_cond_free(cond);
    return v;
}

static void test_when(void)
{
    CHECK_INT(when("true"), 1);
    CHECK_INT(when("false"), 0);
    CHECK_INT(when("{\"{{steps.a.output.body.label}}\":\"negative\"}"), 1);
    CHECK_INT(when("{\"{{steps.a.output.body.label}}\":\"positive\"}"), 0);
    CHECK_INT(when("{\"{{input.n}}\":3,\"{{input.text}}\":\"hello\"}"), 1);  /* all */
    CHECK_INT(when("{\"{{input.n}}\":3,\"{{input.text}}\":\"bye\"}"), 0);
    CHECK_INT(when("[{\"{{input.n}}\":4},{\"{{input.text}}\":\"hello\"}]"), 1); /* any */
    CHECK_INT(when("[{\"{{input.n}}\":4},{\"{{input.text}}\":\"bye\"}]"), 0);
    CHECK_INT(when("{\"not\":{\"{{steps.b.status}}\":\"skipped\"}}"), 0);
    CHECK_INT(when("{\"not\":[false]}"), 1);
    CHECK_INT(when("{\"{{input.obj}}\":{\"k\":\"v\"}}"), 1); /* deep equality */
    CHECK_INT(when("\"{{input.ok}}\""), 1);                  /* truthy */
    CHECK_INT(when("\"{{input.none}}\""), 0);
    CHECK_INT(when("\"{{input.missing}}\""), 0);             /* missing is null here */
    CHECK_INT(when("{\"{{input.missing}}\":null}"), 1);
    CHECK_INT(when("\"{{steps.b.output.label}}\""), 0);
    CHECK_INT(when("3"), -PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "steps.x.when: expected a condition");
    CHECK_INT(when("{\"text\":1}"), -PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "steps.x.when.text: 'text': expected exactly one {{reference}}");
    CHECK_INT(when("[]"), -PLX_ECONFIG);
    CHECK_INT(when("{\"{{steps.zz.output}}\":1}"), -PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "unknown step 'zz'");
}

static void test_paths(void)
{
    pl_path p;
    CHECK(pl_path_parse("a.b[2].c", 8, true, &p));
    CHECK_INT(p.n, 4);
    CHECK_STR(p.segs[1].key, "b");
    CHECK_INT(p.segs[2].index, 2);
    pl_path_free(&p);
    CHECK(!pl_path_parse("a.", 2, true, &p));
    CHECK(!pl_path_parse("a[", 2, true, &p));
    CHECK(!pl_path_parse("[1", 2, true, &p));
    CHECK(!pl_path_parse("x", 1, false, &p)); /* a key needs a dot unless first */
    cJSON *doc = cJSON_Parse("{\"a\":{\"list\":[1,2,3]}}");
    CHECK(pl_path_parse("a.list", 6, true, &p));
    cJSON *list = pl_path_detach(doc, &p);
    CHECK_INT(cJSON_GetArraySize(list), 3);
    CHECK(pl_path_get(doc, &p, NULL) == NULL);
    CHECK(pl_path_set(doc, &p, list));
    CHECK_INT(cJSON_GetArraySize(pl_path_get(doc, &p, NULL)), 3);
    pl_path_free(&p);
    cJSON_Delete(doc);
}

/* The members a step's references use, parsed alone. */
static const char *members(const char *text, const char *const *keys, size_t n)
{
    static char out[1024];
    pl_step d = {.out_keys = (char **)keys, .nout_keys = n};
    cJSON *obj = pl_parse_members(text, &d);
    char *printed = obj ? cJSON_PrintUnformatted(obj) : NULL;
    snprintf(out, sizeof out, "%s", printed ? printed : "(whole)");
    free(printed);
    cJSON_Delete(obj);
    return out;
}

static void test_parse_members(void)
{
    static const char *const body[] = {"body"};
    static const char *const two[] = {"status", "body"};
    CHECK_STR(members("{\"status\":200,\"headers\":{\"a\":\"}\\\"{\",\"b\":[1,{\"c\":\"]\"}]},"
                      "\"body\":{\"ok\":true,\"s\":\"x,y}\"},\"provider\":\"p\",\"attempts\":2,"
                      "\"latency_ms\":5,\"cost_usd\":0.5}", body, 1),
              "{\"body\":{\"ok\":true,\"s\":\"x,y}\"},\"attempts\":2,\"cost_usd\":0.5}");
    CHECK_STR(members(" { \"status\" : 200 , \"body\" : [ 1 , 2 ] } ", two, 2),
              "{\"status\":200,\"body\":[1,2]}");
    CHECK_STR(members("{\"x\":1}", body, 1), "{}");
    CHECK_STR(members("{}", body, 1), "{}");
    /* anything unusual: the caller parses the whole result */
    CHECK_STR(members("{\"b\\u006fdy\":1}", body, 1), "(whole)");
    CHECK_STR(members("[1]", body, 1), "(whole)");
    CHECK_STR(members("{\"body\":{\"a\":1}", body, 1), "(whole)");
    CHECK_STR(members("{\"body\":tru}", body, 1), "(whole)");
    CHECK_STR(members("{\"body\" 1}", body, 1), "(whole)");
    CHECK_STR(members("{\"body\":\"open", body, 1), "(whole)");
}

TEST_MAIN(setup, test_constants, test_exact_reference_keeps_type,
          test_reference_in_string_is_stringified, test_step_status_error_and_skipped,
          test_unresolved_reference_fails, test_bad_references_fail_at_load, test_dependencies,
          test_when, test_paths, test_parse_members, teardown)
