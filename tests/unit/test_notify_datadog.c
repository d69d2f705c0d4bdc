/* Kind "datadog": alert events, metric series (gauges, counts, batching),
 * site selection, replies and request errors. */
#include "../tap.h"
#include "notify_test.h"

#define DD "{\"api_key\":\"dd-api-key-1\",\"app_key\":\"dd-app-key-1\",\"tags\":[\"env:prod\"]}"

static plx_ctx *ctx;

static cJSON *request_for(const char *config, const char *op, const char *request, char *url,
                          size_t cap, plx_request **keep)
{
    plx_provider *p = provider(ctx, "datadog", config);
    plx_request *req = NULL;
    CHECK_INT(build(p, op, request, &req), PLX_OK);
    cJSON *b = req ? body_json(req) : NULL;
    if (req)
        snprintf(url, cap, "%s", plx_request_url(req));
    if (keep)
        *keep = req;
    else
        plx_request_free(req);
    plx_provider_free(p);
    return b;
}

static void test_event(void)
{
    char url[256];
    plx_request *req = NULL;
    cJSON *b = request_for(DD, "notify", ALERT_FULL, url, sizeof url, &req);
    CHECK_STR(url, "https://event-management-intake.datadoghq.com/api/v2/events");
    CHECK_STR(plx_request_header(req, "DD-API-KEY"), "dd-api-key-1");
    CHECK_STR(plx_request_header(req, "DD-APPLICATION-KEY"), "dd-app-key-1");
    plx_request_free(req);
    CHECK_STR(at_str(b, "data.type"), "event");
    const cJSON *attrs = at(b, "data.attributes");
    CHECK_STR(at_str(attrs, "title"), "Cost spike");
    CHECK_STR(at_str(attrs, "category"), "alert");
    CHECK_STR(at_str(attrs, "message"), "EC2 spend <up> & rising\nline 2");
    CHECK_STR(at_str(attrs, "aggregation_key"), "cost-spike-ec2");
    CHECK_STR(at_str(attrs, "tags.0"), "source:cost-optimizer");
    CHECK_STR(at_str(attrs, "tags.1"), "severity:error");
    CHECK_STR(at_str(attrs, "tags.2"), "env:prod");
    CHECK_STR(at_str(attrs, "attributes.status"), "error");
    CHECK_STR(at_str(attrs, "attributes.priority"), "2");
    CHECK_STR(at_str(attrs, "attributes.custom.account"), "prod");
    CHECK_STR(at_str(attrs, "attributes.links.0.url"), "https://example.com/c?id=1");
    CHECK_STR(at_str(attrs, "attributes.links.0.category"), "resource");
    cJSON_Delete(b);
}

static void test_event_resolve_and_long_key(void)
{
    char url[256], alert[512];
    snprintf(alert, sizeof alert, "{\"title\":\"t\",\"text\":\"\",\"severity\":\"warning\","
             "\"source\":\"s\",\"action\":\"resolve\",\"dedup_key\":\"%0150d\"}", 7);
    cJSON *b = request_for("{\"api_key\":\"k1234\",\"app_key\":\"a1234\",\"site\":\"eu\"}",
                           "notify", alert, url, sizeof url, NULL);
    CHECK_STR(url, "https://event-management-intake.datadoghq.eu/api/v2/events");
    CHECK_STR(at_str(b, "data.attributes.attributes.status"), "ok");
    CHECK_STR(at_str(b, "data.attributes.title"), "Resolved: t");
    CHECK_STR(at_str(b, "data.attributes.message"), "t");    /* never empty */
    const char *key = at_str(b, "data.attributes.aggregation_key");
    CHECK_INT(key ? strlen(key) : 0, 64);                     /* SHA-256 of a long key */
    cJSON_Delete(b);
}

static void test_sites(void)
{
    static const char *const sites[][2] = {
        {"us1", "https://api.datadoghq.com/api/v2/series"},
        {"us3", "https://api.us3.datadoghq.com/api/v2/series"},
        {"us5", "https://api.us5.datadoghq.com/api/v2/series"},
        {"eu", "https://api.datadoghq.eu/api/v2/series"},
        {"ap1", "https://api.ap1.datadoghq.com/api/v2/series"},
        {"gov", "https://api.ddog-gov.com/api/v2/series"},
        {"datadoghq.eu", "https://api.datadoghq.eu/api/v2/series"}};
    for (size_t i = 0; i < PLX_ARRAY_LEN(sites); i++) {
        char config[128], url[256];
        snprintf(config, sizeof config, "{\"api_key\":\"k1234\",\"site\":\"%s\"}", sites[i][0]);
        cJSON *b = request_for(config, "metrics", "{\"series\":[{\"metric\":\"m\",\"value\":1}]}",
                               url, sizeof url, NULL);
        CHECK_STR(url, sites[i][1]);
        cJSON_Delete(b);
    }
    char url[256];
    cJSON *b = request_for("{\"api_key\":\"k1234\",\"base_url\":\"http://127.0.0.1:4014\"}",
                           "metrics", "{\"series\":[{\"metric\":\"m\",\"value\":1}]}", url,
                           sizeof url, NULL);
    CHECK_STR(url, "http://127.0.0.1:4014/api/v2/series");
    cJSON_Delete(b);
}

