'use strict';
// Loading the addon: each way it can fail says what went wrong and how to
// fix it. Each case runs in a child node with its own environment.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ADDON } = require('./common');
const { checkVersions, LoadError } = require('../lib/addon');

const INDEX = path.join(__dirname, '..', 'index.js');

function loadIn(env) {
  const r = spawnSync(process.execPath, ['-e', `
    try { require(${JSON.stringify(INDEX)}); console.log('loaded'); }
    catch (e) { console.log(e.name + ' ' + e.code + ': ' + e.message); }`],
  { env: { ...process.env, ...env }, encoding: 'utf8' });
  return (r.stdout + r.stderr).trim();
}

test('the addon loads and reports the library version', () => {
  const plexus = require('..');
  assert.match(plexus.version, /^\d+\.\d+\.\d+$/);
  assert.equal(typeof plexus.versionNumber, 'number');
});

test('PLEXUS_NODE_ADDON naming a missing file', () => {
  const out = loadIn({ PLEXUS_NODE_ADDON: '/nonexistent/plexus_node.node' });
  assert.match(out, /^LoadError ERR_PLEXUS_LOAD: cannot load the plexus addon: /);
  assert.match(out, /PLEXUS_NODE_ADDON names a file that does not exist/);
  assert.match(out, /\/nonexistent\/plexus_node\.node/);
});

test('a file that is not an addon', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plexus-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bogus = path.join(dir, 'plexus_node.node');
  fs.writeFileSync(bogus, 'not an ELF file');
  const out = loadIn({ PLEXUS_NODE_ADDON: bogus });
  assert.match(out, /^LoadError ERR_PLEXUS_LOAD: cannot load the plexus addon .*plexus_node\.node: /);
  assert.match(out, /npm rebuild plexus/);
});

test('libplexus missing at run time', (t) => {
  // A copy of the addon two levels away from its build tree: its run path
  // ($ORIGIN/../../lib) no longer leads to libplexus.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plexus-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const deep = path.join(dir, 'a', 'b');
  fs.mkdirSync(deep, { recursive: true });
  const copy = path.join(deep, 'plexus_node.node');
  fs.copyFileSync(ADDON, copy);
  const out = loadIn({ PLEXUS_NODE_ADDON: copy, LD_LIBRARY_PATH: '' });
  if (out === 'loaded') {
    t.skip('libplexus is installed where the loader finds it anyway');
    return;
  }
  assert.match(out, /^LoadError ERR_PLEXUS_LOAD: /);
  assert.match(out, /libplexus\.so\.0/);
  assert.match(out, /PLEXUS_LIB_DIR/);
});

test('version checks: same major, library not older than the headers', () => {
  const v = (lib, hdr) => ({ version: lib, headerVersion: hdr, versionString: `v${lib}`,
    headerVersionString: `v${hdr}` });
  assert.doesNotThrow(() => checkVersions(v(0x000100, 0x000100)));
  assert.doesNotThrow(() => checkVersions(v(0x000200, 0x000100)));
  assert.throws(() => checkVersions(v(0x000100, 0x000200)),
    (e) => e instanceof LoadError && /rebuild the addon/.test(e.message));
  assert.throws(() => checkVersions(v(0x010000, 0x000100)), LoadError);
});
