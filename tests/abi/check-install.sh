#!/bin/bash
# Installs the build into a temporary DESTDIR and builds a program the way a
# user would: pkg-config for the flags, the installed headers and library only.
# usage: CC="cc ..." check-install.sh BUILD_DIR SOURCE_ROOT VERSION [EXTRA_CFLAGS...]
# (EXTRA_CFLAGS: the build's -fsanitize=..., which a program linking a
# sanitized libplexus needs too)
set -euo pipefail
build=$1 root=$2 version=$3
shift 3
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "not ok - $*"; exit 1; }

# --no-rebuild: meson test has built everything, and must not re-enter ninja.
meson install -C "$build" --no-rebuild --destdir "$dest" > "$dest.log" 2>&1 ||
    { cat "$dest.log"; rm -f "$dest.log"; fail "meson install"; }
rm -f "$dest.log"

pc=$(find "$dest" -name plexus.pc -path '*/pkgconfig/*' | head -n1)
[ -n "$pc" ] || fail "no plexus.pc installed"
lib=$(find "$dest" -name libplexus.so.0 | head -n1)
[ -n "$lib" ] || fail "no libplexus.so.0 installed"
libdir=$(dirname "$lib")
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libplexus.so.0 ] || fail "installed soname is '$soname', expected libplexus.so.0"
[ -e "$libdir/libplexus.so" ] || fail "no libplexus.so development link in $libdir"
echo "ok - soname libplexus.so.0 in ${libdir#"$dest"}"

# Every public header is installed (a header missing from install_headers
# would break #include <plexus.h> for users only).
incdir=$(dirname "$(find "$dest" -name plexus.h -not -path '*/plexus/*' | head -n1)")
for h in "$root"/include/plexus/*.h; do
    [ -f "$incdir/plexus/$(basename "$h")" ] || fail "include/plexus/$(basename "$h") not installed"
done
echo "ok - all public headers installed in ${incdir#"$dest"}"

# pkg-config reads the installed .pc; the sysroot maps its /usr/local/... paths into $dest.
flags=$(PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$dest" \
        pkg-config --cflags --libs plexus) || fail "pkg-config --cflags --libs plexus"
${CC:-cc} "$@" -o "$dest/hello" "$root/tests/abi/install_hello.c" $flags ||
    fail "compiling against the installed plexus ($flags)"
echo "ok - built with: $flags"

out=$(LD_LIBRARY_PATH="$libdir" "$dest/hello") || fail "running the program"
[ "$out" = "plexus $version" ] || fail "program printed '$out', expected 'plexus $version'"
# ... and it really ran the installed copy, not the build tree's.
deps=$(LD_LIBRARY_PATH="$libdir" ldd "$dest/hello")
[[ $deps == *"libplexus.so.0 => $libdir/"* ]] || fail "the program did not load libplexus from $libdir"
echo "ok - the installed program prints '$out'"
