/* quickstart: a resilient call, offline.
 *
 * A provider of kind "http" is configured with retries and a circuit
 * breaker. Instead of the network, an in-process transport plays a flaky
 * service: it fails twice (a dropped connection, then 503 with Retry-After)
 * and then answers. plexus retries with backoff, honours Retry-After, and
 * reports how many attempts the call took.
 *
 * Run: build/examples/quickstart            (offline demo)
 *      build/examples/quickstart URL        (a real GET of URL) */
#include <plexus.h>
#include <stdio.h>
#include <string.h>

/* The flaky service: answers requests in-process. */
static plx_status flaky_service(const plx_request *req, plx_response *resp, void *user_data)
{
    int *calls = user_data;
    (*calls)++;
    printf("  service: %s %s (attempt %d)\n", plx_request_method(req), plx_request_url(req),
           *calls);
    if (*calls == 1) {
        plx_response_set_error_message(resp, "connection reset by peer (simulated)");
        return PLX_ETRANSPORT;
    }
    if (*calls == 2) {
        plx_response_set_status(resp, 503);
        plx_response_add_header(resp, "Retry-After", "1");
        return PLX_OK;
    }
    static const char body[] = "{\"sentiment\":\"positive\",\"score\":0.92}";
    plx_response_set_status(resp, 200);
    plx_response_add_header(resp, "Content-Type", "application/json");
    return plx_response_append_body(resp, body, strlen(body));
}

static const char CONFIG[] =
    "{\"providers\": {\"scorer\": {\"kind\": \"http\","
    " \"base_url\": \"https://scorer.example\","
    " \"auth\": {\"type\": \"bearer\", \"token\": \"demo-token-not-secret\"},"
    " \"retry\": {\"max_attempts\": 4, \"base_delay_ms\": 100, \"max_delay_ms\": 2000},"
    " \"circuit\": {\"failure_threshold\": 5, \"open_ms\": 30000}}}}";

static int fail(plx_status st, plx_ctx *ctx)
{
    fprintf(stderr, "quickstart: %s: %s\n", plx_status_str(st), plx_errmsg(ctx));
    return 1;
}

static int real_get(const char *url)
{
    plx_ctx *ctx = NULL;
    plx_provider *p = NULL;
    plx_status st = plx_ctx_new(&ctx, NULL);
    if (st == PLX_OK)
        st = plx_provider_new(ctx, "http", NULL, &p);
    char request[2048];
    snprintf(request, sizeof request, "{\"path\": \"%s\"}", url);
    char *response = NULL;
    if (st == PLX_OK)
        st = plx_call(p, "request", request, &response);
    printf("%s\n", response ? response : plx_errmsg(ctx));
    plx_free(response);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    return st == PLX_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    printf("plexus %s\n", plx_version_string());
    if (argc > 1)
        return real_get(argv[1]);

    plx_ctx *ctx = NULL;
    plx_status st = plx_ctx_new(&ctx, CONFIG);
    if (st != PLX_OK)
        return fail(st, NULL);

    int calls = 0;
    plx_transport_funcs *service = NULL;
    plx_transport_funcs_new(&service);
    plx_transport_funcs_set_send(service, flaky_service, &calls, NULL);
    plx_ctx_set_transport(ctx, service);
    plx_transport_funcs_unref(service);

    plx_provider *scorer = NULL;
    if ((st = plx_ctx_provider(ctx, "scorer", &scorer)) != PLX_OK)
        return fail(st, ctx);

    printf("calling provider 'scorer' (a flaky service):\n");
    char *response = NULL;
    st = plx_call(scorer, "request",
                  "{\"method\": \"POST\", \"path\": \"/v1/score\","
                  " \"body\": {\"text\": \"plexus keeps going\"}}",
                  &response);
    printf("status: %s\nresult: %s\n", plx_status_name(st), response);
    plx_free(response);

    char *stats = NULL;
    plx_provider_stats(scorer, &stats);
    printf("stats:  %s\n", stats);
    plx_free(stats);
    plx_ctx_free(ctx);
    return st == PLX_OK ? 0 : 1;
}
