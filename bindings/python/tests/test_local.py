"""Kind "local" (offline, in the process): the ops through every Python
entry point (call, chat, chat_stream, embed), and config from a dict and
from JSON text."""
import json
import math

import pytest

import plexus

TICKET = ("Hi, I ordered a wireless router three weeks ago and it still has not arrived. "
          "The tracking page has shown the same status for ten days and nobody answers my "
          "emails. This is really frustrating because I work from home. Please send a "
          "replacement or refund my order as soon as possible.")


def test_sentiment(local):
    r = local.call("sentiment", {"text": "The support was great and fast, thank you!"})
    assert r["label"] == "positive" and r["score"] > 0.2
    assert r["provider"] == "local" and r["attempts"] == 1
    assert local.call("sentiment", text=TICKET)["label"] == "negative"


def test_summarize(local):
    r = local.call("summarize", text=TICKET, max_sentences=2)
    assert len(r["sentences"]) == 2
    assert r["summary"] and r["summary"].split(". ")[0] in TICKET


def test_language_and_classify(local):
    assert local.call("language", text="¿Dónde está la estación de tren, por favor?")[
        "language"] == "es"
    r = local.call("classify", text="I was charged twice on my invoice",
                   labels={"billing": ["invoice", "charged twice"], "shipping": ["package"]})
    assert r["label"] == "billing"


def test_embed(local):
    r = local.embed(input=["the cat sat on the mat", "a cat sat on a mat", "stock prices fell"],
                    dimensions=64)
    v = r["vectors"]
    assert len(v) == 3 and all(len(x) == 64 for x in v)
    assert math.isclose(sum(x * x for x in v[0]), 1.0, rel_tol=1e-4)
    dot = lambda a, b: sum(x * y for x, y in zip(a, b))  # noqa: E731
    assert dot(v[0], v[1]) > dot(v[0], v[2])
    assert r["model"] == "local-hash-64" and r["cost_usd"] == 0
    assert local.call("embed", {"input": "one"})["vectors"][0]


def test_chat(local):
    r = local.chat(messages=[{"role": "user", "content": TICKET}], max_tokens=500)
    assert r["text"].startswith("[Automatic reply")
    assert r["finish_reason"] == "stop" and r["model"] == "local"
    assert r["usage"]["input_tokens"] > 0
    short = local.chat({"messages": [{"role": "user", "content": TICKET}]}, max_tokens=5)
    assert short["finish_reason"] == "length"


def test_chat_stream(local):
    s = local.chat_stream(messages=[{"role": "user", "content": TICKET}])
    text = "".join(s)
    assert text == s.result["text"]
    assert s.result["finish_reason"] == "stop"
    assert not s.canceled


def test_chat_stream_failure_is_raised_by_the_iteration(local):
    s = local.chat_stream(messages=[{"role": "robot", "content": "x"}])
    with pytest.raises(plexus.InvalidArgumentError) as e:
        list(s)
    assert "request.messages[0].role" in e.value.message
    assert list(s) == []        # raised once


def test_request_as_json_text_and_bytes(local):
    assert local.call("sentiment", '{"text": "great"}')["label"] == "positive"
    assert local.call("sentiment", b'{"text": "awful"}')["label"] == "negative"


def test_config_from_json_text():
    config = json.dumps({"log_level": "none",
                         "providers": {"nlp": {"kind": "local", "dimensions": 8}}})
    with plexus.Context(config) as ctx:
        p = ctx.provider("nlp")
        assert (p.name, p.kind) == ("nlp", "local")
        assert len(p.embed(input=["hello world"])["vectors"][0]) == 8


def test_stats_and_usage(ctx, local):
    local.call("sentiment", text="fine")
    with pytest.raises(plexus.InvalidArgumentError):
        local.call("sentiment", text=7)
    st = local.stats()
    assert (st["name"], st["kind"], st["circuit"]) == ("local", "local", "closed")
    assert st["calls"] >= 1 and st["succeeded"] == 1
    local.chat(messages=[{"role": "user", "content": "Hello."}])
    usage = ctx.usage()
    assert usage["cost_usd"] == 0
    assert any(m["model"] == "local" for m in usage["by_model"])


def test_python_side_validation(local):
    with pytest.raises(TypeError):
        local.call(7, {})
    with pytest.raises(ValueError):
        local.call("senti\0ment", {})
    with pytest.raises(TypeError):
        local.call("sentiment", ["not", "an", "object"])
    with pytest.raises(TypeError):
        local.call("sentiment", {"text": object()})
    with pytest.raises(TypeError):
        local.call("sentiment", {"x": float("nan")})
    with pytest.raises(TypeError):
        local.call("sentiment", '{"text": "a"}', extra=1)
    with pytest.raises(TypeError):
        plexus.Provider("not a context", "local")
    with pytest.raises(TypeError):
        plexus.Context(object())
