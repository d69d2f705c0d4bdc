#!/usr/bin/env python3
"""The dynamic symbols libplexus defines: only plx_* functions (plus the
version node names themselves), each bound to the version node that lists it
in the map, and every symbol the map lists really exported.
usage: check-exports.py LIBPLEXUS_SO MAP_FILE"""
import re
import subprocess
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from abi_names import map_nodes  # noqa: E402


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


lib, map_file = sys.argv[1:3]
nodes = map_nodes(map_file)
node_of = {s: node for node, names in nodes.items() for s in names}
failed = []

# nm -D --defined-only: names only ("name@@NODE" in binutils >= 2.35, plain before).
names = set()
for line in run("nm", "-D", "--defined-only", lib).splitlines():
    name = line.split()[-1].split("@")[0]
    names.add(name)
    if not name.startswith("plx_") and name not in nodes:
        failed.append(f"exported symbol without the plx_ prefix: {line.strip()}")

# readelf: the version each defined symbol is bound to.
for line in run("readelf", "--dyn-syms", "-W", lib).splitlines():
    fields = line.split()
    if len(fields) < 8 or not fields[0].endswith(":") or fields[6] == "UND":
        continue
    m = re.fullmatch(r"([^@]+)(@@?)?(.*)", fields[7])
    name, version = m.group(1), m.group(3)
    if name in nodes:
        continue   # the version node's own definition
    if name.startswith("plx_") and version != node_of.get(name):
        failed.append(f"{name}: bound to version '{version or '(none)'}', "
                      f"the map puts it in '{node_of.get(name, '(not listed)')}'")

for name in sorted(set(node_of) - names):
    failed.append(f"listed in {map_file} but not exported (no such function?): {name}")

for message in failed:
    print(message)
print(f"{len(names)} defined dynamic symbols, version nodes {', '.join(nodes)}: "
      + ("FAIL" if failed else "ok"))
sys.exit(1 if failed else 0)
