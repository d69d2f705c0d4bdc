#!/bin/bash
# TAP test of the plexus command line tool: every command, exit codes,
# messages, against a private nginx (tests/integration/with_nginx.sh), the
# `local` kind when the library has it, and the mock-llm peer for streamed
# chat when it runs.
#
#   test_cli.sh [WRAPPER...] PLEXUS
#
# WRAPPER (or env PLEXUS_WRAP, split on spaces) goes in front of every
# plexus command, e.g. PLEXUS_WRAP="valgrind --leak-check=full
# --errors-for-leak-kinds=definite --error-exitcode=1": the shell itself is
# never wrapped. Under valgrind, a nonzero "ERROR SUMMARY" fails the case.
# Exits 1 if a case failed, 77 (skip) without nginx.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 [WRAPPER...] PLEXUS" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)

# Under the nginx harness (it exports PLX_TEST_HTTP_URL and skips without
# nginx).
if [ -z "${PLX_TEST_HTTP_URL:-}" ]; then
    exec "${WITH_NGINX:-$here/../integration/with_nginx.sh}" "$0" "$@"
fi

PLEXUS=$(realpath "${*: -1}")
WRAP=("${@:1:$#-1}")
if [ ${#WRAP[@]} -eq 0 ] && [ -n "${PLEXUS_WRAP:-}" ]; then
    read -ra WRAP <<<"$PLEXUS_WRAP"
fi
URL=$PLX_TEST_HTTP_URL
T=$(mktemp -d "${TMPDIR:-/tmp}/plexus-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
unset PLEXUS_CONFIG

# ---- TAP ------------------------------------------------------------------
n=0
failures=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1))
    failures=$((failures + 1))
    echo "not ok $n - $1"
    shift
    for line in "$@"; do echo "#   $line"; done
    echo "#   command: plexus ${last_cmd:-}"
    echo "#   exit $rc; stdout:"
    sed 's/^/#     /' "$T/out" | head -20
    echo "#   stderr:"
    sed 's/^/#     /' "$T/err" | head -20
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

# ---- running plexus ---------------------------------------------------------
# p ARGS...: runs plexus with stdin from $STDIN (default /dev/null); sets
# rc, $T/out, $T/err (without valgrind's lines).
p() {
    last_cmd="$*"
    "${WRAP[@]}" "$PLEXUS" "$@" <"${STDIN:-/dev/null}" >"$T/out" 2>"$T/err.raw"
    rc=$?
    grep -v '^==[0-9]*==' "$T/err.raw" >"$T/err"
    check_memcheck "$*"
}

# Valgrind's verdict on the last run: a nonzero ERROR SUMMARY, or with -q
# (no summary) any report at all.
check_memcheck() {
    local bad=
    if grep -qE '^==[0-9]+== ERROR SUMMARY:' "$T/err.raw"; then
        grep -qE '^==[0-9]+== ERROR SUMMARY: [1-9]' "$T/err.raw" && bad=1
    elif grep -qE '^==[0-9]+==' "$T/err.raw"; then
        bad=1
    fi
    [ -z "$bad" ] && return 0
    n=$((n + 1))
    failures=$((failures + 1))
    echo "not ok $n - memory errors in: plexus $1"
    grep '^==' "$T/err.raw" | head -60 | sed 's/^/#   /'
}

# Checks on the last run.
expect_rc() { # CODE DESCRIPTION
    if [ "$rc" -eq "$1" ]; then ok "$2 (exit $1)"; else not_ok "$2" "expected exit $1"; fi
}
has() { # out|err TEXT DESCRIPTION
    if grep -qF -- "$2" "$T/$1"; then ok "$3"; else not_ok "$3" "expected '$2' in std$1"; fi
}
hasnt() { # out|err TEXT DESCRIPTION
    if ! grep -qF -- "$2" "$T/$1"; then ok "$3"; else not_ok "$3" "unexpected '$2' in std$1"; fi
}
lines_of() { wc -l <"$1" | tr -d ' '; }
nonempty_out() { # DESCRIPTION
    if [ -s "$T/out" ]; then ok "$1"; else not_ok "$1" "expected output on stdout"; fi
}
expect_lines() { # FILE COUNT DESCRIPTION
    local got=0
    [ -f "$1" ] && got=$(lines_of "$1")
    if [ "$got" -eq "$2" ]; then ok "$3"; else not_ok "$3" "expected $2 lines in $1, got $got"; fi
}

# ---- fixtures ---------------------------------------------------------------
cat >config.json <<EOF
{"log_level": "warn",
 "providers": {
   "web": {"kind": "http", "base_url": "$URL", "retry": {"max_attempts": 1}},
   "down": {"kind": "http", "base_url": "http://127.0.0.1:1",
            "retry": {"max_attempts": 1}, "connect_timeout_ms": 2000}}}
EOF
# A typo in a key, three levels down.
cat >bad-key.json <<EOF
{"providers": {"web": {"kind": "http", "base_url": "$URL",
                       "retry": {"max_atempts": 2}}}}
EOF
printf '{"providers": {\n  "web": {"kind": "http",, }}}\n' >bad-json.json
cat >pipeline.json <<'EOF'
{"steps": [{"id": "get", "provider": "web", "op": "request",
            "input": {"path": "{{input.path}}"}, "cost_per_call_usd": 0.01}],
 "output": {"uri": "{{steps.get.output.body.uri}}"}}
EOF
cat >bad-pipeline.json <<'EOF'
{"steps": [{"id": "get", "provider": "web", "op": "request",
            "input": {"path": "{{steps.nope.output.x}}"}}]}
EOF
for i in $(seq 1 20); do echo "{\"path\": \"/echo?n=$i\"}"; done >good.jsonl
{
    head -n 5 good.jsonl
    echo '{"path": "/status/404"}'
    echo 'not json'
    tail -n 5 good.jsonl
} >mixed.jsonl

echo "# plexus: $PLEXUS${WRAP[*]:+ (wrapped: ${WRAP[*]})}"

# ---- version, help, usage ---------------------------------------------------
p --version
expect_rc 0 "--version"
has out "plexus 0." "--version prints the version"

p --help
expect_rc 0 "--help"
for word in "call PROVIDER OP" "chat PROVIDER" "run PIPELINE.json" providers check \
            "Exit codes:" "130" "--config FILE"; do
    has out "$word" "--help mentions '$word'"
done
for cmd in call chat run providers check; do
    p "$cmd" --help
    expect_rc 0 "$cmd --help"
    has out "usage: plexus $cmd" "$cmd --help shows its usage"
    has out "Exit codes:" "$cmd --help lists the exit codes"
done
p help run
expect_rc 0 "help run"
has out "--resume" "help run describes --resume"

p
expect_rc 2 "no command"
p frobnicate
expect_rc 2 "unknown command"
has err "no command 'frobnicate'" "unknown command is named"
p --bogus providers
expect_rc 2 "unknown global option"
p call --bogus web request
expect_rc 2 "unknown command option"
has err "unknown option '--bogus'" "unknown option is named"
p call web
expect_rc 2 "call without OP"
p chat local --max-tokens lots hi
expect_rc 2 "chat --max-tokens not a number"
has err "--max-tokens" "the bad option is named"
p --config config.json run pipeline.json
expect_rc 2 "run without --input"
p --config
expect_rc 2 "--config without a value"

# ---- providers --------------------------------------------------------------
p --config config.json providers
expect_rc 0 "providers"
if grep -qE '^web +http$' "$T/out" && grep -qE '^down +http$' "$T/out"; then
    ok "providers lists name and kind"
else
    not_ok "providers lists name and kind"
fi
has out "built-in kinds: " "providers lists the built-in kinds"
grep -q "built-in kinds:.*http" "$T/out" && ok "kinds include http" || not_ok "kinds include http"
kinds=$(sed -n 's/^built-in kinds: //p' "$T/out")

p providers --json --config config.json
expect_rc 0 "providers --json"
has out '{"name":"web","kind":"http"}' "providers --json has name and kind"
has out '"config":"config.json"' "providers --json names the config"

p providers
expect_rc 0 "providers without any config"
has out "no providers configured" "an empty config has no providers"

PLEXUS_CONFIG=config.json p providers
has out "web" "PLEXUS_CONFIG is read"
cp config.json plexus.json
p providers
has out "down" "./plexus.json is read"
PLEXUS_CONFIG=bad-key.json p providers
expect_rc 3 "PLEXUS_CONFIG wins over ./plexus.json"
p --config config.json providers
expect_rc 0 "--config wins over PLEXUS_CONFIG and ./plexus.json"
rm plexus.json

# ---- check ------------------------------------------------------------------
p check config.json
expect_rc 0 "check a valid config"
has out "config.json: ok (2 providers)" "check says ok"
p check bad-key.json
expect_rc 3 "check a config with an unknown key"
has err "providers.web.retry.max_atempts" "the message names the key path"
p check bad-json.json
expect_rc 3 "check a config that is not JSON"
has err "line 2 column" "the message says where the JSON breaks"
p check missing.json
expect_rc 3 "check a missing config"
has err "missing.json" "the message names the file"
p check
expect_rc 2 "check with nothing to check"
p check --json bad-key.json
expect_rc 3 "check --json of a bad config"
has out '"ok":false' "check --json reports ok false"
has out '"code":"PLX_ECONFIG"' "check --json has the code"
p check --config config.json --pipeline pipeline.json
expect_rc 0 "check --pipeline, valid"
has out "pipeline.json: ok" "the pipeline is ok"
p check --config config.json --pipeline bad-pipeline.json
expect_rc 3 "check --pipeline, an unknown step"
has err "nope" "the message names the bad reference"
has err "steps." "the message gives the path in the definition"

# ---- call (http kind against nginx) -----------------------------------------
p --config config.json call web request '{"path": "/ok"}'
expect_rc 0 "call"
has out '"status":200' "call prints the result JSON"
has out '"provider":"web"' "the result names the provider"

echo '{"method": "GET", "path": "/echo", "headers": {"X-Test": "stdin"}}' >req.json
STDIN=req.json p --config config.json call web request -
expect_rc 0 "call with the request on stdin"
has out '"x_test":"stdin"' "the request came from stdin"
STDIN=req.json p --config config.json call web request
expect_rc 0 "call with the request piped, no argument"
has out '"x_test":"stdin"' "a piped request is read without '-'"
p --config config.json call web request @req.json
expect_rc 0 "call with @FILE"
has out '"x_test":"stdin"' "the request came from the file"
p --config config.json call web request
expect_rc 1 "call with nothing on stdin sends {} (GET /: a 404)"
has out "no such test location" "{} asked for the base URL"
hasnt err "invalid JSON" "an empty stdin is not bad JSON"
p --config config.json call --pretty web request '{"path": "/ok"}'
has out '	"status":	200' "--pretty indents"

p --config config.json call web request '{"path": "/status/404"}'
expect_rc 1 "call that gets a 404"
has out '"error"' "the failed result JSON is printed"
has out '"http_status":404' "with the HTTP status"
has err "PLX_EHTTP" "stderr names the status code"
p --config config.json call web request '{"path": "/status/401"}'
expect_rc 1 "call that gets a 401"
has err "PLX_EAUTH" "401 is an auth failure"
p --config config.json call down request '{"path": "/ok"}'
expect_rc 1 "call a service that is down"
has err "PLX_ETRANSPORT" "connection refused is a transport failure"

p --config config.json call web request '{"path": "/ok",}'
expect_rc 5 "call with bad JSON"
has err "line 1 column" "the message says where the JSON breaks"
p --config config.json call web request '{"path": 5}'
expect_rc 5 "call with a wrong field type"
has err "path" "the message names the field"
p --config config.json call web request @missing.json
expect_rc 7 "call with an unreadable @FILE"
p --config config.json call nosuch request '{}'
expect_rc 6 "call an unknown provider"
has err "no provider 'nosuch'" "the message names the provider"
p --config config.json call web frobnicate '{}'
expect_rc 6 "call an unknown operation"
p --config bad-key.json call web request '{}'
expect_rc 3 "call with a bad config"
has err "bad-key.json" "the message names the config file"

p call http request "{\"path\": \"$URL/ok\"}"
expect_rc 0 "call a kind by name, without a config"
has out '"status":200' "the kind's defaults work"

p -v --config config.json call web request '{"path": "/status/404"}'
expect_rc 1 "call -v"
has err "[debug]" "-v logs debug messages to stderr"
p --config config.json call web request '{"path": "/status/404"}'
hasnt err "[debug]" "no debug messages without -v"

# ---- chat -------------------------------------------------------------------
p --config config.json chat web "hello"
expect_rc 6 "chat with a kind that has no chat"
has err "PLX_EUNSUPPORTED" "the message says unsupported"

# ---- run --------------------------------------------------------------------
p --config config.json run pipeline.json --input good.jsonl --output all.jsonl
expect_rc 0 "run"
expect_lines all.jsonl 20 "one result line per record"
if [ ! -s "$T/out" ]; then ok "run writes nothing on stdout"
else not_ok "run writes nothing on stdout"; fi
has err "run complete: 20 lines, 20 succeeded" "run prints a summary"
if grep -q '"line":20' all.jsonl && grep -q 'n=20' all.jsonl; then
    ok "results carry the line and the output"
else
    not_ok "results carry the line and the output"
fi
seq 1 20 >expect-lines
if grep -o '"line":[0-9]*' all.jsonl | cut -d: -f2 | cmp -s - expect-lines; then
    ok "ordered output"
else
    not_ok "ordered output"
fi

p --config config.json run pipeline.json --input good.jsonl
expect_rc 0 "run with the default output"
expect_lines good.out.jsonl 20 "the default output is F.out.jsonl"

p --config config.json run pipeline.json --input mixed.jsonl --output mixed.out.jsonl \
    --dead-letter mixed.dead.jsonl --unordered --concurrency 3
expect_rc 8 "run with failing records"
expect_lines mixed.out.jsonl 10 "good records in the output"
expect_lines mixed.dead.jsonl 2 "failed and malformed records in the dead-letter file"
has err "dead letters: mixed.dead.jsonl (2)" "the summary points to the dead letters"

p --json --config config.json run pipeline.json --input good.jsonl --output j.jsonl
expect_rc 0 "run --json"
has out '"complete":true' "run --json prints the summary JSON"
has out '"succeeded":20' "with the counts"

STDIN=good.jsonl p --config config.json run pipeline.json --input - --output stdin.jsonl
expect_rc 0 "run --input -"
expect_lines stdin.jsonl 20 "records read from stdin"
p --config config.json run pipeline.json --input -
expect_rc 2 "run --input - needs --output"
p --config config.json run bad-pipeline.json --input good.jsonl --output x.jsonl
expect_rc 3 "run a bad pipeline"
has err "bad-pipeline.json" "the message names the file"
p --config config.json run pipeline.json --input missing.jsonl --output x.jsonl
expect_rc 7 "run a missing input"
has err "missing.jsonl" "the message names the input"

# A budget stops the run; --resume finishes it with the same files.
p --config config.json run pipeline.json --input good.jsonl --output budget.jsonl \
    --concurrency 1 --max-cost 0.05
expect_rc 4 "run stopped by --max-cost"
has err "continue with --resume" "the summary says how to continue"
budget_lines=$(lines_of budget.jsonl)
if [ "$budget_lines" -lt 20 ]; then ok "the budget stopped it early ($budget_lines lines)"
else not_ok "the budget stopped it early"; fi
p --config config.json run pipeline.json --input good.jsonl --output budget.jsonl --resume
expect_rc 0 "run --resume"
has err "resumed after line" "the summary says it resumed"
if cmp -s budget.jsonl all.jsonl; then ok "resumed output equals an uninterrupted run's"
else not_ok "resumed output equals an uninterrupted run's"; fi

# Progress without a terminal: plain lines, records arriving slowly.
slow_input() { for i in 1 2 3 4 5 6; do echo "{\"path\": \"/echo?n=$i\"}"; sleep 0.3; done; }
mkfifo slow.fifo
slow_input >slow.fifo &
writer=$!
STDIN=slow.fifo p --config config.json run pipeline.json --input - --output slow.jsonl \
    --progress-every 0.2
wait "$writer"
expect_rc 0 "run with slow input"
if grep -qE '^plexus: run: [0-9]+ done, [0-9]+ failed' "$T/err"; then
    ok "plain progress lines when stderr is not a terminal"
else
    not_ok "plain progress lines when stderr is not a terminal"
fi
hasnt err $'\r' "no carriage returns when stderr is not a terminal"

# Progress on a terminal: one redrawn line (script(1) provides the tty).
if command -v script >/dev/null 2>&1; then
    big=$T/big.jsonl
    for i in $(seq 1 300); do echo "{\"path\": \"/echo?n=$i\"}"; done >"$big"
    cmd=$(printf '%q ' "${WRAP[@]}" "$PLEXUS" --config config.json run pipeline.json \
          --input "$big" --output tty.jsonl --concurrency 2)
    last_cmd="(tty) run"
    script -qec "$cmd" /dev/null >"$T/out" 2>&1 </dev/null
    rc=$?
    cp "$T/out" "$T/err.raw"
    tr -d '\r' <"$T/out" | grep -v '^==[0-9]*==' >"$T/err"
    check_memcheck "$last_cmd"
    expect_rc 0 "run on a terminal"
    if grep -q $'\r' "$T/out" && grep -qE '300/300|\[#+\]' "$T/out"; then
        ok "a progress bar redrawn with \\r on a terminal"
    else
        not_ok "a progress bar redrawn with \\r on a terminal"
    fi
else
    skip "script(1) not found: no terminal test"
fi

# SIGINT stops a run cleanly; --resume continues it.
rm -f int.jsonl int.fifo
mkfifo int.fifo
(
    for i in $(seq 1 20); do
        echo "{\"path\": \"/echo?n=$i\"}"
        sleep 0.2
    done >int.fifo
) &
writer=$!
last_cmd="run --input - (SIGINT)"
"${WRAP[@]}" "$PLEXUS" --config config.json run pipeline.json --input - \
    --output int.jsonl <int.fifo >"$T/out" 2>"$T/err.raw" &
pid=$!
for _ in $(seq 100); do
    [ -s int.jsonl ] || [ -s int.jsonl.checkpoint ] && break
    sleep 0.1
done
sleep 0.3
kill -INT "$pid" 2>/dev/null
wait "$pid"
rc=$?
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
grep -v '^==[0-9]*==' "$T/err.raw" >"$T/err"
check_memcheck "$last_cmd"
expect_rc 130 "run interrupted by SIGINT"
has err "continue with --resume" "an interrupted run says how to continue"
done_lines=$(lines_of int.jsonl)
STDIN=good.jsonl p --config config.json run pipeline.json --input - --output int.jsonl \
    --resume
expect_rc 0 "resume after SIGINT"
if [ "$done_lines" -lt 20 ] && cmp -s int.jsonl all.jsonl; then
    ok "resumed after SIGINT at line $done_lines: output equals an uninterrupted run's"
else
    not_ok "resumed after SIGINT: output equals an uninterrupted run's" \
        "lines before the interrupt: $done_lines"
fi

# ---- the local kind -----------------------------------------------------------
if [[ ", $kinds, " == *", local, "* ]]; then
    p call local sentiment '{"text": "I love this, it is wonderful and great"}'
    expect_rc 0 "call local sentiment"
    has out '"provider":"local"' "the local result"
    p call local language '{"text": "Le chat est sur la table et il dort"}'
    expect_rc 0 "call local language"
    p call local sentiment '{"txt": 1}'
    expect_rc 5 "call local sentiment with a bad request"
    p chat local "Summarize: plexus is a library. It calls services. It is written in C."
    expect_rc 0 "chat local"
    nonempty_out "chat local writes the reply"
    has err " ms]" "chat local prints the summary line"
    p chat --json local "hello there"
    expect_rc 0 "chat --json local"
    has out '"text":' "chat --json prints the result JSON"
    echo "I am happy with it" >prompt.txt
    STDIN=prompt.txt p chat local -
    expect_rc 0 "chat with the prompt on stdin"
else
    skip "the library has no 'local' kind (kinds: $kinds)"
fi

# ---- streamed chat against mock-llm -------------------------------------------
LLM_URL=${PEER_MOCK_LLM_URL:-http://127.0.0.1:6556/v1}
llm_port=$(sed -E 's|.*:([0-9]+).*|\1|' <<<"$LLM_URL")
if [[ ", $kinds, " != *", openai, "* ]]; then
    skip "the library has no 'openai' kind: no streamed chat test"
elif ! (exec 3<>"/dev/tcp/127.0.0.1/$llm_port") 2>/dev/null; then
    skip "mock-llm is not running at $LLM_URL (start: ../shared/peers/scripts/start.sh mock-llm)"
else
    cat >llm.json <<EOF
{"providers": {"llm": {"kind": "openai", "base_url": "$LLM_URL", "model": "mock-model",
                       "auth": {"type": "bearer", "token": "sk-test"},
                       "retry": {"max_attempts": 1}}},
 "pricing": {"mock-model": {"input_cost_per_token": 0.001, "output_cost_per_token": 0.002}}}
EOF
    p --config llm.json chat llm --system "Be brief." --max-tokens 50 "Say hello"
    expect_rc 0 "chat streams from an OpenAI-style server"
    nonempty_out "the streamed reply is on stdout"
    has err "tokens" "the summary has the tokens"
    has err " ms]" "the summary has the latency"
    # mock-llm echoes the prompt in 5-byte chunks 20 ms apart: the bytes
    # must reach stdout spread over that time, not at the end.
    long="one two three four five six seven eight nine ten eleven twelve thirteen"
    stamps=$("${WRAP[@]}" "$PLEXUS" --config llm.json chat -q llm "$long" 2>/dev/null |
             while IFS= read -r -d '' -n 1 _; do echo "$EPOCHREALTIME"; done)
    spread=$(awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%d", (b - a) * 1000 }' \
             <<<"$stamps")
    if [ "$spread" -ge 100 ]; then ok "deltas reach stdout as they arrive (over $spread ms)"
    else not_ok "deltas reach stdout as they arrive" "all within $spread ms"; fi
    p --config llm.json chat --json llm "Say hello"
    expect_rc 0 "chat --json against the server"
    has out '"usage":{"input_tokens":' "the result has usage"
    has out '"cost_usd":0.0' "priced by the config's pricing table"
    p --config llm.json chat llm "error-429"
    expect_rc 1 "chat that gets a 429"
    has err "PLX_ERATELIMIT" "429 is a rate limit failure"
fi

echo "1..$n"
[ "$failures" -eq 0 ] || { echo "# $failures of $n failed"; exit 1; }
exit 0
