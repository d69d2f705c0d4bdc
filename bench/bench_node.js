#!/usr/bin/env node
'use strict';
// bench_node: what the Node binding costs per call on top of the C call, in
// one run. The op is kind "local"'s sentiment on bench_local's 62-word
// ticket: computed in-process in about 3 us, so no network hides the
// binding's share. Cases, interleaved round by round:
//
//   C plx_call          bench_local --only sentiment (a child process, same
//                       request, same provider config), the reference
//   node callSync       provider.callSync(): JSON.stringify of the request,
//                       the N-API call, plx_call, JSON.parse of the result
//   node call x1        await provider.call(), one at a time: the same plus
//                       the trip to Node's worker pool and back (latency)
//   node call xN        N calls in flight on the pool (throughput, and CPU
//                       per call over all threads)
//
// For each: calls/s, wall us per call, CPU us per call (process CPU time,
// every thread). The comparison pairs each node case with the C case of
// the same round (median over rounds): overhead = node - C in us per call,
// and the ratio node / C. Target: the binding itself (argument checks,
// JSON.stringify of the request, the N-API call, JSON.parse of the result:
// callSync's CPU time over C's) adds < 5 us per call. The async cases add
// the trip through Node's worker pool (libuv's queue, a thread wake-up each
// way), shown apart as their cost over callSync. CPU time is the figure to
// trust on a shared machine: wall time there also counts other processes.
// Every result is checked; a run with a failure is invalid and exits 1.
//
//   node bench/bench_node.js [--seconds S] [--rounds R] [--inflight N] [--json]
//
// Finds the addon and bench_local in $BUILD, build/ or /tmp/build-bench
// (or PLEXUS_NODE_ADDON=PATH, BENCH_LOCAL=PATH).

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
// bench_local's TICKET, word for word.
const TICKET =
  'Hi, I ordered a wireless router three weeks ago and it still has not arrived. ' +
  'The tracking page has shown the same status for ten days and nobody answers my ' +
  'emails. This is really frustrating because I work from home. Please send a ' +
  'replacement or refund my order as soon as possible. I have been a customer for ' +
  'years. Order number 88123.';

function options(argv) {
  const o = { seconds: 0.5, rounds: 5, inflight: 64, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') { o.json = true; continue; }
    const v = Number(argv[++i]);
    if (a === '--seconds' && v > 0) o.seconds = v;
    else if (a === '--rounds' && Number.isInteger(v) && v >= 1) o.rounds = v;
    else if (a === '--inflight' && Number.isInteger(v) && v >= 1) o.inflight = v;
    else {
      console.error('usage: bench_node.js [--seconds S] [--rounds R] [--inflight N] [--json]');
      process.exit(2);
    }
  }
  return o;
}

function findBuilt(envVar, rel) {
  if (process.env[envVar]) return process.env[envVar];
  const dirs = [process.env.BUILD, path.join(ROOT, 'build'), '/tmp/build-bench'];
  for (const d of dirs.filter(Boolean)) {
    if (fs.existsSync(path.join(d, rel))) return path.join(d, rel);
  }
  console.error(`bench_node: ${rel} not found; build it first:\n` +
    '  meson setup /tmp/build-bench -Dbuildtype=release && ninja -C /tmp/build-bench\n' +
    `  (or set BUILD=DIR or ${envVar}=PATH)`);
  process.exit(77);
}

process.env.PLEXUS_NODE_ADDON = findBuilt('PLEXUS_NODE_ADDON', 'bindings/node/plexus_node.node');
const BENCH_LOCAL = findBuilt('BENCH_LOCAL', 'bench/bench_local');
const plexus = require(path.join(ROOT, 'bindings', 'node'));

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const nowUs = () => Number(process.hrtime.bigint()) / 1000;

let failed = 0;
let firstError = null;
function check(r) {
  if (r.label !== 'negative') {
    failed++;
    firstError = firstError || JSON.stringify(r);
  }
}

// Runs body(until) (which returns the number of calls) for `seconds`,
// after a warm-up; gives {cps, us, cpu}.
async function measure(seconds, body) {
  await body(nowUs() + 100000);
  const w0 = nowUs();
  const c0 = cpuUs();
  const calls = await body(w0 + seconds * 1e6);
  const wall = nowUs() - w0;
  const cpu = cpuUs() - c0;
  return { cps: calls / (wall / 1e6), us: wall / calls, cpu: cpu / calls };
}

function syncCase(p, request) {
  return (until) => {
    let n = 0;
    while (nowUs() < until) {
      for (let i = 0; i < 64; i++, n++) check(p.callSync('sentiment', request));
    }
    return n;
  };
}

