'use strict';
// Calls that report as they go. The addon runs them on a worker thread and
// calls back on the JS thread with each piece (a text delta, a progress
// line) and then once with the end: (null, error | null, resultJson).

// A streamed chat: an async iterator of text deltas; `result` is a Promise
// of what chat() returns. Leaving the loop early (break, return, throw)
// stops the C stream: its next delta callback returns non-zero and the call
// ends with PLX_ECANCELED (result then rejects with a CanceledError whose
// .result has the text so far). A failure rejects the iteration, after the
// text that came, and `result` with the same error.
class ChatStream {
  #queue = [];
  #waiter = null;
  #ended = false;
  #error = null;
  #errorSeen = false;
  #stopped = false;
  #control;
  #addon;

  constructor(addon, start, signal) {
    this.#addon = addon;
    let settle;
    this.result = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    // Nobody has to await it (a loop left early cancels on purpose).
    this.result.catch(() => {});
    this.#control = start((delta, error, json) => {
      if (delta !== null) {
        this.#push(delta);
        return;
      }
      this.#ended = true;
      if (error) {
        this.#error = error;
        settle.reject(error);
      } else {
        settle.resolve(JSON.parse(json));
      }
      this.#wake();
    });
    if (signal) {
      if (signal.aborted) this.stop();
      else signal.addEventListener('abort', () => this.stop(), { once: true });
    }
  }

  /** True once stop() was called or the loop was left early. */
  get stopped() {
    return this.#stopped;
  }

  /** Stops the stream at the next delta; `result` then rejects with a CanceledError. */
  stop() {
    if (this.#stopped) return;
    this.#stopped = true;
    if (!this.#ended) this.#addon.flowStop(this.#control);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next() {
    if (this.#queue.length > 0) {
      return Promise.resolve({ value: this.#queue.shift(), done: false });
    }
    if (this.#ended) return this.#finish();
    return new Promise((resolve, reject) => { this.#waiter = { resolve, reject }; });
  }

  return() {
    this.stop();
    this.#queue.length = 0;
    this.#errorSeen = true;
    if (this.#waiter) {
      this.#waiter.resolve({ value: undefined, done: true });
      this.#waiter = null;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  #finish() {
    if (this.#error && !this.#errorSeen) {
      this.#errorSeen = true;
      return Promise.reject(this.#error);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  #push(delta) {
    if (this.#stopped && this.#errorSeen) return;   // the loop was left
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w.resolve({ value: delta, done: false });
    } else {
      this.#queue.push(delta);
    }
  }

  #wake() {
    if (!this.#waiter || this.#queue.length > 0) return;
    const w = this.#waiter;
    this.#waiter = null;
    this.#finish().then(w.resolve, w.reject);
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

module.exports = { ChatStream, runBatch };
