/* The config file, the ctx, the logger, and providers by name. Nothing
 * here touches the network: transports are made by the first call. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const LEVELS[] = {"none", "error", "warn", "info", "debug"};

static void log_to_stderr(plx_log_level level, const char *message, void *user_data)
{
    (void)user_data;
    const char *name = (unsigned)level < 5 ? LEVELS[level] : "log";
    fprintf(stderr, "plexus: [%s] %s\n", name, message);
}

const char *cli_find_config(const cli *c)
{
    if (c->config_arg)
        return c->config_arg;
    const char *env = getenv("PLEXUS_CONFIG");
    if (env && *env)
        return env;
    if (access("plexus.json", F_OK) == 0)
        return "plexus.json";
    return NULL;
}

const char *cli_config_name(const cli *c)
{
    return c->config_path ? c->config_path : "the empty config";
}

int cli_open(cli *c)
{
    if (c->ctx)
        return EXIT_OK_;
    c->config_path = cli_find_config(c);
    if (c->config_path) {
        c->config_text = cli_read_all(c->config_path, NULL);
        if (!c->config_text) {
            c->config_errno = errno;
            cli_error("cannot read the config %s: %s", c->config_path, strerror(errno));
            return EXIT_CONFIG;
        }
    }
    plx_status st = plx_ctx_new(&c->ctx, c->config_text);
    if (st != PLX_OK) {
        cli_error("%s: %s", cli_config_name(c), plx_errmsg(NULL));
        return cli_exit_code(st);
    }
    if (c->verbose)
        plx_ctx_set_log(c->ctx, log_to_stderr, NULL, PLX_LOG_DEBUG);
    return EXIT_OK_;
}

void cli_close(cli *c)
{
    plx_ctx_free(c->ctx);
    c->ctx = NULL;
    free(c->config_text);
    c->config_text = NULL;
}

int cli_provider(cli *c, const char *cmd, const char *name, plx_provider **out, bool *owned)
{
    *out = NULL;
    *owned = false;
    if (plx_ctx_provider(c->ctx, name, out) == PLX_OK)
        return EXIT_OK_;
    /* Not in the config: a kind of that name, with its defaults. */
    plx_status st = plx_provider_new(c->ctx, name, NULL, out);
    if (st == PLX_OK) {
        *owned = true;
        return EXIT_OK_;
    }
    char detail[1024];
    snprintf(detail, sizeof detail, "%s", plx_errmsg(c->ctx));
    char *kinds = cli_kind_names(c->ctx);
    if (st == PLX_ECONFIG && cli_kind_known(kinds, name)) {
        /* The kind exists but needs configuration (a base_url, a key). */
        cli_error("%s: no provider '%s' in %s, and kind '%s' needs a config: %s", cmd, name,
                  cli_config_name(c), name, detail);
        free(kinds);
        return EXIT_CONFIG;
    }
    cli_error("%s: no provider '%s' in %s, and no kind of that name (kinds: %s)", cmd, name,
              cli_config_name(c), kinds ? kinds : "?");
    free(kinds);
    return EXIT_NOTFOUND;
}
