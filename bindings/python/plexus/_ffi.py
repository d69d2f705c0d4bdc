"""1:1 ctypes declarations of the public C API (include/plexus/*.h).

Every exported function of libplexus has one entry in FUNCTIONS, with the
C types of its result and arguments, and nothing else: no defaults, no
checks, no conversions beyond what ctypes does. Strings the library returns
through a `char **` are declared POINTER(c_void_p) so that they can be read
and then given back to plx_free. tests/test_ffi.py fails when libplexus
exports a function that is not declared here.
"""
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_int64, c_size_t,
                    c_uint32, c_void_p)

from . import _lib


# ---- opaque handles (no layout: only pointers cross the ABI) ---------------
class plx_ctx(Structure):
    pass


class plx_provider(Structure):
    pass


class plx_request(Structure):
    pass


class plx_response(Structure):
    pass


class plx_transport_funcs(Structure):
    pass


class plx_auth_funcs(Structure):
    pass


class plx_endpoint(Structure):
    pass


class plx_pipeline(Structure):
    pass


plx_ctx_p = POINTER(plx_ctx)
plx_provider_p = POINTER(plx_provider)
plx_request_p = POINTER(plx_request)
plx_response_p = POINTER(plx_response)
plx_transport_funcs_p = POINTER(plx_transport_funcs)
plx_auth_funcs_p = POINTER(plx_auth_funcs)
plx_endpoint_p = POINTER(plx_endpoint)
plx_pipeline_p = POINTER(plx_pipeline)

# ---- scalar types -----------------------------------------------------------
plx_status = c_int          # enum plx_status
plx_log_level = c_int       # enum plx_log_level
c_char_pp = POINTER(c_char_p)     # const char ** (static or borrowed strings)
c_string_out = POINTER(c_void_p)  # char ** that receives a string to plx_free

# ---- callback types ---------------------------------------------------------
# Text arguments that come with a length are c_void_p (read with
# ctypes.string_at(ptr, len)); NUL-terminated ones are c_char_p (bytes).
plx_destroy_fn = CFUNCTYPE(None, c_void_p)
plx_log_fn = CFUNCTYPE(None, plx_log_level, c_char_p, c_void_p)
plx_call_done_fn = CFUNCTYPE(None, plx_status, c_char_p, c_void_p)
plx_chat_delta_fn = CFUNCTYPE(c_int, c_void_p, c_size_t, c_void_p)
plx_progress_fn = CFUNCTYPE(c_int, c_char_p, c_void_p)
plx_transport_send_fn = CFUNCTYPE(plx_status, plx_request_p, plx_response_p, c_void_p)
plx_transport_done_fn = CFUNCTYPE(None, plx_response_p, plx_status, c_void_p)
plx_transport_submit_fn = CFUNCTYPE(plx_status, plx_request_p, plx_response_p,
                                     plx_transport_done_fn, c_void_p, c_void_p)
plx_transport_poll_fn = CFUNCTYPE(plx_status, c_int, c_void_p)
plx_transport_wakeup_fn = CFUNCTYPE(None, c_void_p)
plx_auth_sign_fn = CFUNCTYPE(plx_status, plx_request_p, c_void_p)
plx_object_sink_fn = CFUNCTYPE(c_int, c_void_p, c_size_t, c_void_p)
plx_object_source_fn = CFUNCTYPE(c_int64, c_void_p, c_size_t, c_void_p)

