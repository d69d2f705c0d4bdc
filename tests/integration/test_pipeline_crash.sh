#!/bin/bash
# Crash safety of the batch runner: a batch run (pipeline_batch_driver) is
# killed with SIGKILL at 20 random moments and resumed each time; the final
# output and dead-letter files must equal those of an uninterrupted run,
# byte for byte (ordered mode). Then the same with unordered output, where
# the files must hold the same lines (none lost, none twice).
#
#   with_nginx.sh test_pipeline_crash.sh DRIVER     (PLX_NGINX_CONF=pipeline_nginx.conf.in)
#
# PLX_CRASH_RECORDS (default 20000) and PLX_CRASH_KILLS (default 20) scale it.
set -u

driver=${1:?usage: $0 DRIVER}
driver=$(cd "$(dirname "$driver")" && pwd)/$(basename "$driver")   # we cd below
if [ -z "${PLX_TEST_HTTP_URL:-}" ]; then
    echo "SKIP: PLX_TEST_HTTP_URL unset (run me through with_nginx.sh)"
    exit 77
fi
records=${PLX_CRASH_RECORDS:-20000}
kills=${PLX_CRASH_KILLS:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/plexus-crash.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# Record i: {"id":i,"kind":"ok"}; every 50th asks for a permanent failure
# (a dead letter), every 997th line is not JSON, every 1013th is blank.
awk -v n="$records" 'BEGIN {
    for (i = 1; i <= n; i++) {
        if (i % 997 == 0) print "{broken " i
        else if (i % 1013 == 0) print ""
        else printf "{\"id\":%d,\"kind\":\"%s\"}\n", i, (i % 50 == 0) ? "fail" : "ok"
    }
}' > in.jsonl

ctx='{"log_level":"none","providers":{"p":{"kind":"http","base_url":"@URL@",'\
'"retry":{"max_attempts":2,"base_delay_ms":1}}}}'
def='{"steps":[
 {"id":"a","provider":"p","op":"request","input":{"path":"/pl/{{input.kind}}?id={{input.id}}&step=a"}},
 {"id":"b","provider":"p","op":"request","input":{"path":"/pl/ok?id={{steps.a.output.body.id}}&step=b"}}],
 "output":{"id":"{{steps.b.output.body.id}}","steps":"{{steps.a.output.body.step}}{{steps.b.output.body.step}}"}}'

opts() {   # opts OUTPUT ORDERED RESUME
    echo "{\"input\":\"in.jsonl\",\"output\":\"$1\",\"ordered\":$2,\"resume\":$3,"\
"\"concurrency\":32,\"checkpoint_every\":300,\"checkpoint_ms\":200}"
}

now_ms() { date +%s%3N; }

failed=0
fail() { echo "not ok - $*"; failed=1; }

start=$(now_ms)
if ! "$driver" "$ctx" "$def" "$(opts ref.jsonl true false)" > ref.summary; then
    echo "not ok - the uninterrupted run failed"; exit 1
fi
run_ms=$(( $(now_ms) - start ))
echo "# uninterrupted run of $records records: ${run_ms} ms"
echo "# $(cat ref.summary)"

# Kills land between 20 ms and run_ms/kills after the start: on average
# half of the work is done over all the runs, so most kills hit a running
# batch, and each resumed run still makes progress.
max_delay=$(( run_ms / kills ))
[ "$max_delay" -gt 40 ] || max_delay=40

crash_loop() {   # crash_loop OUTPUT ORDERED
    local out=$1 ordered=$2 killed=0 finished=0 i
    rm -f "$out" "$out".*
    for i in $(seq "$kills"); do
        "$driver" "$ctx" "$def" "$(opts "$out" "$ordered" true)" > /dev/null 2> driver.err &
        local pid=$!
        local delay=$(( 20 + RANDOM % (max_delay - 19) ))
        sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
        kill -KILL "$pid" 2>/dev/null
        { wait "$pid"; } 2>/dev/null
        local rc=$?
        if [ $rc -eq 137 ]; then
            killed=$((killed + 1))
        elif [ $rc -eq 0 ]; then
            finished=$((finished + 1))
        else
            fail "run $i exited $rc: $(cat driver.err)"
        fi
    done
    echo "# $out: $killed runs killed mid-way, $finished finished before their kill"
    [ "$killed" -ge $((kills / 2)) ] || fail "$out: only $killed of $kills kills hit a running batch"
    "$driver" "$ctx" "$def" "$(opts "$out" "$ordered" true)" > "$out.summary" ||
        fail "$out: the final resume failed"
}

crash_loop out.jsonl true
if cmp -s out.jsonl ref.jsonl && cmp -s out.jsonl.dead.jsonl ref.jsonl.dead.jsonl; then
    echo "ok - ordered: identical to the uninterrupted run after $kills kills" \
         "($(wc -l < out.jsonl) results, $(wc -l < out.jsonl.dead.jsonl) dead letters)"
else
    fail "ordered: the files differ from the uninterrupted run"
    cmp out.jsonl ref.jsonl
    cmp out.jsonl.dead.jsonl ref.jsonl.dead.jsonl
fi
grep -q '"complete":true' out.jsonl.summary || fail "ordered: the summary says incomplete"

crash_loop unordered.jsonl false
if cmp -s <(sort unordered.jsonl) <(sort ref.jsonl) &&
   cmp -s <(sort unordered.jsonl.dead.jsonl) <(sort ref.jsonl.dead.jsonl); then
    echo "ok - unordered: the same lines as the uninterrupted run after $kills kills"
else
    fail "unordered: lines lost or duplicated"
    diff <(sort unordered.jsonl) <(sort ref.jsonl) | head -n 5
fi
exit $failed
