'use strict';
// Argument checks: every argument is checked here, before the addon sees it,
// and a bad one throws a TypeError or RangeError naming it.

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function str(value, what) {
  if (typeof value !== 'string') {
    throw new TypeError(`${what}: expected a string, got ${typeName(value)}`);
  }
  if (value.includes('\0')) throw new TypeError(`${what}: contains a NUL character`);
  return value;
}

function name(value, what) {
  if (str(value, what) === '') throw new RangeError(`${what}: must not be empty`);
  return value;
}

// JSON text for a JSON argument: a string is taken as JSON text as it is,
// anything else is serialized. Requests and configs are objects (or text);
// with objectOnly false any JSON value goes, null included.
function json(value, what, { nullable = false, objectOnly = true } = {}) {
  if (value === undefined || (value === null && objectOnly)) {
    if (nullable) return null;
    throw new TypeError(`${what}: expected ${objectOnly ? 'an object' : 'a JSON value'} ` +
      `or JSON text, got ${typeName(value)}`);
  }
  if (typeof value === 'string') return str(value, what);
  if (objectOnly && (typeof value !== 'object' || Array.isArray(value))) {
    throw new TypeError(`${what}: expected an object or JSON text, got ${typeName(value)}`);
  }
  let text;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`${what}: not serializable as JSON: ${err.message}`);
  }
  if (text === undefined) throw new TypeError(`${what}: not serializable as JSON`);
  return text;
}

function array(value, what) {
  if (typeof value === 'string') return str(value, what);
  if (!Array.isArray(value)) {
    throw new TypeError(`${what}: expected an array or JSON text, got ${typeName(value)}`);
  }
  return json(value, what, { objectOnly: false });
}

function fn(value, what, nullable = false) {
  if (nullable && (value === null || value === undefined)) return null;
  if (typeof value !== 'function') {
    throw new TypeError(`${what}: expected a function, got ${typeName(value)}`);
  }
  return value;
}

function options(value, what) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${what}: expected an object, got ${typeName(value)}`);
  }
  return value;
}

function signal(value, what) {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || typeof value.aborted !== 'boolean' ||
      typeof value.addEventListener !== 'function') {
    throw new TypeError(`${what}: expected an AbortSignal, got ${typeName(value)}`);
  }
  return value;
}

module.exports = { str, name, json, array, fn, options, signal, typeName };
