'use strict';
// Kind `local` (offline computations): the binding's results are the C
// library's, through call(), callSync() and the chat/embed methods.

const test = require('node:test');
const assert = require('node:assert/strict');
const { plexus, TICKET, quietContext } = require('./common');

test('local ops through call()', async (t) => {
  const ctx = quietContext({ providers: { nlp: { kind: 'local' } } });
  t.after(() => ctx.close());
  const p = ctx.provider('nlp');
  assert.equal(p.name, 'nlp');
  assert.equal(p.kind, 'local');

  const s = await p.call('sentiment', { text: TICKET });
  assert.equal(s.label, 'negative');
  assert.ok(s.score < 0 && s.score >= -1);
  assert.equal(s.provider, 'nlp');
  assert.equal(s.attempts, 1);

  const happy = await p.call('sentiment', { text: 'Thanks, it works great and I love it!' });
  assert.equal(happy.label, 'positive');

  const sum = await p.call('summarize', { text: TICKET, max_sentences: 2 });
  assert.equal(typeof sum.summary, 'string');
  assert.equal(sum.sentences.length, 2);
  assert.ok(TICKET.includes(sum.summary.split('. ')[0]));

  // JSON text works as a request too.
  const s2 = await p.call('sentiment', JSON.stringify({ text: TICKET }));
  assert.equal(s2.score, s.score);
});

test('embed: one normalized vector per input, the same for the same text', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = ctx.newProvider('local');
  const r = await p.embed({ input: [TICKET, 'router tracking refund', TICKET] });
  assert.equal(r.vectors.length, 3);
  assert.equal(r.vectors[0].length, 256);
  const norm = Math.sqrt(r.vectors[0].reduce((a, x) => a + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-6, `norm ${norm}`);
  assert.deepEqual(r.vectors[0], r.vectors[2]);
  assert.equal(r.cost_usd, 0);
});

test('chat: the local fallback answer', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = ctx.newProvider('local');
  const r = await p.chat({ messages: [{ role: 'user', content: TICKET }], max_tokens: 500 });
  assert.match(r.text, /^\[Automatic reply/);
  assert.equal(r.finish_reason, 'stop');
  assert.equal(r.model, 'local');
  assert.ok(r.usage.input_tokens > 0);
  await assert.rejects(p.chat({ messages: [{ role: 'system', content: 'x' }] }),
    plexus.InvalidArgumentError);
});

test('callSync gives what call gives, on the JS thread', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = ctx.newProvider('local');
  const a = p.callSync('sentiment', { text: TICKET });
  const b = await p.call('sentiment', { text: TICKET });
  delete a.latency_ms;
  delete b.latency_ms;
  assert.deepEqual(a, b);
});

test('stats and usage', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = ctx.newProvider('local');
  await p.call('sentiment', { text: 'good' });
  await p.call('sentiment', { text: 'bad' });
  await assert.rejects(p.call('sentiment', { text: 1 }));
  const st = p.stats();
  assert.equal(st.name, 'local');
  assert.equal(st.kind, 'local');
  assert.equal(st.succeeded, 2);
  assert.equal(st.circuit, 'closed');
  const u = ctx.usage();
  assert.equal(typeof u.cost_usd, 'number');
  assert.ok(Array.isArray(u.by_model));
  ctx.addSecret('very-secret-value');
  assert.throws(() => ctx.addSecret(5), TypeError);
});
