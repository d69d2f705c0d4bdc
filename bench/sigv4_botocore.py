#!/usr/bin/python3
"""botocore's SigV4 signer on the same request as bench_sigv4: prints
signs/s (header signing) and, with --json, one JSON line. Needs Debian's
python3-botocore (or any botocore)."""
import json
import sys
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    seconds = 2.0
    args = sys.argv[1:]
    if "--seconds" in args:
        seconds = float(args[args.index("--seconds") + 1])
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    signer = SigV4Auth(creds, "comprehend", "us-east-1")
    body = b'{"Text":"I love this product, it works great.","LanguageCode":"en"}'
    req = AWSRequest(method="POST", url="https://comprehend.us-east-1.amazonaws.com/",
                     data=body, headers={
                         "Content-Type": "application/x-amz-json-1.1",
                         "X-Amz-Target": "Comprehend_20171127.DetectSentiment",
                         "User-Agent": "plexus-bench"})
    n = 0
    start = time.perf_counter()
    end = start + seconds
    while True:
        for _ in range(200):
            signer.add_auth(req)
        n += 200
        now = time.perf_counter()
        if now >= end:
            break
    rate = n / (now - start)
    if "--json" in args:
        print(json.dumps({"sign_per_s": round(rate)}))
    else:
        print(f"botocore header signing: {rate:9.0f} signs/s  ({n} signs)")


main()
