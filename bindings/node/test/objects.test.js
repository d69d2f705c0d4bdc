'use strict';
// Pipelines, ML endpoints and notify through the binding: the C API's
// results, Promises, progress, serialization of runs on one Context.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { plexus, serve, json, TICKET, quietContext } = require('./common');

const DEFINITION = {
  steps: [
    { id: 'sentiment', provider: 'nlp', op: 'sentiment', input: { text: '{{input.text}}' } },
    { id: 'summary', provider: 'nlp', op: 'summarize',
      when: { '{{steps.sentiment.output.label}}': 'negative' },
      input: { text: '{{input.text}}', max_sentences: 1 } },
  ],
  output: { label: '{{steps.sentiment.output.label}}',
    summary: '{{steps.summary.output.summary}}' },
};

function tmpdir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plexus-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a pipeline runs records, several at once on one Context', async (t) => {
  const ctx = quietContext({ providers: { nlp: { kind: 'local' } } });
  t.after(() => ctx.close());
  const pl = ctx.newPipeline(DEFINITION);
  const r = await pl.run({ text: TICKET });
  assert.equal(r.status, 'ok');
  assert.equal(r.output.label, 'negative');
  assert.ok(r.output.summary.length > 0);
  assert.equal(r.steps.summary.status, 'ok');
  // Two pipelines and ten runs at once: the binding runs them one by one.
  const other = new plexus.Pipeline(ctx, DEFINITION);
  const texts = Array.from({ length: 10 }, (_, i) => (i % 2 ? 'I love it, great' : TICKET));
  const runs = await Promise.all(texts.map((text, i) => (i % 3 ? pl : other).run({ text })));
  runs.forEach((x, i) => assert.equal(x.output.label, i % 2 ? 'positive' : 'negative'));
  assert.equal(runs[1].steps.summary.status, 'skipped');
  other.close();
  pl.close();
  await assert.rejects(pl.run({ text: 'x' }), plexus.ClosedError);
});

test('a bad definition: ConfigError naming the step', (t) => {
  const ctx = quietContext({ providers: { nlp: { kind: 'local' } } });
  t.after(() => ctx.close());
  assert.throws(() => ctx.newPipeline({ steps: [{ id: 'a', provider: 'nope', op: 'x' }] }),
    (e) => e instanceof plexus.ConfigError && /steps\.a\.provider/.test(e.message));
  assert.throws(() => ctx.newPipeline(5), TypeError);
});

test('a failed step rejects with the run as .result', async (t) => {
  const ctx = quietContext({ providers: { nlp: { kind: 'local' } } });
  t.after(() => ctx.close());
  const pl = ctx.newPipeline({ steps: [{ id: 's', provider: 'nlp', op: 'sentiment',
    input: { text: '{{input.n}}' } }] });
  await assert.rejects(pl.run({ n: 5 }), (e) => e instanceof plexus.PlexusError &&
    e.result.status === 'failed' && e.result.error.step === 's');
});

test('runBatch over a JSONL file, with progress', async (t) => {
  const dir = tmpdir(t);
  const input = path.join(dir, 'in.jsonl');
  const output = path.join(dir, 'out.jsonl');
  const lines = Array.from({ length: 50 }, (_, i) =>
    JSON.stringify({ text: i % 2 ? 'great, thanks' : TICKET }));
  lines.splice(10, 0, '{not json');
  fs.writeFileSync(input, lines.join('\n') + '\n');
  const ctx = quietContext({ providers: { nlp: { kind: 'local' } } });
  t.after(() => ctx.close());
  const pl = ctx.newPipeline(DEFINITION);
  const progress = [];
  const summary = await pl.runBatch({ input, output, concurrency: 8, progress_ms: 1 },
    { onProgress: (p) => { progress.push(p); } });
  assert.equal(typeof summary, 'object');
  const out = fs.readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(out.length, 50);
  assert.ok(progress.length >= 1);
  assert.equal(progress.at(-1).done, 51);
  assert.equal(progress.at(-1).total, 51);
  assert.equal(summary.succeeded, 50);
  assert.equal(summary.malformed, 1);
  const dead = fs.readFileSync(`${output}.dead.jsonl`, 'utf8').trim().split('\n');
  assert.equal(dead.length, 1);
});

