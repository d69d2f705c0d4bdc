/* Option parsing shared by the commands: global options may also follow
 * the command name (plexus call --json ...). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cli_global_option(cli *c, int id, const char *arg)
{
    switch (id) {
    case OPT_CONFIG:
        c->config_arg = arg;
        return true;
    case OPT_JSON:
        c->json = true;
        return true;
    case OPT_PRETTY:
        c->pretty = true;
        return true;
    case 'v':
        c->verbose = true;
        return true;
    case 'q':
        c->quiet = true;
        return true;
    default:
        return false;
    }
}

int cli_parse(cli *c, int argc, char **argv, const char *shortopts,
              const struct option *longopts, cli_opt_fn on_opt, void *ud, int *first_arg)
{
    char opts[64];
    snprintf(opts, sizeof opts, ":%s%s", CLI_GLOBAL_SHORTOPTS, shortopts);
    opterr = 0;
    optind = 0;
    int id;
    while ((id = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
        if (id == 'h') {
            cli_help_command(argv[0]);
            return EXIT_OK_;
        }
        if (id == ':')
            return cli_usage_error(argv[0], "option '%s' needs a value", argv[optind - 1]);
        if (id == '?')
            return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
        if (cli_global_option(c, id, optarg))
            continue;
        int rc = on_opt ? on_opt(c, id, optarg, ud) : EXIT_USAGE;
        if (rc != 0)
            return rc;
    }
    *first_arg = optind;
    return -1;
}

bool cli_parse_uint(const char *cmd, const char *opt, const char *arg, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < 0 || v > max) {
        cli_usage_error(cmd, "%s: expected an integer from 0 to %ld, got '%s'", opt, max, arg);
        return false;
    }
    *out = v;
    return true;
}
