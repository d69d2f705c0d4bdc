/* plexus: the command line face of libplexus. Global options, then a
 * command: call, chat, run, providers, check (see help.c). */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    cli_command_fn fn;
} COMMANDS[] = {
    {"call", cmd_call},
    {"chat", cmd_chat},
    {"run", cmd_run},
    {"providers", cmd_providers},
    {"check", cmd_check},
};

static void print_version(void)
{
    /* The library is loaded at run time: say which one, if it differs. */
    const char *lib = plx_version_string();
    if (strcmp(lib, PLX_VERSION_STRING) == 0)
        printf("plexus %s\n", PLX_VERSION_STRING);
    else
        printf("plexus %s (libplexus %s)\n", PLX_VERSION_STRING, lib);
}

/* Global options before the command name; returns an exit code, or -1 to
 * go on with argv[*next]. */
static int parse_globals(cli *c, int argc, char **argv, int *next)
{
    enum { OPT_VERSION = 1000 };
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS,
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 0;
    int id;
    while ((id = getopt_long(argc, argv, "+:" CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
        if (id == 'h') {
            cli_help_main();
            return EXIT_OK_;
        }
        if (id == OPT_VERSION) {
            print_version();
            return EXIT_OK_;
        }
        if (id == ':')
            return cli_usage_error(NULL, "option '%s' needs a value", argv[optind - 1]);
        if (id == '?')
            return cli_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
        cli_global_option(c, id, optarg);
    }
    *next = optind;
    return -1;
}

int main(int argc, char **argv)
{
    /* A closed pipe (plexus ... | head) shows up as a write error. */
    signal(SIGPIPE, SIG_IGN);
    cli c = {0};
    int next = 0;
    int rc = parse_globals(&c, argc, argv, &next);
    if (rc >= 0)
        return rc;
    if (next >= argc)
        return cli_usage_error(NULL, "no command given (commands: call, chat, run, "
                               "providers, check)");
    const char *name = argv[next];
    if (strcmp(name, "help") == 0) {
        if (next + 1 >= argc) {
            cli_help_main();
            return EXIT_OK_;
        }
        if (cli_help_command(argv[next + 1]))
            return EXIT_OK_;
        return cli_usage_error(NULL, "no command '%s'", argv[next + 1]);
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        if (strcmp(name, COMMANDS[i].name) == 0) {
            rc = COMMANDS[i].fn(&c, argc - next, argv + next);
            cli_close(&c);
            if (fflush(stdout) != 0 && rc == EXIT_OK_)
                rc = EXIT_IO;
            return rc;
        }
    }
    return cli_usage_error(NULL, "no command '%s' (commands: call, chat, run, providers, "
                           "check)", name);
}
