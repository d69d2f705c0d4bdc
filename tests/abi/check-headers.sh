#!/bin/bash
# Every public header compiles on its own, as strict C11 and as C++11, so a
# user can include any of them first; each is included twice to prove its
# include guard.
# usage: CC="cc ..." [CXX="c++ ..."] check-headers.sh INCLUDE_DIR
# (meson passes its compilers; an empty CXX skips the C++ half)
set -euo pipefail
inc=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

compile() {   # compile LANG HEADER COMPILER-AND-FLAGS...
    local lang=$1 header=$2 src="$work/t.$1"
    shift 2
    printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$header" "$header" > "$src"
    if "$@" -I "$inc" -fsyntax-only "$src" 2> "$work/err"; then
        echo "ok - $header as $lang"
    else
        echo "not ok - $header as $lang:"; sed 's/^/    /' "$work/err"; failed=1
    fi
}

headers="plexus.h"
for h in "$inc"/plexus/*.h; do headers="$headers plexus/$(basename "$h")"; done
for h in $headers; do
    compile c "$h" ${CC:-cc} -x c -std=c11 -pedantic -Wall -Wextra -Werror
    if [ -n "${CXX:-}" ]; then
        compile cpp "$h" $CXX -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror
    fi
done
[ -n "${CXX:-}" ] || echo "# C++ half skipped: meson found no C++ compiler"
exit $failed
