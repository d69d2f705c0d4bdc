'use strict';
// Finds and loads the compiled addon, and checks that the libplexus it
// linked is one its headers are compatible with. A failure explains itself:
// what was tried, what went wrong, how to fix it.

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const ADDON = 'plexus_node.node';

class LoadError extends Error {
  constructor(message, cause) {
    super(message, cause ? { cause } : undefined);
    this.name = 'LoadError';
    this.code = 'ERR_PLEXUS_LOAD';
  }
}

function candidates(env) {
  if (env.PLEXUS_NODE_ADDON) return [path.resolve(env.PLEXUS_NODE_ADDON)];
  return [path.join(ROOT, 'build', 'Release', ADDON), path.join(ROOT, 'build', 'Debug', ADDON)];
}

function hint(err) {
  const text = String(err && err.message);
  if (/libplexus\.so/.test(text)) {
    return 'libplexus was not found at run time: install it where the dynamic loader ' +
      'looks, or rebuild the addon with PLEXUS_LIB_DIR (or PLEXUS_PREFIX) set so that it ' +
      'records the library directory, or set LD_LIBRARY_PATH (docs/NODE.md)';
  }
  if (/undefined symbol: plx_/.test(text)) {
    return 'the libplexus found at run time is older than the headers the addon was ' +
      'built with: rebuild the addon against it, or point LD_LIBRARY_PATH at the newer one';
  }
  return 'rebuild it with `npm rebuild plexus` (docs/NODE.md)';
}

// Checks versions = addon.versions(): same major version, and a library
// at least as new as the headers (it may have functions the addon calls).
function checkVersions(v) {
  const major = (n) => n >>> 16;
  if (major(v.version) !== major(v.headerVersion) || v.version < v.headerVersion) {
    throw new LoadError(`libplexus ${v.versionString} is loaded, but the addon was built ` +
      `against the headers of ${v.headerVersionString}: rebuild the addon (npm rebuild plexus)`);
  }
  return v;
}

function load(env = process.env) {
  const tried = candidates(env);
  const found = tried.find((p) => fs.existsSync(p));
  if (!found) {
    const how = env.PLEXUS_NODE_ADDON ? 'PLEXUS_NODE_ADDON names a file that does not exist'
      : 'the addon is not built: run `npm install` in bindings/node, or `npm install ' +
        'path/to/bindings/node` (docs/NODE.md)';
    throw new LoadError(`cannot load the plexus addon: ${how} (looked for ${tried.join(', ')})`);
  }
  let addon;
  try {
    addon = require(found);
  } catch (err) {
    throw new LoadError(`cannot load the plexus addon ${found}: ${err.message}; ${hint(err)}`,
      err);
  }
  checkVersions(addon.versions());
  return addon;
}

module.exports = { load, checkVersions, LoadError };
