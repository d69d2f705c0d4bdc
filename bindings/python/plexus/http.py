"""Requests and responses as custom transports and auth callables see them,
and the funcs objects that carry those callables into the library.

A transport is a callable send(request, response): read the Request, fill
the Response (status, headers, body), return None (or 0) when a complete
reply was received, or a status (Status.ETRANSPORT, ETIMEOUT, ETLS,
ETOOBIG) when not. An auth scheme is a callable sign(request) that adds
credentials to the Request (set_header, url). An exception in either is
not lost: the call fails (a transport's with PLX_ETRANSPORT and the
exception's text as detail, an auth's with PLX_EAUTH; a PlexusError keeps
its own status) and, on the thread that made the call, the error raised
has the exception as __cause__.

Both may run on any thread that makes calls, several at once: the library
calls them without holding any lock of its own. The Request and Response
objects are valid only during the callback.
"""
import ctypes

from . import _callbacks, _ffi, errors
from ._base import check, cstr, errmsg, error_for, note_callback_error
from ._ffi import lib

_STATUS_TRANSPORT = errors.Status.ETRANSPORT
_STATUS_AUTH = errors.Status.EAUTH


def _pairs(count, at, ptr):
    name, value = ctypes.c_char_p(), ctypes.c_char_p()
    out = []
    for i in range(count(ptr)):
        check(at(ptr, i, ctypes.byref(name), ctypes.byref(value)))
        out.append((name.value.decode(errors="replace"), value.value.decode(errors="replace")))
    return out


def _bytes(body_fn, ptr):
    n = ctypes.c_size_t()
    data = body_fn(ptr, ctypes.byref(n))
    return ctypes.string_at(data, n.value) if data and n.value else b""


class _View:
    __slots__ = ("_p", "_mutable")

    def __init__(self, ptr, mutable):
        self._p = ptr
        self._mutable = mutable

    def _ptr(self):
        if self._p is None:
            raise errors.ClosedError(f"{type(self).__name__} is valid only during its callback")
        return self._p

    def _writable(self):
        if not self._mutable:
            raise errors.InvalidArgumentError(
                f"{type(self).__name__} is read-only in this callback")
        return self._ptr()


class Request(_View):
    """An outgoing HTTP request (plx_request accessors)."""

    __slots__ = ()

    @property
    def method(self):
        return lib.plx_request_method(self._ptr()).decode()

    @property
    def url(self):
        """The absolute URL, query included. Settable in an auth callback
        (presigning)."""
        return lib.plx_request_url(self._ptr()).decode()

    @url.setter
    def url(self, value):
        check(lib.plx_request_set_url(self._writable(), cstr(value, "url")))

    @property
    def headers(self):
        """[(name, value)] in the order they are sent."""
        ptr = self._ptr()
        return _pairs(lib.plx_request_header_count, lib.plx_request_header_at, ptr)

    def header(self, name):
        """The first header of this name (any case), or None."""
        v = lib.plx_request_header(self._ptr(), cstr(name, "name"))
        return None if v is None else v.decode(errors="replace")

    def set_header(self, name, value):
        """Sets a header, replacing every header of that name (auth only)."""
        check(lib.plx_request_set_header(self._writable(), cstr(name, "name"),
                                         cstr(value, "value")))

    def remove_header(self, name):
        check(lib.plx_request_remove_header(self._writable(), cstr(name, "name")))

    @property
    def body(self):
        return _bytes(lib.plx_request_body, self._ptr())

    @property
    def timeout_ms(self):
        return lib.plx_request_timeout_ms(self._ptr())

    @property
    def connect_timeout_ms(self):
        return lib.plx_request_connect_timeout_ms(self._ptr())

    @property
    def max_reply_bytes(self):
        return lib.plx_request_max_reply_bytes(self._ptr())

    def __repr__(self):
        if self._p is None:
            return "<plexus.Request (expired)>"
        return f"<plexus.Request {self.method} {self.url}>"


