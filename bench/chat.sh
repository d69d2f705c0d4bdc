#!/bin/bash
# plx_chat side by side with raw libcurl and the vendors' SDKs, one run, one
# nginx returning a canned chat completion (bench/nginx.conf.in):
#
#   1. bench_http --mode chat: plx_chat (op "chat", "openai" kind) vs a raw
#      libcurl POST of the same bytes, at 1 and 64 in flight;
#   2. the Node `openai` SDK, the Python `openai` SDK and LiteLLM, 64 in
#      flight, on the same server (skipped, saying how to install, if absent).
#
#   bench/chat.sh [--install-sdks] [bench_http options...]
#
# Environment: BUILD / BENCH_HTTP as for bench/run.sh; SDK_DIR (default
# /tmp/plexus-bench-sdk) holds node_modules/openai; SDK_REQUESTS (default
# 3000) requests per SDK client. Nothing here reaches the internet except
# --install-sdks (npm and pip).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
SDK_DIR=${SDK_DIR:-/tmp/plexus-bench-sdk}
export SDK_DIR

if [ "${1:-}" = --install-sdks ]; then
    shift
    npm install --silent --prefix "$SDK_DIR" openai@4 >/dev/null
    python3 -m pip install -q openai litellm
fi

if [ "${1:-}" != --inside-harness ]; then
    export PLX_NGINX_CONF="$here/nginx.conf.in" PLX_TEST_KEEP=${KEEP:-0}
    exec "$root/tests/integration/with_nginx.sh" "$0" --inside-harness "$@"
fi
shift

url=$PLX_TEST_HTTP_URL
n=${SDK_REQUESTS:-3000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

BENCH_HTTP=${BENCH_HTTP:-}
for d in ${BUILD:-} "$root/build" /tmp/build-bench; do
    [ -n "$BENCH_HTTP" ] && break
    case $d in /*) ;; *) d=$root/$d ;; esac
    [ -x "$d/bench/bench_http" ] && BENCH_HTTP=$d/bench/bench_http
done
[ -x "${BENCH_HTTP:-}" ] || { echo "chat.sh: bench_http not found (see bench/README.md)" >&2; exit 2; }

echo "== plx_chat vs raw libcurl (same bytes) =="
"$BENCH_HTTP" --url "$url" --mode chat --concurrency 1,64 "$@" | tee "$out/plexus.txt"
"$BENCH_HTTP" --url "$url" --mode chat --concurrency 64 --rounds 3 --json >"$out/plexus.json"

echo "== SDKs, 64 in flight, $n requests each =="
if [ -d "$SDK_DIR/node_modules/openai" ]; then
    node "$here/sdk/openai_node.js" "$url/v1" "$n" 64 >"$out/node.json" || rm -f "$out/node.json"
else
    echo "node openai SDK: not installed (bench/chat.sh --install-sdks)"
fi
for which in openai litellm; do
    if python3 -c "import $which" 2>/dev/null; then
        python3 "$here/sdk/openai_py.py" "$which" "$url/v1" "$n" 64 >"$out/py-$which.json" \
            || rm -f "$out/py-$which.json"
    else
        echo "python $which: not installed (bench/chat.sh --install-sdks)"
    fi
done

python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
plx = json.load(open(os.path.join(out, "plexus.json")))
case = next(c for c in plx["cases"] if c["impl"] == "plexus" and c["concurrency"] == 64)
rows = [("plexus plx_chat (async)", case["req_per_s"], case["cpu_us_per_req"])]
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    if f.endswith("plexus.json"):
        continue
    j = json.load(open(f))
    rows.append((j["client"], j["rps"], j["cpu_us"]))
print(f"{'client':28} {'req/s':>10} {'CPU us/req':>11} {'plexus req/s x':>15} {'CPU x':>8}")
for name, rps, cpu in rows:
    print(f"{name:28} {rps:10.0f} {cpu:11.1f} {rows[0][1] / rps:15.1f} {cpu / rows[0][2]:8.1f}")
print("targets: plexus >= 3x the Node SDK and >= 20x LiteLLM in req/s")
PY
