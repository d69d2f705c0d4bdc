'use strict';
// Handle ownership: close() is idempotent, a closed handle (or one of a
// closed Context) throws ClosedError, calls in flight finish after close(),
// the garbage collector frees what was not closed, in a safe order.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { plexus, serve, json, sleep, quietContext } = require('./common');

test('close twice, and use after close', async () => {
  const ctx = quietContext();
  const p = ctx.newProvider('local');
  assert.equal(p.closed, false);
  p.close();
  p.close();
  assert.equal(p.closed, true);
  assert.throws(() => p.callSync('sentiment', { text: 'x' }), (e) =>
    e instanceof plexus.ClosedError && e instanceof plexus.InvalidArgumentError &&
    /Provider is closed/.test(e.message));
  await assert.rejects(p.call('sentiment', { text: 'x' }), plexus.ClosedError);
  assert.throws(() => p.stats(), plexus.ClosedError);
  assert.throws(() => p.name, plexus.ClosedError);
  assert.throws(() => p.chatStream({ messages: [] }), plexus.ClosedError);
  ctx.close();
  ctx.close();
  assert.throws(() => ctx.usage(), plexus.ClosedError);
  assert.throws(() => ctx.newProvider('local'), plexus.ClosedError);
  await assert.rejects(ctx.notify([], {}), plexus.ClosedError);
});

test('closing a Context closes what was made from it', async () => {
  const ctx = quietContext({ providers: { nlp: { kind: 'local' } } });
  const own = ctx.newProvider('local');
  const named = ctx.provider('nlp');
  ctx.close();
  assert.equal(own.closed, true);
  assert.equal(named.closed, true);
  await assert.rejects(own.call('sentiment', { text: 'x' }), plexus.ClosedError);
  assert.throws(() => named.stats(), plexus.ClosedError);
  own.close();
});

test('a provider of the config outlives one of its wrappers', () => {
  const ctx = quietContext({ providers: { nlp: { kind: 'local' } } });
  const a = ctx.provider('nlp');
  const b = ctx.provider('nlp');
  a.close();
  assert.equal(b.callSync('sentiment', { text: 'good' }).label, 'positive');
  ctx.close();
});

test('close() while calls are in flight: they finish, then the C objects go', async (t) => {
  const srv = await serve(async (req, res) => {
    await sleep(100);
    json(res, 200, { ok: true });
  });
  t.after(() => srv.close());
  const ctx = quietContext();
  const p = ctx.newProvider('http', { base_url: srv.url });
  const calls = Array.from({ length: 5 }, () => p.call('request', { path: '/' }));
  const stream = ctx.newProvider('local').chatStream({ messages: [{ role: 'user',
    content: 'Hello there.' }] });
  ctx.close();
  assert.equal(p.closed, true);
  for (const r of await Promise.all(calls)) assert.equal(r.body.ok, true);
  assert.match((await stream.result).text, /Hello there/);
});

test('the garbage collector frees unclosed handles, the ctx last', () => {
  // In a child with --expose-gc: make many ctx/provider pairs, drop them,
  // collect; a provider freed after its ctx would crash (or fail ASan).
  const script = `
    const plexus = require(${JSON.stringify(path.join(__dirname, '..'))});
    async function round() {
      const keep = [];
      for (let i = 0; i < 200; i++) {
        const ctx = new plexus.Context({ log_level: 'none' });
        const p = ctx.newProvider('local');
        if (i % 2) keep.push(p.call('sentiment', { text: 'fine' }));
      }
      await Promise.all(keep);
    }
    (async () => {
      for (let r = 0; r < 5; r++) {
        await round();
        global.gc();
        await new Promise((ok) => setImmediate(ok));
      }
      global.gc();
      console.log('done');
    })();`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'done');
});

test('logging reaches a JS function on the JS thread', async (t) => {
  let calls = 0;
  const srv = await serve((req, res) => {
    calls++;
    if (calls === 1) return json(res, 503, { error: 'once' });
    return json(res, 200, { ok: true });
  });
  t.after(() => srv.close());
  const lines = [];
  const ctx = new plexus.Context(null, { log: (level, msg) => lines.push([level, msg]),
    logLevel: 'debug' });
  t.after(() => ctx.close());
  const p = ctx.newProvider('http', { base_url: srv.url,
    retry: { max_attempts: 2, base_delay_ms: 1, max_delay_ms: 5 } });
  const r = await p.call('request', { path: '/' });
  assert.equal(r.attempts, 2);
  for (let i = 0; i < 50 && lines.length === 0; i++) await sleep(10);
  assert.ok(lines.length > 0, 'log lines arrived');
  assert.ok(lines.every(([lvl, m]) => ['error', 'warn', 'info', 'debug'].includes(lvl) &&
    typeof m === 'string'));
  // Not while calls are in flight.
  const inflight = p.call('request', { path: '/' });
  assert.throws(() => ctx.setLog(null), plexus.BusyError);
  await inflight;
  ctx.setLog(null);
  assert.throws(() => ctx.setLog(() => {}, 'loud'), RangeError);
});

test('a Context with a logger, left open at exit', () => {
  // Node may finalize the logger's threadsafe function before the ctx.
  const script = `
    const plexus = require(${JSON.stringify(path.join(__dirname, '..'))});
    const ctx = new plexus.Context({ log_level: 'none' }, { log: () => {} });
    const p = ctx.newProvider('local');
    p.chatStream({ messages: [{ role: 'user', content: 'Hello there.' }] });
    p.call('sentiment', { text: 'I love it' }).then((r) => console.log(r.label));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'positive');
});

test('worker threads load their own copy', async () => {
  const { Worker } = require('node:worker_threads');
  const code = `
    const plexus = require(${JSON.stringify(path.join(__dirname, '..'))});
    const { parentPort } = require('node:worker_threads');
    const ctx = new plexus.Context({ log_level: 'none' });
    ctx.newProvider('local').call('sentiment', { text: 'I love it' }).then((r) => {
      parentPort.postMessage(r.label);
    });`;
  const labels = await Promise.all([1, 2, 3].map(async () => {
    const w = new Worker(code, { eval: true });
    const exited = new Promise((ok) => w.once('exit', ok));
    const label = await new Promise((ok, fail) => { w.once('message', ok); w.once('error', fail); });
    await exited;
    return label;
  }));
  assert.deepEqual(labels, ['positive', 'positive', 'positive']);
  assert.equal(quietContext().newProvider('local').callSync('sentiment',
    { text: 'awful and broken' }).label, 'negative');
});
