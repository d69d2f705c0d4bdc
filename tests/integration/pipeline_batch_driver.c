/* A small driver for batch-run tests that need a process to kill:
 *
 *   pipeline_batch_driver CTX_JSON DEFINITION_JSON OPTS_JSON
 *
 * "@URL@" in CTX_JSON becomes $PLX_TEST_HTTP_URL. Runs
 * plx_pipeline_run_batch and prints the summary on stdout. Exit status: 0
 * done, 2 stopped early (budget or canceled), 1 any error. */
#include <plexus.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* text with every "@URL@" replaced by url; malloc'd. */
static char *with_url(const char *text, const char *url)
{
    size_t n = strlen(text) + 1;
    for (const char *p = text; (p = strstr(p, "@URL@")); p += 5)
        n += strlen(url);
    char *out = malloc(n), *o = out;
    if (!out)
        return NULL;
    for (const char *p = text; *p;) {
        if (strncmp(p, "@URL@", 5) == 0) {
            o += sprintf(o, "%s", url);
            p += 5;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s CTX_JSON DEFINITION_JSON OPTS_JSON\n", argv[0]);
        return 1;
    }
    const char *url = getenv("PLX_TEST_HTTP_URL");
    char *config = with_url(argv[1], url ? url : "http://127.0.0.1:1");
    plx_ctx *ctx = NULL;
    plx_pipeline *pl = NULL;
    char *summary = NULL;
    plx_status st = plx_ctx_new(&ctx, config);
    if (st == PLX_OK)
        st = plx_pipeline_new(ctx, argv[2], &pl);
    if (st == PLX_OK)
        st = plx_pipeline_run_batch(pl, argv[3], NULL, NULL, &summary);
    if (summary)
        printf("%s\n", summary);
    if (st != PLX_OK)
        fprintf(stderr, "pipeline_batch_driver: %s: %s\n", plx_status_name(st),
                plx_errmsg(ctx));
    plx_free(summary);
    plx_pipeline_free(pl);
    plx_ctx_free(ctx);
    free(config);
    if (st == PLX_EBUDGET || st == PLX_ECANCELED)
        return 2;
    return st == PLX_OK ? 0 : 1;
}
