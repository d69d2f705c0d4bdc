"""The LLM kinds against the same peers as tests/integration/test_llm_peers.c:
prism with OpenAI's spec (every request body validated: a 422 fails) and
mock-llm (OpenAI-style JSON and SSE in 5-character chunks). Each test skips,
saying why, when its peer is absent."""
import pytest

import plexus
from conftest import peer

ONE = {"retry": {"max_attempts": 1}}
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def prism(ctx):
    url = peer("PEER_OPENAI_URL", "prism-openai")
    key = peer("PEER_OPENAI_API_KEY", "prism-openai")
    with plexus.Provider(ctx, "openai", dict(ONE, base_url=url, api_key=key,
                                             model="gpt-4o-mini",
                                             embed_model="text-embedding-3-small")) as p:
        yield p


@pytest.fixture
def mock_llm(ctx):
    url = peer("PEER_MOCK_LLM_URL", "mock-llm")
    with plexus.Provider(ctx, "openai", dict(ONE, base_url=url, model="mock-model")) as p:
        yield p


def test_prism_chat(prism):
    r = prism.chat(messages=[{"role": "system", "content": "You are terse."},
                             {"role": "user", "content": "Weather in Oslo?"}],
                   max_tokens=64, temperature=0.2, stop=["\n\n"],
                   tools=[{"name": "get_weather", "parameters": {
                       "type": "object", "properties": {"city": {"type": "string"}}}}],
                   tool_choice="required")
    assert "text" in r and r["finish_reason"] == "stop"
    assert r["usage"] == {"input_tokens": 0, "output_tokens": 0}
    assert r["provider"] == "openai" and r["attempts"] == 1


def test_prism_embed(prism):
    r = prism.embed(input=["first", "second"])
    assert isinstance(r["vectors"], list) and r["vectors"]
    assert prism.call("embed", {"input": "alone"})["vectors"]


def test_prism_validates(ctx):
    url = peer("PEER_OPENAI_URL", "prism-openai")
    p = plexus.Provider(ctx, "http", dict(ONE, base_url=url))
    with pytest.raises(plexus.HTTPError) as e:
        p.call("request", method="POST", path="/chat/completions",
               headers={"Authorization": "Bearer sk-test"},
               body={"model": "m", "messages": [{"role": "robot", "content": "x"}]})
    assert e.value.result["status"] == 422


def test_mock_llm_chat(mock_llm):
    r = mock_llm.chat(messages=[{"role": "user", "content": "echo me"}])
    assert r["text"] == "echo me" and r["model"] == "mock-model"
    assert r["usage"] == {"input_tokens": 3, "output_tokens": 3}


def test_mock_llm_rate_limit(mock_llm):
    with pytest.raises(plexus.RateLimitError) as e:
        mock_llm.chat(messages=[{"role": "user", "content": "error-429"}])
    err = e.value.result["error"]
    assert err["http_status"] == 429
    assert err["service_code"] == "rate_limit_exceeded"
    assert err["service_message"] == "Rate limit reached"


def test_mock_llm_stream(mock_llm):
    s = mock_llm.chat_stream(messages=[{"role": "user", "content": "a streamed answer"}])
    deltas = list(s)
    assert "".join(deltas) == "a streamed answer"
    assert len(deltas) >= 3                 # 5-character chunks
    assert s.result["text"] == "a streamed answer" and s.result["finish_reason"] == "stop"


def test_mock_llm_stream_early_stop(mock_llm):
    text = "word " * 400
    s = mock_llm.chat_stream(messages=[{"role": "user", "content": text}])
    first = next(s)
    s.close()
    r = s.result
    assert r["text"].startswith(first)
    # the server may have sent it all before the stop arrived: either way
    # the call ended and the provider goes on
    if s.canceled:
        assert r["error"]["code"] == "PLX_ECANCELED"
        assert len(r["text"]) < len(text)
    assert mock_llm.chat(messages=[{"role": "user", "content": "again"}])["text"] == "again"
