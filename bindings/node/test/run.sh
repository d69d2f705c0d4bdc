#!/bin/bash
# Runs the Node binding's tests for meson (bindings/node/meson.build):
#
#   run.sh                 node --test bindings/node/test, with the addon
#                          meson built (PLEXUS_NODE_ADDON)
#   run.sh --npm-install   npm install of bindings/node into a scratch
#                          project (node-gyp, offline), then one call
#
# Exits 77 (skip), saying why, without node, its headers, or npm. In a
# sanitizer build the ASan runtime is preloaded (node itself is not
# instrumented). The peers' URLs come from the environment, or from
# PLEXUS_PEERS/scripts/env.sh when that exists.
set -u
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
root=$(cd "$pkg/../.." && pwd)

skip() { echo "1..0 # SKIP $*"; exit 77; }

command -v node >/dev/null 2>&1 || skip "node is not installed (Debian: nodejs)"

peers_env() {
    [ -n "${PEER_MOCK_LLM_URL:-}" ] && return 0
    local peers=${PLEXUS_PEERS:-$root/../shared/peers}
    [ -x "$peers/scripts/env.sh" ] && eval "$("$peers/scripts/env.sh")"
    return 0
}

sanitizer_env() {
    case "${PLEXUS_NODE_SANITIZE:-none}" in
    *address*)
        local asan
        asan=$("${PLEXUS_NODE_CC:-cc}" -print-file-name=libasan.so)
        [ -f "$asan" ] || skip "ASan build but no libasan.so to preload ($asan)"
        export LD_PRELOAD="$asan${LD_PRELOAD:+:$LD_PRELOAD}"
        # Leaks are checked at exit, less node's own (lsan.supp).
        export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
        export LSAN_OPTIONS="suppressions=$here/lsan.supp:${LSAN_OPTIONS:-}"
        ;;
    esac
}

npm_install() {
    case "${PLEXUS_NODE_SANITIZE:-none}" in
    none | "") ;;
    *) skip "a sanitizer build: the npm-built addon is not instrumented (test 'node' covers it)" ;;
    esac
    command -v npm >/dev/null 2>&1 || skip "npm is not installed"
    local build=${PLEXUS_BUILD_DIR:?}
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # A copy, so that the build goes to a scratch dir and not into the tree.
    mkdir -p "$tmp/pkg" "$tmp/app"
    (cd "$pkg" && tar cf - --exclude=./build --exclude=./node_modules .) | tar xf - -C "$tmp/pkg"
    echo '{"name": "app", "version": "1.0.0", "private": true}' >"$tmp/app/package.json"
    echo "# npm install $tmp/pkg (PLEXUS_INCLUDE_DIR=$root/include PLEXUS_LIB_DIR=$build/lib)"
    if ! (cd "$tmp/app" &&
          PLEXUS_INCLUDE_DIR="$root/include" PLEXUS_LIB_DIR="$build/lib" \
          npm_config_cache="$tmp/npm-cache" \
          npm install --offline --no-audit --no-fund "$tmp/pkg" \
              >"$tmp/npm.log" 2>&1); then
        sed 's/^/# /' "$tmp/npm.log"
        if grep -q -E 'ENOTCACHED|ENOTFOUND|EAI_AGAIN|getaddrinfo' "$tmp/npm.log"; then
            skip "npm install needs the network here (see the log above)"
        fi
        echo "not ok 1 - npm install builds the addon"
        exit 1
    fi
    echo "ok 1 - npm install builds the addon"
    local out
    # Without LD_LIBRARY_PATH: the addon finds libplexus by its run path.
    out=$(cd "$tmp/app" && LD_LIBRARY_PATH= node -e '
        const plexus = require("plexus");
        const ctx = new plexus.Context();
        const p = ctx.newProvider("local");
        p.call("sentiment", {text: "I love it, thanks!"}).then((r) => {
          console.log(r.label);
          ctx.close();
        });' 2>&1)
    if [ "$out" = positive ]; then
        echo "ok 2 - the installed package calls libplexus"
    else
        echo "not ok 2 - the installed package calls libplexus: $out"
        exit 1
    fi
    echo "1..2"
}

if [ "${1:-}" = --npm-install ]; then
    npm_install
    exit 0
fi

[ -n "${PLEXUS_NODE_ADDON:-}" ] || skip "${PLEXUS_NODE_SKIP:-the addon was not built}"
peers_env
sanitizer_env
cd "$root"
exec node --test "$here"/*.test.js
