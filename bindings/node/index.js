'use strict';
// plexus for Node: classes over the addon's 1:1 wrappers of the C API.
//
// Blocking calls (call, chat, embed, predict, notify, pipeline runs) run on
// Node's worker pool and return Promises; results are the C API's JSON,
// parsed. Failures reject (or throw) the PlexusError subclass of their
// plx_status. docs/NODE.md is the guide, include/plexus/*.h the reference.

const { load, LoadError } = require('./lib/addon');
const args = require('./lib/args');
const flow = require('./lib/flow');
const errors = require('./lib/errors');

const addon = load();
const E = errors.make(addon);
addon.setErrorFactory(E.fromStatus);
const { ClosedError } = E;

const KIND = { Context: 0, Provider: 1, Endpoint: 2, Pipeline: 3 };
const LOG_LEVELS = { none: 0, error: 1, warn: 2, info: 3, debug: 4 };
const parse = JSON.parse;

// The methods that return a Promise report every failure through it, bad
// arguments and closed handles included.
function promised(fn) {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

// What every wrapper of a handle shares: the handle, close(), and the
// check that it (and its Context) is still open.
class Handle {
  #h;
  #kind;

  constructor(h, kind, ctx) {
    this.#h = h;
    this.#kind = kind;
    Object.defineProperty(this, 'context', { value: ctx || null, enumerable: false });
  }

  /** True after close(), or after close() of its Context. */
  get closed() {
    return this.#h === null || (this.context !== null && this.context.closed);
  }

  /** Frees the C object (once calls in flight on it end). Idempotent. */
  close() {
    if (this.#h === null) return;
    const h = this.#h;
    this.#h = null;
    addon.close(h, this.#kind);
  }

  [Symbol.dispose]() {
    this.close();
  }

  _handle() {
    if (this.closed) {
      throw new ClosedError(`the ${this.constructor.name} is closed`);
    }
    return this.#h;
  }
}

class Context extends Handle {
  #pipelines = Promise.resolve();

  /**
   * config: an object, JSON text, or nothing (docs/CONFIG.md).
   * options.log: a function (level, message) receiving log lines (level a
   * name: "error" ... "debug"); options.logLevel: the most verbose level
   * wanted (default "info").
   */
  constructor(config, options) {
    const cfg = args.json(config, 'config', { nullable: true });
    const opts = args.options(options, 'options');
    super(addon.ctxNew(cfg), KIND.Context, null);
    if (opts.log !== undefined) this.setLog(opts.log, opts.logLevel);
  }

  /** The provider declared as `name` in the config (owned by the Context). */
  provider(name) {
    return Provider._wrap(this, addon.ctxProvider(this._handle(), args.name(name, 'name')));
  }

  /** A new provider of a kind: new Provider(this, kind, config). */
  newProvider(kind, config) {
    return new Provider(this, kind, config);
  }

  /** The ML endpoint declared as `name` in the config's "endpoints". */
  endpoint(name) {
    return Endpoint._wrap(this, addon.ctxEndpoint(this._handle(), args.name(name, 'name')));
  }

  /** A new endpoint: new Endpoint(this, config). */
  newEndpoint(config) {
    return new Endpoint(this, config);
  }

  /** A pipeline: new Pipeline(this, definition). */
  newPipeline(definition) {
    return new Pipeline(this, definition);
  }

  /**
   * Sends one alert to every target at once (plx_notify). Resolves with the
   * report; when a target failed, rejects with the error of the first
   * failed one, whose .result is the report.
   */
  notify(targets, alert) {
    return promised(() => {
      const t = args.array(targets, 'targets');
      const a = args.json(alert, 'alert');
      return addon.notify(this._handle(), t, a).then(parse);
    });
  }

  /** Running usage and cost totals (plx_ctx_usage). */
  usage() {
    return parse(addon.ctxUsage(this._handle()));
  }

  /** Redacts secret from every log line and error message (plx_ctx_add_secret). */
  addSecret(secret) {
    addon.ctxAddSecret(this._handle(), args.str(secret, 'secret'));
  }

  /**
   * Sends log lines of `level` and more severe to fn(level, message) on the
   * JS thread; null discards them all. Set it before making calls (a
   * BusyError otherwise).
   */
  setLog(fn, level = 'info') {
    args.fn(fn, 'fn', true);
    if (!Object.hasOwn(LOG_LEVELS, level)) {
      throw new RangeError(`level: expected one of ${Object.keys(LOG_LEVELS).join(', ')}`);
    }
    const names = Object.keys(LOG_LEVELS);
    const js = fn ? (n, message) => fn(names[n] || String(n), message) : null;
    addon.ctxSetLog(this._handle(), js, LOG_LEVELS[level]);
  }

  // Pipeline runs drive the ctx's async calls with plx_ctx_poll, which one
  // thread at a time may do: runs on one Context go one after the other.
  _serialize(run) {
    const p = this.#pipelines.then(run);
    this.#pipelines = p.catch(() => {});
    return p;
  }
}

class Provider extends Handle {
  /** A new provider of `kind` ("http", "openai", "local", ...) from its config. */
  constructor(ctx, kind, config) {
    if (!(ctx instanceof Context)) {
      throw new TypeError(`ctx: expected a plexus Context, got ${args.typeName(ctx)}`);
    }
    const k = args.name(kind, 'kind');
    const cfg = args.json(config, 'config', { nullable: true });
    super(addon.providerNew(ctx._handle(), k, cfg), KIND.Provider, ctx);
  }

  // A wrapper for a handle the Context owns (no constructor checks to redo).
  static _wrap(ctx, h) {
    return Reflect.construct(Handle, [h, KIND.Provider, ctx], Provider);
  }

  get name() {
    return addon.providerInfo(this._handle(), 0);
  }

  get kind() {
    return addon.providerInfo(this._handle(), 1);
  }

  /** Calls operation `op` with a request (an object or JSON text): a Promise of the result. */
  call(op, request = {}) {
    return promised(() => {
      const o = args.name(op, 'op');
      const r = args.json(request, 'request');
      return addon.call(this._handle(), o, r).then(parse);
    });
  }

  /**
   * call() on the JS thread, returning the result: for in-process kinds
   * (local) whose calls take microseconds. It blocks the event loop for
   * the whole call: never use it for a network kind.
   */
  callSync(op, request = {}) {
    const o = args.name(op, 'op');
    const r = args.json(request, 'request');
    return parse(addon.callSync(this._handle(), o, r));
  }

  /** A chat completion (docs/OPERATIONS.md): a Promise of {text, finish_reason, usage, ...}. */
  chat(request) {
    return promised(() => addon.chat(this._handle(), args.json(request, 'request')).then(parse));
  }

  /**
   * A streamed chat: `for await (const delta of provider.chatStream(req))`,
   * then `await stream.result`. options.signal (an AbortSignal) stops it.
   */
  chatStream(request, options) {
    const r = args.json(request, 'request');
    const opts = args.options(options, 'options');
    const signal = args.signal(opts.signal, 'options.signal');
    const h = this._handle();
    return new flow.ChatStream(addon, (cb) => addon.chatStream(h, r, cb), signal);
  }

  /** Embeddings: a Promise of {vectors: [[...], ...], ...}. */
  embed(request) {
    return promised(() => addon.embed(this._handle(), args.json(request, 'request'))
      .then(parse));
  }

  /** Counters and circuit state (plx_provider_stats). */
  stats() {
    return parse(addon.providerStats(this._handle()));
  }

  /**
   * Downloads an object to the file named by request.file (plx_object_get
   * with no sink; kind s3): a Promise of {size, etag, resumed, ...}.
   */
  getObject(request) {
    return promised(() => addon.objectGet(this._handle(), args.json(request, 'request'))
      .then(parse));
  }

  /**
   * An object's bytes as they arrive: `for await (const chunk of
   * provider.objectStream({key}))` gives Buffers, paced by the reader;
   * then `await stream.result`. options.signal stops it.
   */
  objectStream(request, options) {
    const r = args.json(request, 'request');
    const opts = args.options(options, 'options');
    const signal = args.signal(opts.signal, 'options.signal');
    const h = this._handle();
    return new flow.ObjectStream(addon, (cb) => addon.objectStream(h, r, cb), signal);
  }

  /**
   * Uploads an object (plx_object_put; kind s3): from `data` (a Buffer or
   * Uint8Array, which must not change until the Promise settles), else
   * from request.file, request.body or request.body_base64. Large objects
   * go as multipart uploads. A Promise of {size, etag, multipart, ...}.
   */
  putObject(request, data) {
    return promised(() => {
      const r = args.json(request, 'request');
      if (data !== undefined && data !== null && !(data instanceof Uint8Array)) {
        throw new TypeError(`data: expected a Buffer or Uint8Array, got ${args.typeName(data)}`);
      }
      return addon.objectPut(this._handle(), r, data ?? null).then(parse);
    });
  }
}

class Endpoint extends Handle {
  /** A new ML endpoint over providers of ctx (docs/CONFIG.md, "endpoints"). */
  constructor(ctx, config) {
    if (!(ctx instanceof Context)) {
      throw new TypeError(`ctx: expected a plexus Context, got ${args.typeName(ctx)}`);
    }
    super(addon.endpointNew(ctx._handle(), args.json(config, 'config')), KIND.Endpoint, ctx);
  }

  static _wrap(ctx, h) {
    return Reflect.construct(Handle, [h, KIND.Endpoint, ctx], Endpoint);
  }

  /** Routes a predict request to a variant: a Promise of {outputs, predictions, variant, ...}. */
  predict(request) {
    return promised(() => addon.predict(this._handle(), args.json(request, 'request'))
      .then(parse));
  }

  /** Changes variant weights at once: {blue: 0, green: 100}. */
  setWeights(weights) {
    addon.endpointSetWeights(this._handle(), args.json(weights, 'weights'));
  }

  /** Per-variant counters, health and latency (plx_endpoint_stats). */
  stats() {
    return parse(addon.endpointStats(this._handle()));
  }
}

class Pipeline extends Handle {
  /** Loads and checks a definition (docs/PIPELINES.md). */
  constructor(ctx, definition) {
    if (!(ctx instanceof Context)) {
      throw new TypeError(`ctx: expected a plexus Context, got ${args.typeName(ctx)}`);
    }
    const def = args.json(definition, 'definition');
    super(addon.pipelineNew(ctx._handle(), def), KIND.Pipeline, ctx);
  }

  /**
   * Runs the pipeline on one record (any JSON value; a string is JSON
   * text): a Promise of {status, output, steps, totals}. A failed step
   * rejects with its error, whose .result is that same object.
   */
  run(input) {
    return promised(() => {
      const i = args.json(input, 'input', { objectOnly: false });
      this._handle();
      return this.context._serialize(() => addon.pipelineRun(this._handle(), i)).then(parse);
    });
  }

  /**
   * Runs the pipeline over a JSONL file (plx_pipeline_run_batch): a Promise
   * of the summary. options.onProgress(progress) about once a second
   * (return false to stop, resumably); options.signal stops it too.
   */
  runBatch(opts, options) {
    return promised(() => {
      const o = args.json(opts, 'opts');
      const cfg = args.options(options, 'options');
      const onProgress = args.fn(cfg.onProgress, 'options.onProgress', true);
      const signal = args.signal(cfg.signal, 'options.signal');
      this._handle();
      return this.context._serialize(() => flow.runBatch(addon,
        (cb) => addon.pipelineRunBatch(this._handle(), o, cb), onProgress, signal));
    });
  }
}

function statusArg(status) {
  if (!Number.isInteger(status)) {
    throw new TypeError(`status: expected an integer, got ${args.typeName(status)}`);
  }
  return status | 0;
}

const versions = addon.versions();

module.exports = {
  Context,
  Provider,
  Endpoint,
  Pipeline,
  ChatStream: flow.ChatStream,
  ObjectStream: flow.ObjectStream,
  LoadError,
  ...E.classes,
  /** The class of a status number (PlexusError for an unknown one). */
  errorClass: E.errorClass,
  /** The symbolic name of a status: "PLX_EAUTH" ("PLX_UNKNOWN" if unknown). */
  statusName: (status) => E.statusName(statusArg(status)),
  /** A short description of a status: "authentication failed". */
  statusStr: (status) => E.statusStr(statusArg(status)),
  /** The version of the loaded libplexus, "0.1.0", and as a number. */
  version: versions.versionString,
  versionNumber: versions.version,
};
