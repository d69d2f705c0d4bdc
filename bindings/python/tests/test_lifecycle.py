"""Handles: close() twice is fine, use after close raises ClosedError,
closing a context closes what was made from it, wrappers that go away free
their handle, and nothing leaks across many create/call/close cycles."""
import ctypes
import gc
import json

import pytest

import plexus
from plexus import _callbacks

PIPE = {"steps": [{"id": "s", "provider": "nlp", "op": "sentiment",
                   "input": {"text": "{{input.text}}"}}]}
CONFIG = {"log_level": "none", "providers": {"nlp": {"kind": "local"}}}


def test_close_twice_and_use_after_close():
    ctx = plexus.Context(CONFIG)
    p = plexus.Provider(ctx, "local")
    pl = plexus.Pipeline(ctx, PIPE)
    for obj in (pl, p, ctx):
        obj.close()
        obj.close()
        assert obj.closed
    with pytest.raises(plexus.ClosedError):
        ctx.usage()
    with pytest.raises(plexus.ClosedError):
        ctx.provider("nlp")
    with pytest.raises(plexus.ClosedError) as e:
        p.call("sentiment", text="x")
    assert e.value.status == plexus.Status.EINVAL
    assert isinstance(e.value, ValueError)
    with pytest.raises(plexus.ClosedError):
        p.name
    with pytest.raises(plexus.ClosedError):
        pl.run({"text": "x"})
    with pytest.raises(plexus.ClosedError):
        plexus.Provider(ctx, "local")
    assert "closed" in repr(ctx) and "closed" in repr(p)


def test_closing_the_context_closes_its_objects():
    ctx = plexus.Context(CONFIG)
    owned = plexus.Provider(ctx, "local")
    borrowed = ctx.provider("nlp")
    pl = plexus.Pipeline(ctx, PIPE)
    ctx.close()
    assert owned.closed and borrowed.closed and pl.closed
    with pytest.raises(plexus.ClosedError):
        borrowed.call("sentiment", text="x")


def test_borrowed_provider_close_only_drops_the_wrapper():
    with plexus.Context(CONFIG) as ctx:
        a = ctx.provider("nlp")
        a.close()
        assert a.closed
        assert ctx.provider("nlp").call("sentiment", text="good")["label"] == "positive"


def test_context_managers():
    with plexus.Context(CONFIG) as ctx:
        with plexus.Provider(ctx, "local") as p:
            assert p.call("sentiment", text="good")["label"] == "positive"
        assert p.closed
        with plexus.Pipeline(ctx, PIPE) as pl:
            assert pl.run({"text": "bad"})["status"] == "ok"
        assert pl.closed
    assert ctx.closed
    with pytest.raises(plexus.ClosedError):
        with ctx:
            pass


def test_dropped_wrappers_free_their_handles():
    with plexus.Context(CONFIG) as ctx:
        before = len(ctx._handle.children)
        p = plexus.Provider(ctx, "local")
        q = ctx.provider("nlp")
        assert len(ctx._handle.children) == before + 2
        del p, q
        gc.collect()
        assert len(ctx._handle.children) == before


# ---- leaks ----------------------------------------------------------------------
class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                               "usmblks", "fsmblks", "uordblks", "fordblks",
                                               "keepcost")]


def _heap_in_use():
    libc = ctypes.CDLL(None)
    try:
        fn = libc.mallinfo2
    except AttributeError:
        pytest.skip("no mallinfo2 (glibc >= 2.33) to measure the heap")
    fn.restype = _Mallinfo2
    gc.collect()
    m = fn()
    return m.uordblks + m.hblkhd


def _cycle(i):
    with plexus.Context(CONFIG) as ctx:
        p = plexus.Provider(ctx, "http", {"base_url": "http://svc.invalid"})
        p.set_transport(lambda req, resp: setattr(resp, "status", 200))
        p.set_auth(lambda req: None)
        ctx.set_log(lambda level, message: None)
        p.call("request", path=f"/{i}")
        nlp = ctx.provider("nlp")
        nlp.call("sentiment", text="fine")
        try:
            nlp.call("sentiment", text=1)
        except plexus.InvalidArgumentError:
            pass
        for _ in nlp.chat_stream(messages=[{"role": "user", "content": "Hi there."}]):
            break
        plexus.Pipeline(ctx, PIPE).run(json.dumps({"text": "ok"}))


def test_no_leaks_over_many_cycles():
    base_callbacks = _callbacks.count()
    for i in range(50):
        _cycle(i)                   # warm up: caches, pools, interned strings
    before = _heap_in_use()
    n = 1000
    for i in range(n):
        _cycle(i)
    grown = _heap_in_use() - before
    assert _callbacks.count() == base_callbacks
    # a leaked ctx, provider, funcs object or result string costs far more
    assert grown / n < 64, f"heap grew by {grown} bytes over {n} cycles"
