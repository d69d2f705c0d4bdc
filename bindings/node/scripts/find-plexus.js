'use strict';
// Where the plexus headers and library are, for binding.gyp:
//
//   node scripts/find-plexus.js include   -> the directory of plexus.h
//   node scripts/find-plexus.js libs      -> linker flags (-L, -lplexus, rpath)
//   node scripts/find-plexus.js explain   -> what was found, and from where
//
// In order: PLEXUS_INCLUDE_DIR / PLEXUS_LIB_DIR, PLEXUS_PREFIX (its include/
// and lib/, lib64/ or lib/<multiarch>/), `pkg-config plexus`, and last the
// source tree this package sits in (include/, and the lib/ of the meson build
// dir PLEXUS_BUILD_DIR, else build/). The library directory is recorded as
// the addon's run path, so the addon finds libplexus at run time without
// LD_LIBRARY_PATH.

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..', '..');

const hasHeader = (dir) => !!dir && fs.existsSync(path.join(dir, 'plexus.h'));
const hasLib = (dir) => !!dir && fs.existsSync(path.join(dir, 'libplexus.so'));

function libDirs(prefix) {
  const dirs = [path.join(prefix, 'lib'), path.join(prefix, 'lib64')];
  try {
    const multiarch = execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (multiarch) dirs.push(path.join(prefix, 'lib', multiarch));
  } catch { /* no gcc: the plain dirs only */ }
  return dirs;
}

function pkgConfig() {
  const run = (flag) => execFileSync('pkg-config', [flag, 'plexus'], { encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const inc = run('--cflags-only-I').split(/\s+/).filter(Boolean).map((f) => f.slice(2));
    const lib = run('--libs-only-L').split(/\s+/).filter(Boolean).map((f) => f.slice(2));
    return {
      include: inc.find(hasHeader) || run('--variable=includedir'),
      lib: lib.find(hasLib) || run('--variable=libdir'),
    };
  } catch {
    return null;
  }
}

function find(env = process.env) {
  let include = env.PLEXUS_INCLUDE_DIR || null;
  let lib = env.PLEXUS_LIB_DIR || null;
  const from = [];
  if (include) from.push('PLEXUS_INCLUDE_DIR');
  if (lib) from.push('PLEXUS_LIB_DIR');
  if (env.PLEXUS_PREFIX && (!include || !lib)) {
    include = include || path.join(env.PLEXUS_PREFIX, 'include');
    lib = lib || libDirs(env.PLEXUS_PREFIX).find(hasLib) || path.join(env.PLEXUS_PREFIX, 'lib');
    from.push('PLEXUS_PREFIX');
  }
  if (!include || !lib) {
    const pc = pkgConfig();
    if (pc && hasHeader(pc.include)) {
      include = include || pc.include;
      lib = lib || pc.lib;
      from.push('pkg-config plexus');
    }
  }
  if (!include || !lib) {
    const build = env.PLEXUS_BUILD_DIR ? path.resolve(env.PLEXUS_BUILD_DIR)
      : path.join(REPO, 'build');
    include = include || path.join(REPO, 'include');
    lib = lib || path.join(build, 'lib');
    from.push('the source tree');
  }
  return { include, lib, from: from.join(', ') };
}

function fail(found) {
  process.stderr.write(
    `plexus: no usable libplexus (looked at: ${found.from}): ` +
    `headers in ${found.include}: ${hasHeader(found.include) ? 'found' : 'missing'}; ` +
    `library in ${found.lib}: ${hasLib(found.lib) ? 'found' : 'missing'}.\n` +
    'Build and install libplexus (meson setup build && ninja -C build), or set ' +
    'PLEXUS_PREFIX, or PLEXUS_INCLUDE_DIR and PLEXUS_LIB_DIR (docs/NODE.md).\n');
  process.exit(1);
}

function main(what) {
  const found = find();
  if (what === 'explain') {
    console.log(JSON.stringify(found));
    return;
  }
  if (!hasHeader(found.include) || !hasLib(found.lib)) fail(found);
  if (what === 'include') {
    console.log(found.include);
  } else if (what === 'libs') {
    console.log([`-L${found.lib}`, '-lplexus', `-Wl,-rpath,${found.lib}`].join(' '));
  } else {
    process.stderr.write('usage: find-plexus.js include|libs|explain\n');
    process.exit(2);
  }
}

if (require.main === module) main(process.argv[2]);

module.exports = { find };
