"""ML endpoints: one handle over several variants of a model."""
import ctypes

from . import _callbacks, _ffi
from ._base import Handle, Object, call, check, invoke_json, json_arg, request_arg
from ._ffi import lib
from .provider import async_done


class Endpoint(Object):
    """plx_endpoint: routes op "predict" among variants (weights, sticky
    routing_key, shadow copies, health and fallback, batching).

    Endpoint(ctx, config) makes one owned by the caller;
    Context.endpoint(name) gives one declared in the config ("endpoints").
    Threads: an endpoint may be used by many threads at once, weight
    changes included."""

    def __init__(self, ctx, config):
        from .context import Context
        if not isinstance(ctx, Context):
            raise TypeError(f"ctx: expected a plexus.Context, got {type(ctx).__name__}")
        data = request_arg(config, None, "config")
        ptr = _ffi.plx_endpoint_p()
        cptr = ctx._ptr()
        check(lib.plx_endpoint_new(cptr, data, ctypes.byref(ptr)), cptr)
        self._ctx = ctx
        self._handle = Handle(ptr, lib.plx_endpoint_free, ctx._handle)

    @classmethod
    def _wrap(cls, ctx, ptr, owned):
        self = cls.__new__(cls)
        self._ctx = ctx
        self._handle = Handle(ptr, lib.plx_endpoint_free if owned else None, ctx._handle)
        return self

    def __repr__(self):
        return f"<plexus.Endpoint{' closed' if self.closed else ''}>"

    def _cptr(self):
        return self._ctx._handle.ptr

    def predict(self, request=None, /, **fields):
        """predict(instances=[[5.1, 3.5, 1.4, 0.2]], routing_key="user-42")
        -> {"outputs", "predictions", "model", "model_version", "variant", ...}."""
        e = self._ptr()
        return invoke_json(lib.plx_predict, self._cptr(), e, request_arg(request, fields))

    def predict_async(self, request=None, /, *, done, **fields):
        """predict without waiting: done(result, error) runs from Context.poll()."""
        e = self._ptr()
        data = request_arg(request, fields)
        token = _callbacks.register(async_done(done))
        try:
            call(lib.plx_predict_async, self._cptr(), e, data, _callbacks.call_done, token)
        except BaseException:
            _callbacks.release(token)
            raise

    def set_weights(self, weights):
        """Changes variant weights at once: set_weights({"blue": 0, "green": 100})."""
        e = self._ptr()
        check(lib.plx_endpoint_set_weights(e, json_arg(weights, "weights")), self._cptr())

    def stats(self):
        """Per-variant calls, errors, health and latency percentiles."""
        e = self._ptr()
        return invoke_json(lib.plx_endpoint_stats, self._cptr(), e)