static void test_metrics(void)
{
    char url[256];
    plx_request *req = NULL;
    cJSON *b = request_for(DD, "metrics",
                           "{\"series\":["
                           "{\"metric\":\"cost.usd\",\"type\":\"gauge\",\"points\":"
                           "[[1700000000,12.5],{\"timestamp\":1700000060,\"value\":13}],"
                           "\"tags\":[\"svc:ec2\"],\"unit\":\"dollar\",\"host\":\"h1\"},"
                           "{\"metric\":\"alerts\",\"type\":\"count\",\"value\":3,"
                           "\"interval\":60}]}", url, sizeof url, &req);
    CHECK(plx_request_header(req, "DD-APPLICATION-KEY") == NULL);
    plx_request_free(req);
    CHECK_INT(cJSON_GetArraySize(at(b, "series")), 2);   /* batched in one request */
    CHECK_STR(at_str(b, "series.0.metric"), "cost.usd");
    CHECK_INT(at(b, "series.0.type")->valueint, 3);
    CHECK_INT((long long)at(b, "series.0.points.1.timestamp")->valuedouble, 1700000060);
    CHECK(at(b, "series.0.points.0.value")->valuedouble == 12.5);
    CHECK_STR(at_str(b, "series.0.tags.0"), "svc:ec2");
    CHECK_STR(at_str(b, "series.0.tags.1"), "env:prod");
    CHECK_STR(at_str(b, "series.0.unit"), "dollar");
    CHECK_STR(at_str(b, "series.0.resources.0.name"), "h1");
    CHECK_INT(at(b, "series.1.type")->valueint, 1);
    CHECK_INT(at(b, "series.1.interval")->valueint, 60);
    CHECK_INT(cJSON_GetArraySize(at(b, "series.1.points")), 1);
    CHECK(at(b, "series.1.points.0.timestamp")->valuedouble > 1.7e9);
    cJSON_Delete(b);
}

static void expect_bad(const char *op, const char *request, const char *message)
{
    plx_provider *p = provider(ctx, "datadog", DD);
    plx_request *req = NULL;
    CHECK_INT(build(p, op, request, &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), message);
    plx_provider_free(p);
}

static void test_metric_errors(void)
{
    expect_bad("metrics", "{}", "request.series: expected a non-empty array");
    expect_bad("metrics", "{\"series\":[{\"value\":1}]}", "request.series[0].metric");
    expect_bad("metrics", "{\"series\":[{\"metric\":\"m\",\"type\":\"histogram\",\"value\":1}]}",
               "request.series[0].type: expected gauge, count, rate or unspecified");
    expect_bad("metrics", "{\"series\":[{\"metric\":\"m\"}]}", "request.series[0].points: give");
    expect_bad("metrics", "{\"series\":[{\"metric\":\"m\",\"points\":[[1.5,2]]}]}",
               "request.series[0].points[0]: expected [timestamp, value]");
    expect_bad("metrics", "{\"series\":[{\"metric\":\"m\",\"value\":1,\"colour\":1}]}",
               "request.series[0].colour: unknown key");
    expect_bad("metrics", "{\"series\":[{\"metric\":\"m\",\"value\":1,\"interval\":0}]}",
               "request.series[0].interval");
    plx_buf big = {0};
    plx_buf_append_str(&big, "{\"series\":[");
    for (int i = 0; i < 6000; i++)
        plx_buf_printf(&big, "%s{\"metric\":\"metric.name.%06d\",\"value\":%d}", i ? "," : "", i,
                       i);
    plx_buf_append_str(&big, "]}");
    expect_bad("metrics", big.data, "more than Datadog's 512000 per request");
    plx_buf_free(&big);
    plx_provider *p = provider(ctx, "datadog", "{\"api_key\":\"k1234\"}");
    plx_request *req = NULL;
    CHECK_INT(build(p, "notify", ALERT_MIN, &req), PLX_EINVAL);
    CHECK_CONTAINS(plx_errmsg(ctx), "needs an application key");
    CHECK_INT(build(p, "query", "{}", &req), PLX_EUNSUPPORTED);
    plx_provider_free(p);
}

static void test_replies(void)
{
    plx_provider *p = provider(ctx, "datadog", DD);
    plx_status st;
    char *out = parse(p, "notify", 202, NULL,
                      "{\"data\":{\"attributes\":{\"attributes\":{\"evt\":{\"id\":\"7\","
                      "\"uid\":\"u\"}}},\"type\":\"event\"}}", &st);
    CHECK_STR(out, "{\"status\":202,\"id\":\"7\"}");
    plx_free(out);
    out = parse(p, "metrics", 202, NULL, "{\"errors\":[]}", &st);
    CHECK_STR(out, "{\"status\":202}");
    plx_free(out);
    out = parse(p, "metrics", 202, NULL, "{\"errors\":[\"point too old\"]}", &st);
    CHECK_STR(out, "{\"status\":202,\"warnings\":[\"point too old\"]}");
    plx_free(out);
    out = parse(p, "metrics", 403, NULL, "{\"errors\":[\"Forbidden\"]}", &st);
    CHECK_STR(out, "{\"status\":403,\"service_message\":\"Forbidden\"}");
    plx_free(out);
    out = parse(p, "notify", 400, NULL, "{\"errors\":[{\"title\":\"Bad Request\",\"detail\":"
                "\"title too long\"}]}", &st);
    CHECK_STR(out, "{\"status\":400,\"service_message\":\"title too long\"}");
    plx_free(out);
    plx_provider_free(p);
}

static void test_config(void)
{
    plx_provider *p = NULL;
    CHECK_INT(plx_provider_new(ctx, "datadog", "{}", &p), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "api_key: missing");
    CHECK_INT(plx_provider_new(ctx, "datadog", "{\"api_key\":\"k1234\",\"site\":\"mars\"}", &p),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "site: expected us1, us3");
    CHECK_INT(plx_provider_new(ctx, "datadog", "{\"api_key\":\"k1234\",\"tags\":[\"\"]}", &p),
              PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "tags: expected an array");
}

static void test_setup(void)
{
    ctx = quiet_ctx();
}

static void test_teardown(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_event, test_event_resolve_and_long_key, test_sites, test_metrics,
          test_metric_errors, test_replies, test_config, test_teardown)
