'use strict';
// Calls that report as they go. The addon runs them on a worker thread and
// calls back on the JS thread with each piece (a text delta, a progress
// line, an object's bytes) and then once with the end: (null, error |
// null, resultJson).

// A stream of pieces from a C call on a worker thread: an async iterator;
// `result` is a Promise of the call's result. Leaving the loop early
// (break, return, throw) or stop() stops the C call: its next callback
// returns non-zero and it ends with PLX_ECANCELED (result then rejects with
// a CanceledError whose .result is what the call gave so far). A failure
// rejects the iteration, after the pieces that came, and `result` with the
// same error.
// What the addon's callback holds a stream by: strongly, or weakly (with
// `strong` set while a reader waits). Made here, not in the constructor:
// an arrow over `this` there would put `this` in the context that every
// closure of the constructor shares, the callback's included.
function makeHolder(stream, weak) {
  return weak ? { strong: null, weak: new WeakRef(stream) } : { strong: stream, weak: null };
}

class PieceStream {
  #queue = [];
  #waiter = null;
  #ended = false;
  #error = null;
  #errorSeen = false;
  #stopped = false;
  #control;
  #addon;
  #ack;
  #holder;

  // start(onEvent) starts the call and gives its control handle. ack:
  // tell the addon when a piece is taken (it paces the producer). weak:
  // the addon's callback holds this stream weakly while no reader waits on
  // it, so that a stream dropped unread is collected (and its call
  // stopped) instead of waiting for ever. While a reader waits, the
  // callback must hold it: then nothing else may (the reader's suspended
  // function hangs off the promise this stream would settle).
  constructor(addon, start, signal, { ack = false, weak = false } = {}) {
    this.#addon = addon;
    this.#ack = ack;
    let settle;
    this.result = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    // Nobody has to await it (a loop left early cancels on purpose).
    this.result.catch(() => {});
    const holder = makeHolder(this, weak);
    this.#holder = holder;
    this.#control = start((piece, error, json) => {
      const s = holder.strong || holder.weak.deref();
      if (piece !== null) {
        if (s) s.#push(piece);
        return;
      }
      if (error) settle.reject(error);
      else settle.resolve(JSON.parse(json));
      if (s) s.#end(error);
    });
    if (signal) {
      const stop = () => (holder.strong || holder.weak.deref())?.stop();
      if (signal.aborted) this.stop();
      else signal.addEventListener('abort', stop, { once: true });
    }
  }

  /** True once stop() was called or the loop was left early. */
  get stopped() {
    return this.#stopped;
  }

  /** Stops the call at its next callback; `result` then rejects with a CanceledError. */
  stop() {
    if (this.#stopped) return;
    this.#stopped = true;
    if (!this.#ended) this.#addon.flowStop(this.#control);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next() {
    if (this.#queue.length > 0) return Promise.resolve({ value: this.#take(), done: false });
    if (this.#ended) return this.#finish();
    this.#holder.strong = this;
    return new Promise((resolve, reject) => { this.#waiter = { resolve, reject }; });
  }

  return() {
    this.stop();
    this.#queue.length = 0;
    this.#errorSeen = true;
    if (this.#waiter) this.#wake().resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  // Takes the waiting reader's resolvers; the callback may let go again.
  #wake() {
    const w = this.#waiter;
    this.#waiter = null;
    if (this.#holder.weak) this.#holder.strong = null;
    return w;
  }

  #take() {
    const piece = this.#queue.shift();
    if (this.#ack && !this.#ended) this.#addon.flowAck(this.#control, piece.length);
    return piece;
  }

  #finish() {
    if (this.#error && !this.#errorSeen) {
      this.#errorSeen = true;
      return Promise.reject(this.#error);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  #push(piece) {
    if (this.#stopped && this.#errorSeen) return;   // the loop was left
    this.#queue.push(piece);
    if (this.#waiter) this.#wake().resolve({ value: this.#take(), done: false });
  }

  #end(error) {
    this.#ended = true;
    this.#error = error || null;
    if (!this.#waiter || this.#queue.length > 0) return;
    const w = this.#wake();
    this.#finish().then(w.resolve, w.reject);
  }
}

// A streamed chat: text deltas (strings), then `result` is what chat()
// returns.
class ChatStream extends PieceStream {
  constructor(addon, start, signal) {
    super(addon, start, signal);
  }
}

// An object's bytes as they arrive (Buffers), paced by the reader: the C
// side waits while about 1 MiB is delivered and not yet read. `result` is
// plx_object_get's result (size, etag, resumed, ...). A stream dropped
// before its end is stopped.
class ObjectStream extends PieceStream {
  constructor(addon, start, signal) {
    super(addon, start, signal, { ack: true, weak: true });
  }
}

// A batch run: a Promise of the summary; onProgress(progress) is called
// about once a second (returning false stops the run, resumably); an
// exception in onProgress stops the run and rejects with that exception.
function runBatch(addon, start, onProgress, signal) {
  return new Promise((resolve, reject) => {
    let thrown = null;
    let stopped = false;
    let control = null;
    const stop = () => {
      if (!stopped && control) addon.flowStop(control);
      stopped = true;
    };
    control = start((line, error, json) => {
      if (line !== null) {
        if (!onProgress || thrown) return;
        try {
          if (onProgress(JSON.parse(line)) === false) stop();
        } catch (err) {
          thrown = err;
          stop();
        }
        return;
      }
      if (thrown) reject(thrown);
      else if (error) reject(error);
      else resolve(JSON.parse(json));
    });
    if (signal) {
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    }
  });
}

module.exports = { ChatStream, ObjectStream, runBatch };