test('runBatch: onProgress returning false, or throwing, stops the run', async (t) => {
  const dir = tmpdir(t);
  const input = path.join(dir, 'in.jsonl');
  fs.writeFileSync(input, Array.from({ length: 2000 }, () => '{"text":"ok"}').join('\n'));
  const ctx = quietContext({ providers: { nlp: { kind: 'local' } } });
  t.after(() => ctx.close());
  const pl = ctx.newPipeline(DEFINITION);
  await assert.rejects(pl.runBatch({ input, output: path.join(dir, 'a.jsonl'),
    progress_ms: 1, concurrency: 1 }, { onProgress: () => false }), plexus.CanceledError);
  const oops = new Error('oops');
  await assert.rejects(pl.runBatch({ input, output: path.join(dir, 'b.jsonl'),
    progress_ms: 1, concurrency: 1 }, { onProgress: () => { throw oops; } }), (e) => e === oops);
});

test('an endpoint routes predict to its variants', async (t) => {
  const srv = await serve((req, res, body) => {
    const m = req.url.match(/^\/v2\/models\/([^/]+)\/versions\/([^/]+)\/infer$/);
    if (!m) return json(res, 404, { error: 'no' });
    const rows = body.inputs[0].shape[0];
    return json(res, 200, { model_name: m[1], model_version: m[2], outputs: [{
      name: 'predict', shape: [rows, 1], datatype: 'INT64',
      data: Array(rows).fill(m[2] === 'v1' ? 0 : 1) }] });
  });
  t.after(() => srv.close());
  const ctx = quietContext({
    providers: { ml: { kind: 'kserve', base_url: srv.url, retry: { max_attempts: 1 } } },
    endpoints: { iris: { variants: [
      { name: 'blue', provider: 'ml', model: 'iris', version: 'v1', weight: 100 },
      { name: 'green', provider: 'ml', model: 'iris', version: 'v2', weight: 0 }] } },
  });
  t.after(() => ctx.close());
  const e = ctx.endpoint('iris');
  const r = await e.predict({ instances: [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]] });
  assert.equal(r.variant, 'blue');
  assert.deepEqual(r.predictions, [[0], [0]]);
  e.setWeights({ blue: 0, green: 100 });
  const g = await e.predict({ instances: [[1, 2, 3, 4]] });
  assert.equal(g.variant, 'green');
  assert.deepEqual(g.predictions, [[1]]);
  assert.throws(() => e.setWeights({ purple: 1 }), plexus.InvalidArgumentError);
  const st = e.stats();
  assert.equal(st.calls, 2);
  await assert.rejects(e.predict({ inputs: [{ name: 'x', shape: [2], datatype: 'FP32',
    data: [1] }] }), plexus.InvalidArgumentError);
  const own = ctx.newEndpoint({ name: 'mine', variants: [{ name: 'a', provider: 'ml',
    model: 'iris', version: 'v1' }] });
  assert.equal((await own.predict({ instances: [[1, 2, 3, 4]] })).variant, 'a');
  own.close();
});

test('notify: a report per target; a failed target rejects with the report', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'alerts.jsonl');
  const hook = await serve((req, res) => json(res, 500, { error: 'broken' }));
  t.after(() => hook.close());
  const ctx = quietContext();
  t.after(() => ctx.close());
  const alert = { title: 'Cost spike', text: 'EC2 +200%', severity: 'critical',
    source: 'node-test' };
  const ok = await ctx.notify([{ kind: 'file', name: 'log', path: file }], alert);
  assert.equal(ok.ok, true);
  assert.equal(ok.delivered, 1);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).alert.title, 'Cost spike');
  await assert.rejects(ctx.notify([{ kind: 'file', name: 'log', path: file },
    { kind: 'webhook', name: 'hook', url: `${hook.url}/in`, retry: { max_attempts: 1 } }],
  alert), (e) => {
    assert.ok(e instanceof plexus.PlexusError);
    assert.equal(e.result.ok, false);
    assert.equal(e.result.delivered, 1);
    assert.equal(e.result.results[1].target, 'hook');
    assert.equal(e.result.results[1].status, 500);
    return true;
  });
  await assert.rejects(ctx.notify([], { title: 'x' }), plexus.PlexusError);
  await assert.rejects(ctx.notify('nope', alert), plexus.PlexusError);
  await assert.rejects(ctx.notify(5, alert), TypeError);
});
