"""One exception class per plx_status, generated from the library's own
status names (plx_status_name), so the classes never drift from the C
enum: a status added to libplexus gets a class here without a change.

    PlexusError                 .status .name .message .result
      InvalidArgumentError      PLX_EINVAL (also a ValueError)
      AuthError                 PLX_EAUTH
      RateLimitError            PLX_ERATELIMIT
      ...

status_error(status) gives the class of a status; PlexusError is the base
of all of them and the class of a status this module has no name for.
"""
import enum

from ._ffi import lib

# Class names for the known symbolic names, and the built-in exception a
# class also derives from where one fits (so `except TimeoutError` sees a
# plexus timeout). A name not listed here becomes CamelCase + "Error"
# (PLX_EFOO -> FooError).
_NAMES = {
    "PLX_EINVAL": ("InvalidArgumentError", ValueError),
    "PLX_ENOMEM": ("OutOfMemoryError", MemoryError),
    "PLX_ECONFIG": ("ConfigError", ValueError),
    "PLX_ENOTFOUND": ("NotFoundError", LookupError),
    "PLX_ETRANSPORT": ("TransportError", ConnectionError),
    "PLX_ETIMEOUT": ("TimedOutError", TimeoutError),
    "PLX_ETLS": ("TLSError", None),
    "PLX_EHTTP": ("HTTPError", None),
    "PLX_EAUTH": ("AuthError", None),
    "PLX_ERATELIMIT": ("RateLimitError", None),
    "PLX_ECIRCUIT": ("CircuitOpenError", None),
    "PLX_EPROTOCOL": ("ProtocolError", None),
    "PLX_ETOOBIG": ("TooBigError", None),
    "PLX_EBUDGET": ("BudgetError", None),
    "PLX_EUNSUPPORTED": ("UnsupportedError", None),
    "PLX_EIO": ("FileError", OSError),
    "PLX_EBUSY": ("BusyError", None),
    "PLX_ECANCELED": ("CanceledError", None),
    "PLX_EINTERNAL": ("InternalError", None),
}


class PlexusError(Exception):
    """A plexus call failed.

    status   the plx_status number (int)
    name     its symbolic name, "PLX_EAUTH"
    message  plx_errmsg() of the failed call: the detail, for people
    result   the call's result JSON parsed (a dict), when the call gave one:
             for a call that reached a service it holds "error" with
             "code", "http_status", "retryable", "request_id", ...
    """

    status = None
    name = None

    def __init__(self, message="", result=None, status=None):
        if status is not None:
            self.status = status
            self.name = status_name(status)
        self.message = message
        self.result = result
        super().__init__(f"{self.name}: {message}" if message else str(self.name))

    def __reduce__(self):
        return (type(self), (self.message, self.result, self.status))


def status_name(status):
    """The symbolic name of a status, "PLX_EAUTH"; "PLX_UNKNOWN" if unknown."""
    return lib.plx_status_name(int(status)).decode()


def status_str(status):
    """A short English description of a status ("invalid argument")."""
    return lib.plx_status_str(int(status)).decode()


def _camel(name):
    word = name[len("PLX_E"):] if name.startswith("PLX_E") else name
    return word.capitalize() + "Error"


def _known_statuses():
    """[(number, name)] of every status the library names, PLX_OK excluded."""
    out, status = [], 1
    while True:
        name = status_name(status)
        if name == "PLX_UNKNOWN":
            return out
        out.append((status, name))
        status += 1


_BY_STATUS = {}
__all__ = ["PlexusError", "ClosedError", "Status", "status_error", "status_name",
           "status_str"]

for _status, _sname in _known_statuses():
    _cls_name, _builtin = _NAMES.get(_sname, (_camel(_sname), None))
    _bases = (PlexusError,) if _builtin is None else (PlexusError, _builtin)
    _cls = type(_cls_name, _bases, {
        "status": _status, "name": _sname, "__module__": __name__,
        "__doc__": f"{_sname} ({_status}): {status_str(_status)}.",
    })
    _BY_STATUS[_status] = _cls
    globals()[_cls_name] = _cls
    __all__.append(_cls_name)


class ClosedError(_BY_STATUS.get(1, PlexusError)):
    """A method of a closed object (Context, Provider, ...) was called: the
    handle it wrapped is gone. An InvalidArgumentError (PLX_EINVAL), as C
    gives for a NULL handle."""

    status = 1
    name = status_name(1)


# The statuses as an IntEnum, names without "PLX_": Status.OK, Status.EAUTH, ...
Status = enum.IntEnum("Status", [("OK", 0)] + [(n[len("PLX_"):], s)
                                               for s, n in _known_statuses()],
                      module=__name__)


def status_error(status):
    """The exception class of a status (PlexusError for an unknown one)."""
    return _BY_STATUS.get(int(status), PlexusError)

