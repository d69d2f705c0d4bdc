/* From plx_status to the tool's exit codes, and error messages. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

int cli_exit_code(plx_status st)
{
    switch (st) {
    case PLX_OK:
        return EXIT_OK_;
    case PLX_ECONFIG:
        return EXIT_CONFIG;
    case PLX_EBUDGET:
        return EXIT_BUDGET;
    case PLX_EINVAL:
        return EXIT_INPUT;
    case PLX_ENOTFOUND:
    case PLX_EUNSUPPORTED:
        return EXIT_NOTFOUND;
    case PLX_EIO:
        return EXIT_IO;
    case PLX_ECANCELED:
        return cli_interrupted() ? EXIT_INTERRUPTED : EXIT_FAILED;
    default:
        /* The service or the way to it failed (transport, timeout, TLS,
         * HTTP, auth, rate limit, circuit, protocol, too big), or plexus
         * itself (memory, internal). */
        return EXIT_FAILED;
    }
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("plexus: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(plx_ctx *ctx, plx_status st, const char *what)
{
    const char *detail = plx_errmsg(ctx);
    if (!detail[0])
        detail = plx_status_str(st);
    cli_error("%s: %s [%s]", what, detail, plx_status_name(st));
    return cli_exit_code(st);
}
