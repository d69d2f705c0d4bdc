/* plexus - common definitions: export macro, status codes, version, memory.
 *
 * Include <plexus.h>, not this file directly. */
#ifndef PLEXUS_COMMON_H
#define PLEXUS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define PLX_BEGIN_DECLS extern "C" {
#define PLX_END_DECLS }
#else
#define PLX_BEGIN_DECLS
#define PLX_END_DECLS
#endif

/* The one export macro: every public function carries it; everything else in
 * libplexus is hidden. */
#if defined(PLX_BUILDING_LIBRARY) && defined(__GNUC__)
#define PLX_API __attribute__((visibility("default")))
#else
#define PLX_API
#endif

PLX_BEGIN_DECLS

/* Version of the headers this program was compiled against. Compare with
 * plx_version() to learn the version of the library actually loaded. */
#define PLX_VERSION_MAJOR 0
#define PLX_VERSION_MINOR 1
#define PLX_VERSION_MICRO 0
#define PLX_VERSION_STRING "0.1.0"
/* One number, comparable: (major << 16) | (minor << 8) | micro. */
#define PLX_VERSION_NUMBER \
    ((PLX_VERSION_MAJOR << 16) | (PLX_VERSION_MINOR << 8) | PLX_VERSION_MICRO)

/* Result of every fallible function. 0 is success. The numbers are part of the
 * ABI: they are never renumbered, and new codes are only ever appended. */
typedef enum plx_status {
    PLX_OK = 0,
    PLX_EINVAL = 1,       /* a bad argument: NULL handle, malformed request JSON */
    PLX_ENOMEM = 2,       /* out of memory */
    PLX_ECONFIG = 3,      /* invalid configuration; the message names the key path */
    PLX_ENOTFOUND = 4,    /* no such provider, kind or operation */
    PLX_ETRANSPORT = 5,   /* could not reach the service: DNS, connect, reset */
    PLX_ETIMEOUT = 6,     /* a timeout or the call's deadline expired */
    PLX_ETLS = 7,         /* TLS handshake or certificate verification failed */
    PLX_EHTTP = 8,        /* the service answered with an error status */
    PLX_EAUTH = 9,        /* 401/403, or credentials missing */
    PLX_ERATELIMIT = 10,  /* 429, or the local rate limit would pass the deadline */
    PLX_ECIRCUIT = 11,    /* the provider's circuit breaker is open */
    PLX_EPROTOCOL = 12,   /* the reply is not what the protocol says it should be */
    PLX_ETOOBIG = 13,     /* the reply is larger than the configured cap */
    PLX_EBUDGET = 14,     /* a cost budget is exhausted */
    PLX_EUNSUPPORTED = 15,/* the provider kind does not support this operation */
    PLX_EIO = 16,         /* a local file could not be read or written */
    PLX_EBUSY = 17,       /* the object is in use (e.g. polled from two threads) */
    PLX_ECANCELED = 18,   /* the call was canceled */
    PLX_EINTERNAL = 19    /* a bug in plexus: please report it */
} plx_status;

/* A short, static, English description of a status ("invalid argument").
 * Never NULL; unknown values give "unknown status". */
PLX_API const char *plx_status_str(plx_status status);

/* The status' symbolic name ("PLX_EINVAL"), static; "PLX_UNKNOWN" if unknown. */
PLX_API const char *plx_status_name(plx_status status);

/* The version of the loaded library, as PLX_VERSION_NUMBER. */
PLX_API uint32_t plx_version(void);

/* The version of the loaded library, as "MAJOR.MINOR.MICRO". Static. */
PLX_API const char *plx_version_string(void);

/* Frees any string or buffer the library returned to the caller (response
 * JSON, stats JSON, ...). NULL is allowed and does nothing. */
PLX_API void plx_free(void *ptr);

PLX_END_DECLS

#endif
