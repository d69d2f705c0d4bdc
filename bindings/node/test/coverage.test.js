'use strict';
// Every function libplexus exports (lib/plexus.map) is either wrapped by
// the addon or listed below as left out on purpose: a new export fails
// this test until the binding decides.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const MAP = path.join(__dirname, '..', '..', '..', 'lib', 'plexus.map');
const SRC = path.join(__dirname, '..', 'src');

// Called synchronously by the library from whichever thread makes a call
// (custom transports and auth, and the request/response accessors they
// use), or replaced by the Promises (the async engine): docs/NODE.md.
const LEFT_OUT = /^plx_(auth_funcs_|transport_funcs_|request_|response_)|^plx_(call_async|ctx_poll|predict_async|ctx_set_transport|provider_set_transport|provider_set_auth)$/;

test('every export is wrapped or left out on purpose', (t) => {
  if (!fs.existsSync(MAP)) return t.skip(`no ${MAP} (not a source tree)`);
  const exported = [...fs.readFileSync(MAP, 'utf8').matchAll(/^\s+(plx_\w+);/gm)]
    .map((m) => m[1]);
  assert.ok(exported.length > 50);
  const source = fs.readdirSync(SRC).filter((f) => f.endsWith('.c'))
    .map((f) => fs.readFileSync(path.join(SRC, f), 'utf8')).join('\n');
  const missing = exported.filter((f) => !LEFT_OUT.test(f) &&
    !new RegExp(`\\b${f}\\(`).test(source));
  assert.deepEqual(missing, [], 'exports the addon does not wrap');
});
