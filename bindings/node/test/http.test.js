'use strict';
// Kind `http` (and `openai`) against an HTTP server of this process: calls
// run on worker threads while the event loop serves them. Status mapping,
// results on failure, 100 calls in flight.

const test = require('node:test');
const assert = require('node:assert/strict');
const { plexus, serve, json, sleep, openaiConfig, quietContext } = require('./common');

let srv;
test.before(async () => {
  srv = await serve(async (req, res, body) => {
    const u = new URL(req.url, 'http://x');
    switch (u.pathname) {
    case '/echo':
      return json(res, 200, { method: req.method, query: Object.fromEntries(u.searchParams),
        trace: req.headers['x-trace'] || null, body });
    case '/slow':
      await sleep(Number(u.searchParams.get('ms') || 0));
      return json(res, 200, { id: u.searchParams.get('id') });
    case '/text':
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('héllo');
    case '/401': return json(res, 401, { error: 'no' });
    case '/429': return json(res, 429, { error: 'slow down' }, { 'retry-after': '0' });
    case '/503': return json(res, 503, { error: 'down' }, { 'x-request-id': 'req-42' });
    case '/v1/chat/completions':
      return json(res, 200, { id: 'c1', model: 'test-model', choices: [{ index: 0,
        message: { role: 'assistant', content: `echo: ${body.messages.at(-1).content}` },
        finish_reason: 'stop' }], usage: { prompt_tokens: 1000, completion_tokens: 1000 } });
    default: return json(res, 404, { error: 'not found' });
    }
  });
});
test.after(() => srv.close());

function httpProvider(ctx, extra = {}) {
  return ctx.newProvider('http', { base_url: srv.url, retry: { max_attempts: 1 }, ...extra });
}

test('a request and its result', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = httpProvider(ctx);
  const r = await p.call('request', { method: 'POST', path: '/echo', query: { q: 'x y' },
    headers: { 'X-Trace': '7' }, body: { hello: 'wörld' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.deepEqual(r.body, { method: 'POST', query: { q: 'x y' }, trace: '7',
    body: { hello: 'wörld' } });
  assert.equal(r.attempts, 1);
  assert.equal(typeof r.latency_ms, 'number');
  const text = await p.call('request', { path: '/text' });
  assert.equal(text.body, 'héllo');
});

test('statuses map to error classes, with the result', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = httpProvider(ctx);
  await assert.rejects(p.call('request', { path: '/401' }), (e) => {
    assert.ok(e instanceof plexus.AuthError);
    assert.equal(e.status, 9);
    assert.equal(e.code, 'PLX_EAUTH');
    assert.equal(e.result.error.http_status, 401);
    assert.equal(e.result.provider, 'http');
    return true;
  });
  await assert.rejects(p.call('request', { path: '/429' }), (e) =>
    e instanceof plexus.RateLimitError && e.result.error.http_status === 429);
  await assert.rejects(p.call('request', { path: '/503' }), (e) =>
    e instanceof plexus.HTTPError && e.result.error.retryable === true &&
    e.result.error.request_id === 'req-42' && e.message.length > 0);
  await assert.rejects(p.call('request', { path: '/nothing' }), (e) =>
    e instanceof plexus.HTTPError && e.result.error.http_status === 404);
});

test('a server that is not there: TransportError', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const closed = await serve(() => {});
  const url = closed.url;
  await closed.close();
  const p = ctx.newProvider('http', { base_url: url, retry: { max_attempts: 1 } });
  await assert.rejects(p.call('request', { path: '/' }), (e) =>
    e instanceof plexus.TransportError && e.result.attempts === 1);
});

test('a timeout: TimedOutError', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = httpProvider(ctx, { timeout_ms: 100 });
  await assert.rejects(p.call('request', { path: '/slow', query: { ms: 1000 } }),
    plexus.TimedOutError);
});

test('100 calls in flight resolve, each with its own result', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = httpProvider(ctx);
  const ids = Array.from({ length: 100 }, (_, i) => i);
  const results = await Promise.all(ids.map((i) =>
    p.call('request', { path: '/slow', query: { id: i, ms: i % 7 } })));
  results.forEach((r, i) => assert.equal(r.body.id, String(i)));
  assert.equal(p.stats().succeeded, 100);
});

test('100 local calls in flight, mixed with failures', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = ctx.newProvider('local');
  const texts = Array.from({ length: 100 }, (_, i) =>
    i % 10 === 9 ? 42 : `${i % 2 ? 'great, I love it' : 'terrible, it crashed again'} #${i}`);
  const settled = await Promise.allSettled(texts.map((text) => p.call('sentiment', { text })));
  settled.forEach((s, i) => {
    if (i % 10 === 9) {
      assert.equal(s.status, 'rejected');
      assert.ok(s.reason instanceof plexus.InvalidArgumentError);
    } else {
      assert.equal(s.status, 'fulfilled');
      assert.equal(s.value.label, i % 2 ? 'positive' : 'negative', `call ${i}`);
    }
  });
});

test('openai kind: chat, cost, and a budget that runs out', async (t) => {
  const ctx = quietContext({
    max_cost_usd: 0.001,
    pricing: { 'test-model': { input_cost_per_token: 0.000001, output_cost_per_token: 0.000001 } },
  });
  t.after(() => ctx.close());
  const p = ctx.newProvider('openai', openaiConfig(`${srv.url}/v1`));
  const r = await p.chat({ messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.text, 'echo: hi');
  assert.deepEqual(r.usage, { input_tokens: 1000, output_tokens: 1000 });
  assert.ok(Math.abs(r.cost_usd - 0.002) < 1e-9);
  await assert.rejects(p.chat({ messages: [{ role: 'user', content: 'again' }] }), (e) =>
    e instanceof plexus.BudgetError && e.code === 'PLX_EBUDGET');
  const u = ctx.usage();
  assert.ok(u.cost_usd >= 0.002);
});
