/* bench_delta_latency: the time from a streamed delta's bytes reaching
 * plexus (the transport hands them to the response) to the user's delta
 * callback, through the whole path: body sink, SSE parser, the openai
 * kind's event handler (cJSON), the accumulator. An in-process transport
 * delivers a recorded-style stream one event per chunk, so the network is
 * not in the figure. Also the stack's throughput in MB/s.
 *
 *   bench_delta_latency [EVENTS]      (default 20000 events per run, 5 runs)
 * Target: p99 < 50 us. */
#include <plexus.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct run {
    char **events;
    size_t count, bytes;
    uint64_t sent_at;
    uint64_t *latency;
    size_t seen;
} run;

static plx_status send_stream(const plx_request *req, plx_response *resp, void *ud)
{
    (void)req;
    run *r = ud;
    plx_response_set_status(resp, 200);
    plx_response_add_header(resp, "Content-Type", "text/event-stream");
    for (size_t i = 0; i < r->count; i++) {
        r->sent_at = now_ns();
        plx_status st = plx_response_append_body(resp, r->events[i], strlen(r->events[i]));
        if (st != PLX_OK)
            return st;
    }
    return PLX_OK;
}

static int on_delta(const char *text, size_t len, void *ud)
{
    (void)text;
    (void)len;
    run *r = ud;
    if (r->seen < r->count)
        r->latency[r->seen++] = now_ns() - r->sent_at;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void make_events(run *r, size_t n)
{
    static const char *const words[] = {"The ", "quick ", "brown ", "fox ", "jumps ",
                                        "über ", "the ", "lazy ", "dog, ", "naïvely. "};
    r->events = calloc(n + 2, sizeof *r->events);
    r->latency = calloc(n, sizeof *r->latency);
    for (size_t i = 0; i < n; i++) {
        char buf[512];
        snprintf(buf, sizeof buf, "data: {\"id\":\"chatcmpl-bench\",\"object\":"
                 "\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
                 "\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":"
                 "{\"content\":\"%s\"},\"finish_reason\":null}]}\n\n", words[i % 10]);
        r->events[i] = strdup(buf);
        r->bytes += strlen(buf);
    }
    r->events[n] = strdup("data: {\"id\":\"chatcmpl-bench\",\"choices\":[{\"index\":0,"
                          "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
    r->count = n + 1;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 20000;
    if (n == 0)
        n = 20000;
    run r = {0};
    make_events(&r, n);
    plx_ctx *ctx = NULL;
    plx_provider *p = NULL;
    plx_transport_funcs *t = NULL;
    if (plx_ctx_new(&ctx, "{\"log_level\": \"none\"}") != PLX_OK ||
        plx_provider_new(ctx, "openai", "{\"base_url\": \"http://bench.invalid/v1\"}", &p) != PLX_OK) {
        fprintf(stderr, "setup: %s\n", plx_errmsg(ctx));
        return 1;
    }
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, send_stream, &r, NULL);
    plx_provider_set_transport(p, t);
    plx_transport_funcs_unref(t);
    printf("%zu deltas per run, one SSE event per chunk, kind openai\n", n);
    printf("%-5s %10s %10s %10s %10s\n", "run", "p50 us", "p99 us", "max us", "MB/s");
    for (int round = 0; round < 5; round++) {
        r.seen = 0;
        char *out = NULL;
        uint64_t t0 = now_ns();
        plx_status st = plx_chat_stream(p, "{\"model\": \"gpt-4o-mini\", \"messages\": "
                                        "[{\"role\": \"user\", \"content\": \"hi\"}]}",
                                        on_delta, &r, &out);
        double secs = (double)(now_ns() - t0) / 1e9;
        plx_free(out);
        if (st != PLX_OK || r.seen != n) {
            fprintf(stderr, "stream failed: %s (%zu deltas)\n", plx_status_name(st), r.seen);
            return 1;
        }
        qsort(r.latency, n, sizeof *r.latency, cmp_u64);
        printf("%-5d %10.2f %10.2f %10.2f %10.1f\n", round + 1, r.latency[n / 2] / 1e3,
               r.latency[n * 99 / 100] / 1e3, r.latency[n - 1] / 1e3,
               (double)r.bytes / secs / 1e6);
    }
    printf("target: p99 < 50 us from bytes in to callback\n");
    for (size_t i = 0; i < r.count; i++)
        free(r.events[i]);
    free(r.events);
    free(r.latency);
    plx_provider_free(p);
    plx_ctx_free(ctx);
    return 0;
}
