/* plexus providers: the providers of the config (name, kind) and the kinds
 * built into the library. Makes no transport and no request. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Declared provider names in config order; the ctx has validated them. */
static const cJSON *declared(const cJSON *config)
{
    const cJSON *providers = cJSON_GetObjectItemCaseSensitive(config, "providers");
    return cJSON_IsObject(providers) ? providers : NULL;
}

static char *as_json(const cli *c, const cJSON *providers, const char *kinds)
{
    cJSON *out = cJSON_CreateObject();
    if (c->config_path)
        cJSON_AddStringToObject(out, "config", c->config_path);
    else
        cJSON_AddNullToObject(out, "config");
    cJSON *list = cJSON_AddArrayToObject(out, "providers");
    const cJSON *item;
    cJSON_ArrayForEach(item, providers) {
        plx_provider *p = NULL;
        if (plx_ctx_provider(c->ctx, item->string, &p) != PLX_OK)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", plx_provider_name(p));
        cJSON_AddStringToObject(o, "kind", plx_provider_kind(p));
        cJSON_AddItemToArray(list, o);
    }
    cJSON *names = cJSON_AddArrayToObject(out, "kinds");
    for (const char *at = kinds; at && *at;) {
        size_t len = strcspn(at, ", ");
        char *name = strndup(at, len);
        cJSON_AddItemToArray(names, cJSON_CreateString(name ? name : ""));
        free(name);
        at += len;
        at += strspn(at, ", ");
    }
    char *text = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
    return text;
}

static void as_text(const cli *c, const cJSON *providers, const char *kinds)
{
    int width = 4;
    const cJSON *item;
    cJSON_ArrayForEach(item, providers) {
        int n = (int)strlen(item->string);
        width = n > width ? n : width;
    }
    if (!providers || !providers->child) {
        printf("no providers configured (%s)\n",
               c->config_path ? c->config_path : "no config file");
    } else {
        printf("%-*s  KIND\n", width, "NAME");
        cJSON_ArrayForEach(item, providers) {
            plx_provider *p = NULL;
            if (plx_ctx_provider(c->ctx, item->string, &p) == PLX_OK)
                printf("%-*s  %s\n", width, plx_provider_name(p), plx_provider_kind(p));
        }
    }
    printf("\nbuilt-in kinds: %s\n", kinds ? kinds : "(unknown)");
}

int cmd_providers(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
    int first = 0;
    int rc = cli_parse(c, argc, argv, "", longopts, NULL, NULL, &first);
    if (rc >= 0)
        return rc;
    if (first < argc)
        return cli_usage_error(argv[0], "unexpected argument '%s'", argv[first]);
    if ((rc = cli_open(c)) != EXIT_OK_)
        return rc;
    cJSON *config = c->config_text ? cJSON_Parse(c->config_text) : NULL;
    const cJSON *providers = declared(config);
    char *kinds = cli_kind_names(c->ctx);
    if (c->json) {
        char *text = as_json(c, providers, kinds);
        if (text)
            cli_print_json(text, c->pretty);
        cJSON_free(text);
    } else {
        as_text(c, providers, kinds);
    }
    free(kinds);
    cJSON_Delete(config);
    return EXIT_OK_;
}