function asyncCase(p, request, inflight) {
  return (until) => new Promise((resolve, reject) => {
    let started = 0;
    let done = 0;
    let stopping = false;
    const next = () => {
      started++;
      p.call('sentiment', request).then((r) => {
        check(r);
        done++;
        if (!stopping && nowUs() >= until) stopping = true;
        if (!stopping) next();
        else if (done === started) resolve(done);
      }, reject);
    };
    for (let i = 0; i < inflight; i++) next();
  });
}

function cCase(seconds) {
  const out = execFileSync(BENCH_LOCAL, ['--only', 'sentiment', '--json', '--rounds', '1',
    '--seconds', String(seconds)], { encoding: 'utf8' });
  const r = JSON.parse(out);
  if (r.failed) {
    failed += r.failed;
    firstError = firstError || 'bench_local reported failed calls';
  }
  const c = r.cases.find((x) => x.name === 'sentiment');
  return { cps: c.calls_per_s, us: c.us_per_call, cpu: c.cpu_us_per_call };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function main() {
  const o = options(process.argv.slice(2));
  const ctx = new plexus.Context({ log_level: 'none' });
  const p = ctx.newProvider('local');
  const request = { text: TICKET };
  const names = ['C plx_call', 'node callSync', 'node call x1', `node call x${o.inflight}`];
  const rows = names.map(() => []);
  for (let r = 0; r < o.rounds; r++) {
    rows[0].push(cCase(o.seconds));
    rows[1].push(await measure(o.seconds, syncCase(p, request)));
    rows[2].push(await measure(o.seconds, asyncCase(p, request, 1)));
    rows[3].push(await measure(o.seconds, asyncCase(p, request, o.inflight)));
  }
  ctx.close();

  const cases = names.map((name, i) => ({
    name,
    calls_per_s: median(rows[i].map((x) => x.cps)),
    us_per_call: median(rows[i].map((x) => x.us)),
    cpu_us_per_call: median(rows[i].map((x) => x.cpu)),
    spread_pct: 100 * (Math.max(...rows[i].map((x) => x.cps)) -
      Math.min(...rows[i].map((x) => x.cps))) / median(rows[i].map((x) => x.cps)),
  }));
  // Paired with the C case of the same round.
  const pair = (i, key) => ({
    overhead_us: median(rows[i].map((x, r) => x[key] - rows[0][r][key])),
    ratio: median(rows[i].map((x, r) => x[key] / rows[0][r][key])),
  });
  // The pool's share: an async case over callSync of the same round.
  const hop = (i, key) => median(rows[i].map((x, r) => x[key] - rows[1][r][key]));
  const comparisons = [
    { name: 'callSync CPU', ...pair(1, 'cpu'), target_us: 5 },
    { name: 'callSync wall', ...pair(1, 'us') },
    { name: 'call x1 wall (latency)', ...pair(2, 'us'), pool_us: hop(2, 'us') },
    { name: `call x${o.inflight} CPU`, ...pair(3, 'cpu'), pool_us: hop(3, 'cpu') },
  ];
  for (const c of comparisons) {
    if (c.target_us !== undefined) c.pass = c.overhead_us < c.target_us;
  }
  const summary = { op: 'local sentiment, 62-word ticket', rounds: o.rounds,
    seconds: o.seconds, node: process.version, cases, comparisons, failed };

  if (o.json) {
    console.log(JSON.stringify(summary));
  } else {
    console.log(`Node binding vs C, ${summary.op}, node ${process.version} ` +
      `(median of ${o.rounds} rounds of ${o.seconds} s)`);
    console.log(`${'case'.padEnd(20)} ${'calls/s'.padStart(10)} ${'us/call'.padStart(9)} ` +
      `${'cpu us/call'.padStart(12)} ${'+-%'.padStart(6)}`);
    for (const c of cases) {
      console.log(`${c.name.padEnd(20)} ${c.calls_per_s.toFixed(0).padStart(10)} ` +
        `${c.us_per_call.toFixed(2).padStart(9)} ${c.cpu_us_per_call.toFixed(2).padStart(12)} ` +
        `${c.spread_pct.toFixed(0).padStart(6)}`);
    }
    console.log('\noverhead over C (paired by round, median):');
    for (const c of comparisons) {
      const verdict = c.target_us === undefined ? ''
        : `  target < ${c.target_us} us: ${c.pass ? 'PASS' : 'FAIL'}`;
      const pool = c.pool_us === undefined ? ''
        : ` (worker pool hop: +${c.pool_us.toFixed(2)} us over callSync)`;
      console.log(`  ${c.name.padEnd(24)} +${c.overhead_us.toFixed(2)} us/call, ` +
        `${c.ratio.toFixed(2)}x C${verdict}${pool}`);
    }
  }
  if (failed) {
    console.error(`INVALID: ${failed} calls failed; first: ${firstError}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
