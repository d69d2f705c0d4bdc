'use strict';
// npm's install script: builds the addon with node-gyp, offline when it can.
//
// node-gyp wants the headers of the running node. By default it downloads
// them; but node packages (Debian's nodejs + libnode-dev, NodeSource's
// nodejs, the official tarballs) already put them under PREFIX/include/node,
// so this passes --nodedir=PREFIX when they are there and no download is
// needed. An explicit npm_config_nodedir wins.

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const inc = path.join(prefix, 'include', 'node');
  const ok = ['node_api.h', 'common.gypi'].every((f) => fs.existsSync(path.join(inc, f)));
  return ok ? prefix : null;
}

// The node-gyp that npm runs scripts with, npm's own copy, or one on PATH.
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm',
      'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const js = candidates.find((p) => p && p.endsWith('.js') && fs.existsSync(p));
  return js ? [process.execPath, js] : ['node-gyp'];
}

function main() {
  const argv = ['rebuild'];
  if (!process.env.npm_config_nodedir) {
    const dir = localNodeDir();
    if (dir) argv.push(`--nodedir=${dir}`);
    else console.error('plexus: no node headers next to this node: node-gyp will download them');
  }
  const [cmd, ...pre] = nodeGyp();
  const r = spawnSync(cmd, [...pre, ...argv], { stdio: 'inherit', cwd: path.join(__dirname, '..') });
  if (r.error) {
    console.error(`plexus: could not run node-gyp (${r.error.message}); install it ` +
      '(npm install -g node-gyp, or Debian: node-gyp)');
    process.exit(1);
  }
  process.exit(r.status === null ? 1 : r.status);
}

main();
