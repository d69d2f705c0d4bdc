#!/bin/bash
# SigV4 signing throughput, one thread: plexus (bench_sigv4) and botocore's
# signer (Debian's python3-botocore) on the same request, in one run, with
# the ratio.
#
#   bench/sigv4.sh [--seconds S]
#
# Environment: BUILD=DIR (meson build dir with bench/bench_sigv4; default
# build, else /tmp/build-bench) or BENCH_SIGV4=PATH; PYTHON (default
# /usr/bin/python3).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
seconds=2
[ "${1:-}" = --seconds ] && seconds=${2:-2}

bench=${BENCH_SIGV4:-}
if [ -z "$bench" ]; then
    for d in ${BUILD:-} "$root/build" /tmp/build-bench; do
        case $d in /*) ;; *) d=$root/$d ;; esac
        [ -x "$d/bench/bench_sigv4" ] && { bench=$d/bench/bench_sigv4; break; }
    done
fi
if [ -z "$bench" ] || [ ! -x "$bench" ]; then
    echo "sigv4.sh: bench_sigv4 not found; build first (meson setup /tmp/build-bench" \
         "-Dbuildtype=release && ninja -C /tmp/build-bench), or set BUILD / BENCH_SIGV4" >&2
    exit 2
fi
python=${PYTHON:-/usr/bin/python3}

pin=()
command -v taskset >/dev/null 2>&1 && pin=(taskset -c 0)
plexus=$("${pin[@]}" "$bench" --seconds "$seconds" --json) || exit 1
echo "plexus   $plexus"
if ! "$python" -c 'import botocore' 2>/dev/null; then
    echo "botocore: not installed for $python (apt-get install python3-botocore): no ratio"
    exit 0
fi
boto=$("${pin[@]}" "$python" "$here/sigv4_botocore.py" --seconds "$seconds" --json) || exit 1
echo "botocore $boto"
"$python" - "$plexus" "$boto" <<'PY'
import json, sys
p, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"header signing, one thread: plexus {p['sign_per_s']:,.0f}/s, botocore "
      f"{b['sign_per_s']:,.0f}/s: plexus is {p['sign_per_s'] / b['sign_per_s']:.1f}x; "
      f"S3 presigning: plexus {p['presign_per_s']:,.0f}/s")
PY
