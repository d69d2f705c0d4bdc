"""Pipelines: run one record, run_batch over JSONL with a progress
callback (stop, exceptions), definition errors."""
import json

import pytest

import plexus

CONFIG = {"log_level": "none", "providers": {"nlp": {"kind": "local"},
                                             "fallback": {"kind": "local"}}}
DEFINITION = {
    "steps": [
        {"id": "sentiment", "provider": "nlp", "op": "sentiment",
         "input": {"text": "{{input.text}}"}},
        {"id": "summary", "provider": ["nlp", "fallback"], "op": "summarize",
         "when": {"{{steps.sentiment.output.label}}": "negative"},
         "input": {"text": "{{input.text}}", "max_sentences": 1}}],
    "output": {"label": "{{steps.sentiment.output.label}}",
               "summary": "{{steps.summary.output.summary}}"}}


@pytest.fixture
def pipe():
    with plexus.Context(CONFIG) as ctx:
        with plexus.Pipeline(ctx, DEFINITION) as pl:
            yield pl


def test_run(pipe):
    r = pipe.run({"text": "This is broken. It crashed twice. I want a refund."})
    assert r["status"] == "ok"
    assert r["output"]["label"] == "negative" and r["output"]["summary"]
    assert r["steps"]["summary"]["status"] == "ok"
    r = pipe.run('{"text": "Thanks, great service!"}')
    assert r["steps"]["summary"]["status"] == "skipped"


def test_failed_run_raises_with_the_result(pipe):
    with pytest.raises(plexus.InvalidArgumentError) as e:
        pipe.run({"text": 42})
    assert e.value.result["status"] == "failed"
    assert e.value.result["error"]["step"] == "sentiment"


def test_bad_definition():
    with plexus.Context(CONFIG) as ctx:
        with pytest.raises(plexus.ConfigError) as e:
            plexus.Pipeline(ctx, {"steps": [{"id": "a", "provider": "nobody", "op": "x",
                                             "input": {}}]})
        assert "steps" in e.value.message


def write_records(path, n):
    texts = ["Great, thanks!", "It broke again. Refund me.", "ok"]
    path.write_text("".join(json.dumps({"text": texts[i % 3]}) + "\n" for i in range(n)) +
                    "not json\n")


def test_run_batch(pipe, tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_records(src, 300)
    progress = []
    summary = pipe.run_batch(input=str(src), output=str(out), concurrency=8,
                             progress=lambda p: progress.append(p))
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 300
    assert [x["line"] for x in lines] == list(range(1, 301))
    assert progress and progress[-1]["done"] >= 300
    dead = (tmp_path / "out.jsonl.dead.jsonl").read_text().splitlines()
    assert len(dead) == 1 and json.loads(dead[0])["raw"] == "not json"
    assert isinstance(summary, dict)


def test_run_batch_options_as_dict_and_no_progress(pipe, tmp_path):
    src = tmp_path / "in.jsonl"
    write_records(src, 10)
    pipe.run_batch({"input": str(src), "output": str(tmp_path / "o.jsonl")})
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 10


def test_progress_stop_and_resume(pipe, tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_records(src, 200)
    with pytest.raises(plexus.CanceledError):
        pipe.run_batch(input=str(src), output=str(out), progress=lambda p: True)
    pipe.run_batch(input=str(src), output=str(out), resume=True)
    assert len(out.read_text().splitlines()) == 200


def test_progress_exception_is_raised(pipe, tmp_path):
    src = tmp_path / "in.jsonl"
    write_records(src, 20)

    def progress(p):
        raise KeyError("from progress")

    with pytest.raises(KeyError, match="from progress"):
        pipe.run_batch(input=str(src), output=str(tmp_path / "o.jsonl"), progress=progress)
    with pytest.raises(TypeError):
        pipe.run_batch(input=str(src), output=str(tmp_path / "o.jsonl"), progress=3)
