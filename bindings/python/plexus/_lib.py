"""Finds and loads libplexus.

Order: the path in the environment variable PLEXUS_LIBRARY, when it is set
(and then only that, so a wrong path is an error rather than a silent switch
to another copy); else the installed library, as ctypes.util.find_library
("plexus") names it, then the soname "libplexus.so.0". The library is not
bundled with this package.
"""
import ctypes
import ctypes.util
import os

# The ABI this binding declares: libplexus.so.0, any minor version.
ABI_MAJOR = 0

_lib = None


def _candidates():
    """The (label, name-or-path) pairs to try, in order."""
    env = os.environ.get("PLEXUS_LIBRARY")
    if env:
        return [("PLEXUS_LIBRARY", env)]
    found = ctypes.util.find_library("plexus")
    tried = []
    if found:
        tried.append(('ctypes.util.find_library("plexus")', found))
    tried.append(("soname", "libplexus.so.0"))
    return tried


def _open(name):
    lib = ctypes.CDLL(name)
    version = lib.plx_version
    version.restype = ctypes.c_uint32
    version.argtypes = []
    major = version() >> 16
    if major != ABI_MAJOR:
        raise OSError(f"it has ABI major version {major}, this binding needs {ABI_MAJOR}")
    return lib


def load():
    """The loaded library (a ctypes.CDLL), loading it on first use.
    Raises ImportError naming every place tried and why each failed."""
    global _lib
    if _lib is not None:
        return _lib
    failures = [] if os.environ.get("PLEXUS_LIBRARY") else ["  PLEXUS_LIBRARY: not set"]
    for label, name in _candidates():
        try:
            _lib = _open(name)
            return _lib
        except (OSError, AttributeError) as e:
            failures.append(f"  {label}: {name}: {e}")
    hint = ("set PLEXUS_LIBRARY to the path of libplexus.so.0 (e.g. BUILD/lib/libplexus.so.0),"
            " or install libplexus (meson install) where the dynamic loader finds it")
    raise ImportError("cannot load libplexus; tried:\n" + "\n".join(failures) + "\n" + hint)
