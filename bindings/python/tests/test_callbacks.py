"""Custom transport and auth from Python callables, the logger, and what
happens when a callable raises."""
import gc
import json
import threading

import pytest

import plexus
from plexus import _callbacks


def echo(req, resp):
    resp.status = 200
    resp.add_header("Content-Type", "application/json")
    resp.write(json.dumps({"method": req.method, "url": req.url, "headers": req.headers,
                           "body": req.body.decode(), "auth": req.header("authorization")}))


@pytest.fixture
def api(ctx):
    with plexus.Provider(ctx, "http", {"base_url": "http://svc.invalid/v1",
                                       "retry": {"max_attempts": 1}}) as p:
        yield p


def test_transport_sees_the_request(api):
    api.set_transport(echo)
    r = api.call("request", method="PUT", path="/x", query={"a": "1"}, headers={"X-K": "v"},
                 body="payload")
    body = r["body"]
    assert body["method"] == "PUT"
    assert body["url"] == "http://svc.invalid/v1/x?a=1"
    assert ["X-K", "v"] in body["headers"]
    assert body["body"] == "payload"
    assert r["status"] == 200 and r["headers"]["content-type"] == "application/json"


def test_request_accessors(api):
    seen = {}

    def send(req, resp):
        seen.update(timeout=req.timeout_ms, connect=req.connect_timeout_ms,
                    cap=req.max_reply_bytes, repr=repr(req))
        seen["req"] = req
        with pytest.raises(plexus.InvalidArgumentError):
            req.set_header("X-Not", "allowed")      # read-only in a transport
        resp.status = 204
        assert resp.status == 204
        resp.add_header("X-Reply", "1")
        assert resp.header("x-reply") == "1" and resp.headers == [("X-Reply", "1")]
        resp.write(b"")
        assert resp.body == b""

    api.set_transport(send)
    assert api.call("request", path="/")["status"] == 204
    assert seen["timeout"] == 60000 and seen["connect"] == 10000 and seen["cap"] > 0
    assert seen["repr"] == "<plexus.Request GET http://svc.invalid/v1/>"
    with pytest.raises(plexus.ClosedError):
        seen["req"].url       # only valid during its callback


def test_transport_status_return(api):
    api.set_transport(lambda req, resp: plexus.Status.ETIMEOUT)
    with pytest.raises(plexus.TimedOutError):
        api.call("request", path="/")


def test_transport_exception_becomes_an_error_with_cause(api):
    def send(req, resp):
        raise RuntimeError("socket on fire")

    api.set_transport(send)
    with pytest.raises(plexus.TransportError) as e:
        api.call("request", path="/")
    assert isinstance(e.value.__cause__, RuntimeError)
    assert "socket on fire" in e.value.result["error"]["message"]
    assert "RuntimeError" in e.value.result["error"]["message"]


def test_transport_plexus_error_keeps_its_status(api):
    def send(req, resp):
        raise plexus.TLSError("bad certificate")

    api.set_transport(send)
    with pytest.raises(plexus.TLSError):
        api.call("request", path="/")


def test_transport_bad_return_value(api):
    api.set_transport(lambda req, resp: "yes")
    with pytest.raises(plexus.TransportError) as e:
        api.call("request", path="/")
    assert isinstance(e.value.__cause__, TypeError)


def test_transport_cap_raises_too_big(ctx):
    p = plexus.Provider(ctx, "http", {"base_url": "http://svc.invalid", "max_reply_bytes": 10,
                                      "retry": {"max_attempts": 1}})

    def send(req, resp):
        resp.status = 200
        resp.write(b"0123456789abcdef")

    p.set_transport(send)
    with pytest.raises(plexus.TooBigError):
        p.call("request", path="/")


