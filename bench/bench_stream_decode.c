/* bench_stream_decode: throughput of the streaming decoders (internal API).
 *
 *   sse        an OpenAI chat-completions stream (chat.completion.chunk
 *              events, role first, finish_reason and usage last, [DONE]),
 *              generated in memory, several completions back to back
 *   eventstream the same deltas as Bedrock ConverseStream messages
 *              (messageStart, contentBlockDelta..., messageStop, metadata)
 *
 * Each is decoded as framing alone (the callback only counts), and framing
 * plus cJSON parsing of every payload and reading the delta text, fed whole
 * and in 16 KiB and 256-byte chunks. Figures are MB/s of body (10^6 bytes),
 * median and best of the rounds, all cases interleaved in each round. */
#include "http/eventstream.h"
#include "http/sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define TARGET_MBPS 100.0   /* SSE decoding, 16 KiB chunks */
#define MAX_ROUNDS 64

/* ---- transcripts ---- */

static const char *const WORDS[] = {
    "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".",
    " In", " 2024", ",", " models", " stream", " tokens", " as", " server", "-sent",
    " events", ":", " \\\"quoted\\\"", " text", "\\n\\n", " caf\xc3\xa9", " na\xc3\xafve",
    " \xe2\x82\xac", "42", " \xf0\x9f\x98\x80", " and", " so", " on", "\\n- ", " item"};

static unsigned rng_state = 12345;

static unsigned rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 16;
}

static const char *word(void)
{
    return WORDS[rng() % (sizeof WORDS / sizeof WORDS[0])];
}

static void openai_chunk(plx_buf *b, int n, const char *delta, const char *finish)
{
    plx_buf_printf(b,
                   "data: {\"id\":\"chatcmpl-9x%07d\",\"object\":\"chat.completion.chunk\","
                   "\"created\":1718000000,\"model\":\"gpt-4o-mini-2024-07-18\","
                   "\"system_fingerprint\":\"fp_f33667828e\",\"choices\":[{\"index\":0,"
                   "\"delta\":%s,\"logprobs\":null,\"finish_reason\":%s}]}\n\n",
                   n, delta, finish);
}

/* An OpenAI stream of at least bytes bytes. */
static void make_sse(plx_buf *b, size_t bytes, size_t *events)
{
    char delta[128];
    for (int n = 0; b->len < bytes; n++) {
        openai_chunk(b, n, "{\"role\":\"assistant\",\"content\":\"\"}", "null");
        int tokens = 200 + (int)(rng() % 400);
        for (int i = 0; i < tokens; i++) {
            snprintf(delta, sizeof delta, "{\"content\":\"%s\"}", word());
            openai_chunk(b, n, delta, "null");
        }
        openai_chunk(b, n, "{}", "\"stop\"");
        plx_buf_printf(b, "data: {\"id\":\"chatcmpl-9x%07d\",\"object\":\"chat.completion."
                       "chunk\",\"created\":1718000000,\"model\":\"gpt-4o-mini-2024-07-18\","
                       "\"choices\":[],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":%d,"
                       "\"total_tokens\":%d}}\n\ndata: [DONE]\n\n", n, tokens, tokens + 25);
        *events += (size_t)tokens + 4;
    }
}

static void put_be(plx_buf *b, uint32_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        unsigned char c = (unsigned char)(v >> (8 * i));
        plx_buf_append(b, &c, 1);
    }
}

static void header(plx_buf *h, const char *name, const char *value)
{
    put_be(h, (uint32_t)strlen(name), 1);
    plx_buf_append_str(h, name);
    put_be(h, 7, 1);
    put_be(h, (uint32_t)strlen(value), 2);
    plx_buf_append_str(h, value);
}

static void evs_message(plx_buf *b, const char *type, const char *payload)
{
    plx_buf h = {0};
    header(&h, ":event-type", type);
    header(&h, ":content-type", "application/json");
    header(&h, ":message-type", "event");
    size_t start = b->len, n = strlen(payload);
    put_be(b, (uint32_t)(16 + h.len + n), 4);
    put_be(b, (uint32_t)h.len, 4);
    put_be(b, (uint32_t)crc32(0, (const Bytef *)b->data + start, 8), 4);
    plx_buf_append(b, h.data, h.len);
    plx_buf_append(b, payload, n);
    put_be(b, (uint32_t)crc32(0, (const Bytef *)b->data + start, (uInt)(b->len - start)), 4);
    plx_buf_free(&h);
}

