#!/bin/bash
# bench_predict with a private nginx answering every v2 infer with a canned
# reply (bench/nginx.conf.in) and, when installed, a private MLServer with
# the iris models of tests/integration/with_mlserver.sh:
#
#   bench/predict.sh [bench_predict options...]   e.g. --seconds 3 --threads 64
#
# Environment: BUILD=DIR (meson build dir with bench/bench_predict; default
# build, else /tmp/build-bench) or BENCH_PREDICT=PATH; NGINX as for run.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bench=${BENCH_PREDICT:-}
for d in ${BUILD:-} "$root/build" /tmp/build-bench; do
    [ -n "$bench" ] && break
    case $d in /*) ;; *) d=$root/$d ;; esac
    [ -x "$d/bench/bench_predict" ] && bench=$d/bench/bench_predict
done
if [ ! -x "${bench:-}" ]; then
    echo "predict.sh: bench_predict not found; build it first:" >&2
    echo "  meson setup /tmp/build-bench -Dbuildtype=release && ninja -C /tmp/build-bench" >&2
    exit 2
fi
export BENCH_PREDICT=$bench
if [ "${1:-}" = --inside-nginx ]; then
    shift
    "$root/tests/integration/with_mlserver.sh" "$bench" "$@"
    rc=$?
    # Without MLServer (exit 77) the canned server alone.
    [ $rc -eq 77 ] && exec "$bench" "$@"
    exit $rc
fi
export PLX_NGINX_CONF="$here/nginx.conf.in" PLX_TEST_KEEP=${KEEP:-0}
exec "$root/tests/integration/with_nginx.sh" "$0" --inside-nginx "$@"
