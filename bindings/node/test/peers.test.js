'use strict';
// Against the peers of ../shared/peers when they run: mock-llm (OpenAI-style
// JSON and SSE, 5-byte chunks 20 ms apart; content "error-429" gives 429).
// Skips, saying why, when PEER_MOCK_LLM_URL is unset or nothing answers.

const test = require('node:test');
const assert = require('node:assert/strict');
const { plexus, openaiConfig, reachable, quietContext } = require('./common');

const URL_ = process.env.PEER_MOCK_LLM_URL;

async function mockLlm(t) {
  if (!URL_) {
    t.skip('PEER_MOCK_LLM_URL unset: start ../shared/peers (scripts/start.sh mock-llm) ' +
      'and eval "$(scripts/env.sh)"');
    return null;
  }
  if (!(await reachable(URL_))) {
    t.skip(`mock-llm is not running at ${URL_} (scripts/start.sh mock-llm)`);
    return null;
  }
  const ctx = quietContext();
  t.after(() => ctx.close());
  return ctx.newProvider('openai', openaiConfig(URL_, { model: 'mock-model' }));
}

const ask = (content) => ({ messages: [{ role: 'user', content }] });
const PROMPT = 'one two three four five six seven eight nine ten';

test('mock-llm: chat', async (t) => {
  const p = await mockLlm(t);
  if (!p) return;
  const r = await p.chat(ask('Say hello'));
  assert.equal(r.text, 'Say hello');
  assert.equal(r.finish_reason, 'stop');
  assert.deepEqual(r.usage, { input_tokens: 3, output_tokens: 3 });
});

test('mock-llm: streamed, as it arrives', async (t) => {
  const p = await mockLlm(t);
  if (!p) return;
  const stream = p.chatStream(ask(PROMPT));
  const deltas = [];
  const times = [];
  for await (const d of stream) {
    deltas.push(d);
    times.push(Date.now());
  }
  assert.equal(deltas.join(''), PROMPT);
  assert.ok(deltas.length >= 5, `${deltas.length} deltas`);
  assert.ok(times.at(-1) - times[0] >= 100, 'deltas came spread over time');
  assert.equal((await stream.result).text, PROMPT);
});

test('mock-llm: an early break cancels', async (t) => {
  const p = await mockLlm(t);
  if (!p) return;
  const stream = p.chatStream(ask(PROMPT));
  for await (const d of stream) {
    assert.equal(d, 'one t');
    break;
  }
  await assert.rejects(stream.result, (e) => e instanceof plexus.CanceledError &&
    e.result.text.length < PROMPT.length);
});

test('mock-llm: 429 is a RateLimitError with the service code', async (t) => {
  const p = await mockLlm(t);
  if (!p) return;
  await assert.rejects(p.chat(ask('error-429')), (e) => e instanceof plexus.RateLimitError &&
    e.result.error.http_status === 429 && e.result.error.service_code === 'rate_limit_exceeded');
  const stream = p.chatStream(ask('error-429'));
  await assert.rejects((async () => { for await (const d of stream) assert.fail(d); })(),
    plexus.RateLimitError);
});
