"""Python callables behind C function pointers.

C keeps a callback's user_data, not a Python object, so each registered
callable gets an integer token, passed as user_data, and the module-level
trampolines below (which live as long as the module) look it up. A token is
released by the library's destroy callback when it lets go of a slot (funcs
objects), after a one-shot callback ran (async done), or when the object
that owns it closes (the log callback, which has no destroy)."""
import itertools
import threading

from . import _ffi

_registry = {}
_counter = itertools.count(1)
_lock = threading.Lock()


def register(obj):
    """A new token for obj (kept alive until released)."""
    with _lock:
        token = next(_counter)
        _registry[token] = obj
    return token


def lookup(token):
    return _registry.get(token)


def release(token):
    with _lock:
        return _registry.pop(token, None)


def count():
    """How many callables are registered (tests check for leaks)."""
    return len(_registry)


@_ffi.plx_destroy_fn
def destroy(user_data):
    release(user_data)


# Exceptions raised by async done callbacks, per polling thread; poll()
# re-raises the first one once plx_ctx_poll has returned.
_poll_errors = threading.local()


def take_poll_error():
    errs = getattr(_poll_errors, "list", None)
    if not errs:
        return None
    _poll_errors.list = []
    return errs[0]


@_ffi.plx_call_done_fn
def call_done(status, response_json, user_data):
    fn = release(user_data)
    if fn is None:
        return
    try:
        fn(status, None if response_json is None else response_json.decode())
    except BaseException as e:
        errs = getattr(_poll_errors, "list", None)
        if errs is None:
            errs = _poll_errors.list = []
        errs.append(e)


@_ffi.plx_log_fn
def log(level, message, user_data):
    fn = lookup(user_data)
    if fn is not None:
        fn(level, message.decode(errors="replace"))
