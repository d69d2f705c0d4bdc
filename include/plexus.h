/* plexus - one resilient C interface to AI, ML, cloud-data and enterprise
 * services.
 *
 * Conventions:
 *  - every fallible function returns plx_status (PLX_OK == 0); the detail of
 *    a failure is in plx_errmsg(ctx), and for a call that reached a service,
 *    in the "error" object of the response JSON;
 *  - structured data crosses the API as UTF-8 JSON text;
 *  - strings the library returns are freed with plx_free;
 *  - handles are opaque; callbacks take their user_data last;
 *  - a ctx and its providers may be shared across threads.
 *
 * docs/API.md is the guide; docs/ABI.md states what stays stable. */
#ifndef PLEXUS_H
#define PLEXUS_H

#include "plexus/common.h"
#include "plexus/ctx.h"
#include "plexus/http.h"
#include "plexus/provider.h"
#include "plexus/chat.h"
#include "plexus/pipeline.h"
#include "plexus/notify.h"
#include "plexus/endpoint.h"
#include "plexus/objects.h"

#endif
