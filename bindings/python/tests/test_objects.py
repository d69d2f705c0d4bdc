"""get_object / put_object (kind "s3"): sinks and sources from Python
(files, bytes, callables), against a Python transport offline and the S3
peer (SigV4 checked) when it runs."""
import io
import os

import pytest

import plexus
from conftest import _kit_env, peer

S3_KEYS = {"bucket": "testbucket", "region": "us-east-1", "access_key_id": "AKIDTEST",
           "secret_access_key": "secret-test-key", "retry": {"max_attempts": 1}}


def test_get_through_a_python_transport(ctx):
    p = plexus.Provider(ctx, "s3", dict(S3_KEYS, endpoint_url="http://s3.invalid"))
    blob = bytes(range(256)) * 64

    def send(req, resp):
        assert req.method == "GET" and req.url.endswith("/testbucket/k.bin")
        assert req.header("authorization").startswith("AWS4-HMAC-SHA256 ")
        resp.status = 200
        resp.add_header("ETag", '"e1"')
        resp.add_header("Content-Length", str(len(blob)))
        resp.write(blob)

    p.set_transport(send)
    pieces = []
    r = p.get_object(key="k.bin", sink=pieces.append)
    assert b"".join(pieces) == blob and r["size"] == len(blob)
    f = io.BytesIO()
    p.get_object({"key": "k.bin"}, sink=f)
    assert f.getvalue() == blob
    with pytest.raises(TypeError):
        p.get_object(key="k.bin", sink=42)


@pytest.fixture
def s3(ctx):
    url = peer("PEER_S3_URL", "s3")
    env = dict(_kit_env(), **{k: v for k, v in os.environ.items() if k.startswith("PEER_")})
    with plexus.Provider(ctx, "s3", {"endpoint_url": url, "bucket": env["PEER_S3_BUCKET"],
                                     "region": env["PEER_S3_REGION"],
                                     "access_key_id": env["PEER_S3_ACCESS_KEY_ID"],
                                     "secret_access_key": env["PEER_S3_SECRET_ACCESS_KEY"],
                                     "multipart_threshold": 5 << 20, "part_size": 5 << 20,
                                     "retry": {"max_attempts": 2}}) as p:
        yield p


def test_s3_roundtrip(s3, tmp_path):
    data = os.urandom(200_000)
    r = s3.put_object(key="python/a.bin", source=data, content_type="application/x-test")
    assert r["size"] == len(data) and r["multipart"] is False
    got = io.BytesIO()
    assert s3.get_object(key="python/a.bin", sink=got)["etag"] == r["etag"]
    assert got.getvalue() == data
    # ranged, into the request's file
    out = tmp_path / "part.bin"
    s3.get_object(key="python/a.bin", range={"start": 10, "end": 19}, file=str(out))
    assert out.read_bytes() == data[10:20]


def test_s3_multipart_from_a_file(s3, tmp_path):
    src = tmp_path / "big.bin"
    data = os.urandom(6 << 20)
    src.write_bytes(data)
    with open(src, "rb") as f:
        r = s3.put_object(key="python/big.bin", source=f)
    assert r["multipart"] is True and r["size"] == len(data)
    n = [0]

    def count(b):
        n[0] += len(b)

    s3.get_object(key="python/big.bin", sink=count)
    assert n[0] == len(data)


def test_s3_callable_source_and_stops(s3):
    chunks = [b"abc", b"def", b""]
    s3.put_object(key="python/c.txt", source=lambda cap: chunks.pop(0))
    got = io.BytesIO()
    s3.get_object(key="python/c.txt", sink=got)
    assert got.getvalue() == b"abcdef"
    with pytest.raises(plexus.CanceledError) as e:
        s3.get_object(key="python/c.txt", sink=lambda b: True)
    assert e.value.result["error"]["code"] == "PLX_ECANCELED"

    def broken(cap):
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        s3.put_object(key="python/d.txt", source=broken)
    with pytest.raises(ValueError, match="more than"):
        s3.put_object(key="python/e.txt", source=lambda cap: b"x" * (cap + 1))
