'use strict';
// One Error class per plx_status, generated from the library's own status
// names (plx_status_name), so a status added to libplexus gets a class
// without a change here:
//
//   PlexusError                  .status .code .message .result
//     InvalidArgumentError       PLX_EINVAL
//       ClosedError              a closed Context, Provider, ... was used
//     AuthError                  PLX_EAUTH
//     RateLimitError             PLX_ERATELIMIT
//     ...                        (PLX_EFOO without a name below: FooError)
//
// The names are those of the Python binding.

const NAMES = {
  PLX_EINVAL: 'InvalidArgumentError',
  PLX_ENOMEM: 'OutOfMemoryError',
  PLX_ECONFIG: 'ConfigError',
  PLX_ENOTFOUND: 'NotFoundError',
  PLX_ETRANSPORT: 'TransportError',
  PLX_ETIMEOUT: 'TimedOutError',
  PLX_ETLS: 'TLSError',
  PLX_EHTTP: 'HTTPError',
  PLX_EAUTH: 'AuthError',
  PLX_ERATELIMIT: 'RateLimitError',
  PLX_ECIRCUIT: 'CircuitOpenError',
  PLX_EPROTOCOL: 'ProtocolError',
  PLX_ETOOBIG: 'TooBigError',
  PLX_EBUDGET: 'BudgetError',
  PLX_EUNSUPPORTED: 'UnsupportedError',
  PLX_EIO: 'FileError',
  PLX_EBUSY: 'BusyError',
  PLX_ECANCELED: 'CanceledError',
  PLX_EINTERNAL: 'InternalError',
};

function camel(code) {
  const word = code.startsWith('PLX_E') ? code.slice(5) : code.replace(/^PLX_/, '');
  return word.charAt(0) + word.slice(1).toLowerCase() + 'Error';
}

function parseResult(json) {
  if (json === null || json === undefined) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function make(addon) {
  const statusName = (s) => addon.statusText(s, 0);
  const statusStr = (s) => addon.statusText(s, 1);

  /** A plexus call failed. */
  class PlexusError extends Error {
    // status: the plx_status number; message: plx_errmsg of the failed call
    // (or the result's error.message); result: the call's result JSON
    // parsed, when there is one (provider, attempts, error{code,
    // http_status, retryable, request_id, ...}).
    constructor(message, result, status) {
      const st = status !== undefined ? status : new.target.status;
      const known = Number.isInteger(st);
      super(message || (known ? statusStr(st) : 'plexus call failed'));
      Object.defineProperty(this, 'name', { value: new.target.name, configurable: true,
        writable: true, enumerable: false });
      this.status = st;
      this.code = known ? statusName(st) : undefined;
      this.result = result;
    }
  }
  PlexusError.status = undefined;

  const byStatus = new Map();
  const classes = { PlexusError };
  for (let s = 1; s < 1024; s++) {
    const code = statusName(s);
    if (code === 'PLX_UNKNOWN') break;
    const name = NAMES[code] || camel(code);
    // A class named `name`, built so that its .name is right.
    const cls = { [name]: class extends PlexusError {} }[name];
    cls.status = s;
    cls.code = code;
    byStatus.set(s, cls);
    classes[name] = cls;
  }

  const Invalid = byStatus.get(1) || PlexusError;
  class ClosedError extends Invalid {
    constructor(message) {
      super(message, undefined, 1);
    }
  }
  classes.ClosedError = ClosedError;

  /** The class of a status (PlexusError for one this library has no name for). */
  function errorClass(status) {
    return byStatus.get(status) || PlexusError;
  }

  // The factory the addon calls for every failure: (status, plx_errmsg,
  // result JSON or null) -> the error to throw or reject with.
  function fromStatus(status, message, json) {
    const result = parseResult(json);
    if (!message && result && result.error && typeof result.error.message === 'string') {
      message = result.error.message;
    }
    const cls = errorClass(status);
    return cls === PlexusError ? new PlexusError(message, result, status)
      : new cls(message, result);
  }

  return { classes, errorClass, fromStatus, statusName, statusStr, ClosedError };
}

module.exports = { make };
