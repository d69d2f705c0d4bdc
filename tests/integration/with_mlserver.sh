#!/bin/bash
# Runs COMMAND ARGS... with a private MLServer (a real open inference
# protocol v2 server, `pip install mlserver mlserver-sklearn`) on free
# 127.0.0.1 ports, serving iris v1 and v2 that mlserver_models.py trains
# with scikit-learn. Exports PLX_TEST_MLSERVER_URL. Exit 77 (skip), saying
# why, when MLServer is not installed. Stops the server it started (by pid).
#
# MLServer is looked for in $MLSERVER, then in the virtualenv that
# .ci/install-deps makes ($PLEXUS_MLSERVER_VENV, default /tmp/plexus-mlserver),
# then on PATH.
set -u
if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND ARGS..." >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
venv=${PLEXUS_MLSERVER_VENV:-/tmp/plexus-mlserver}
mlserver=${MLSERVER:-}
[ -n "$mlserver" ] || { [ -x "$venv/bin/mlserver" ] && mlserver=$venv/bin/mlserver; }
[ -n "$mlserver" ] || mlserver=$(command -v mlserver 2>/dev/null || true)
if [ -z "$mlserver" ] || [ ! -x "$mlserver" ]; then
    echo "1..0 # SKIP mlserver not found (.ci/install-deps makes $venv; or set MLSERVER)"
    exit 77
fi
# The python beside mlserver has scikit-learn and joblib (mlserver-sklearn).
py=$(dirname "$mlserver")/python3
[ -x "$py" ] || py=$(command -v python3)
if ! "$py" -c 'import sklearn, joblib, mlserver_sklearn' 2>/dev/null; then
    echo "1..0 # SKIP $py cannot import sklearn, joblib and mlserver_sklearn (pip install mlserver-sklearn)"
    exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/plexus-mlserver.XXXXXX") || exit 1
pid=
stop() {
    if [ -n "$pid" ]; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    if [ "${PLX_TEST_KEEP:-0}" = 1 ]; then
        echo "with_mlserver.sh: kept $dir" >&2
    else
        rm -rf "$dir"
    fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$dir/models" || exit 1
if ! "$py" "$here/mlserver_models.py" "$dir/models" >"$dir/train.log" 2>&1; then
    echo "with_mlserver.sh: training the test models failed:" >&2
    cat "$dir/train.log" >&2
    exit 1
fi

free_port() {
    "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
http_port=$(free_port) grpc_port=$(free_port) metrics_port=$(free_port)
cat > "$dir/models/settings.json" <<JSON
{"host": "127.0.0.1", "http_port": $http_port, "grpc_port": $grpc_port,
 "metrics_port": $metrics_port, "parallel_workers": 0, "debug": false}
JSON

# Its own process group, so that stop() ends MLServer and nothing else.
setsid "$mlserver" start "$dir/models" >"$dir/mlserver.log" 2>&1 </dev/null &
pid=$!
export PLX_TEST_MLSERVER_URL="http://127.0.0.1:$http_port"
ready=
for _ in $(seq 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
        break
    fi
    if curl -sf -o /dev/null "$PLX_TEST_MLSERVER_URL/v2/models/iris/versions/v1/ready" &&
       curl -sf -o /dev/null "$PLX_TEST_MLSERVER_URL/v2/models/iris/versions/v2/ready"; then
        ready=1
        break
    fi
    sleep 0.1
done
if [ -z "$ready" ]; then
    echo "with_mlserver.sh: MLServer did not become ready; its log:" >&2
    tail -n 30 "$dir/mlserver.log" >&2
    exit 1
fi
unset http_proxy https_proxy all_proxy HTTPS_PROXY ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

"$@" <&0 &
cmd_pid=$!
wait "$cmd_pid"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "with_mlserver.sh: command exited $rc; MLServer's log:" >&2
    tail -n 20 "$dir/mlserver.log" >&2
fi
exit "$rc"
