/* Transport funcs objects: one setter per slot, immutable once attached. */
#include "http_internal.h"

#include <stdlib.h>

PLX_API plx_status plx_transport_funcs_new(plx_transport_funcs **out)
{
    if (!out)
        return plx_fail(NULL, PLX_EINVAL, "plx_transport_funcs_new: out is NULL");
    plx_transport_funcs *t = calloc(1, sizeof *t);
    if (!t)
        return PLX_ENOMEM;
    t->refs = 1;
    *out = t;
    return PLX_OK;
}

PLX_API plx_transport_funcs *plx_transport_funcs_ref(plx_transport_funcs *funcs)
{
    if (funcs)
        __atomic_add_fetch(&funcs->refs, 1, __ATOMIC_RELAXED);
    return funcs;
}

static void slot_release(plx_slot *slot)
{
    if (slot->destroy)
        slot->destroy(slot->user_data);
    *slot = (plx_slot){0};
}

PLX_API void plx_transport_funcs_unref(plx_transport_funcs *funcs)
{
    if (!funcs || __atomic_sub_fetch(&funcs->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    slot_release(&funcs->send);
    slot_release(&funcs->submit);
    slot_release(&funcs->poll);
    slot_release(&funcs->wakeup);
    free(funcs);
}

PLX_API void plx_transport_funcs_make_immutable(plx_transport_funcs *funcs)
{
    if (funcs)
        funcs->immutable = true;
}

PLX_API int plx_transport_funcs_is_immutable(const plx_transport_funcs *funcs)
{
    return funcs ? funcs->immutable : 1;
}

static plx_status slot_set(plx_transport_funcs *funcs, plx_slot *slot, void *fn,
                           void *user_data, plx_destroy_fn destroy)
{
    if (funcs->immutable)
        return plx_fail(NULL, PLX_EBUSY, "transport funcs are immutable");
    slot_release(slot);
    *slot = (plx_slot){fn, user_data, destroy};
    return PLX_OK;
}

#define DEFINE_SETTER(slot_name, fn_type)                                         \
    PLX_API plx_status plx_transport_funcs_set_##slot_name(                       \
        plx_transport_funcs *funcs, fn_type fn, void *user_data,                  \
        plx_destroy_fn destroy)                                                   \
    {                                                                             \
        if (!funcs)                                                               \
            return plx_fail(NULL, PLX_EINVAL, "transport funcs is NULL");         \
        return slot_set(funcs, &funcs->slot_name, (void *)fn, user_data, destroy); \
    }

DEFINE_SETTER(send, plx_transport_send_fn)
DEFINE_SETTER(submit, plx_transport_submit_fn)
DEFINE_SETTER(poll, plx_transport_poll_fn)
DEFINE_SETTER(wakeup, plx_transport_wakeup_fn)

plx_status plx_transport_send(const plx_transport_funcs *t, const plx_request *req,
                              plx_response *resp)
{
    if (!t->send.fn)
        return PLX_EUNSUPPORTED;
    return ((plx_transport_send_fn)t->send.fn)(req, resp, t->send.user_data);
}

bool plx_transport_is_async(const plx_transport_funcs *t)
{
    return t->submit.fn && t->poll.fn;
}

plx_status plx_transport_submit(const plx_transport_funcs *t, const plx_request *req,
                                plx_response *resp, plx_transport_done_fn done,
                                void *done_data)
{
    return ((plx_transport_submit_fn)t->submit.fn)(req, resp, done, done_data,
                                                   t->submit.user_data);
}

plx_status plx_transport_poll(const plx_transport_funcs *t, int timeout_ms)
{
    return ((plx_transport_poll_fn)t->poll.fn)(timeout_ms, t->poll.user_data);
}

void plx_transport_wakeup(const plx_transport_funcs *t)
{
    if (t->wakeup.fn)
        ((plx_transport_wakeup_fn)t->wakeup.fn)(t->wakeup.user_data);
}

plx_transport_funcs *plx_ctx_transport(plx_ctx *ctx)
{
    if (ctx->transport)
        return ctx->transport;
    pthread_mutex_lock(&ctx->lock);
    if (!ctx->default_transport) {
        pthread_mutex_unlock(&ctx->lock);
        plx_transport_funcs *made = NULL;
        if (plx_curl_transport_new(ctx, &made) != PLX_OK)
            return NULL;
        pthread_mutex_lock(&ctx->lock);
        if (!ctx->default_transport)
            ctx->default_transport = made;
        else
            plx_transport_funcs_unref(made);
    }
    plx_transport_funcs *t = ctx->default_transport;
    pthread_mutex_unlock(&ctx->lock);
    return t;
}

plx_status plx_transport_attach(const plx_ctx *ctx, plx_transport_funcs **slot,
                                plx_transport_funcs *funcs)
{
    if (funcs && !funcs->send.fn)
        return plx_fail(ctx, PLX_EINVAL, "transport funcs: the send slot is not set");
    if (funcs) {
        plx_transport_funcs_make_immutable(funcs);
        plx_transport_funcs_ref(funcs);
    }
    plx_transport_funcs_unref(*slot);
    *slot = funcs;
    return PLX_OK;
}

PLX_API plx_status plx_ctx_set_transport(plx_ctx *ctx, plx_transport_funcs *funcs)
{
    if (!ctx)
        return plx_fail(NULL, PLX_EINVAL, "plx_ctx_set_transport: ctx is NULL");
    return plx_transport_attach(ctx, &ctx->transport, funcs);
}

void plx_ctx_release_http(plx_ctx *ctx)
{
    plx_transport_funcs_unref(ctx->transport);
    plx_transport_funcs_unref(ctx->default_transport);
    ctx->transport = ctx->default_transport = NULL;
}
