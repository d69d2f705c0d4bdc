'use strict';
// Errors: one class per plx_status, made from plx_status_name; failures of
// the C API come back as the class of their status with the detail.

const test = require('node:test');
const assert = require('node:assert/strict');
const { plexus, quietContext } = require('./common');

test('a class for every status the library names', () => {
  let n = 0;
  for (let s = 1; plexus.statusName(s) !== 'PLX_UNKNOWN'; s++, n++) {
    const cls = plexus.errorClass(s);
    assert.notEqual(cls, plexus.PlexusError, `status ${s} has a class`);
    assert.equal(cls.status, s);
    assert.equal(cls.code, plexus.statusName(s));
    assert.equal(plexus[cls.name], cls, `${cls.name} is exported`);
    const e = new cls('detail');
    assert.ok(e instanceof plexus.PlexusError && e instanceof Error);
    assert.equal(e.status, s);
    assert.equal(e.code, plexus.statusName(s));
    assert.equal(e.name, cls.name);
    assert.equal(e.message, 'detail');
  }
  assert.ok(n >= 19, `${n} statuses`);
  assert.equal(plexus.errorClass(9999), plexus.PlexusError);
  assert.equal(plexus.statusName(9999), 'PLX_UNKNOWN');
});

test('the names match the Python binding', () => {
  const expect = {
    1: 'InvalidArgumentError', 3: 'ConfigError', 4: 'NotFoundError', 5: 'TransportError',
    6: 'TimedOutError', 8: 'HTTPError', 9: 'AuthError', 10: 'RateLimitError',
    11: 'CircuitOpenError', 14: 'BudgetError', 15: 'UnsupportedError', 18: 'CanceledError',
  };
  for (const [s, name] of Object.entries(expect)) {
    assert.equal(plexus.errorClass(Number(s)).name, name);
  }
  assert.ok(new plexus.ClosedError('x') instanceof plexus.InvalidArgumentError);
  assert.equal(new plexus.ClosedError('x').code, 'PLX_EINVAL');
});

test('a message defaults to the status description', () => {
  const e = new plexus.AuthError();
  assert.equal(e.message, plexus.statusStr(9));
  assert.equal(e.result, undefined);
});

test('a bad config: ConfigError naming the key path', () => {
  assert.throws(() => new plexus.Context({ providers: { a: { kind: 'http', retry: {
    max_attempts: 'x' } } } }), (e) => e instanceof plexus.ConfigError &&
    e.status === 3 && e.code === 'PLX_ECONFIG' && /providers\.a\.retry\.max_attempts/.test(e.message));
  assert.throws(() => new plexus.Context('{not json'), plexus.ConfigError);
});

test('an unknown provider: NotFoundError; an unknown kind: ConfigError', () => {
  const ctx = quietContext();
  assert.throws(() => ctx.provider('nope'), (e) => e instanceof plexus.NotFoundError &&
    /nope/.test(e.message));
  assert.throws(() => ctx.newProvider('no-such-kind'), (e) => e instanceof plexus.ConfigError &&
    /unknown provider kind 'no-such-kind'/.test(e.message));
  ctx.close();
});

test('a bad request: InvalidArgumentError naming the field, with no result', async () => {
  const ctx = quietContext();
  const p = ctx.newProvider('local');
  await assert.rejects(p.call('sentiment', { text: 5 }), (e) =>
    e instanceof plexus.InvalidArgumentError && /request\.text/.test(e.message));
  assert.throws(() => p.callSync('sentiment', { text: 5 }), plexus.InvalidArgumentError);
  await assert.rejects(p.call('nope', {}), plexus.UnsupportedError);
  await assert.rejects(p.call('sentiment', '{bad json'), plexus.InvalidArgumentError);
  ctx.close();
});

test('bad arguments are TypeErrors from JS, before the C API', async () => {
  const ctx = quietContext();
  const p = ctx.newProvider('local');
  await assert.rejects(p.call(42, {}), TypeError);
  await assert.rejects(p.call('', {}), RangeError);
  await assert.rejects(p.call('sentiment', 7), TypeError);
  await assert.rejects(p.call('sentiment', [1]), TypeError);
  await assert.rejects(p.call('a\0b', {}), TypeError);
  await assert.rejects(p.chat(undefined), TypeError);
  const cyclic = {};
  cyclic.self = cyclic;
  await assert.rejects(p.call('sentiment', cyclic), /not serializable as JSON/);
  await assert.rejects(p.call('sentiment', { n: 10n }), TypeError);
  assert.throws(() => new plexus.Context([1]), TypeError);
  assert.throws(() => new plexus.Provider({}, 'local'), TypeError);
  assert.throws(() => p.chatStream({ messages: [] }, { signal: 'x' }), TypeError);
  assert.throws(() => plexus.statusName('x'), TypeError);
  ctx.close();
});

test('the raw addon refuses the wrong handle kind', () => {
  const { ADDON } = require('./common');
  const raw = require(ADDON);
  const ctx = raw.ctxNew(null);
  assert.throws(() => raw.callSync(ctx, 'sentiment', '{}'), /expected a Provider handle/);
  assert.throws(() => raw.callSync({}, 'sentiment', '{}'), TypeError);
  assert.throws(() => raw.callSync(), TypeError);
  const p = raw.providerNew(ctx, 'local', null);
  assert.throws(() => raw.callSync(p, 5, '{}'), TypeError);
  raw.close(ctx, 0);
  assert.throws(() => raw.callSync(p, 'sentiment', '{"text":"x"}'), /closed/);
  raw.close(p, 1);
  raw.close(ctx, 0);
});
