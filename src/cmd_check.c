/* plexus check [CONFIG] [--pipeline P.json]: validates a config (every key,
 * every provider) and a pipeline definition against it, without calling
 * anything. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct check_opts {
    const char *pipeline;
} check_opts;

static int on_opt(cli *c, int id, const char *arg, void *ud)
{
    (void)c;
    check_opts *o = ud;
    if (id != OPT_PIPELINE)
        return EXIT_USAGE;
    o->pipeline = arg;
    return 0;
}

static int count_providers(const cli *c)
{
    cJSON *config = c->config_text ? cJSON_Parse(c->config_text) : NULL;
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(config, "providers"));
    cJSON_Delete(config);
    return n;
}

/* Reports one verdict: "WHAT: ok (DETAIL)" or the failure; returns rc. */
static int report(const cli *c, const char *what, plx_status st, const char *message,
                  const char *detail)
{
    if (c->json) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "file", what);
        cJSON_AddBoolToObject(out, "ok", st == PLX_OK);
        if (st != PLX_OK) {
            cJSON *err = cJSON_AddObjectToObject(out, "error");
            cJSON_AddStringToObject(err, "code", plx_status_name(st));
            cJSON_AddStringToObject(err, "message", message);
        }
        char *text = cJSON_PrintUnformatted(out);
        cli_print_json(text, c->pretty);
        cJSON_free(text);
        cJSON_Delete(out);
    } else if (st == PLX_OK) {
        if (!c->quiet)
            printf("%s: ok%s\n", what, detail);
    } else {
        cli_error("%s: %s", what, message);
    }
    return cli_exit_code(st);
}

static int check_config(cli *c)
{
    int rc = cli_open(c);
    if (rc == EXIT_OK_) {
        char detail[64];
        int n = count_providers(c);
        snprintf(detail, sizeof detail, " (%d provider%s)", n, n == 1 ? "" : "s");
        return report(c, cli_config_name(c), PLX_OK, "", detail);
    }
    if (!c->json)
        return rc; /* cli_open said why */
    if (!c->config_text && c->config_path)
        return report(c, c->config_path, PLX_ECONFIG, strerror(c->config_errno), "");
    return report(c, cli_config_name(c), PLX_ECONFIG, plx_errmsg(NULL), "");
}

static int check_pipeline(cli *c, const char *path)
{
    char *text = cli_read_all(path, NULL);
    if (!text) {
        char msg[512];
        snprintf(msg, sizeof msg, "cannot read: %s", strerror(errno));
        report(c, path, PLX_EIO, msg, "");
        return EXIT_CONFIG;
    }
    plx_pipeline *pl = NULL;
    plx_status st = plx_pipeline_new(c->ctx, text, &pl);
    free(text);
    int rc = report(c, path, st, plx_errmsg(c->ctx), "");
    plx_pipeline_free(pl);
    return rc;
}

int cmd_check(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS,
        {"pipeline", required_argument, NULL, OPT_PIPELINE},
        {NULL, 0, NULL, 0},
    };
    check_opts o = {0};
    int first = 0;
    int rc = cli_parse(c, argc, argv, "", longopts, on_opt, &o, &first);
    if (rc >= 0)
        return rc;
    if (argc - first > 1)
        return cli_usage_error(argv[0], "unexpected argument '%s'", argv[first + 1]);
    if (first < argc)
        c->config_arg = argv[first];
    if (!o.pipeline && !cli_find_config(c))
        return cli_usage_error(argv[0], "nothing to check: give CONFIG, --config, "
                               "$PLEXUS_CONFIG or ./plexus.json");
    rc = check_config(c);
    if (rc != EXIT_OK_ || !o.pipeline)
        return rc;
    return check_pipeline(c, o.pipeline);
}
