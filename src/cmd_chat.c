/* plexus chat PROVIDER [PROMPT|-]: streams the reply to stdout as it is
 * generated (plx_chat_stream), then one summary line on stderr; --json
 * prints the result JSON instead. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct chat_opts {
    const char *system;
    const char *model;
    long max_tokens;            /* -1: the provider's default */
    const char *temperature;
} chat_opts;

typedef struct chat_out {
    bool wrote;                 /* some text went out */
    char last;                  /* its last byte */
    bool failed;                /* a write to stdout failed */
} chat_out;

static int on_opt(cli *c, int id, const char *arg, void *ud)
{
    (void)c;
    chat_opts *o = ud;
    switch (id) {
    case OPT_SYSTEM:
        o->system = arg;
        return 0;
    case OPT_MODEL:
        o->model = arg;
        return 0;
    case OPT_MAX_TOKENS:
        return cli_parse_uint("chat", "--max-tokens", arg, 100000000, &o->max_tokens)
                   ? 0 : EXIT_USAGE;
    case OPT_TEMPERATURE: {
        char *end = NULL;
        double t = strtod(arg, &end);
        if (end == arg || *end || t < 0 || t > 2)
            return cli_usage_error("chat", "--temperature: expected a number from 0 to 2, "
                                   "got '%s'", arg);
        o->temperature = arg;
        return 0;
    }
    default:
        return EXIT_USAGE;
    }
}

static void add_message(cJSON *messages, const char *role, const char *content)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", role);
    cJSON_AddStringToObject(m, "content", content);
    cJSON_AddItemToArray(messages, m);
}

static char *build_request(const chat_opts *o, const char *prompt)
{
    cJSON *req = cJSON_CreateObject();
    if (o->model)
        cJSON_AddStringToObject(req, "model", o->model);
    cJSON *messages = cJSON_AddArrayToObject(req, "messages");
    if (o->system)
        add_message(messages, "system", o->system);
    add_message(messages, "user", prompt);
    if (o->max_tokens >= 0)
        cJSON_AddNumberToObject(req, "max_tokens", (double)o->max_tokens);
    if (o->temperature)
        cJSON_AddNumberToObject(req, "temperature", strtod(o->temperature, NULL));
    char *text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    return text;
}

static int on_delta(const char *text, size_t len, void *user_data)
{
    chat_out *out = user_data;
    if (len == 0)
        return 0;
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        out->failed = true;
        return 1;
    }
    out->wrote = true;
    out->last = text[len - 1];
    return 0;
}

/* "$0.0000036": enough digits for the cheapest calls, no exponent. */
static void format_cost(const cJSON *cost, char *buf, size_t size)
{
    if (!cJSON_IsNumber(cost)) {
        snprintf(buf, size, "cost unknown");
        return;
    }
    snprintf(buf, size, "$%.8f", cost->valuedouble);
    char *end = buf + strlen(buf) - 1;
    while (end > buf && *end == '0' && end[-1] != '.')
        *end-- = '\0';
}

