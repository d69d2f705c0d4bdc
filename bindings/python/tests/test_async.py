"""call_async + Context.poll: callbacks on the polling thread, errors as
exceptions passed to the callback, a callback's own exception out of poll."""
import pytest

import plexus


def test_many_calls_one_thread(ctx, local):
    results = []
    for i in range(20):
        local.call_async("sentiment", {"text": "great" if i % 2 else "awful"},
                         done=lambda r, e, i=i: results.append((i, r, e)))
    while ctx.poll(-1):
        pass
    assert sorted(i for i, _, _ in results) == list(range(20))
    for i, r, e in results:
        assert e is None
        assert r["label"] == ("positive" if i % 2 else "negative")
    assert ctx.poll(0) == 0


def test_failure_reaches_the_callback(ctx):
    p = plexus.Provider(ctx, "http", {"base_url": "http://svc.invalid",
                                      "retry": {"max_attempts": 1}})
    p.set_transport(lambda req, resp: setattr(resp, "status", 401))
    got = []
    p.call_async("request", path="/", done=lambda r, e: got.append((r, e)))
    while ctx.poll(-1):
        pass
    (r, e), = got
    assert isinstance(e, plexus.AuthError)
    assert e.result == r and r["error"]["code"] == "PLX_EAUTH"
    assert e.message == r["error"]["message"]


def test_call_that_cannot_start(ctx, local):
    with pytest.raises(plexus.InvalidArgumentError):
        local.call_async("sentiment", "{broken", done=lambda r, e: None)
    with pytest.raises(TypeError):
        local.call_async("sentiment", {}, done="not callable")
    assert ctx.poll(0) == 0


def test_callback_exception_comes_out_of_poll(ctx, local):
    ran = []

    def bad(r, e):
        raise ValueError("in done")

    local.call_async("sentiment", text="x", done=bad)
    local.call_async("sentiment", text="y", done=lambda r, e: ran.append(r))
    with pytest.raises(ValueError, match="in done"):
        while ctx.poll(-1):
            pass
    while ctx.poll(-1):
        pass
    assert len(ran) == 1


def test_async_through_a_python_transport(ctx):
    p = plexus.Provider(ctx, "http", {"base_url": "http://svc.invalid"})

    def send(req, resp):
        resp.status = 200
        resp.add_header("Content-Type", "application/json")
        resp.write(b'{"ok": true}')

    p.set_transport(send)
    got = []
    for i in range(5):
        p.call_async("request", path=f"/{i}", done=lambda r, e: got.append(r["body"]))
    while ctx.poll(1000):
        pass
    assert got == [{"ok": True}] * 5


def test_poll_arguments(ctx):
    with pytest.raises(TypeError):
        ctx.poll(1.5)
    with pytest.raises(ValueError):
        ctx.poll(-2)
