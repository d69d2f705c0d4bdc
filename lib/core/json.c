/* JSON parsing with located errors, on cJSON. */
#include "core.h"

#include <string.h>

plx_status plx_json_parse(const plx_ctx *ctx, const char *text, const char *what,
                          plx_status fail_status, cJSON **out)
{
    *out = NULL;
    if (!text)
        return plx_fail(ctx, fail_status, "%s: no JSON given", what);
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, &end, 1);
    if (json) {
        *out = json;
        return PLX_OK;
    }
    if (!end)
        end = text;
    size_t line = 1, column = 1;
    for (const char *p = text; p < end && *p; p++) {
        if (*p == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
    }
    char near[48];
    plx_excerpt(end, strlen(end), 24, near, sizeof near);
    return plx_fail(ctx, fail_status, "%s: invalid JSON at line %zu column %zu near '%s'",
                    what, line, column, near);
}

char *plx_json_print(const cJSON *json)
{
    return cJSON_PrintUnformatted(json);
}
