/* Status names, version queries, and the one free function. */
#include "core.h"

#include <stdlib.h>

struct status_text {
    const char *name;
    const char *text;
};

/* Indexed by plx_status; codes are never renumbered, only appended. */
static const struct status_text STATUS_TEXT[] = {
    [PLX_OK] = {"PLX_OK", "success"},
    [PLX_EINVAL] = {"PLX_EINVAL", "invalid argument"},
    [PLX_ENOMEM] = {"PLX_ENOMEM", "out of memory"},
    [PLX_ECONFIG] = {"PLX_ECONFIG", "invalid configuration"},
    [PLX_ENOTFOUND] = {"PLX_ENOTFOUND", "not found"},
    [PLX_ETRANSPORT] = {"PLX_ETRANSPORT", "could not reach the service"},
    [PLX_ETIMEOUT] = {"PLX_ETIMEOUT", "timed out"},
    [PLX_ETLS] = {"PLX_ETLS", "TLS or certificate failure"},
    [PLX_EHTTP] = {"PLX_EHTTP", "the service returned an error status"},
    [PLX_EAUTH] = {"PLX_EAUTH", "authentication failed or credentials missing"},
    [PLX_ERATELIMIT] = {"PLX_ERATELIMIT", "rate limited"},
    [PLX_ECIRCUIT] = {"PLX_ECIRCUIT", "circuit breaker open"},
    [PLX_EPROTOCOL] = {"PLX_EPROTOCOL", "unexpected reply from the service"},
    [PLX_ETOOBIG] = {"PLX_ETOOBIG", "reply larger than the configured maximum"},
    [PLX_EBUDGET] = {"PLX_EBUDGET", "cost budget exhausted"},
    [PLX_EUNSUPPORTED] = {"PLX_EUNSUPPORTED", "operation not supported"},
    [PLX_EIO] = {"PLX_EIO", "file input/output error"},
    [PLX_EBUSY] = {"PLX_EBUSY", "object busy"},
    [PLX_ECANCELED] = {"PLX_ECANCELED", "canceled"},
    [PLX_EINTERNAL] = {"PLX_EINTERNAL", "internal error"},
};

static const struct status_text *status_text(plx_status status)
{
    if ((unsigned)status >= PLX_ARRAY_LEN(STATUS_TEXT))
        return NULL;
    return &STATUS_TEXT[status];
}

PLX_API const char *plx_status_str(plx_status status)
{
    const struct status_text *t = status_text(status);
    return t ? t->text : "unknown status";
}

PLX_API const char *plx_status_name(plx_status status)
{
    const struct status_text *t = status_text(status);
    return t ? t->name : "PLX_UNKNOWN";
}

PLX_API uint32_t plx_version(void)
{
    return PLX_VERSION_NUMBER;
}

PLX_API const char *plx_version_string(void)
{
    return PLX_VERSION_STRING;
}

PLX_API void plx_free(void *ptr)
{
    free(ptr);
}
