#!/usr/bin/env python3
"""Runs the binding's pytest suite (meson test 'python'): the same as
`python3 -m pytest bindings/python/tests` with PLEXUS_LIBRARY set by meson.
Exits 77 (skip) when pytest is missing or the library cannot be loaded
into this interpreter (PLEXUS_PYTEST_SKIP, set by meson, says why)."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(77)


if os.environ.get("PLEXUS_PYTEST_SKIP"):
    skip(os.environ["PLEXUS_PYTEST_SKIP"])
try:
    import pytest
except ImportError:
    # Debian's python3-pytest belongs to /usr/bin/python3, which may not be
    # the python3 first on PATH
    alt = "/usr/bin/python3"
    if (os.path.realpath(alt) != os.path.realpath(sys.executable) and os.access(alt, os.X_OK)
            and subprocess.run([alt, "-c", "import pytest"], capture_output=True).returncode == 0):
        os.execv(alt, [alt, __file__] + sys.argv[1:])
    skip(f"pytest is not installed for {sys.executable} (apt-get install python3-pytest)")

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.exit(pytest.main(["-q", "-rs", "-p", "no:cacheprovider", os.path.join(HERE, "tests")]
                     + sys.argv[1:]))
