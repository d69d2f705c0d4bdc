/* Help texts. Keep them in step with docs/plexus.1 and docs/CLI.md. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char GLOBAL_OPTIONS[] =
    "Global options (before or after the command):\n"
    "  --config FILE   the config (default: $PLEXUS_CONFIG, else ./plexus.json\n"
    "                  if it exists, else an empty config)\n"
    "  --json          machine-readable JSON output\n"
    "  --pretty        indent JSON output\n"
    "  -v, --verbose   log plexus' debug messages to stderr\n"
    "  -q, --quiet     no summary or progress on stderr\n"
    "  -h, --help      this help\n";

static const char EXIT_CODES[] =
    "Exit codes:\n"
    "  0    success\n"
    "  1    the call or run failed (network, service error, auth, timeout, ...)\n"
    "  2    usage error (bad command line)\n"
    "  3    config or pipeline definition invalid, or unreadable\n"
    "  4    a cost budget stopped the call or run (max_cost_usd, --max-cost)\n"
    "  5    the request or input is invalid (bad JSON, a missing field)\n"
    "  6    no such provider, kind or operation\n"
    "  7    a local file could not be read or written\n"
    "  8    the run finished, but some records failed (see the dead-letter file)\n"
    "  130  interrupted (SIGINT/SIGTERM); a run can continue with --resume\n";

static const char MAIN[] =
    "usage: plexus [--config FILE] [--json] [-v] COMMAND [ARGS]\n"
    "\n"
    "Calls AI, ML, cloud-data and enterprise services through libplexus.\n"
    "\n"
    "Commands:\n"
    "  call PROVIDER OP [JSON|-|@FILE]   one operation; prints the result JSON\n"
    "  chat PROVIDER [PROMPT|-]          streams a chat reply to stdout\n"
    "  run PIPELINE.json --input F.jsonl runs a pipeline over a JSONL file\n"
    "  providers                         lists the configured providers and kinds\n"
    "  check [CONFIG] [--pipeline P]     validates a config and a pipeline\n"
    "  help [COMMAND]                    help on a command\n"
    "\n"
    "A PROVIDER is a name from the config's \"providers\", or a kind used with its\n"
    "defaults (plexus call local sentiment '{\"text\": \"great\"}').\n";

static const char CALL[] =
    "usage: plexus call [OPTIONS] PROVIDER OP [JSON | - | @FILE]\n"
    "\n"
    "Calls operation OP of PROVIDER with a JSON request and prints the result\n"
    "JSON on stdout, on failure too (its \"error\" says what went wrong). The\n"
    "request is the argument, stdin for '-' (or when no argument is given and\n"
    "stdin is not a terminal), or the file after '@'. No request: {}.\n"
    "\n"
    "  plexus call api request '{\"method\": \"GET\", \"path\": \"/health\"}'\n"
    "  echo '{\"text\": \"I love it\"}' | plexus call local sentiment -\n";

static const char CHAT[] =
    "usage: plexus chat [OPTIONS] PROVIDER [PROMPT | -]\n"
    "\n"
    "Sends PROMPT (or stdin) as a user message and writes the reply to stdout as\n"
    "it is generated, then a summary on stderr: model, tokens, cost, latency.\n"
    "\n"
    "  --system TEXT        a system message first\n"
    "  --model M            the model (default: the provider's \"model\")\n"
    "  --max-tokens N       the longest reply, in tokens\n"
    "  --temperature T      sampling temperature, 0 to 2\n"
    "  --json               no streaming: print the result JSON\n";

static const char RUN[] =
    "usage: plexus run [OPTIONS] PIPELINE.json --input F.jsonl [--output O.jsonl]\n"
    "\n"
    "Runs the pipeline over every line of F.jsonl ('-': stdin) and writes one\n"
    "result line per record to O.jsonl (default: F.out.jsonl beside the input);\n"
    "failed records and lines that are not JSON go to the dead-letter file. On a\n"
    "terminal stderr shows a progress bar; otherwise a progress line every few\n"
    "seconds; then a summary (--json: the summary JSON on stdout).\n"
    "\n"
    "  --input F            the records, one JSON value per line ('-': stdin)\n"
    "  --output O           the results (required with --input -)\n"
    "  --dead-letter D      failed records (default: O.dead.jsonl)\n"
    "  --resume             continue an interrupted run from its checkpoint\n"
    "  --concurrency N      records in flight at once (default 16)\n"
    "  --ordered            results in input order (the default)\n"
    "  --unordered          results as they finish\n"
    "  --max-cost USD       stop (resumably) once the run has spent USD\n"
    "  --no-progress        no progress display\n"
    "  --progress-every S   seconds between progress lines when stderr is not a\n"
    "                       terminal (default 5)\n"
    "\n"
    "Ctrl-C stops the run cleanly; run it again with --resume to continue.\n";

static const char PROVIDERS[] =
    "usage: plexus providers [OPTIONS]\n"
    "\n"
    "Lists the providers of the config (name and kind) and the provider kinds\n"
    "built into the library. Sends no request.\n";

static const char CHECK[] =
    "usage: plexus check [OPTIONS] [CONFIG] [--pipeline PIPELINE.json]\n"
    "\n"
    "Validates CONFIG (default: as --config) and, with --pipeline, a pipeline\n"
    "definition against it, without calling anything. Errors name the key, e.g.\n"
    "providers.api.retry.max_attempts: expected an integer from 1 to 100.\n"
    "Exit code 0 when valid, 3 when not.\n";

static const struct {
    const char *name;
    const char *text;
} COMMAND_HELP[] = {
    {"call", CALL},
    {"chat", CHAT},
    {"run", RUN},
    {"providers", PROVIDERS},
    {"check", CHECK},
};

void cli_help_main(void)
{
    printf("%s\n%s  --version       print the version and exit\n\n%s", MAIN, GLOBAL_OPTIONS,
           EXIT_CODES);
}

bool cli_help_command(const char *name)
{
    for (size_t i = 0; i < sizeof COMMAND_HELP / sizeof COMMAND_HELP[0]; i++) {
        if (strcmp(name, COMMAND_HELP[i].name) == 0) {
            printf("%s\n%s\n%s", COMMAND_HELP[i].text, GLOBAL_OPTIONS, EXIT_CODES);
            return true;
        }
    }
    return false;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "plexus%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see plexus %s%s--help)\n", cmd ? cmd : "", cmd ? " " : "");
    va_end(ap);
    return EXIT_USAGE;
}
