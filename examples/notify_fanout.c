/* notify_fanout: one alert to several targets at once with plx_notify.
 *
 *   notify_fanout TARGET [TARGET...]
 *
 * Each TARGET is a short target URL (docs/CONFIG.md, "Notify targets"):
 *   http://127.0.0.1:8080/hook               a webhook, unsigned
 *   webhook+http://SECRET@127.0.0.1:8080/h   a webhook signed with HMAC-SHA256
 *   slack://hooks/T.../B.../...              Slack, pagerduty://KEY, ...
 * The alert goes to every target concurrently (a dead or slow one holds up
 * nobody), and the report says what became of each. Exit status: 0 when
 * every target accepted the alert, 1 otherwise, 2 on bad arguments. */
#include <plexus.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ALERT[] =
    "{\"title\": \"Cost spike on EC2\","
    " \"text\": \"Spend is up 200% in the last hour.\","
    " \"severity\": \"critical\","
    " \"source\": \"cost-optimizer\","
    " \"dedup_key\": \"cost-spike-ec2\","
    " \"fields\": {\"account\": \"prod\", \"delta_usd\": 1234.5}}";

/* Appends s to the JSON array text in out as a string element (a comma
 * first unless it is the first); 0 if it does not fit. */
static int append_target(char *out, size_t cap, const char *s, int first)
{
    size_t n = strlen(out);
    if (n + 2 >= cap)
        return 0;
    if (!first)
        out[n++] = ',';
    out[n++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int w = c == '"' || c == '\\' ? snprintf(out + n, cap - n, "\\%c", c)
                : c < 0x20            ? snprintf(out + n, cap - n, "\\u%04x", c)
                                      : snprintf(out + n, cap - n, "%c", c);
        if (w < 0 || (size_t)w >= cap - n)
            return 0;
        n += (size_t)w;
    }
    return cap - n > 1 && snprintf(out + n, cap - n, "\"") == 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s TARGET [TARGET...]  (e.g. http://127.0.0.1:8080/hook)\n",
                argv[0]);
        return 2;
    }
    char targets[8192] = "[";
    for (int i = 1; i < argc; i++) {
        if (!append_target(targets, sizeof targets - 1, argv[i], i == 1)) {
            fprintf(stderr, "%s: too many or too long targets\n", argv[0]);
            return 2;
        }
    }
    strcat(targets, "]");   /* room kept by the - 1 above */

    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, "{\"log_level\": \"warn\"}") != PLX_OK) {
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
        return 1;
    }
    char *report = NULL;
    plx_status st = plx_notify(ctx, targets, ALERT, &report);
    if (!report) {   /* a bad target: nothing was sent */
        fprintf(stderr, "plx_notify: %s\n", plx_errmsg(ctx));
        plx_ctx_free(ctx);
        return 2;
    }
    printf("%s\n", report);
    if (st != PLX_OK)
        fprintf(stderr, "plx_notify: %s\n", plx_errmsg(ctx));
    plx_free(report);
    plx_ctx_free(ctx);
    return st == PLX_OK ? 0 : 1;
}
