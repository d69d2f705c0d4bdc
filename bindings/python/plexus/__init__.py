"""plexus: Python binding of libplexus, one resilient interface to AI, ML,
cloud-data and enterprise services.

Pure ctypes over the C library's stable ABI (libplexus.so.0), which is not
bundled: set PLEXUS_LIBRARY to its path, or install it where the dynamic
loader finds it. The binding maps types and owns handles; every behaviour
(retries, routing, parsing, validation of requests) is the C library's.

    import plexus
    with plexus.Context({"providers": {"nlp": {"kind": "local"}}}) as ctx:
        print(ctx.provider("nlp").call("sentiment", text="Great support!"))

docs/PYTHON.md is the guide; include/plexus/*.h and docs/API.md are the
reference for every call.
"""
from . import errors
from ._ffi import lib as _lib
from .context import Context, LogLevel
from .endpoint import Endpoint
from .errors import *  # noqa: F401,F403  (one class per status, generated)
from .errors import ClosedError, PlexusError, Status, status_error, status_name, status_str
from .http import Request, Response
from .pipeline import Pipeline
from .provider import ChatStream, Provider

__version__ = "0.1.0"


def library_version():
    """The version of the loaded libplexus, "MAJOR.MINOR.MICRO"."""
    return _lib.plx_version_string().decode()


def library_path():
    """The path or name libplexus was loaded from."""
    return _lib.cdll._name


def notify(ctx, targets, alert):
    """plx_notify: ctx.notify(targets, alert)."""
    return ctx.notify(targets, alert)


__all__ = ["Context", "Provider", "ChatStream", "Endpoint", "Pipeline", "Request", "Response",
           "LogLevel", "Status", "PlexusError", "ClosedError", "status_error", "status_name",
           "status_str", "library_version", "library_path", "notify"] + \
    [n for n in errors.__all__ if n.endswith("Error") and n not in ("PlexusError", "ClosedError")]
