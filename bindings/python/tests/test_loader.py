"""The loader: PLEXUS_LIBRARY first, then the installed library; a clear
ImportError naming what was tried."""
import ctypes.util
import os
import subprocess
import sys

import plexus

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _import(env_changes):
    env = dict(os.environ, PYTHONPATH=PKG, PYTHONDONTWRITEBYTECODE="1")
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return subprocess.run([sys.executable, "-c", "import plexus; print(plexus.library_path())"],
                          capture_output=True, text=True, env=env, timeout=60)


def test_loaded_from_plexus_library():
    want = os.environ.get("PLEXUS_LIBRARY")
    if want:
        assert plexus.library_path() == want
    assert plexus.library_version().count(".") == 2


def test_missing_path_is_an_import_error_naming_it(tmp_path):
    missing = str(tmp_path / "nope" / "libplexus.so.0")
    r = _import({"PLEXUS_LIBRARY": missing})
    assert r.returncode != 0
    assert "ImportError: cannot load libplexus" in r.stderr
    assert f"PLEXUS_LIBRARY: {missing}" in r.stderr
    # an explicit path is not silently replaced by another copy
    assert "libplexus.so.0:" not in r.stderr.replace(missing, "")


def test_a_library_that_is_not_plexus(tmp_path):
    libc = ctypes.util.find_library("c")
    r = _import({"PLEXUS_LIBRARY": libc})
    assert r.returncode != 0
    assert "cannot load libplexus" in r.stderr
    assert "plx_version" in r.stderr


def test_without_plexus_library_tries_the_installed_one():
    r = _import({"PLEXUS_LIBRARY": None, "LD_LIBRARY_PATH": None})
    if r.returncode == 0:
        # a libplexus is installed on this machine: it was found
        assert r.stdout.strip()
        return
    assert "PLEXUS_LIBRARY: not set" in r.stderr
    assert "soname: libplexus.so.0" in r.stderr
    assert "set PLEXUS_LIBRARY" in r.stderr


def test_abi_major_matches():
    assert plexus._lib.plx_version() >> 16 == 0