/* A Bedrock ConverseStream body of at least bytes bytes. */
static void make_evs(plx_buf *b, size_t bytes, size_t *events)
{
    char payload[256];
    while (b->len < bytes) {
        evs_message(b, "messageStart", "{\"p\":\"abcdefghijkl\",\"role\":\"assistant\"}");
        int tokens = 200 + (int)(rng() % 400);
        for (int i = 0; i < tokens; i++) {
            snprintf(payload, sizeof payload, "{\"contentBlockIndex\":0,\"delta\":{\"text\":"
                     "\"%s\"},\"p\":\"abcdefghijklmnopqrs\"}", word());
            evs_message(b, "contentBlockDelta", payload);
        }
        evs_message(b, "contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"abcd\"}");
        evs_message(b, "messageStop", "{\"p\":\"abcdefghijklmn\",\"stopReason\":\"end_turn\"}");
        snprintf(payload, sizeof payload, "{\"metrics\":{\"latencyMs\":812},\"p\":\"abc\","
                 "\"usage\":{\"inputTokens\":25,\"outputTokens\":%d,\"totalTokens\":%d}}",
                 tokens, tokens + 25);
        evs_message(b, "metadata", payload);
        *events += (size_t)tokens + 4;
    }
}

/* ---- callbacks ---- */

typedef struct tally {
    size_t events;
    size_t text_bytes;      /* delta text read from the JSON */
    size_t failures;        /* payloads that did not parse */
} tally;

static plx_status count_only(const char *event, const char *data, size_t len, void *ud)
{
    (void)event, (void)data, (void)len;
    ((tally *)ud)->events++;
    return PLX_OK;
}

/* choices[0].delta.content (OpenAI) or delta.text (Bedrock). */
static plx_status parse_json(const char *event, const char *data, size_t len, void *ud)
{
    tally *t = ud;
    (void)event;
    t->events++;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0)
        return PLX_OK;
    cJSON *root = cJSON_ParseWithLength(data, len);
    if (!root) {
        t->failures++;
        return PLX_OK;
    }
    const cJSON *delta = cJSON_GetObjectItemCaseSensitive(root, "delta");
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
    if (cJSON_IsArray(choices) && cJSON_GetArraySize(choices) > 0)
        delta = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(choices, 0), "delta");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(delta, "content");
    if (!text)
        text = cJSON_GetObjectItemCaseSensitive(delta, "text");
    if (cJSON_IsString(text))
        t->text_bytes += strlen(text->valuestring);
    cJSON_Delete(root);
    return PLX_OK;
}

/* The payloads of a body, decoded once, for the "cJSON alone" cases. */
typedef struct payloads {
    plx_buf bytes;          /* all payloads back to back */
    size_t *len;
    size_t count, cap;
} payloads;

static plx_status keep_payload(const char *event, const char *data, size_t len, void *ud)
{
    payloads *p = ud;
    (void)event;
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 1024;
        size_t *grown = realloc(p->len, p->cap * sizeof *grown);
        if (!grown)
            return PLX_ENOMEM;
        p->len = grown;
    }
    p->len[p->count++] = len;
    return plx_buf_append(&p->bytes, data, len);
}

/* ---- cases ---- */

typedef enum kind { SSE, EVS, JSON_ALONE } kind;

typedef struct bench_case {
    const char *name;
    kind kind;
    plx_frame_fn fn;
    size_t chunk;           /* 0: the whole body in one feed */
    const plx_buf *body;
    const payloads *pl;     /* JSON_ALONE: what to parse */
    double mbps[MAX_ROUNDS];
    tally last;
} bench_case;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses the payloads one by one, as the decoders' callback would. */
static double parse_alone(bench_case *c)
{
    tally t = {0};
    double t0 = now_s();
    const char *at = c->pl->bytes.data;
    for (size_t i = 0; i < c->pl->count; i++) {
        parse_json("", at, c->pl->len[i], &t);
        at += c->pl->len[i];
    }
    double dt = now_s() - t0;
    c->last = t;
    return dt;
}

