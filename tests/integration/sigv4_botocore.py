#!/usr/bin/python3
"""Differential test of the SigV4 signer against botocore: random requests
(methods, paths with odd characters, queries with repeated and empty
parameters, headers with inner whitespace and repeated names, bodies,
session tokens, unsigned payloads, services including s3) are signed by
botocore and by plexus (the command given, which reads one JSON request a
line and prints its Authorization header); every header must match.

usage: sigv4_botocore.py COMMAND [ARGS...]   (env SIGV4_DIFF_CASES, SIGV4_DIFF_SEED)
Exit 77 (skip) when botocore is not installed."""
import base64
import json
import os
import random
import subprocess
import sys
from urllib.parse import quote

try:
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("1..0 # SKIP botocore is not installed (apt-get install python3-botocore)")
    sys.exit(77)

KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SERVICES = ["comprehend", "s3", "sagemaker", "execute-api", "bedrock", "states", "lambda",
            "kinesis"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"]
HOSTS = ["example.amazonaws.com", "127.0.0.1:4599", "Mixed.Case.Example.com",
         "localhost:8080", "bucket.s3.us-east-1.amazonaws.com"]
ODD = "aZ09-._~ !$&'()*+,;=:@%/\u00e9\u4e2d\U0001f600\"<>[]^`{|}"


def rand_text(rng, alphabet, lo, hi):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def rand_path(rng, s3):
    segs = [rand_text(rng, ODD, 0, 6) for _ in range(rng.randint(0, 4))]
    if not s3 and rng.random() < 0.3:
        segs.insert(rng.randint(0, len(segs)), rng.choice([".", "..", ""]))
    path = "/" + "/".join(segs)
    # encoded as on the wire; S3 clients encode every byte but unreserved and '/'
    return quote(path, safe="/~") if s3 or rng.random() < 0.7 else quote(path, safe="/~$!*'(),;=:@+&")


def rand_query(rng):
    pairs = []
    for _ in range(rng.choice([0, 0, 1, 2, 4, 7])):
        k = rand_text(rng, ODD, 1, 5) if rng.random() < 0.8 else rng.choice(pairs or [("a", "")])[0]
        v = rand_text(rng, ODD, 0, 8)
        qk, qv = quote(k, safe="-_.~"), quote(v, safe="-_.~")
        pairs.append((k, v))
        pairs[-1] = (qk, qv) if rng.random() < 0.9 else (qk, None)
    return "&".join(k if v is None else f"{k}={v}" for k, v in pairs)


def rand_headers(rng):
    names = ["Content-Type", "X-Amz-Target", "x-amz-meta-Odd", "My-Header", "Accept",
             "X-Amz-Invocation-Type", "x-custom", "User-Agent", "Expect"]
    headers = []
    for _ in range(rng.randint(0, 5)):
        value = rand_text(rng, "abc XYZ 012\t,;=/:\"", 0, 12)
        if value.strip(" \t") == "":
            value = "v" + value
        headers.append((rng.choice(names), value))
    return headers


def make_case(rng, i):
    service = rng.choice(SERVICES)
    s3 = service == "s3"
    scheme = rng.choice(["http", "https"])
    url = f"{scheme}://{rng.choice(HOSTS)}{rand_path(rng, s3)}"
    query = rand_query(rng)
    if query:
        url += "?" + query
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"])
    body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 0, 1, 17, 300])))
    return {"id": i, "method": method, "url": url, "headers": rand_headers(rng),
            "body_b64": base64.b64encode(body).decode(), "service": service,
            "region": rng.choice(REGIONS), "time": 1440938160 + rng.randrange(10**8),
            "token": rng.choice([None, None, "FQoGZXIvYXdz/token+with=chars"]),
            "unsigned_payload": (not s3 and scheme == "https" and rng.random() < 0.3)}


def botocore_sign(case):
    creds = Credentials(KEY, SECRET, case["token"])
    cls = S3SigV4Auth if case["service"] == "s3" else SigV4Auth
    auth = cls(creds, case["service"], case["region"])
    req = AWSRequest(method=case["method"], url=case["url"],
                     data=base64.b64decode(case["body_b64"]))
    for name, value in case["headers"]:
        req.headers[name] = value          # appends: repeated names stay
    if case["unsigned_payload"]:
        req.context["payload_signing_enabled"] = False
    import datetime
    stamp = datetime.datetime.utcfromtimestamp(case["time"]).strftime("%Y%m%dT%H%M%SZ")
    req.context["timestamp"] = stamp
    auth._modify_request_before_signing(req)
    creq = auth.canonical_request(req)
    sig = auth.signature(auth.string_to_sign(req, creq), req)
    auth._inject_signature_to_request(req, sig)
    return req.headers["Authorization"], creq


def main():
    cmd = sys.argv[1:]
    if not cmd:
        sys.exit(__doc__)
    n = int(os.environ.get("SIGV4_DIFF_CASES", "400"))
    seed = int(os.environ.get("SIGV4_DIFF_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    cases = [make_case(rng, i) for i in range(n)]
    stdin = "".join(json.dumps(c) + "\n" for c in cases)
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(f"not ok - signer exited {out.returncode}\n{out.stderr}")
        sys.exit(1)
    got = out.stdout.splitlines()
    failed = 0
    for case, mine in zip(cases, got):
        want, creq = botocore_sign(case)
        if mine != want:
            failed += 1
            if failed <= 5:
                print(f"# case {case['id']} differs: {json.dumps(case)}\n#  plexus:   {mine}\n"
                      f"#  botocore: {want}\n# botocore canonical request:\n"
                      + "\n".join("#   " + l for l in creq.split("\n")))
    if len(got) != n:
        print(f"# expected {n} lines, got {len(got)}")
        failed += 1
    print(f"{'not ok' if failed else 'ok'} 1 - {n} random requests signed alike by plexus and "
          f"botocore (seed {seed})\n1..1")
    print(f"{n - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


main()
