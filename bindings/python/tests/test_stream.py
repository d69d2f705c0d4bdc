"""chat_stream: deltas as they arrive, the result afterwards, and an early
stop that cancels the C stream (the delta callback returns non-zero)."""
import gc
import json
import threading
import time

import pytest

import plexus

WORDS = ["Hel", "lo ", "wor", "ld", "!"]
# Long enough that a stop asked for after the first delta arrives while
# the transport is still writing, even on a busy machine.
MANY = ["w%d " % i for i in range(200)]


def chunk(obj):
    return ("data: " + json.dumps(obj) + "\n\n").encode()


class SlowSSE:
    """A transport that streams an OpenAI chat reply one word at a time, a
    little apart; it records whether the library stopped it."""

    def __init__(self, words=MANY, pause=0.02):
        self.words, self.pause = words, pause
        self.written = []
        self.stopped = threading.Event()

    def __call__(self, req, resp):
        resp.status = 200
        resp.add_header("Content-Type", "text/event-stream")
        try:
            for w in self.words:
                resp.write(chunk({"id": "c1", "model": "m", "choices": [
                    {"index": 0, "delta": {"content": w}, "finish_reason": None}]}))
                self.written.append(w)
                time.sleep(self.pause)
            resp.write(chunk({"id": "c1", "model": "m", "choices": [
                {"index": 0, "delta": {}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 2, "completion_tokens": 5}}))
            resp.write(b"data: [DONE]\n\n")
        except plexus.CanceledError:
            self.stopped.set()
            raise


@pytest.fixture
def llm(ctx):
    with plexus.Provider(ctx, "openai", {"base_url": "http://llm.invalid/v1", "api_key": "k",
                                         "model": "m", "retry": {"max_attempts": 1}}) as p:
        yield p


HI = [{"role": "user", "content": "hi"}]


def test_whole_stream(llm):
    llm.set_transport(SlowSSE(WORDS, pause=0))
    s = llm.chat_stream(messages=HI)
    assert list(s) == WORDS
    assert s.result["text"] == "Hello world!"
    assert s.result["usage"] == {"input_tokens": 2, "output_tokens": 5}
    assert not s.canceled


def test_break_and_close_cancels(llm):
    t = SlowSSE()
    llm.set_transport(t)
    s = llm.chat_stream(messages=HI)
    assert next(iter(s)) == "w0 "
    s.close()
    assert t.stopped.is_set()
    assert s.canceled
    assert s.result["error"]["code"] == "PLX_ECANCELED"
    assert s.result["text"].startswith("w0 ") and len(t.written) < len(MANY)
    s.close()                                    # twice is fine
    assert list(s) == []
    # the provider goes on working
    llm.set_transport(SlowSSE(WORDS, pause=0))
    assert "".join(llm.chat_stream(messages=HI)) == "Hello world!"


def test_with_block_cancels(llm):
    t = SlowSSE()
    llm.set_transport(t)
    with llm.chat_stream(messages=HI) as s:
        for delta in s:
            break
    assert t.stopped.is_set() and s.canceled


def test_dropping_the_iterator_cancels(llm):
    t = SlowSSE()
    llm.set_transport(t)
    for delta in llm.chat_stream(messages=HI):
        break
    gc.collect()
    assert t.stopped.wait(5), "the stream went on after its iterator was dropped"


def test_closing_the_context_stops_a_stream(ctx):
    t = SlowSSE()
    p = plexus.Provider(ctx, "openai", {"base_url": "http://llm.invalid/v1", "api_key": "k",
                                        "model": "m", "retry": {"max_attempts": 1}})
    p.set_transport(t)
    s = p.chat_stream(messages=HI)
    next(s)
    ctx.close()                                  # waits for the C call to end, then frees
    assert t.stopped.is_set()
    assert p.closed
    with pytest.raises(plexus.ClosedError):
        p.chat_stream(messages=HI)


def test_multibyte_character_split_across_deltas(llm):
    # "✓" is E2 9C 93: the reply's text pieces never split it, but the
    # library may hand a split one over; the iterator decodes incrementally
    llm.set_transport(SlowSSE(words=["a\u2713", "b\u00e9"], pause=0))
    assert "".join(llm.chat_stream(messages=HI)) == "a\u2713b\u00e9"


def test_stream_error_after_text(llm):
    def send(req, resp):
        resp.status = 200
        resp.add_header("Content-Type", "text/event-stream")
        resp.write(chunk({"id": "c1", "model": "m", "choices": [
            {"index": 0, "delta": {"content": "partial"}, "finish_reason": None}]}))
        # ends without [DONE] nor finish_reason

    llm.set_transport(send)
    s = llm.chat_stream(messages=HI)
    got = []
    with pytest.raises(plexus.ProtocolError) as e:
        for d in s:
            got.append(d)
    assert got == ["partial"]
    assert e.value.result["text"] == "partial"
