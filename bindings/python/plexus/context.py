"""The context: configuration, named providers and endpoints, logging,
transport, usage, async polling, notify."""
import ctypes
import enum

from . import _callbacks, _ffi, http
from ._base import (Handle, Object, call, check, cstr, errmsg, error_for, int_arg,
                    invoke_json, json_arg)
from ._ffi import lib


class LogLevel(enum.IntEnum):
    """plx_log_level: a logger set with level L receives levels <= L."""
    NONE = 0
    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


def _log_level(level):
    if isinstance(level, str):
        try:
            return LogLevel[level.upper()]
        except KeyError:
            raise ValueError(f"level: expected one of {', '.join(m.name.lower() for m in LogLevel)}"
                             f", got '{level}'") from None
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"level: expected a LogLevel, an int or a name, got {type(level).__name__}")
    return LogLevel(level)


class Context(Object):
    """plx_ctx: configuration, named providers and endpoints, the transport
    and the logger, and the running usage totals.

        with plexus.Context({"providers": {"nlp": {"kind": "local"}}}) as ctx:
            ctx.provider("nlp").call("sentiment", {"text": "great"})

    config is a dict, JSON text, or None (docs/CONFIG.md). Closing the
    context closes every Provider, Endpoint and Pipeline made from it.

    Threads: a Context and its providers may be used from many threads at
    once. Set the logger and the transport before sharing it, and close it
    after every thread is done; one thread at a time polls.
    """

    def __init__(self, config=None):
        data = json_arg(config, "config", none_ok=True)
        ptr = _ffi.plx_ctx_p()
        status = lib.plx_ctx_new(ctypes.byref(ptr), data)
        if status:
            raise error_for(status, errmsg(None))
        self._handle = Handle(ptr, lib.plx_ctx_free)

    def __repr__(self):
        return f"<plexus.Context{' closed' if self.closed else ''}>"

    # ---- providers and endpoints -----------------------------------------
    def provider(self, name):
        """The provider declared as name in the config's "providers"
        (owned by the context: close() on it only drops the wrapper)."""
        from .provider import Provider
        ptr = _ffi.plx_provider_p()
        ctx = self._ptr()
        check(lib.plx_ctx_provider(ctx, cstr(name, "name"), ctypes.byref(ptr)), ctx)
        return Provider._wrap(self, ptr, owned=False)

    def new_provider(self, kind, config=None):
        """A new provider of a kind, owned by the caller: Provider(self, kind, config)."""
        from .provider import Provider
        return Provider(self, kind, config)

    def endpoint(self, name):
        """The ML endpoint declared as name in the config's "endpoints"."""
        from .endpoint import Endpoint
        ptr = _ffi.plx_endpoint_p()
        ctx = self._ptr()
        check(lib.plx_ctx_endpoint(ctx, cstr(name, "name"), ctypes.byref(ptr)), ctx)
        return Endpoint._wrap(self, ptr, owned=False)

    # ---- configuration ------------------------------------------------------
    def set_log(self, fn, level=LogLevel.INFO):
        """Sends log lines of level <= level to fn(level: int, message: str),
        from any thread that uses the context (secrets already redacted).
        fn None discards all. Set it before sharing the context."""
        level = _log_level(level)
        if fn is not None and not callable(fn):
            raise TypeError(f"fn: expected a callable or None, got {type(fn).__name__}")
        ctx = self._ptr()
        if fn is None:
            check(lib.plx_ctx_set_log(ctx, _ffi.plx_log_fn(), None, level), ctx)
            token = None
        else:
            token = _callbacks.register(fn)
            try:
                check(lib.plx_ctx_set_log(ctx, _callbacks.log, token, level), ctx)
            except BaseException:
                _callbacks.release(token)
                raise
        # the previous logger is no longer called: drop it
        for old in self._handle.tokens:
            _callbacks.release(old)
        self._handle.tokens = [token] if token is not None else []

    def set_transport(self, send):
        """Uses the Python callable send(request, response) for every
        provider without a transport of its own (plexus.http says how);
        None restores the built-in curl transport. Set it before sharing
        the context."""
        ctx = self._ptr()
        if send is None:
            check(lib.plx_ctx_set_transport(ctx, None), ctx)
            return
        funcs = http.transport_funcs(send)
        try:
            check(lib.plx_ctx_set_transport(ctx, funcs), ctx)
        finally:
            lib.plx_transport_funcs_unref(funcs)

    def add_secret(self, secret):
        """Registers a secret so that it is redacted from every log line and
        error message (secrets shorter than 4 bytes are ignored)."""
        ctx = self._ptr()
        check(lib.plx_ctx_add_secret(ctx, cstr(secret, "secret")), ctx)

    # ---- running ----------------------------------------------------------------
    def usage(self):
        """The running totals of tokens and cost, per provider and model."""
        ctx = self._ptr()
        return invoke_json(lib.plx_ctx_usage, ctx, ctx)

    def poll(self, timeout_ms=-1):
        """Drives the asynchronous calls (Provider.call_async, ...) and runs
        the callbacks of those that finish, on this thread. Returns the
        number still in flight. timeout_ms: 0 does not wait, -1 has no
        limit. An exception raised by a callback is raised here, after the
        others have run."""
        timeout_ms = int_arg(timeout_ms, "timeout_ms", -1, 2**31 - 1)
        ctx = self._ptr()
        left = ctypes.c_size_t()
        try:
            call(lib.plx_ctx_poll, ctx, ctx, timeout_ms, ctypes.byref(left))
        finally:
            error = _callbacks.take_poll_error()
        if error is not None:
            raise error
        return left.value

    def notify(self, targets, alert):
        """Sends one alert to every target at once (plx_notify) and returns
        the report: {"ok", "delivered", "failed", "results": [...]}. When a
        target failed, raises the error of the first one, with the report
        as .result."""
        if isinstance(targets, (tuple, set, frozenset)):
            targets = list(targets)
        ctx = self._ptr()
        return invoke_json(lib.plx_notify, ctx, ctx, json_arg(targets, "targets"),
                           json_arg(alert, "alert"))
