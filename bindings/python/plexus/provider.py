"""Providers: calls, chat, streaming chat, embeddings, stats, and custom
transport and auth from Python callables."""
import codecs
import ctypes
import io
import json
import queue
import threading

from . import _callbacks, _ffi, errors, http
from ._base import (Handle, Object, call, check, cstr, error_for, errmsg, invoke, invoke_json,
                    name_arg, request_arg, take_string)
from ._ffi import lib

_plx_call = lib.plx_call
_loads = json.loads


def async_done(fn, what="done"):
    """The C-side done for a Python done(result, error) callable: result is
    the parsed result JSON (or None), error None or the PlexusError."""
    if not callable(fn):
        raise TypeError(f"{what}: expected a callable, got {type(fn).__name__}")

    def done(status, text):
        result = None if text is None else _loads(text)
        error = None
        if status:
            detail = result.get("error") if isinstance(result, dict) else None
            message = detail.get("message", "") if isinstance(detail, dict) else ""
            error = error_for(status, message, text)
        fn(result, error)
    return done


class Provider(Object):
    """plx_provider: one configured service.

    Provider(ctx, kind, config) makes a new provider, owned by the caller
    (close() frees it; so does closing its Context). Context.provider(name)
    gives one declared in the config, owned by the context.

    Every method that calls the service returns the result as a dict, or
    raises the PlexusError subclass of the failure with .result holding
    the result JSON (provider, attempts, latency_ms, error{...}).

    Threads: a provider may be used by many threads at once; set transport
    and auth before sharing it.
    """

    def __init__(self, ctx, kind, config=None):
        from .context import Context
        if not isinstance(ctx, Context):
            raise TypeError(f"ctx: expected a plexus.Context, got {type(ctx).__name__}")
        kind_b = cstr(kind, "kind")
        data = request_arg(config, None, "config") if config is not None else None
        ptr = _ffi.plx_provider_p()
        cptr = ctx._ptr()
        check(lib.plx_provider_new(cptr, kind_b, data, ctypes.byref(ptr)), cptr)
        self._ctx = ctx
        self._handle = Handle(ptr, lib.plx_provider_free, ctx._handle)

    @classmethod
    def _wrap(cls, ctx, ptr, owned):
        self = cls.__new__(cls)
        self._ctx = ctx
        self._handle = Handle(ptr, lib.plx_provider_free if owned else None, ctx._handle)
        return self

    def __repr__(self):
        if self.closed:
            return "<plexus.Provider closed>"
        return f"<plexus.Provider {self.name!r} kind={self.kind!r}>"

    @property
    def context(self):
        return self._ctx

    @property
    def name(self):
        return lib.plx_provider_name(self._ptr()).decode()

    @property
    def kind(self):
        return lib.plx_provider_kind(self._ptr()).decode()

    def _cptr(self):
        return self._ctx._handle.ptr

    # ---- calls ------------------------------------------------------------------
    def call(self, op, request=None, /, **fields):
        """Calls operation op and waits: call("sentiment", {"text": "..."}),
        or with keyword fields: call("sentiment", text="...")."""
        p = self._ptr()
        text = invoke(_plx_call, self._cptr(), p, name_arg(op, "op"), request_arg(request, fields))
        return _loads(text)

    def call_async(self, op, request=None, /, *, done, **fields):
        """Starts a call and returns at once; done(result, error) runs later
        from Context.poll() on the polling thread (error None on success,
        else the PlexusError, whose .result is the result too)."""
        p = self._ptr()
        op_b, data = name_arg(op, "op"), request_arg(request, fields)
        token = _callbacks.register(async_done(done))
        try:
            call(lib.plx_call_async, self._cptr(), p, op_b, data, _callbacks.call_done, token)
        except BaseException:
            _callbacks.release(token)
            raise

    def chat(self, request=None, /, **fields):
        """A chat completion: chat(messages=[{"role": "user", "content": "hi"}]).
        Returns {"text", "finish_reason", "model", "usage", "cost_usd", ...}."""
        p = self._ptr()
        return _loads(invoke(lib.plx_chat, self._cptr(), p, request_arg(request, fields)))

    def chat_stream(self, request=None, /, **fields):
        """A streamed chat: an iterator of text deltas (str) as they arrive;
        afterwards its .result is what chat() returns. Leaving the loop
        early (break, close(), or dropping the iterator) stops the stream:
        the library is told to stop at the next delta.

            with p.chat_stream(messages=[...]) as s:
                for delta in s:
                    print(delta, end="")
            s.result["usage"]

        A failure is raised by the iteration, after the text that came."""
        p = self._ptr()
        return ChatStream(self, p, request_arg(request, fields))

    def embed(self, request=None, /, **fields):
        """Embeddings: embed(input=["a", "b"]) -> {"vectors": [[...], ...], ...}."""
        p = self._ptr()
        return _loads(invoke(lib.plx_embed, self._cptr(), p, request_arg(request, fields)))

    def stats(self):
        """Counters and circuit state: {"name", "kind", "calls", ...}."""
        p = self._ptr()
        return invoke_json(lib.plx_provider_stats, self._cptr(), p)

    # ---- objects (kind "s3") ----------------------------------------------------
    def get_object(self, request=None, /, *, sink=None, **fields):
        """Downloads an object as it arrives (plx_object_get):

            with open("out.bin", "wb") as f:
                p.get_object(key="big.bin", sink=f)

        sink is a binary file (its write() gets each piece) or a callable
        taking bytes (a true return value stops: CanceledError); None
        writes to the request's "file". An exception in sink stops the
        download and is raised here. Returns {"size", "etag", ...}."""
        p = self._ptr()
        data = request_arg(request, fields)
        if sink is None:
            return _loads(invoke(lib.plx_object_get, self._cptr(), p, data,
                                 _ffi.plx_object_sink_fn(), None))
        is_file = hasattr(sink, "write")
        write = sink.write if is_file else sink
        if not callable(write):
            raise TypeError(f"sink: expected a binary file or a callable, "
                            f"got {type(sink).__name__}")
        raised = []

        def on_data(ptr, n, user_data):
            try:
                stop = write(ctypes.string_at(ptr, n))
                return 1 if stop and not is_file else 0
            except BaseException as e:
                raised.append(e)
                return 1

        return _with_callback_errors(raised, lambda: invoke(
            lib.plx_object_get, self._cptr(), p, data, _ffi.plx_object_sink_fn(on_data), None))

    def put_object(self, request=None, /, *, source=None, **fields):
        """Uploads an object (plx_object_put), multipart when large, with
        bounded memory:

            with open("big.bin", "rb") as f:
                p.put_object(key="big.bin", source=f)

        source is a binary file (read(n)), bytes, or a callable taking the
        most bytes it may return and returning bytes (b"" at the end); None
        uploads the request's "file", "body" or "body_base64". An exception
        in source aborts the upload and is raised here."""
        p = self._ptr()
        data = request_arg(request, fields)
        if source is None:
            return _loads(invoke(lib.plx_object_put, self._cptr(), p, data,
                                 _ffi.plx_object_source_fn(), None))
        if isinstance(source, (bytes, bytearray, memoryview)):
            source = io.BytesIO(bytes(source))
        read = getattr(source, "read", None) or source
        if not callable(read):
            raise TypeError(f"source: expected a binary file, bytes or a callable, "
                            f"got {type(source).__name__}")
        raised = []

        def on_read(buf, cap, user_data):
            try:
                chunk = read(cap)
                if isinstance(chunk, str) or not isinstance(chunk, (bytes, bytearray,
                                                                    memoryview)):
                    raise TypeError(f"source returned {type(chunk).__name__}, not bytes")
                n = len(chunk)
                if n > cap:
                    raise ValueError(f"source returned {n} bytes, more than the {cap} asked for")
                ctypes.memmove(buf, bytes(chunk), n)
                return n
            except BaseException as e:
                raised.append(e)
                return -1

        return _with_callback_errors(raised, lambda: invoke(
            lib.plx_object_put, self._cptr(), p, data, _ffi.plx_object_source_fn(on_read), None))

    # ---- transport and auth --------------------------------------------------------
    def set_transport(self, send):
        """Sends this provider's requests through the Python callable
        send(request, response) instead of the context's transport; None
        restores it. Set it before calls are made (plexus.http)."""
        p = self._ptr()
        if send is None:
            check(lib.plx_provider_set_transport(p, None), self._cptr())
            return
        funcs = http.transport_funcs(send)
        try:
            check(lib.plx_provider_set_transport(p, funcs), self._cptr())
        finally:
            lib.plx_transport_funcs_unref(funcs)

    def set_auth(self, sign):
        """Signs this provider's requests with the Python callable
        sign(request), once per attempt, instead of the configured auth;
        None restores it. Register secrets with Context.add_secret."""
        p = self._ptr()
        if sign is None:
            check(lib.plx_provider_set_auth(p, None), self._cptr())
            return
        funcs = http.auth_funcs(sign)
        try:
            check(lib.plx_provider_set_auth(p, funcs), self._cptr())
        finally:
            lib.plx_auth_funcs_unref(funcs)