def test_auth_signs_each_attempt(ctx):
    p = plexus.Provider(ctx, "http", {"base_url": "http://svc.invalid",
                                      "retry": {"max_attempts": 3, "base_delay_ms": 1}})
    attempts = []

    def send(req, resp):
        attempts.append(req.header("Authorization"))
        resp.status = 503 if len(attempts) < 3 else 200
        resp.write(b"{}")
        resp.add_header("Content-Type", "application/json")

    def sign(req):
        assert req.method == "GET"
        req.set_header("Authorization", f"Sig n={len(attempts)}")
        req.set_header("X-Gone", "1")
        req.remove_header("X-Gone")
        req.url = req.url + "?signed=1"

    p.set_transport(send)
    p.set_auth(sign)
    r = p.call("request", path="/")
    assert r["attempts"] == 3
    assert attempts == ["Sig n=0", "Sig n=1", "Sig n=2"]


def test_auth_exception_is_an_auth_error(api):
    api.set_transport(echo)

    def sign(req):
        raise KeyError("no key")

    api.set_auth(sign)
    with pytest.raises(plexus.AuthError) as e:
        api.call("request", path="/")
    assert isinstance(e.value.__cause__, KeyError)
    api.set_auth(None)
    assert api.call("request", path="/")["body"]["auth"] is None


def test_auth_bad_header_is_refused(api):
    api.set_transport(echo)

    def sign(req):
        req.set_header("Bad Name", "x")

    api.set_auth(sign)
    # a PlexusError raised in a callback keeps its status
    with pytest.raises(plexus.InvalidArgumentError) as e:
        api.call("request", path="/")
    assert isinstance(e.value.__cause__, plexus.InvalidArgumentError)
    assert e.value.__cause__.message == "invalid argument"


def test_ctx_transport_and_restoring(ctx):
    ctx.set_transport(echo)
    p = plexus.Provider(ctx, "http", {"base_url": "http://svc.invalid"})
    assert p.call("request", path="/a")["body"]["url"] == "http://svc.invalid/a"
    p.set_transport(lambda req, resp: plexus.Status.ETLS)
    with pytest.raises(plexus.TLSError):
        p.call("request", path="/a")
    p.set_transport(None)        # back to the ctx's
    assert p.call("request", path="/b")["status"] == 200


def test_transport_from_many_threads(api):
    api.set_transport(echo)
    errors = []

    def work():
        try:
            for i in range(50):
                assert api.call("request", path=f"/{i}")["status"] == 200
        except Exception as e:      # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_callables_are_released():
    base = _callbacks.count()
    with plexus.Context({"log_level": "none"}) as ctx:
        p = plexus.Provider(ctx, "http", {"base_url": "http://svc.invalid"})
        p.set_transport(echo)
        p.set_auth(lambda req: None)
        ctx.set_transport(echo)
        ctx.set_log(lambda level, message: None)
        assert _callbacks.count() == base + 4
        p.set_transport(echo)              # the previous one is released at once
        assert _callbacks.count() == base + 4
        p.close()
        assert _callbacks.count() == base + 2
    assert _callbacks.count() == base


def test_transport_callable_survives_its_wrapper():
    # the ctx keeps the transport; the Provider wrapper going away must not
    # free the callable the C side still calls
    with plexus.Context({"log_level": "none",
                         "providers": {"api": {"kind": "http",
                                               "base_url": "http://svc.invalid"}}}) as ctx:
        ctx.provider("api").set_transport(lambda req, resp: echo(req, resp))
        gc.collect()
        assert ctx.provider("api").call("request", path="/")["status"] == 200


def test_log(ctx):
    lines = []
    ctx.set_log(lambda level, message: lines.append((level, message)), "debug")
    p = plexus.Provider(ctx, "http", {"base_url": "http://svc.invalid",
                                      "retry": {"max_attempts": 2, "base_delay_ms": 1}})
    ctx.add_secret("sekrit-token-value")
    p.set_transport(lambda req, resp: (setattr(resp, "status", 503), None)[1])
    with pytest.raises(plexus.HTTPError):
        p.call("request", path="/", headers={"Authorization": "Bearer sekrit-token-value"})
    assert lines, "no log line"
    assert all(isinstance(level, int) and isinstance(m, str) for level, m in lines)
    assert not any("sekrit-token-value" in m for _, m in lines)
    ctx.set_log(None, plexus.LogLevel.NONE)
    with pytest.raises(ValueError):
        ctx.set_log(print, "loud")
    with pytest.raises(TypeError):
        ctx.set_log("print", "info")
