/* The kserve kind's requests against prism-kserve of ../shared/peers, which
 * checks every inference body against the open inference protocol's
 * OpenAPI spec (400 when it does not conform). Skips, saying why, when
 * PEER_KSERVE_URL is unset or the peer is down. */
#include "../tap.h"

#include <plexus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static plx_ctx *ctx;
static plx_provider *p;

/* Every input form the kind accepts becomes a body the spec accepts (HTTP
 * 200). Prism answers with a body generated from the response schema,
 * whose tensors have datatype "string": the kind rejects that reply as a
 * protocol error, which shows that replies are checked too. */
static void test_infer_bodies(void)
{
    static const char *const requests[] = {
        "{\"instances\":[[5.1,3.5,1.4,0.2],[6.3,3.3,6.0,2.5]]}",
        "{\"version\":\"3\",\"instances\":[1,2,3]}",
        "{\"instances\":[{\"age\":31,\"city\":\"Oslo\",\"member\":true},"
        "{\"age\":45,\"city\":\"Bern\",\"member\":false}]}",
        "{\"inputs\":{\"ids\":[[1,2],[3,4]],\"mask\":[[true,false],[true,true]]}}",
        "{\"inputs\":[[0.5,0.25]]}",
        "{\"id\":\"42\",\"parameters\":{\"content_type\":\"np\"},\"inputs\":[{\"name\":\"input0\","
        "\"shape\":[2,2],\"datatype\":\"UINT32\",\"data\":[1,2,3,4]},{\"name\":\"input1\","
        "\"shape\":[3],\"datatype\":\"BOOL\",\"data\":[true,false,true]},{\"name\":\"text\","
        "\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hello\"],\"parameters\":"
        "{\"content_type\":\"str\"}}],\"outputs\":[{\"name\":\"output0\"}]}",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,2,2],\"datatype\":\"FP16\","
        "\"data\":[[[1,2],[3,4]]]}]}",
    };
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        char *out = NULL;
        plx_status st = plx_call(p, "predict", requests[i], &out);
        CHECK(st == PLX_OK || st == PLX_EPROTOCOL);
        CHECK(out && !strstr(out, "\"http_status\":4"));
        if (st == PLX_EPROTOCOL)
            CHECK_CONTAINS(out, "reply.outputs[0] ('string').datatype: expected one of BOOL");
        if (st != PLX_OK && st != PLX_EPROTOCOL)
            fprintf(stderr, "request %zu: %s\n", i, out ? out : plx_errmsg(ctx));
        plx_free(out);
    }
}

/* The peer does reject what the spec forbids: a raw body without a
 * tensor's shape, datatype and data. */
static void test_peer_rejects(void)
{
    char *out = NULL;
    CHECK_INT(plx_call(p, "predict", "{\"raw\":{\"inputs\":[{\"name\":\"i\"}]}}", &out),
              PLX_EHTTP);
    CHECK_CONTAINS(out, "\"http_status\":400");
    plx_free(out);
}

static void test_health_and_metadata(void)
{
    static const struct { const char *op, *request, *expect; } ops[] = {
        {"server_live", "{}", "\"live\":true"},
        {"server_ready", "{}", "\"ready\":true"},
        {"ready", "{}", "\"ready\":true"},
        {"ready", "{\"version\":\"1\"}", "\"ready\":true"},
        {"metadata", "{\"version\":\"1\"}", "\"metadata\":{"},
    };
    /* (server_metadata is GET /v2 as servers serve it; the spec spells it
     * /v2/, which prism alone insists on.) */
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char *out = NULL;
        CHECK_INT(plx_call(p, ops[i].op, ops[i].request, &out), PLX_OK);
        CHECK_CONTAINS(out, ops[i].expect);
        plx_free(out);
    }
}

static void test_setup(void)
{
    const char *url = getenv("PEER_KSERVE_URL");
    if (!url)
        TAP_SKIP("PEER_KSERVE_URL unset: start ../shared/peers (scripts/start.sh "
                 "prism-kserve) and eval scripts/env.sh");
    char config[512];
    snprintf(config, sizeof config, "{\"log_level\":\"none\",\"providers\":{\"k\":{"
             "\"kind\":\"kserve\",\"base_url\":\"%s\",\"model\":\"m1\","
             "\"retry\":{\"max_attempts\":1}}}}", url);
    if (plx_ctx_new(&ctx, config) != PLX_OK)
        TAP_SKIP("bad config: %s", plx_errmsg(NULL));
    plx_ctx_provider(ctx, "k", &p);
    char *out = NULL;
    plx_status st = plx_call(p, "server_live", "{}", &out);
    plx_free(out);
    if (st == PLX_ETRANSPORT) {
        plx_ctx_free(ctx);
        TAP_SKIP("prism-kserve at %s is not running (scripts/start.sh prism-kserve)", url);
    }
}

static void test_done(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_infer_bodies, test_peer_rejects, test_health_and_metadata,
          test_done)
