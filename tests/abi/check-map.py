#!/usr/bin/env python3
"""The version script lib/plexus.map and the PLX_API declarations in
include/plexus/*.h must name the same functions: a function declared but not
in the map is hidden (link errors for users), one in the map but not declared
is exported without a prototype anyone reviewed.
usage: check-map.py INCLUDE_DIR MAP_FILE"""
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from abi_names import header_functions, map_nodes  # noqa: E402

include_dir, map_file = sys.argv[1:3]
declared = header_functions(include_dir)
listed = [s for names in map_nodes(map_file).values() for s in names]
failed = False
for name in sorted({s for s in listed if listed.count(s) > 1}):
    print(f"listed twice in {map_file}: {name}")
    failed = True
for name in sorted(set(declared) - set(listed)):
    print(f"declared with PLX_API in include/{declared[name]} but missing from {map_file}: {name}")
    failed = True
for name in sorted(set(listed) - set(declared)):
    print(f"in {map_file} but not declared with PLX_API in include/plexus/*.h: {name}")
    failed = True
print(f"{len(declared)} PLX_API declarations, {len(listed)} map globals: "
      + ("MISMATCH" if failed else "same set"))
sys.exit(1 if failed else 0)