# ---- functions: name -> (restype, argtypes) ---------------------------------
FUNCTIONS = {
    # common.h
    "plx_status_str": (c_char_p, [plx_status]),
    "plx_status_name": (c_char_p, [plx_status]),
    "plx_version": (c_uint32, []),
    "plx_version_string": (c_char_p, []),
    "plx_free": (None, [c_void_p]),
    # ctx.h
    "plx_ctx_new": (plx_status, [POINTER(plx_ctx_p), c_char_p]),
    "plx_ctx_free": (None, [plx_ctx_p]),
    "plx_ctx_set_log": (plx_status, [plx_ctx_p, plx_log_fn, c_void_p, plx_log_level]),
    "plx_errmsg": (c_char_p, [plx_ctx_p]),
    # http.h: requests
    "plx_request_method": (c_char_p, [plx_request_p]),
    "plx_request_url": (c_char_p, [plx_request_p]),
    "plx_request_set_url": (plx_status, [plx_request_p, c_char_p]),
    "plx_request_header_count": (c_size_t, [plx_request_p]),
    "plx_request_header_at": (plx_status, [plx_request_p, c_size_t, c_char_pp, c_char_pp]),
    "plx_request_header": (c_char_p, [plx_request_p, c_char_p]),
    "plx_request_set_header": (plx_status, [plx_request_p, c_char_p, c_char_p]),
    "plx_request_remove_header": (plx_status, [plx_request_p, c_char_p]),
    "plx_request_body": (c_void_p, [plx_request_p, POINTER(c_size_t)]),
    "plx_request_timeout_ms": (c_uint32, [plx_request_p]),
    "plx_request_connect_timeout_ms": (c_uint32, [plx_request_p]),
    "plx_request_max_reply_bytes": (c_size_t, [plx_request_p]),
    # http.h: responses
    "plx_response_status": (c_int, [plx_response_p]),
    "plx_response_set_status": (plx_status, [plx_response_p, c_int]),
    "plx_response_header_count": (c_size_t, [plx_response_p]),
    "plx_response_header_at": (plx_status, [plx_response_p, c_size_t, c_char_pp, c_char_pp]),
    "plx_response_header": (c_char_p, [plx_response_p, c_char_p]),
    "plx_response_add_header": (plx_status, [plx_response_p, c_char_p, c_char_p]),
    "plx_response_body": (c_void_p, [plx_response_p, POINTER(c_size_t)]),
    "plx_response_set_error_message": (plx_status, [plx_response_p, c_char_p]),
    "plx_response_append_body": (plx_status, [plx_response_p, c_void_p, c_size_t]),
    # http.h: transport funcs
    "plx_transport_funcs_new": (plx_status, [POINTER(plx_transport_funcs_p)]),
    "plx_transport_funcs_ref": (plx_transport_funcs_p, [plx_transport_funcs_p]),
    "plx_transport_funcs_unref": (None, [plx_transport_funcs_p]),
    "plx_transport_funcs_make_immutable": (None, [plx_transport_funcs_p]),
    "plx_transport_funcs_is_immutable": (c_int, [plx_transport_funcs_p]),
    "plx_transport_funcs_set_send": (plx_status, [plx_transport_funcs_p, plx_transport_send_fn,
                                                  c_void_p, plx_destroy_fn]),
    "plx_transport_funcs_set_submit": (plx_status, [plx_transport_funcs_p,
                                                    plx_transport_submit_fn, c_void_p,
                                                    plx_destroy_fn]),
    "plx_transport_funcs_set_poll": (plx_status, [plx_transport_funcs_p, plx_transport_poll_fn,
                                                  c_void_p, plx_destroy_fn]),
    "plx_transport_funcs_set_wakeup": (plx_status, [plx_transport_funcs_p,
                                                    plx_transport_wakeup_fn, c_void_p,
                                                    plx_destroy_fn]),
    "plx_ctx_set_transport": (plx_status, [plx_ctx_p, plx_transport_funcs_p]),
    # http.h: auth funcs
    "plx_auth_funcs_new": (plx_status, [POINTER(plx_auth_funcs_p)]),
    "plx_auth_funcs_ref": (plx_auth_funcs_p, [plx_auth_funcs_p]),
    "plx_auth_funcs_unref": (None, [plx_auth_funcs_p]),
    "plx_auth_funcs_make_immutable": (None, [plx_auth_funcs_p]),
    "plx_auth_funcs_is_immutable": (c_int, [plx_auth_funcs_p]),
    "plx_auth_funcs_set_sign": (plx_status, [plx_auth_funcs_p, plx_auth_sign_fn, c_void_p,
                                             plx_destroy_fn]),
    "plx_ctx_add_secret": (plx_status, [plx_ctx_p, c_char_p]),
    # provider.h
    "plx_provider_new": (plx_status, [plx_ctx_p, c_char_p, c_char_p, POINTER(plx_provider_p)]),
    "plx_provider_free": (None, [plx_provider_p]),
    "plx_ctx_provider": (plx_status, [plx_ctx_p, c_char_p, POINTER(plx_provider_p)]),
    "plx_provider_name": (c_char_p, [plx_provider_p]),
    "plx_provider_kind": (c_char_p, [plx_provider_p]),
    "plx_provider_set_transport": (plx_status, [plx_provider_p, plx_transport_funcs_p]),
    "plx_provider_set_auth": (plx_status, [plx_provider_p, plx_auth_funcs_p]),
    "plx_call": (plx_status, [plx_provider_p, c_char_p, c_char_p, c_string_out]),
    "plx_call_async": (plx_status, [plx_provider_p, c_char_p, c_char_p, plx_call_done_fn,
                                    c_void_p]),
    "plx_ctx_poll": (plx_status, [plx_ctx_p, c_int, POINTER(c_size_t)]),
    "plx_provider_stats": (plx_status, [plx_provider_p, c_string_out]),
    # chat.h
    "plx_chat": (plx_status, [plx_provider_p, c_char_p, c_string_out]),
    "plx_chat_stream": (plx_status, [plx_provider_p, c_char_p, plx_chat_delta_fn, c_void_p,
                                     c_string_out]),
    "plx_embed": (plx_status, [plx_provider_p, c_char_p, c_string_out]),
    "plx_ctx_usage": (plx_status, [plx_ctx_p, c_string_out]),
    # endpoint.h
    "plx_endpoint_new": (plx_status, [plx_ctx_p, c_char_p, POINTER(plx_endpoint_p)]),
    "plx_endpoint_free": (None, [plx_endpoint_p]),
    "plx_ctx_endpoint": (plx_status, [plx_ctx_p, c_char_p, POINTER(plx_endpoint_p)]),
    "plx_predict": (plx_status, [plx_endpoint_p, c_char_p, c_string_out]),
    "plx_predict_async": (plx_status, [plx_endpoint_p, c_char_p, plx_call_done_fn, c_void_p]),
    "plx_endpoint_set_weights": (plx_status, [plx_endpoint_p, c_char_p]),
    "plx_endpoint_stats": (plx_status, [plx_endpoint_p, c_string_out]),
    # objects.h
    "plx_object_get": (plx_status, [plx_provider_p, c_char_p, plx_object_sink_fn, c_void_p,
                                    c_string_out]),
    "plx_object_put": (plx_status, [plx_provider_p, c_char_p, plx_object_source_fn, c_void_p,
                                    c_string_out]),
    # notify.h
    "plx_notify": (plx_status, [plx_ctx_p, c_char_p, c_char_p, c_string_out]),
    # pipeline.h
    "plx_pipeline_new": (plx_status, [plx_ctx_p, c_char_p, POINTER(plx_pipeline_p)]),
    "plx_pipeline_free": (None, [plx_pipeline_p]),
    "plx_pipeline_run": (plx_status, [plx_pipeline_p, c_char_p, c_string_out]),
    "plx_pipeline_run_batch": (plx_status, [plx_pipeline_p, c_char_p, plx_progress_fn, c_void_p,
                                            c_string_out]),
}


class _Functions:
    """The declared functions of the loaded library, as attributes
    (lib.plx_call ...). A function this library version lacks is missing
    here and raises AttributeError where it is used."""


def _bind(cdll):
    fns = _Functions()
    missing = []
    for name, (restype, argtypes) in FUNCTIONS.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
        setattr(fns, name, fn)
    fns.missing = tuple(missing)
    fns.cdll = cdll
    return fns


lib = _bind(_lib.load())
