"""Context.notify: one alert to several targets, file and webhook kinds
offline (the webhook against the local HTTP server)."""
import json

import pytest

import plexus

ALERT = {"title": "Cost spike", "text": "EC2 spend +200% in 1 h", "severity": "warning",
         "source": "python-tests", "dedup_key": "cost-spike", "fields": {"delta_usd": 12.5}}


def test_notify_file_and_webhook(ctx, tmp_path, http_server):
    sink = tmp_path / "alerts.jsonl"
    report = plexus.notify(ctx, [{"kind": "file", "name": "log", "path": str(sink)},
                                 {"kind": "webhook", "name": "hook",
                                  "url": http_server.url + "/hook"}], ALERT)
    assert report["ok"] is True and report["delivered"] == 2
    assert [r["target"] for r in report["results"]] == ["log", "hook"]
    line = json.loads(sink.read_text())
    assert line["alert"]["title"] == "Cost spike"
    posted = [s for s in http_server.seen if s["path"] == "/hook"][-1]
    assert json.loads(posted["body"])["dedup_key"] == "cost-spike"


def test_notify_failure_carries_the_report(ctx, tmp_path, http_server):
    with pytest.raises(plexus.AuthError) as e:
        ctx.notify([{"kind": "file", "name": "log", "path": str(tmp_path / "a.jsonl")},
                    {"kind": "webhook", "name": "bad", "url": http_server.url + "/status/403"}],
                   ALERT)
    report = e.value.result
    assert report["ok"] is False and report["delivered"] == 1 and report["failed"] == 1
    assert report["results"][1]["status"] == 403


def test_invalid_alert(ctx, tmp_path):
    with pytest.raises(plexus.InvalidArgumentError) as e:
        ctx.notify([{"kind": "file", "path": str(tmp_path / "a.jsonl")}],
                   dict(ALERT, severity="apocalyptic"))
    assert "severity" in e.value.message
    assert e.value.result is None
