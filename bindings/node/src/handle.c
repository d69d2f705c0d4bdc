/* Handles: plexus objects owned by type-tagged JS externals.
 *
 * JS may drop (and GC may finalize) a ctx before its providers, and close()
 * may come while calls are in flight on a worker thread. The C objects must
 * still go in the order the API wants (providers before their ctx, nothing
 * under a running call), so each handle counts what keeps it alive (see
 * addon.h) and the C object is freed when the last of those goes. */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>

/* One tag per kind: an external of one kind is never taken for another. */
static const napi_type_tag TAGS[PX_NKINDS] = {
    {0x706c657875734e4fULL, 0x1d2c7a1e5b6e0001ULL},
    {0x706c657875734e4fULL, 0x1d2c7a1e5b6e0002ULL},
    {0x706c657875734e4fULL, 0x1d2c7a1e5b6e0003ULL},
    {0x706c657875734e4fULL, 0x1d2c7a1e5b6e0004ULL},
};

static const char *const KIND_NAMES[PX_NKINDS] = {"Context", "Provider", "Endpoint",
                                                  "Pipeline"};

static void unref(px_handle *h)
{
    if (--h->refs == 0)
        free(h);
}

static void unlink_child(px_handle *h)
{
    px_handle *p = h->parent;
    if (h->prev)
        h->prev->next = h->next;
    else
        p->child = h->next;
    if (h->next)
        h->next->prev = h->prev;
    h->next = h->prev = NULL;
}

static void free_object(px_handle *h)
{
    switch (h->kind) {
    case PX_CTX:
        plx_ctx_free(h->ptr);
        if (h->log)
            px_log_free(h->log);
        h->log = NULL;
        break;
    case PX_PROVIDER:
        if (h->owned)
            plx_provider_free(h->ptr);
        break;
    case PX_ENDPOINT:
        if (h->owned)
            plx_endpoint_free(h->ptr);
        break;
    case PX_PIPELINE:
        plx_pipeline_free(h->ptr);
        break;
    default:
        break;
    }
    h->ptr = NULL;
}

static void live_unref(px_handle *h)
{
    if (--h->live > 0)
        return;
    free_object(h);
    if (h->parent) {
        unlink_child(h);
        live_unref(h->parent);
        h->parent = NULL;
    }
    unref(h);
}

void px_handle_close(px_handle *h)
{
    if (!h->open)
        return;
    h->open = false;
    /* A closed ctx closes its children: nothing may use it afterwards.
     * Closing one only unlinks that one (the ctx's own open count keeps it
     * linked), so taking next first is enough. */
    for (px_handle *c = h->child, *next; c; c = next) {
        next = c->next;
        px_handle_close(c);
    }
    live_unref(h);
}

static void finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    px_handle *h = data;
    px_handle_close(h);
    unref(h);
}

napi_value px_handle_wrap(napi_env env, px_kind kind, void *ptr, px_handle *parent,
                          bool owned)
{
    px_handle *h = calloc(1, sizeof *h);
    napi_value ext;
    if (!h || napi_create_external(env, h, finalize, NULL, &ext) != napi_ok) {
        /* No finalizer was attached: free what would have been its. */
        px_handle tmp = {.kind = kind, .ptr = ptr, .owned = owned};
        free_object(&tmp);
        free(h);
        return h ? NULL : px_throw(env, PLX_ENOMEM, "out of memory", NULL);
    }
    *h = (px_handle){.kind = kind, .ptr = ptr, .open = true, .owned = owned,
                     .live = 1, .refs = 2};
    if (parent) {
        h->parent = parent;
        parent->live++;
        h->next = parent->child;
        if (h->next)
            h->next->prev = h;
        parent->child = h;
    }
    /* Without its tag the external is useless; the finalizer frees it. */
    if (napi_type_tag_object(env, ext, &TAGS[kind]) != napi_ok)
        return NULL;
    return ext;
}

px_handle *px_handle_any(napi_env env, napi_value value, px_kind kind)
{
    bool tagged = false;
    void *data = NULL;
    if (napi_check_object_type_tag(env, value, &TAGS[kind], &tagged) != napi_ok || !tagged ||
        napi_get_value_external(env, value, &data) != napi_ok || !data) {
        char msg[64];
        snprintf(msg, sizeof msg, "expected a %s handle", KIND_NAMES[kind]);
        px_type_error(env, msg);
        return NULL;
    }
    return data;
}

px_handle *px_handle_get(napi_env env, napi_value value, px_kind kind)
{
    px_handle *h = px_handle_any(env, value, kind);
    if (h && !h->open) {
        char msg[64];
        snprintf(msg, sizeof msg, "the %s is closed", KIND_NAMES[kind]);
        px_throw(env, PLX_EINVAL, msg, NULL);
        return NULL;
    }
    return h;
}

px_handle *px_handle_ctx(px_handle *h)
{
    return h->parent ? h->parent : h;
}

void px_handle_enter(px_handle *h)
{
    h->live++;
    px_handle_ctx(h)->busy++;
}

void px_handle_leave(px_handle *h)
{
    px_handle_ctx(h)->busy--;
    live_unref(h);
}
