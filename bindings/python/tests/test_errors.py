"""One exception class per plx_status, from the library's own names, and
each status raised from a real call where one can be provoked offline."""
import json
import pickle

import pytest

import plexus
from plexus import _base


def all_statuses():
    out, s = [], 1
    while plexus.status_name(s) != "PLX_UNKNOWN":
        out.append(s)
        s += 1
    return out


def test_status_enum_matches_the_library():
    for s in [0] + all_statuses():
        assert plexus.Status(s).name == plexus.status_name(s)[len("PLX_"):]
    assert plexus.Status.OK == 0
    assert plexus.Status.EAUTH == 9       # numbers are part of the ABI
    assert plexus.Status.EINTERNAL == 19


@pytest.mark.parametrize("status", all_statuses())
def test_every_status_has_its_class(status):
    cls = plexus.status_error(status)
    assert cls is not plexus.PlexusError
    assert issubclass(cls, plexus.PlexusError)
    assert cls.status == status
    assert cls.name == plexus.status_name(status)
    assert getattr(plexus, cls.__name__) is cls
    assert cls.__name__ in plexus.__all__
    e = cls("detail", {"error": {"code": cls.name}})
    assert (e.status, e.name, e.message) == (status, cls.name, "detail")
    assert e.result == {"error": {"code": cls.name}}
    assert str(e) == f"{cls.name}: detail"
    with pytest.raises(cls):
        raise _base.error_for(status, "m", json.dumps({"x": 1}))
    copy = pickle.loads(pickle.dumps(e))
    assert (type(copy), copy.message, copy.result) == (cls, "detail", e.result)


def test_names_are_distinct_and_named():
    names = [plexus.status_error(s).__name__ for s in all_statuses()]
    assert len(set(names)) == len(names)
    for wanted in ("AuthError", "RateLimitError", "BudgetError", "TimedOutError",
                   "InvalidArgumentError", "ConfigError", "NotFoundError", "CanceledError"):
        assert wanted in names


def test_builtin_bases():
    assert issubclass(plexus.InvalidArgumentError, ValueError)
    assert issubclass(plexus.ConfigError, ValueError)
    assert issubclass(plexus.TimedOutError, TimeoutError)
    assert issubclass(plexus.TransportError, ConnectionError)
    assert issubclass(plexus.NotFoundError, LookupError)
    assert issubclass(plexus.ClosedError, plexus.InvalidArgumentError)


def test_unknown_status_is_a_plain_plexus_error():
    e = _base.error_for(999, "from the future")
    assert type(e) is plexus.PlexusError
    assert (e.status, e.name) == (999, "PLX_UNKNOWN")


def test_result_is_none_for_invalid_json():
    assert _base.error_for(8, "m", "{not json").result is None


# ---- each status from a real call -------------------------------------------------
def raising(status, message="m"):
    def send(req, resp):
        return status
    return send


def http_provider(ctx, send, **config):
    p = plexus.Provider(ctx, "http", dict({"base_url": "http://svc.invalid",
                                           "retry": {"max_attempts": 1}}, **config))
    p.set_transport(send)
    return p


def reply(status, body=b"{}", content_type="application/json"):
    def send(req, resp):
        resp.status = status
        resp.add_header("Content-Type", content_type)
        resp.write(body)
    return send


def test_config_error():
    with pytest.raises(plexus.ConfigError) as e:
        plexus.Context({"providers": {"x": {"kind": "http", "retry": {"max_attempts": "3"}}}})
    assert "providers.x.retry.max_attempts" in e.value.message
    assert e.value.result is None


def test_invalid_argument_error(ctx):
    p = http_provider(ctx, reply(200))
    with pytest.raises(plexus.InvalidArgumentError) as e:
        p.call("request", '{"path": ')
    assert e.value.message


def test_not_found_error(ctx):
    with pytest.raises(plexus.NotFoundError):
        ctx.provider("nobody")
    with pytest.raises(plexus.NotFoundError):
        ctx.endpoint("nowhere")
    # an unknown kind is a configuration error, naming the known ones
    with pytest.raises(plexus.ConfigError) as e:
        plexus.Provider(ctx, "no-such-kind")
    assert "local" in e.value.message


