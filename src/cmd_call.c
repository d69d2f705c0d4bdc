/* plexus call PROVIDER OP [JSON|-|@FILE]: one operation, its result JSON on
 * stdout (on failure too, when the call got that far). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}

/* The request text: the argument, "-" (stdin), @FILE, or none: stdin when
 * it is not a terminal (nothing there: {}), else {}. NULL (message
 * printed) if unreadable. */
static char *request_text(const char *arg)
{
    if (!arg && isatty(STDIN_FILENO))
        return strdup("{}");
    if (arg && arg[0] != '@' && strcmp(arg, "-") != 0)
        return strdup(arg);
    const char *path = arg && arg[0] == '@' ? arg + 1 : "-";
    char *text = cli_read_all(path, NULL);
    if (!text) {
        cli_error("call: cannot read the request from %s: %s",
                  strcmp(path, "-") == 0 ? "stdin" : path, strerror(errno));
    } else if (!arg && blank(text)) {
        free(text);
        text = strdup("{}");
    }
    return text;
}

int cmd_call(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
    int first = 0;
    int rc = cli_parse(c, argc, argv, "", longopts, NULL, NULL, &first);
    if (rc >= 0)
        return rc;
    int n = argc - first;
    if (n < 2)
        return cli_usage_error(argv[0], "expected PROVIDER OP [JSON|-|@FILE]");
    if (n > 3)
        return cli_usage_error(argv[0], "unexpected argument '%s' (quote the JSON)",
                               argv[first + 3]);
    const char *name = argv[first], *op = argv[first + 1];
    char *request = request_text(n == 3 ? argv[first + 2] : NULL);
    if (!request)
        return EXIT_IO;
    plx_provider *p = NULL;
    bool owned = false;
    if ((rc = cli_open(c)) == EXIT_OK_)
        rc = cli_provider(c, "call", name, &p, &owned);
    if (rc != EXIT_OK_) {
        free(request);
        return rc;
    }
    char *response = NULL;
    plx_status st = plx_call(p, op, request, &response);
    if (st != PLX_OK) {
        char what[256];
        snprintf(what, sizeof what, "call %s %s", name, op);
        rc = cli_fail(c->ctx, st, what);
    }
    if (response && !cli_print_json(response, c->pretty) && rc == EXIT_OK_)
        rc = EXIT_IO;
    plx_free(response);
    free(request);
    if (owned)
        plx_provider_free(p);
    return rc;
}