def _with_callback_errors(raised, run):
    """run() (a call that takes a Python data callback); an exception the
    callback raised is raised instead of the call's CanceledError."""
    try:
        text = run()
    except errors.PlexusError:
        if raised:
            raise raised[0]
        raise
    if raised:
        raise raised[0]
    return _loads(text)


_END = object()


class _StreamState:
    """What the streaming thread shares with the iterator (not the iterator
    itself, so that dropping the iterator stops the stream). It is also a
    child of the provider's handle: closing the provider or its context
    first stops the stream and waits for the C call to end."""

    __slots__ = ("queue", "stop", "status", "message", "text", "cause", "thread", "parent")

    def __init__(self, parent):
        self.queue = queue.SimpleQueue()
        self.stop = threading.Event()
        self.status = None
        self.message = ""
        self.text = None
        self.cause = None
        self.thread = None
        self.parent = parent
        parent.children[id(self)] = self

    def close(self):
        self.stop.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join()

    def finished(self):
        self.parent.children.pop(id(self), None)
        self.queue.put(_END)


def _stream(state, ctx_ptr, p, request):
    def on_delta(ptr, n, user_data):
        if state.stop.is_set():
            return 1
        state.queue.put(ctypes.string_at(ptr, n))
        return 0

    delta_fn = _ffi.plx_chat_delta_fn(on_delta)
    out = ctypes.c_void_p()
    try:
        state.status = lib.plx_chat_stream(p, request, delta_fn, None, ctypes.byref(out))
        if state.status:
            state.message = errmsg(ctx_ptr)
        state.text = take_string(out.value)
    except BaseException as e:      # only a bug of this module could get here
        state.cause = e
        state.status = state.status or int(errors.Status.EINTERNAL)
    finally:
        state.finished()


