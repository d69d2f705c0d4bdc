/* Auth funcs objects: one setter per slot, immutable once attached. */
#include "auth.h"

#include <stdlib.h>

PLX_API plx_status plx_auth_funcs_new(plx_auth_funcs **out)
{
    if (!out)
        return plx_fail(NULL, PLX_EINVAL, "plx_auth_funcs_new: out is NULL");
    plx_auth_funcs *a = calloc(1, sizeof *a);
    if (!a)
        return PLX_ENOMEM;
    a->refs = 1;
    *out = a;
    return PLX_OK;
}

PLX_API plx_auth_funcs *plx_auth_funcs_ref(plx_auth_funcs *funcs)
{
    if (funcs)
        __atomic_add_fetch(&funcs->refs, 1, __ATOMIC_RELAXED);
    return funcs;
}

PLX_API void plx_auth_funcs_unref(plx_auth_funcs *funcs)
{
    if (!funcs || __atomic_sub_fetch(&funcs->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    if (funcs->sign.destroy)
        funcs->sign.destroy(funcs->sign.user_data);
    free(funcs);
}

PLX_API void plx_auth_funcs_make_immutable(plx_auth_funcs *funcs)
{
    if (funcs)
        funcs->immutable = true;
}

PLX_API int plx_auth_funcs_is_immutable(const plx_auth_funcs *funcs)
{
    return funcs ? funcs->immutable : 1;
}

PLX_API plx_status plx_auth_funcs_set_sign(plx_auth_funcs *funcs, plx_auth_sign_fn fn,
                                           void *user_data, plx_destroy_fn destroy)
{
    if (!funcs)
        return plx_fail(NULL, PLX_EINVAL, "auth funcs is NULL");
    if (funcs->immutable)
        return plx_fail(NULL, PLX_EBUSY, "auth funcs are immutable");
    if (funcs->sign.destroy)
        funcs->sign.destroy(funcs->sign.user_data);
    funcs->sign = (plx_slot){(void *)fn, user_data, destroy};
    return PLX_OK;
}

plx_status plx_auth_sign(const plx_auth_funcs *auth, plx_request *req)
{
    if (!auth || !auth->sign.fn)
        return PLX_OK;
    return ((plx_auth_sign_fn)auth->sign.fn)(req, auth->sign.user_data);
}
