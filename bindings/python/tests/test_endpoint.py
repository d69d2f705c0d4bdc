"""ML endpoints over kserve providers whose transport is a Python
callable playing the server (open inference protocol v2)."""
import json
import re

import pytest

import plexus


def kserve_server(req, resp):
    m = re.search(r"/v2/models/([^/]+)/versions/([^/]+)/infer$", req.url)
    body = json.loads(req.body)
    rows = body["inputs"][0]["shape"][0]
    resp.status = 200
    resp.add_header("Content-Type", "application/json")
    resp.write(json.dumps({"model_name": m.group(1), "model_version": m.group(2),
                           "outputs": [{"name": "predict", "shape": [rows, 1],
                                        "datatype": "INT64", "data": list(range(rows))}]}))


CONFIG = {
    "log_level": "none",
    "providers": {"ml": {"kind": "kserve", "base_url": "http://ml.invalid",
                         "retry": {"max_attempts": 1}}},
    "endpoints": {"iris": {"variants": [
        {"name": "blue", "provider": "ml", "model": "iris", "version": "v1", "weight": 100},
        {"name": "green", "provider": "ml", "model": "iris", "version": "v2", "weight": 0}],
        "seed": 1}}}


@pytest.fixture
def ctx():
    with plexus.Context(CONFIG) as c:
        c.set_transport(kserve_server)
        yield c


def test_predict_and_weights(ctx):
    e = ctx.endpoint("iris")
    r = e.predict(instances=[[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]])
    assert r["variant"] == "blue" and r["model_version"] == "v1"
    assert r["predictions"] == [[0], [1]]
    e.set_weights({"blue": 0, "green": 100})
    assert e.predict({"instances": [[1, 2, 3, 4]]})["variant"] == "green"
    with pytest.raises(plexus.InvalidArgumentError):
        e.set_weights({"purple": 1})
    stats = e.stats()
    assert stats["calls"] == 2
    assert {v["name"]: v["calls"] for v in stats["variants"]} == {"blue": 1, "green": 1}


def test_shape_error_sends_nothing(ctx):
    e = ctx.endpoint("iris")
    with pytest.raises(plexus.InvalidArgumentError) as err:
        e.predict(inputs=[{"name": "x", "shape": [2, 4], "datatype": "FP32", "data": [1, 2]}])
    assert "shape" in err.value.message


def test_owned_endpoint_and_async(ctx):
    config = {"name": "solo", "variants": [{"name": "only", "provider": "ml", "model": "m",
                                            "version": "1"}]}
    with plexus.Endpoint(ctx, config) as e:
        got = []
        e.predict_async(instances=[[1.0]], done=lambda r, err: got.append((r, err)))
        while ctx.poll(-1):
            pass
        (r, err), = got
        assert err is None and r["endpoint"] == "solo" and r["variant"] == "only"
    assert e.closed
    with pytest.raises(plexus.ClosedError):
        e.predict(instances=[[1.0]])
    with pytest.raises(plexus.ConfigError):
        plexus.Endpoint(ctx, {"variants": []})
