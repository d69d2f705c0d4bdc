/* The plexus command line tool: shared state and helpers of the commands.
 * Built on the public ABI only (<plexus.h>); JSON handling with cJSON. */
#ifndef PLEXUS_CLI_H
#define PLEXUS_CLI_H

#include <plexus.h>

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

/* Exit codes: documented in `plexus --help`, docs/plexus.1 and docs/CLI.md.
 * Never renumber them; scripts test them. */
enum {
    EXIT_OK_ = 0,
    EXIT_FAILED = 1,     /* the call or run failed (service, network, ...) */
    EXIT_USAGE = 2,      /* bad command line */
    EXIT_CONFIG = 3,     /* configuration (or pipeline definition) invalid */
    EXIT_BUDGET = 4,     /* a cost budget stopped the call or run */
    EXIT_INPUT = 5,      /* the request or input is not valid (bad JSON, ...) */
    EXIT_NOTFOUND = 6,   /* no such provider, kind or operation */
    EXIT_IO = 7,         /* a local file could not be read or written */
    EXIT_PARTIAL = 8,    /* a run finished, but some records failed */
    EXIT_INTERRUPTED = 130 /* stopped by SIGINT or SIGTERM */
};

/* Options every command accepts (before or after the command name). */
typedef struct cli {
    const char *config_arg;     /* --config */
    const char *config_path;    /* the file in use, NULL: empty config */
    char *config_text;          /* its contents */
    int config_errno;           /* why it could not be read */
    bool json;                  /* --json */
    bool verbose;               /* -v */
    bool quiet;                 /* -q */
    bool pretty;                /* --pretty */
    plx_ctx *ctx;               /* made by cli_open */
} cli;

/* Long option ids (beyond single characters). */
enum {
    OPT_CONFIG = 256, OPT_JSON, OPT_PRETTY, OPT_SYSTEM, OPT_MODEL, OPT_MAX_TOKENS,
    OPT_TEMPERATURE, OPT_INPUT, OPT_OUTPUT, OPT_RESUME, OPT_CONCURRENCY, OPT_ORDERED,
    OPT_UNORDERED, OPT_DEAD_LETTER, OPT_PIPELINE, OPT_MAX_COST, OPT_NO_PROGRESS,
    OPT_PROGRESS_EVERY
};

#define CLI_GLOBAL_LONGOPTS \
    {"config", required_argument, NULL, OPT_CONFIG}, \
    {"json", no_argument, NULL, OPT_JSON}, \
    {"pretty", no_argument, NULL, OPT_PRETTY}, \
    {"verbose", no_argument, NULL, 'v'}, \
    {"quiet", no_argument, NULL, 'q'}, \
    {"help", no_argument, NULL, 'h'}
#define CLI_GLOBAL_SHORTOPTS "vqh"

/* A command: parses its own options and runs. argv[0] is its name. */
typedef int (*cli_command_fn)(cli *c, int argc, char **argv);

int cmd_call(cli *c, int argc, char **argv);
int cmd_chat(cli *c, int argc, char **argv);
int cmd_run(cli *c, int argc, char **argv);
int cmd_providers(cli *c, int argc, char **argv);
int cmd_check(cli *c, int argc, char **argv);

/* ---- options (options.c) ---- */

/* Parses the options of a command with getopt_long (opterr off, optind
 * reset). Global options are handled here; the others go to on_opt (id,
 * optarg), which returns an exit code (0: go on). Returns -1 to go on, with
 * *first_arg the index of the first operand, or the exit code to end with
 * (after a usage error, or --help printed the command's help). */
typedef int (*cli_opt_fn)(cli *c, int id, const char *arg, void *ud);
int cli_parse(cli *c, int argc, char **argv, const char *shortopts,
              const struct option *longopts, cli_opt_fn on_opt, void *ud, int *first_arg);
/* Applies a global option; false if id is not one. */
bool cli_global_option(cli *c, int id, const char *arg);
/* Strict non-negative integer; false (message printed) if arg is not one. */
bool cli_parse_uint(const char *cmd, const char *opt, const char *arg, long max, long *out);

/* ---- help texts (help.c) ---- */
void cli_help_main(void);
/* Prints the help of a command to stdout; false if there is no such command. */
bool cli_help_command(const char *name);
/* "plexus CMD: MESSAGE (see plexus CMD --help)" on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- setup (setup.c) ---- */

/* Finds and reads the config (--config, $PLEXUS_CONFIG, ./plexus.json, none),
 * makes the ctx and installs the logger. Returns an exit code, with a
 * message printed on failure. */
int cli_open(cli *c);
void cli_close(cli *c);
/* The config file to use: --config, else $PLEXUS_CONFIG, else ./plexus.json
 * if it exists; NULL for none (an empty config). */
const char *cli_find_config(const cli *c);
/* The config's name for messages ("plexus.json", "the empty config"). */
const char *cli_config_name(const cli *c);
/* Finds provider NAME in the config; failing that, a provider of kind NAME
 * with an empty config (so `plexus call local ...` needs no config). *owned
 * is set when the caller must plx_provider_free it. Returns an exit code. */
int cli_provider(cli *c, const char *cmd, const char *name, plx_provider **out, bool *owned);

/* ---- status and messages (status.c) ---- */
int cli_exit_code(plx_status st);
/* "plexus: WHAT: DETAIL [PLX_CODE]" on stderr, the detail from
 * plx_errmsg(ctx) (or the status text); returns cli_exit_code(st). */
int cli_fail(plx_ctx *ctx, plx_status st, const char *what);
/* "plexus: MESSAGE" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- files (readall.c) ---- */

/* The whole file ("-": stdin) as a NUL-terminated string (free it), or NULL
 * with errno set. *len may be NULL. */
char *cli_read_all(const char *path, size_t *len);
/* Writes json and a newline to stdout, indented when pretty; false on a
 * write error. */
bool cli_print_json(const char *json, bool pretty);

/* ---- built-in kinds (kinds.c) ---- */

/* Names of the kinds the loaded library has, comma-separated (free it);
 * NULL if they cannot be learnt. */
char *cli_kind_names(plx_ctx *ctx);
/* Whether name is one of names (as cli_kind_names gives them). */
bool cli_kind_known(const char *names, const char *name);

/* ---- signals (signals.c) ---- */

/* SIGINT/SIGTERM set a flag instead of killing the process (for a run that
 * must stop cleanly); cli_interrupted() reads it. */
void cli_catch_interrupts(void);
bool cli_interrupted(void);

#endif
