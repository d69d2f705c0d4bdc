/* Whole files and stdin in memory, and JSON out. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cli_read_all(const char *path, size_t *len)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                errno = ENOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno ? errno : EIO;
                free(buf);
                buf = NULL;
                errno = e;
            }
            break;
        }
    }
    if (!is_stdin)
        fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

bool cli_print_json(const char *json, bool pretty)
{
    char *indented = NULL;
    if (pretty) {
        cJSON *doc = cJSON_Parse(json);
        indented = doc ? cJSON_Print(doc) : NULL;
        cJSON_Delete(doc);
    }
    bool ok = fputs(indented ? indented : json, stdout) >= 0 && fputc('\n', stdout) != EOF;
    cJSON_free(indented);
    return ok;
}
