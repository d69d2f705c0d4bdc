/* The table of built-in provider kinds. */
#include "providers.h"

#include <string.h>

static const plx_kind *const KINDS[] = {
    &plx_kind_http,
};

const plx_kind *plx_kind_find(const char *name)
{
    for (size_t i = 0; name && i < PLX_ARRAY_LEN(KINDS); i++)
        if (strcmp(KINDS[i]->name, name) == 0)
            return KINDS[i];
    return NULL;
}

const char *plx_kind_names(void)
{
    return "http";
}
