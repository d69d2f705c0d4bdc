"""Shared fixtures. The package is imported from this source tree
(bindings/python), the library from PLEXUS_LIBRARY or the system.

Peers (../shared/peers, or PLEXUS_PEERS): their URLs come from the PEER_*
variables (tests/run-all.sh exports them), else from the kit's
scripts/env.sh; a test that needs a peer skips, saying why, when the
variable is missing or the peer does not answer."""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import urllib.parse

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))   # the repository
sys.path.insert(0, os.path.dirname(HERE))

import plexus  # noqa: E402


@pytest.fixture
def ctx():
    with plexus.Context({"log_level": "none"}) as c:
        yield c


@pytest.fixture
def local(ctx):
    with plexus.Provider(ctx, "local") as p:
        yield p


# ---- peers ------------------------------------------------------------------
_peer_env = None


def _kit_env():
    """PEER_* from the peers kit's env.sh ({} without the kit)."""
    global _peer_env
    if _peer_env is None:
        _peer_env = {}
        kit = os.environ.get("PLEXUS_PEERS") or os.path.join(ROOT, "..", "shared", "peers")
        script = os.path.join(kit, "scripts", "env.sh")
        if os.access(script, os.X_OK):
            try:
                out = subprocess.run(["bash", "-c", 'eval "$("$0")" && env -0', script],
                                     capture_output=True, timeout=30).stdout
            except (OSError, subprocess.SubprocessError):
                out = b""
            for item in out.split(b"\0"):
                name, _, value = item.decode(errors="replace").partition("=")
                if name.startswith("PEER_"):
                    _peer_env[name] = value
    return _peer_env


def peer(variable, name):
    """The URL (or value) of PEER variable for peer name; skips when the
    variable is unset or the peer's port does not answer."""
    value = os.environ.get(variable) or _kit_env().get(variable)
    if not value:
        pytest.skip(f"{variable} unset: start ../shared/peers (scripts/start.sh {name}) "
                    "and eval scripts/env.sh")
    if value.startswith("http"):
        u = urllib.parse.urlsplit(value)
        try:
            socket.create_connection((u.hostname, u.port or 80), timeout=2).close()
        except OSError:
            pytest.skip(f"peer {name} at {value} is not running (scripts/start.sh {name})")
    return value


# ---- a local HTTP server ----------------------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        self.server.seen.append({"method": self.command, "path": self.path,
                                 "headers": dict(self.headers), "body": body})
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            extra = [("Retry-After", "0")] if code == 429 else []
            return self._reply(code, {"error": f"status {code}"}, headers=extra)
        if path == "/text":
            return self._reply(200, b"plain text", "text/plain")
        if path == "/notjson":
            return self._reply(200, b"{not json", "application/json")
        if path == "/big":
            return self._reply(200, b"x" * 100000, "text/plain")
        self._reply(200, {"method": self.command, "path": self.path,
                          "body": body.decode(errors="replace"),
                          "x_trace": self.headers.get("X-Trace")})

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # clients that hang up early (reply caps, cancels) are expected here
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def http_server():
    """A threaded HTTP server on 127.0.0.1: /status/N answers N, /text
    text, /notjson broken JSON, /big 100 kB, anything else echoes the
    request as JSON. .url, .seen (the requests received)."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.seen = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