class Response(_View):
    """The reply a transport fills in (plx_response accessors)."""

    __slots__ = ()

    @property
    def status(self):
        """The HTTP status; 0 until set."""
        return lib.plx_response_status(self._ptr())

    @status.setter
    def status(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"status: expected an int, got {type(value).__name__}")
        check(lib.plx_response_set_status(self._writable(), value))

    @property
    def headers(self):
        return _pairs(lib.plx_response_header_count, lib.plx_response_header_at, self._ptr())

    def header(self, name):
        v = lib.plx_response_header(self._ptr(), cstr(name, "name"))
        return None if v is None else v.decode(errors="replace")

    def add_header(self, name, value):
        """Appends a header as received."""
        check(lib.plx_response_add_header(self._writable(), cstr(name, "name"),
                                          cstr(value, "value")))

    @property
    def body(self):
        """The body received so far."""
        return _bytes(lib.plx_response_body, self._ptr())

    def write(self, data):
        """Appends body bytes (a str is encoded as UTF-8). Raises TooBigError
        past the request's max_reply_bytes: let it propagate, and the
        transfer fails with PLX_ETOOBIG."""
        if isinstance(data, str):
            data = data.encode()
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data: expected bytes or str, got {type(data).__name__}")
        data = bytes(data)
        check(lib.plx_response_append_body(self._writable(), data, len(data)))

    def set_error_message(self, message):
        """The detail shown in the call's error ("connection refused"); never
        a secret."""
        check(lib.plx_response_set_error_message(self._writable(), cstr(message, "message")))

    def __repr__(self):
        if self._p is None:
            return "<plexus.Response (expired)>"
        return f"<plexus.Response {self.status}>"


def _returned_status(value, what):
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} returned {type(value).__name__}: expected None or a status")
    return int(value)


def _failure_status(exc, default):
    if isinstance(exc, errors.PlexusError) and exc.status:
        return exc.status
    return default


@_ffi.plx_transport_send_fn
def _send(req, resp, user_data):
    fn = _callbacks.lookup(user_data)
    request, response = Request(req, False), Response(resp, True)
    try:
        if fn is None:
            response.set_error_message("transport callable is gone")
            return _STATUS_TRANSPORT
        return _returned_status(fn(request, response), "transport")
    except BaseException as e:
        note_callback_error(e)
        try:
            response.set_error_message(f"transport raised {type(e).__name__}: {e}")
        except Exception:
            pass
        return _failure_status(e, _STATUS_TRANSPORT)
    finally:
        request._p = response._p = None


@_ffi.plx_auth_sign_fn
def _sign(req, user_data):
    fn = _callbacks.lookup(user_data)
    request = Request(req, True)
    try:
        if fn is None:
            return _STATUS_AUTH
        return _returned_status(fn(request), "auth")
    except BaseException as e:
        note_callback_error(e)
        return _failure_status(e, _STATUS_AUTH)
    finally:
        request._p = None


def _callable(fn, what):
    if not callable(fn):
        raise TypeError(f"{what}: expected a callable, got {type(fn).__name__}")


def transport_funcs(send):
    """A new transport funcs object (one reference, for the caller to unref)
    whose send slot calls send(request, response)."""
    _callable(send, "send")
    funcs = _ffi.plx_transport_funcs_p()
    check(lib.plx_transport_funcs_new(ctypes.byref(funcs)))
    token = _callbacks.register(send)
    status = lib.plx_transport_funcs_set_send(funcs, _send, token, _callbacks.destroy)
    if status:
        message = errmsg()
        _callbacks.release(token)
        lib.plx_transport_funcs_unref(funcs)
        raise error_for(status, message)
    return funcs


def auth_funcs(sign):
    """A new auth funcs object (one reference, for the caller to unref)
    whose sign slot calls sign(request)."""
    _callable(sign, "sign")
    funcs = _ffi.plx_auth_funcs_p()
    check(lib.plx_auth_funcs_new(ctypes.byref(funcs)))
    token = _callbacks.register(sign)
    status = lib.plx_auth_funcs_set_sign(funcs, _sign, token, _callbacks.destroy)
    if status:
        message = errmsg()
        _callbacks.release(token)
        lib.plx_auth_funcs_unref(funcs)
        raise error_for(status, message)
    return funcs
