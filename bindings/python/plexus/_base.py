"""What every wrapper shares: Python values to C arguments, strings back
from C, the call-and-raise step, and handle ownership."""
import ctypes
import json
import threading
from collections.abc import Mapping

from . import _callbacks, errors
from ._ffi import lib

_string_at = ctypes.string_at
_plx_free = lib.plx_free
_plx_errmsg = lib.plx_errmsg

# ---- Python -> C ------------------------------------------------------------


def cstr(value, what):
    """A str argument as NUL-terminated UTF-8 bytes."""
    if not isinstance(value, str):
        raise TypeError(f"{what}: expected a str, got {type(value).__name__}")
    if "\0" in value:
        raise ValueError(f"{what}: contains a NUL character")
    return value.encode()


_names = {}


def name_arg(value, what):
    """cstr() for names used on every call (ops): the bytes are kept."""
    if type(value) is str:
        b = _names.get(value)
        if b is not None:
            return b
    b = cstr(value, what)
    if len(_names) < 1024:
        _names[value] = b
    return b


# One encoder, made once: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def _serialize(value, what):
    try:
        return _encode(value).encode()
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what}: not serializable as JSON: {e}") from None


def json_arg(value, what, none_ok=False):
    """A JSON argument: str or bytes are JSON text as is; any other value is
    serialized (dicts, lists, numbers, bools; NaN and infinities are refused:
    JSON has none). None gives NULL where the C function allows it."""
    if isinstance(value, (bytes, str)):
        data = value.encode() if isinstance(value, str) else value
        if b"\0" in data:
            raise ValueError(f"{what}: contains a NUL byte")
        return data
    if value is None and none_ok:
        return None
    return _serialize(value, what)    # JSON escapes NUL: nothing to check


def request_arg(request, fields, what="request"):
    """A request given as a mapping (or JSON text) plus keyword fields, as
    JSON bytes: call("op", {"a": 1}, b=2) sends {"a": 1, "b": 2}."""
    if type(request) is dict and not fields:      # the common case, first
        return _serialize(request, what)
    if fields:
        if request is None:
            request = fields
        elif isinstance(request, Mapping):
            request = {**request, **fields}
        else:
            raise TypeError(f"{what}: keyword fields need a mapping request, "
                            f"not {type(request).__name__}")
    elif request is None:
        request = {}
    elif isinstance(request, Mapping):
        request = dict(request)
    elif not isinstance(request, (str, bytes)):
        raise TypeError(f"{what}: expected a mapping or JSON text, got {type(request).__name__}")
    return json_arg(request, what)


def int_arg(value, what, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what}: expected an int, got {type(value).__name__}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{what}: {value} is out of range {low}..{high}")
    return value

# ---- C -> Python ------------------------------------------------------------


def take_string(ptr):
    """The text of a string the library returned (a c_void_p), freed."""
    if not ptr:
        return None
    try:
        return _string_at(ptr).decode()
    finally:
        _plx_free(ptr)


def errmsg(ctx_ptr=None):
    """plx_errmsg of the calling thread, as str."""
    return _plx_errmsg(ctx_ptr).decode(errors="replace")


# Exceptions raised by Python callbacks (transport, auth, progress ...) that
# ran on this thread during the current C call: they become the __cause__ of
# the error the call raises.
_pending = threading.local()


def note_callback_error(exc):
    _pending.error = exc


def _take_callback_error():
    exc = getattr(_pending, "error", None)
    _pending.error = None
    return exc


def error_for(status, message, result_text=None):
    """The exception for a failed call (not raised). Without a detail
    message, the status' description stands in."""
    cls = errors.status_error(status)
    message = message or errors.status_str(status)
    result = None
    if result_text is not None:
        try:
            result = json.loads(result_text)
        except ValueError:
            pass
    if cls is errors.PlexusError:
        return errors.PlexusError(message, result, status)
    return cls(message, result)


def _raise(error, cause):
    # A KeyboardInterrupt or SystemExit inside a callback goes on as itself.
    if cause is not None and not isinstance(cause, Exception):
        raise cause
    raise error from cause


def check(status, ctx_ptr=None):
    """Raises the error of a non-zero status, with plx_errmsg's detail."""
    if status:
        raise error_for(status, errmsg(ctx_ptr))


def call(fn, ctx_ptr, *args):
    """fn(*args) for a C function that may run Python callbacks: a failure
    raises with the exception of a callback (if one raised) as __cause__."""
    _pending.error = None
    status = fn(*args)
    cause = _take_callback_error()
    if status:
        _raise(error_for(status, errmsg(ctx_ptr)), cause)


_c_void_p = ctypes.c_void_p
_byref = ctypes.byref


def invoke(fn, ctx_ptr, *args):
    """Calls fn(*args, &out) for a C function whose last argument receives a
    string to plx_free; returns the text, or raises the status' error with
    the text as .result (parsed)."""
    out = _c_void_p()
    _pending.error = None
    status = fn(*args, _byref(out))
    if not status:
        return take_string(out.value)
    message = errmsg(ctx_ptr)     # read first: valid until the next plexus call
    text = take_string(out.value)
    _raise(error_for(status, message, text), _take_callback_error())


def invoke_json(fn, ctx_ptr, *args):
    """invoke(), the text parsed as JSON."""
    text = invoke(fn, ctx_ptr, *args)
    return None if text is None else json.loads(text)

# ---- handles ------------------------------------------------------------------


class Handle:
    """One C handle and how to free it (free None: owned by someone else,
    e.g. a provider declared in the ctx config). A ctx's handle lists its
    children so that closing it closes them first; children keep their
    parent alive. Tokens are callback registrations to drop on close."""

    __slots__ = ("ptr", "free", "parent", "children", "tokens", "__weakref__")

    def __init__(self, ptr, free, parent=None):
        self.ptr = ptr
        self.free = free
        self.parent = parent
        self.children = {}
        self.tokens = []
        if parent is not None:
            parent.children[id(self)] = self

    def close(self):
        ptr = self.ptr
        if ptr is None:
            return
        for child in list(self.children.values()):
            child.close()
        self.ptr = None
        if self.parent is not None:
            self.parent.children.pop(id(self), None)
        if self.free is not None:
            self.free(ptr)
        for token in self.tokens:
            _callbacks.release(token)
        self.tokens = []


class Object:
    """Base of the wrappers: close(), a context manager, and ClosedError on
    use after close. Closing twice is fine."""

    _handle = None

    def _ptr(self):
        h = self._handle
        ptr = h.ptr if h is not None else None
        if ptr is None:
            raise errors.ClosedError(f"{type(self).__name__} is closed")
        return ptr

    @property
    def closed(self):
        return self._handle is None or self._handle.ptr is None

    def close(self):
        """Frees the C object (a no-op for handles owned by the ctx, which
        only become unusable). Safe to call twice."""
        if self._handle is not None:
            self._handle.close()

    def __enter__(self):
        self._ptr()
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