class ChatStream:
    """The iterator Provider.chat_stream returns: text deltas (str), then
    .result. A context manager: leaving the block stops the stream."""

    def __init__(self, provider, p, request):
        self._provider = provider     # keeps the provider (and ctx) open meanwhile
        self._state = state = _StreamState(provider._handle)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._finished = False
        self._raised = False
        state.thread = threading.Thread(target=_stream, name="plexus-chat-stream",
                                        args=(state, provider._cptr(), p, request), daemon=True)
        state.thread.start()

    def __iter__(self):
        return self

    def __next__(self):
        while not self._finished:
            item = self._state.queue.get()
            if item is _END:
                self._finished = True
                tail = self._decoder.decode(b"", final=True)
                if tail:
                    return tail
                break
            text = self._decoder.decode(item)
            if text:
                return text
        self._raise_failure()
        raise StopIteration

    def _raise_failure(self):
        s = self._state
        if self._raised or not s.status or self.canceled:
            return
        self._raised = True
        failure = error_for(s.status, s.message, s.text)
        if s.cause is not None:
            raise failure from s.cause
        raise failure

    def close(self):
        """Stops the stream (at the library's next delta) and waits for the
        call to end; .result then holds the text so far. Safe to call twice."""
        self._state.close()
        self._finished = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # No join here: the stream stops at its next delta.
        state = getattr(self, "_state", None)
        if state is not None:
            state.stop.set()

    @property
    def canceled(self):
        """True when the stream was stopped before its end."""
        s = self._state
        return s.stop.is_set() and s.status == errors.Status.ECANCELED

    @property
    def result(self):
        """The final result (what chat() returns), waiting for the end of
        the call; after an early stop, the text so far. None when the call
        gave none (a request that could not start)."""
        self._state.thread.join()
        text = self._state.text
        return None if text is None else _loads(text)
