// The Node `openai` SDK against the bench server: N chat completions with
// CONC in flight. Prints one JSON line: requests per second and client CPU
// microseconds per request (user + system of this process).
//
//   node openai_node.js URL N CONC        (SDK_DIR: where node_modules/openai is)
'use strict';
const path = require('path');
const { createRequire } = require('module');

const [url, total, conc] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const sdkRequire = createRequire(path.join(process.env.SDK_DIR || process.cwd(), 'x.js'));
const OpenAI = sdkRequire('openai');

const client = new OpenAI({ baseURL: url, apiKey: 'bench-key', maxRetries: 0 });
const request = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello.' }],
  max_tokens: 16,
};

async function worker(state) {
  while (state.started < state.total) {
    state.started++;
    const reply = await client.chat.completions.create(request);
    if (!reply.choices[0].message.content) throw new Error('empty completion');
    state.done++;
  }
}

async function run(n) {
  const state = { total: n, started: 0, done: 0 };
  await Promise.all(Array.from({ length: conc }, () => worker(state)));
  return state.done;
}

(async () => {
  await run(Math.min(200, total));          // warm-up: connections, JIT
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const done = await run(total);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({
    client: 'node-openai', requests: done, seconds,
    rps: done / seconds, cpu_us: (cpu.user + cpu.system) / done,
  }));
})().catch((e) => { console.error('openai_node.js:', e.message); process.exit(1); });
