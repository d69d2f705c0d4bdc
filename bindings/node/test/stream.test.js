'use strict';
// Streamed chat as an async iterator, against an OpenAI-style SSE server of
// this process: deltas in order, the final result, early break stopping the
// C stream, AbortSignal, failures during and before the stream.

const test = require('node:test');
const assert = require('node:assert/strict');
const { plexus, serve, json, sleep, sseChunk, openaiConfig, quietContext } =
  require('./common');

const WORDS = Array.from({ length: 40 }, (_, i) => `w${i} `);
let srv;
let closedEarly = 0;

test.before(async () => {
  srv = await serve(async (req, res, body) => {
    const prompt = body.messages.at(-1).content;
    if (prompt === 'rate') return json(res, 429, { error: { message: 'slow', code: 'rate' } });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let gone = false;
    res.on('close', () => { if (!res.writableEnded) { gone = true; closedEarly++; } });
    const pieces = prompt === 'long' ? WORDS : ['Hel', 'lo, ', 'wörld ', '👋'];
    for (const piece of pieces) {
      if (gone) return;
      res.write(sseChunk(piece));
      await sleep(prompt === 'long' ? 25 : 2);
    }
    if (prompt === 'fail') {
      res.write(`data: ${JSON.stringify({ error: { message: 'boom', code: 'server_error' } })}\n\n`);
      return res.end();
    }
    res.write(sseChunk('', 'stop'));
    res.write(`data: ${JSON.stringify({ id: 'c', choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 4 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
});
test.after(() => srv.close());

const ask = (content) => ({ messages: [{ role: 'user', content }] });

function provider(t) {
  const ctx = quietContext();
  t.after(() => ctx.close());
  return ctx.newProvider('openai', openaiConfig(`${srv.url}/v1`));
}

test('deltas in order, then the result', async (t) => {
  const p = provider(t);
  const stream = p.chatStream(ask('hi'));
  const deltas = [];
  for await (const d of stream) deltas.push(d);
  assert.deepEqual(deltas, ['Hel', 'lo, ', 'wörld ', '👋']);
  const r = await stream.result;
  assert.equal(r.text, deltas.join(''));
  assert.equal(r.finish_reason, 'stop');
  assert.deepEqual(r.usage, { input_tokens: 3, output_tokens: 4 });
  assert.equal(stream.stopped, false);
});

test('breaking out of the loop stops the C stream', async (t) => {
  const p = provider(t);
  const before = closedEarly;
  const stream = p.chatStream(ask('long'));
  const seen = [];
  for await (const d of stream) {
    seen.push(d);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, WORDS.slice(0, 3));
  assert.equal(stream.stopped, true);
  await assert.rejects(stream.result, (e) => {
    assert.ok(e instanceof plexus.CanceledError);
    assert.ok(e.result.text.startsWith('w0 w1 w2'), e.result.text);
    assert.ok(e.result.text.length < WORDS.join('').length);
    return true;
  });
  // The server saw the connection go before it had sent everything.
  for (let i = 0; i < 50 && closedEarly === before; i++) await sleep(20);
  assert.equal(closedEarly, before + 1);
});

test('an AbortSignal stops the stream', async (t) => {
  const p = provider(t);
  const ac = new AbortController();
  const stream = p.chatStream(ask('long'), { signal: ac.signal });
  const seen = [];
  await assert.rejects((async () => {
    for await (const d of stream) {
      seen.push(d);
      if (seen.length === 2) ac.abort();
    }
  })(), plexus.CanceledError);
  assert.ok(seen.length >= 2 && seen.length < WORDS.length);
  await assert.rejects(stream.result, plexus.CanceledError);
});

test('a failure during the stream comes after the text that came', async (t) => {
  const p = provider(t);
  const stream = p.chatStream(ask('fail'));
  const seen = [];
  await assert.rejects((async () => { for await (const d of stream) seen.push(d); })(),
    (e) => e instanceof plexus.PlexusError && /boom/.test(e.message));
  assert.deepEqual(seen, ['Hel', 'lo, ', 'wörld ', '👋']);
  await assert.rejects(stream.result, plexus.PlexusError);
});

test('a failure before any text', async (t) => {
  const p = provider(t);
  const stream = p.chatStream(ask('rate'));
  await assert.rejects((async () => { for await (const d of stream) assert.fail(d); })(),
    (e) => e instanceof plexus.RateLimitError && e.result.error.http_status === 429);
});

test('the result without iterating, and streams side by side', async (t) => {
  const p = provider(t);
  const streams = Array.from({ length: 8 }, () => p.chatStream(ask('hi')));
  const results = await Promise.all(streams.map((s) => s.result));
  for (const r of results) assert.equal(r.text, 'Hello, wörld 👋');
  // The deltas were kept for a late reader.
  const late = [];
  for await (const d of streams[0]) late.push(d);
  assert.equal(late.join(''), 'Hello, wörld 👋');
});

test('kind local streams its answer in one delta', async (t) => {
  const ctx = quietContext();
  t.after(() => ctx.close());
  const p = ctx.newProvider('local');
  const stream = p.chatStream(ask('The router broke. I want a refund.'));
  const seen = [];
  for await (const d of stream) seen.push(d);
  assert.equal(seen.length, 1);
  assert.equal(seen[0], (await stream.result).text);
});
