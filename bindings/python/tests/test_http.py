"""Kind "http" against a local HTTP server (http.server in a thread)."""
import pytest

import plexus


@pytest.fixture
def api(ctx, http_server):
    with plexus.Provider(ctx, "http", {"base_url": http_server.url, "timeout_ms": 5000,
                                       "headers": {"User-Agent": "plexus-python-test"},
                                       "retry": {"max_attempts": 2, "base_delay_ms": 1}}) as p:
        yield p


def test_get_and_post(api, http_server):
    r = api.call("request", method="GET", path="/items", query={"q": "x y", "n": 2})
    assert r["status"] == 200
    assert r["body"]["path"] == "/items?q=x%20y&n=2"
    r = api.call("request", {"method": "POST", "path": "/items", "headers": {"X-Trace": "7"},
                             "body": {"name": "ünï"}})
    assert r["body"]["method"] == "POST"
    assert r["body"]["x_trace"] == "7"
    assert r["body"]["body"] == '{"name":"ünï"}'
    assert http_server.seen[-1]["headers"]["User-Agent"] == "plexus-python-test"
    assert r["attempts"] == 1 and r["provider"] == "http"


def test_text_reply(api):
    assert api.call("request", path="/text")["body"] == "plain text"


def test_error_statuses(api):
    with pytest.raises(plexus.HTTPError) as e:
        api.call("request", path="/status/500")
    assert e.value.result["status"] == 500
    assert e.value.result["attempts"] == 2          # retried once
    assert e.value.result["error"]["retryable"] is True
    with pytest.raises(plexus.AuthError) as e:
        api.call("request", path="/status/401")
    assert e.value.result["attempts"] == 1
    with pytest.raises(plexus.RateLimitError):
        api.call("request", path="/status/429")
    with pytest.raises(plexus.ProtocolError):
        api.call("request", path="/notjson")


def test_reply_cap(ctx, http_server):
    p = plexus.Provider(ctx, "http", {"base_url": http_server.url, "max_reply_bytes": 1000})
    with pytest.raises(plexus.TooBigError):
        p.call("request", path="/big")


def test_connection_refused(ctx):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = plexus.Provider(ctx, "http", {"base_url": f"http://127.0.0.1:{port}",
                                      "retry": {"max_attempts": 1}})
    with pytest.raises(plexus.TransportError) as e:
        p.call("request", path="/")
    assert isinstance(e.value, ConnectionError)


def test_declared_in_config(http_server):
    with plexus.Context({"log_level": "none",
                         "providers": {"api": {"kind": "http", "base_url": http_server.url}}}) as c:
        assert c.provider("api").call("request", path="/a")["status"] == 200


def test_many_threads(api):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: api.call("request", path=f"/t/{i}"), range(64)))
    assert [r["body"]["path"] for r in results] == [f"/t/{i}" for i in range(64)]