/* Decodes the body once; returns CPU seconds, or -1 on a decoder error. */
static double run_once(bench_case *c)
{
    const plx_buf *body = c->body;
    if (c->kind == JSON_ALONE)
        return parse_alone(c);
    tally t = {0};
    plx_sse sse;
    plx_evs evs;
    plx_sse_init(&sse, 0);
    plx_evs_init(&evs, 0);
    size_t step = c->chunk ? c->chunk : body->len;
    plx_status st = PLX_OK;
    double t0 = now_s();
    for (size_t at = 0; at < body->len && st == PLX_OK; at += step) {
        size_t n = body->len - at < step ? body->len - at : step;
        st = c->kind == EVS ? plx_evs_feed(&evs, body->data + at, n, c->fn, &t)
                            : plx_sse_feed(&sse, body->data + at, n, c->fn, &t);
    }
    bool cut = c->kind == EVS ? plx_evs_finish(&evs) : plx_sse_finish(&sse);
    double dt = now_s() - t0;
    plx_sse_free(&sse);
    plx_evs_free(&evs);
    c->last = t;
    if (st != PLX_OK || cut) {
        fprintf(stderr, "%s: %s (%s)\n", c->name, plx_status_name(st), plx_errmsg_current());
        return -1;
    }
    return dt;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double best(const double *v, int n)
{
    double b = v[0];
    for (int i = 1; i < n; i++)
        b = v[i] > b ? v[i] : b;
    return b;
}

static double worst(const double *v, int n)
{
    double w = v[0];
    for (int i = 1; i < n; i++)
        w = v[i] < w ? v[i] : w;
    return w;
}

/* Decodes body once into its payloads. */
static void decode_into(const plx_buf *body, bool evs, payloads *p)
{
    plx_sse sse;
    plx_evs d;
    plx_sse_init(&sse, 0);
    plx_evs_init(&d, 0);
    plx_status st = evs ? plx_evs_feed(&d, body->data, body->len, keep_payload, p)
                        : plx_sse_feed(&sse, body->data, body->len, keep_payload, p);
    if (st != PLX_OK) {
        fprintf(stderr, "decoding failed: %s\n", plx_errmsg_current());
        exit(1);
    }
    plx_sse_free(&sse);
    plx_evs_free(&d);
}

int main(int argc, char **argv)
{
    double mb = 8;
    int rounds = 7;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mb") == 0 && i + 1 < argc)
            mb = atof(argv[++i]);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_stream_decode [--mb SIZE] [--rounds N]\n"
                            "  --mb      body size of each transcript in MB (default 8)\n"
                            "  --rounds  rounds, all cases interleaved (default 7)\n");
            return 2;
        }
    }
    if (mb <= 0 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "bench_stream_decode: bad --mb or --rounds\n");
        return 2;
    }
    plx_buf sse = {0}, evs = {0};
    size_t sse_events = 0, evs_events = 0;
    make_sse(&sse, (size_t)(mb * 1e6), &sse_events);
    make_evs(&evs, (size_t)(mb * 1e6), &evs_events);
    payloads sse_pl = {0}, evs_pl = {0};
    decode_into(&sse, false, &sse_pl);
    decode_into(&evs, true, &evs_pl);
    const char *sj = "sse framing + cJSON", *ej = "eventstream framing + cJSON";
    bench_case cases[] = {
        {"sse framing", SSE, count_only, 0, &sse, NULL, {0}, {0}},
        {"sse framing", SSE, count_only, 16384, &sse, NULL, {0}, {0}},
        {"sse framing", SSE, count_only, 256, &sse, NULL, {0}, {0}},
        {sj, SSE, parse_json, 0, &sse, NULL, {0}, {0}},
        {sj, SSE, parse_json, 16384, &sse, NULL, {0}, {0}},
        {sj, SSE, parse_json, 256, &sse, NULL, {0}, {0}},
        {"sse payloads, cJSON alone", JSON_ALONE, parse_json, 0, &sse, &sse_pl, {0}, {0}},
        {"eventstream framing", EVS, count_only, 0, &evs, NULL, {0}, {0}},
        {"eventstream framing", EVS, count_only, 16384, &evs, NULL, {0}, {0}},
        {"eventstream framing", EVS, count_only, 256, &evs, NULL, {0}, {0}},
        {ej, EVS, parse_json, 0, &evs, NULL, {0}, {0}},
        {ej, EVS, parse_json, 16384, &evs, NULL, {0}, {0}},
        {ej, EVS, parse_json, 256, &evs, NULL, {0}, {0}},
        {"eventstream payloads, cJSON alone", JSON_ALONE, parse_json, 0, &evs, &evs_pl, {0},
         {0}},
    };
    int ncases = (int)(sizeof cases / sizeof cases[0]);
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < ncases; i++) {
            double dt = run_once(&cases[i]);
            if (dt < 0)
                return 1;
            /* MB of body, also for JSON_ALONE, so the rates compare */
            cases[i].mbps[r] = (double)cases[i].body->len / 1e6 / dt;
        }
    printf("SSE body: %.2f MB, %zu events (%.0f bytes/event); event-stream body: %.2f MB, "
           "%zu messages (%.0f bytes/message); %d rounds; MB/s = MB of body per CPU second\n\n",
           sse.len / 1e6, sse_events, (double)sse.len / (double)sse_events, evs.len / 1e6,
           evs_events, (double)evs.len / (double)evs_events, rounds);
    printf("%-34s %6s %9s %9s %6s %10s\n", "case", "chunk", "MB/s med", "MB/s best", "+-%",
           "Mevents/s");
    for (int i = 0; i < ncases; i++) {
        bench_case *c = &cases[i];
        char chunk[16];
        snprintf(chunk, sizeof chunk, c->chunk ? "%zu" : "-", c->chunk);
        double med = median(c->mbps, rounds), hi = best(c->mbps, rounds);
        size_t events = c->body == &evs ? evs_events : sse_events;
        printf("%-34s %6s %9.0f %9.0f %6.0f %10.2f\n", c->name, chunk, med, hi,
               100.0 * (hi - worst(c->mbps, rounds)) / med,
               med * 1e6 / (double)c->body->len * (double)events / 1e6);
        if (c->last.events != events || c->last.failures) {
            fprintf(stderr, "%s: %zu events (want %zu), %zu JSON failures: INVALID\n",
                    c->name, c->last.events, events, c->last.failures);
            return 1;
        }
    }
    /* paired per round: the cases ran back to back */
    double added[MAX_ROUNDS], share[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        double json = cases[6].mbps[r], both = cases[4].mbps[r], framing = cases[1].mbps[r];
        added[r] = 100.0 * (json / both - 1.0);
        share[r] = 100.0 * both / framing;
    }
    double json = median(cases[4].mbps, rounds), framing = median(cases[1].mbps, rounds);
    printf("\nSSE, 16 KiB chunks: framing costs %.1f%% of the time of framing + cJSON; "
           "framing + cJSON is %.1f%% slower than cJSON alone (paired medians)\n",
           median(share, rounds), median(added, rounds));
    printf("target: SSE framing, 16 KiB chunks >= %.0f MB/s: %.0f MB/s %s\n", TARGET_MBPS,
           framing, framing >= TARGET_MBPS ? "PASS" : "FAIL");
    printf("target: SSE framing + cJSON, 16 KiB chunks >= %.0f MB/s: %.0f MB/s %s "
           "(best %.0f; cJSON alone %.0f)\n",
           TARGET_MBPS, json, json >= TARGET_MBPS ? "PASS" : "FAIL",
           best(cases[4].mbps, rounds), median(cases[6].mbps, rounds));
    free(sse_pl.len);
    free(evs_pl.len);
    plx_buf_free(&sse_pl.bytes);
    plx_buf_free(&evs_pl.bytes);
    plx_buf_free(&sse);
    plx_buf_free(&evs);
    return 0;
}