static long json_long(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

/* "12 in + 3 out tokens", or "tokens unknown" when the service did not say
 * (some servers send no usage in a stream). */
static void format_tokens(const cJSON *usage, char *buf, size_t size)
{
    long in = json_long(usage, "input_tokens"), out = json_long(usage, "output_tokens");
    if (in < 0 && out < 0)
        snprintf(buf, size, "tokens unknown");
    else
        snprintf(buf, size, "%ld in + %ld out tokens", in, out);
}

/* model, tokens, cost, latency of a result, on stderr. */
static void print_summary(const char *response)
{
    cJSON *r = cJSON_Parse(response);
    if (!r)
        return;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(r, "model");
    char cost[48], tokens[96];
    format_cost(cJSON_GetObjectItemCaseSensitive(r, "cost_usd"), cost, sizeof cost);
    format_tokens(cJSON_GetObjectItemCaseSensitive(r, "usage"), tokens, sizeof tokens);
    fprintf(stderr, "[%s | %s | %s | %ld ms",
            cJSON_IsString(model) && model->valuestring[0] ? model->valuestring : "model ?",
            tokens, cost, json_long(r, "latency_ms"));
    long attempts = json_long(r, "attempts");
    if (attempts > 1)
        fprintf(stderr, " | %ld attempts", attempts);
    fputs("]\n", stderr);
    cJSON_Delete(r);
}

static int stream(cli *c, plx_provider *p, const char *name, const char *request)
{
    chat_out out = {0};
    char *response = NULL;
    plx_status st = plx_chat_stream(p, request, on_delta, &out, &response);
    int rc = EXIT_OK_;
    if (out.wrote && out.last != '\n' && !out.failed && fputc('\n', stdout) == EOF)
        out.failed = true;
    fflush(stdout);
    if (out.failed) {
        rc = EXIT_IO;
    } else if (st != PLX_OK) {
        char what[256];
        snprintf(what, sizeof what, "chat %s", name);
        rc = cli_fail(c->ctx, st, what);
    }
    if (response && !c->quiet && !out.failed)
        print_summary(response);
    plx_free(response);
    return rc;
}

static int whole(cli *c, plx_provider *p, const char *name, const char *request)
{
    char *response = NULL;
    plx_status st = plx_chat(p, request, &response);
    int rc = EXIT_OK_;
    if (st != PLX_OK) {
        char what[256];
        snprintf(what, sizeof what, "chat %s", name);
        rc = cli_fail(c->ctx, st, what);
    }
    if (response && !cli_print_json(response, c->pretty) && rc == EXIT_OK_)
        rc = EXIT_IO;
    plx_free(response);
    return rc;
}

/* The prompt: the argument, or stdin for "-" (or none, unless stdin is a
 * terminal). NULL with rc set when there is none. */
static char *read_prompt(int n, char **args, int *rc)
{
    const char *arg = n > 0 ? args[0] : NULL;
    if (arg && strcmp(arg, "-") != 0)
        return strdup(arg);
    if (!arg && isatty(STDIN_FILENO)) {
        *rc = cli_usage_error("chat", "expected PROVIDER PROMPT (or the prompt on stdin)");
        return NULL;
    }
    char *text = cli_read_all("-", NULL);
    if (!text) {
        cli_error("chat: cannot read the prompt from stdin: %s", strerror(errno));
        *rc = EXIT_IO;
    }
    return text;
}

int cmd_chat(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS,
        {"system", required_argument, NULL, OPT_SYSTEM},
        {"model", required_argument, NULL, OPT_MODEL},
        {"max-tokens", required_argument, NULL, OPT_MAX_TOKENS},
        {"temperature", required_argument, NULL, OPT_TEMPERATURE},
        {NULL, 0, NULL, 0},
    };
    chat_opts o = {.max_tokens = -1};
    int first = 0;
    int rc = cli_parse(c, argc, argv, "", longopts, on_opt, &o, &first);
    if (rc >= 0)
        return rc;
    int n = argc - first;
    if (n < 1)
        return cli_usage_error(argv[0], "expected PROVIDER [PROMPT|-]");
    if (n > 2)
        return cli_usage_error(argv[0], "unexpected argument '%s' (quote the prompt)",
                               argv[first + 2]);
    const char *name = argv[first];
    char *prompt = read_prompt(n - 1, argv + first + 1, &rc);
    if (!prompt)
        return rc;
    char *request = build_request(&o, prompt);
    free(prompt);
    plx_provider *p = NULL;
    bool owned = false;
    if ((rc = cli_open(c)) == EXIT_OK_)
        rc = cli_provider(c, "chat", name, &p, &owned);
    if (rc == EXIT_OK_)
        rc = c->json ? whole(c, p, name, request) : stream(c, p, name, request);
    cJSON_free(request);
    if (owned)
        plx_provider_free(p);
    return rc;
}
