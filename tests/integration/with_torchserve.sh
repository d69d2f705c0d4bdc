#!/bin/bash
# Runs COMMAND ARGS... with a private TorchServe (`pip install torchserve
# torch-model-archiver torch pyyaml`; needs Java 11+) on free 127.0.0.1
# ports, serving "tiny" 1.0 (torchserve_handler.py, a torch Linear layer)
# with token authorization on. Exports PLX_TEST_TORCHSERVE_URL,
# PLX_TEST_TORCHSERVE_MANAGEMENT_URL and the keys of its key_file.json as
# PLX_TEST_TORCHSERVE_INFERENCE_KEY and PLX_TEST_TORCHSERVE_MANAGEMENT_KEY.
# Exit 77 (skip), saying why, when TorchServe, torch or Java is missing.
#
# TorchServe is looked for in $TORCHSERVE, then in the virtualenv that
# .ci/install-deps makes ($PLEXUS_TORCHSERVE_VENV, default
# /tmp/plexus-torchserve), then on PATH.
set -u
if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND ARGS..." >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
venv=${PLEXUS_TORCHSERVE_VENV:-/tmp/plexus-torchserve}
ts=${TORCHSERVE:-}
[ -n "$ts" ] || { [ -x "$venv/bin/torchserve" ] && ts=$venv/bin/torchserve; }
[ -n "$ts" ] || ts=$(command -v torchserve 2>/dev/null || true)
if [ -z "$ts" ] || [ ! -x "$ts" ]; then
    echo "1..0 # SKIP torchserve not found (.ci/install-deps makes $venv; or set TORCHSERVE)"
    exit 77
fi
bin=$(dirname "$ts")
py=$bin/python3
[ -x "$py" ] || py=$(command -v python3)
if ! command -v java >/dev/null 2>&1; then
    echo "1..0 # SKIP java not found (TorchServe's frontend needs Java 11+)"
    exit 77
fi
if ! "$py" -c 'import torch, yaml' 2>/dev/null || [ ! -x "$bin/torch-model-archiver" ]; then
    echo "1..0 # SKIP $py lacks torch, pyyaml or torch-model-archiver"
    exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/plexus-torchserve.XXXXXX") || exit 1
pid=
stop() {
    if [ -n "$pid" ]; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    if [ "${PLX_TEST_KEEP:-0}" = 1 ]; then
        echo "with_torchserve.sh: kept $dir" >&2
    else
        rm -rf "$dir"
    fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$dir/store" || exit 1
cp "$here/torchserve_handler.py" "$dir/handler.py" || exit 1
if ! "$bin/torch-model-archiver" --model-name tiny --version 1.0 --handler "$dir/handler.py" \
        --export-path "$dir/store" >"$dir/archive.log" 2>&1; then
    echo "with_torchserve.sh: torch-model-archiver failed:" >&2
    cat "$dir/archive.log" >&2
    exit 1
fi

free_port() {
    "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
inf=$(free_port) mgmt=$(free_port) metrics=$(free_port)
cat > "$dir/config.properties" <<PROPS
inference_address=http://127.0.0.1:$inf
management_address=http://127.0.0.1:$mgmt
metrics_address=http://127.0.0.1:$metrics
default_workers_per_model=1
disable_system_metrics=true
PROPS

# In $dir (TorchServe writes key_file.json and logs/ there), in its own
# process group so that stop() ends the frontend and its workers only.
(cd "$dir" && PATH="$bin:$PATH" exec setsid "$ts" --start --foreground --ncs \
    --model-store "$dir/store" --models tiny=tiny.mar --ts-config "$dir/config.properties" \
    >"$dir/torchserve.log" 2>&1 </dev/null) &
pid=$!
export PLX_TEST_TORCHSERVE_URL="http://127.0.0.1:$inf"
export PLX_TEST_TORCHSERVE_MANAGEMENT_URL="http://127.0.0.1:$mgmt"
key() {
    "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["key"])' \
        "$dir/key_file.json" "$1" 2>/dev/null
}
ready=
for _ in $(seq 1200); do
    kill -0 "$pid" 2>/dev/null || break
    if [ -f "$dir/key_file.json" ]; then
        ikey=$(key inference)
        if [ -n "$ikey" ] && curl -sf -o /dev/null -H "Authorization: Bearer $ikey" \
                -H 'Content-Type: application/json' -d '[1, 2]' \
                "$PLX_TEST_TORCHSERVE_URL/predictions/tiny"; then
            ready=1
            break
        fi
    fi
    sleep 0.1
done
if [ -z "$ready" ]; then
    echo "with_torchserve.sh: TorchServe did not become ready; its log:" >&2
    tail -n 30 "$dir/torchserve.log" >&2
    exit 1
fi
PLX_TEST_TORCHSERVE_INFERENCE_KEY=$(key inference)
PLX_TEST_TORCHSERVE_MANAGEMENT_KEY=$(key management)
export PLX_TEST_TORCHSERVE_INFERENCE_KEY PLX_TEST_TORCHSERVE_MANAGEMENT_KEY
unset http_proxy https_proxy all_proxy HTTPS_PROXY ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

"$@" <&0 &
cmd_pid=$!
wait "$cmd_pid"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "with_torchserve.sh: command exited $rc; TorchServe's log:" >&2
    tail -n 20 "$dir/torchserve.log" >&2
fi
exit "$rc"
