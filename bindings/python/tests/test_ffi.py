"""_ffi declares every exported function, 1:1 with the C prototypes: the
set of names against the library's dynamic symbols, lib/plexus.map and the
PLX_API declarations of include/plexus/*.h, and each declaration's
argument count and kinds against the header's prototype. A function
exported without a declaration here fails until it is bound."""
import ctypes
import glob
import os
import re
import shutil
import subprocess

import pytest

from plexus import _ffi

from conftest import ROOT

INCLUDE = os.path.join(ROOT, "include")
MAP = os.path.join(ROOT, "lib", "plexus.map")


def exported():
    nm = shutil.which("nm")
    if not nm:
        pytest.skip("nm (binutils) is not installed")
    path = _ffi.lib.cdll._name
    if not os.path.sep in path:
        pytest.skip(f"library loaded by name ({path}), not by path")
    out = subprocess.run([nm, "-D", "--defined-only", path], capture_output=True, text=True,
                         check=True).stdout
    names = {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}
    return {n for n in names if n.startswith("plx_")}


def test_every_export_is_declared():
    missing = sorted(exported() - set(_ffi.FUNCTIONS))
    assert not missing, f"exported by libplexus but not declared in plexus/_ffi.py: {missing}"


def test_every_declaration_is_exported():
    assert _ffi.lib.missing == ()
    stale = sorted(set(_ffi.FUNCTIONS) - exported())
    assert not stale, f"declared in plexus/_ffi.py but not exported: {stale}"


def test_declarations_match_the_version_script():
    if not os.path.exists(MAP):
        pytest.skip("lib/plexus.map not found (not in a source tree)")
    text = re.sub(r"/\*.*?\*/", " ", open(MAP).read(), flags=re.S)
    listed = set(re.findall(r"\b(plx_\w+)\s*;", text))
    assert listed == set(_ffi.FUNCTIONS), (
        f"only in the map: {sorted(listed - set(_ffi.FUNCTIONS))}; "
        f"only in _ffi: {sorted(set(_ffi.FUNCTIONS) - listed)}")


# ---- prototypes ---------------------------------------------------------------
def _header_text():
    if not os.path.isdir(INCLUDE):
        pytest.skip("include/ not found (not in a source tree)")
    text = ""
    for header in sorted(glob.glob(os.path.join(INCLUDE, "plexus", "*.h"))):
        text += open(header).read() + "\n"
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*|#[^\n]*", " ", text)


def _params(params):
    params = " ".join(params.split())
    return [] if params in ("", "void") else [p.strip() for p in params.split(",")]


def prototypes():
    """{name: (return type, [parameter types])} of the PLX_API declarations."""
    found = {}
    for ret, name, params in re.findall(r"\bPLX_API\b\s+([^;(]*?)\b(plx_\w+)\s*\(([^;]*?)\)\s*;",
                                        _header_text(), flags=re.S):
        found[name] = (" ".join(ret.split()), _params(params))
    return found


def callback_types():
    """{name: (return type, [parameter types])} of the function pointer typedefs."""
    found = {}
    for ret, name, params in re.findall(r"\btypedef\s+([^;(]*?)\(\s*\*\s*(plx_\w+)\s*\)\s*"
                                        r"\(([^;]*?)\)\s*;", _header_text(), flags=re.S):
        found[name] = (" ".join(ret.split()), _params(params))
    return found


def c_kind(ctype):
    """A coarse class of a C type (a parameter, with or without its name)."""
    if "*" in ctype or re.search(r"\bplx_\w+_fn\b", ctype):
        return "pointer"
    words = re.sub(r"\b(const|struct|enum)\b", " ", ctype).split()
    base = words[0] if words else "void"
    return {"size_t": "size", "uint32_t": "u32", "int64_t": "i64", "void": "void",
            "int": "int", "plx_status": "int", "plx_log_level": "int"}.get(base, "?" + base)


def py_kind(ctype):
    if ctype is None:
        return "void"
    simple = {ctypes.c_size_t: "size", ctypes.c_uint32: "u32", ctypes.c_int64: "i64",
              ctypes.c_int: "int", ctypes.c_void_p: "pointer", ctypes.c_char_p: "pointer"}
    if ctype in simple:
        return simple[ctype]
    if issubclass(ctype, (ctypes._Pointer, ctypes._CFuncPtr)):
        return "pointer"
    return "?" + ctype.__name__


def test_prototypes_found():
    protos = prototypes()
    assert set(protos) == set(_ffi.FUNCTIONS), (
        f"only in the headers: {sorted(set(protos) - set(_ffi.FUNCTIONS))}; "
        f"only in _ffi: {sorted(set(_ffi.FUNCTIONS) - set(protos))}")


def _same(what, c_ret, c_params, restype, argtypes):
    assert len(argtypes) == len(c_params), f"{what}: {len(argtypes)} argtypes for {c_params}"
    for i, (c, py) in enumerate(zip(c_params, argtypes)):
        assert c_kind(c) == py_kind(py), f"{what} argument {i} ({c}): declared {py}"
    assert c_kind(c_ret) == py_kind(restype), f"{what} returns {c_ret}: declared {restype}"


@pytest.mark.parametrize("name", sorted(_ffi.FUNCTIONS))
def test_declaration_matches_prototype(name):
    protos = prototypes()
    if name not in protos:
        pytest.fail(f"{name} is not declared with PLX_API in include/plexus/*.h")
    restype, argtypes = _ffi.FUNCTIONS[name]
    _same(name, *protos[name], restype, argtypes)


def test_callback_types_match_typedefs():
    types = callback_types()
    assert types, "no callback typedefs found"
    for name, (ret, params) in types.items():
        cfunc = getattr(_ffi, name, None)
        assert cfunc is not None, f"callback type {name} is not declared in plexus/_ffi.py"
        _same(name, ret, params, cfunc._restype_, cfunc._argtypes_)