@pytest.mark.parametrize("status,cls", [(plexus.Status.ETRANSPORT, plexus.TransportError),
                                        (plexus.Status.ETIMEOUT, plexus.TimedOutError),
                                        (plexus.Status.ETLS, plexus.TLSError),
                                        (plexus.Status.ETOOBIG, plexus.TooBigError)])
def test_transport_statuses(ctx, status, cls):
    p = http_provider(ctx, raising(status))
    with pytest.raises(cls) as e:
        p.call("request", path="/x")
    assert e.value.result["error"]["code"] == plexus.status_name(status)
    assert e.value.result["attempts"] == 1


@pytest.mark.parametrize("http_status,cls", [(500, plexus.HTTPError), (401, plexus.AuthError),
                                             (403, plexus.AuthError),
                                             (429, plexus.RateLimitError),
                                             (408, plexus.TimedOutError)])
def test_http_statuses(ctx, http_status, cls):
    p = http_provider(ctx, reply(http_status, b'{"error": "no"}'))
    with pytest.raises(cls) as e:
        p.call("request", path="/x")
    assert e.value.result["error"]["http_status"] == http_status
    assert e.value.result["status"] == http_status


def test_protocol_error(ctx):
    p = http_provider(ctx, reply(200, b"{not json"))
    with pytest.raises(plexus.ProtocolError):
        p.call("request", path="/x")


def test_circuit_open_error(ctx):
    p = http_provider(ctx, reply(503), circuit={"failure_threshold": 1, "open_ms": 60000})
    with pytest.raises(plexus.HTTPError):
        p.call("request", path="/x")
    with pytest.raises(plexus.CircuitOpenError) as e:
        p.call("request", path="/x")
    assert e.value.result["attempts"] == 0


def test_unsupported_error(local):
    with pytest.raises(plexus.UnsupportedError):
        local.call("predict", {})


def test_file_error(ctx, tmp_path):
    p = plexus.Provider(ctx, "file", {"path": str(tmp_path / "missing-dir" / "out.jsonl")})
    with pytest.raises(plexus.FileError) as e:
        p.call("write", {"a": 1})
    assert "missing-dir" in e.value.message


CHAT_REPLY = json.dumps({
    "id": "c1", "object": "chat.completion", "model": "priced-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1000, "completion_tokens": 1000, "total_tokens": 2000}}).encode()


def test_budget_error():
    config = {"log_level": "none", "max_cost_usd": 0.001,
              "pricing": {"priced-model": {"input_cost_per_token": 1e-3,
                                           "output_cost_per_token": 1e-3}}}
    with plexus.Context(config) as ctx:
        p = plexus.Provider(ctx, "openai", {"base_url": "http://llm.invalid/v1", "api_key": "k",
                                            "model": "priced-model"})
        p.set_transport(reply(200, CHAT_REPLY))
        first = p.chat(messages=[{"role": "user", "content": "hi"}])
        assert first["cost_usd"] == pytest.approx(2.0)
        with pytest.raises(plexus.BudgetError):
            p.chat(messages=[{"role": "user", "content": "hi"}])
        assert ctx.usage()["cost_usd"] == pytest.approx(2.0)


def test_busy_error(ctx):
    # a funcs object is immutable once attached: its setters say EBUSY
    from plexus import _ffi, http
    funcs = http.transport_funcs(lambda req, resp: None)
    try:
        _ffi.lib.plx_transport_funcs_make_immutable(funcs)
        with pytest.raises(plexus.BusyError):
            _base.check(_ffi.lib.plx_transport_funcs_set_send(funcs, _ffi.plx_transport_send_fn(),
                                                              None, _ffi.plx_destroy_fn()))
    finally:
        _ffi.lib.plx_transport_funcs_unref(funcs)


def test_canceled_error(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"text": f"record {i}"}) + "\n" for i in range(50)))
    with plexus.Context({"log_level": "none",
                         "providers": {"nlp": {"kind": "local"}}}) as c:
        pl = plexus.Pipeline(c, {"steps": [{"id": "s", "provider": "nlp", "op": "sentiment",
                                             "input": {"text": "{{input.text}}"}}]})
        with pytest.raises(plexus.CanceledError) as e:
            pl.run_batch(input=str(src), output=str(tmp_path / "out.jsonl"), progress=lambda p: True)
        assert isinstance(e.value.result, dict)
