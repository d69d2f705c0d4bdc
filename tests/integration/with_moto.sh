#!/bin/bash
# Runs COMMAND ARGS... with a private moto server (moto_server from
# `pip install 'moto[server]'`) on a free 127.0.0.1 port that VERIFIES
# SigV4 signatures: an IAM user with an allow-all policy is made while moto
# still accepts anything, then /moto-api/reset-auth 0 turns IAM checking on
# (INITIAL_NO_AUTH_ACTION_COUNT=0) for everything after. Exports MOTO_URL,
# MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY and MOTO_REGION. Exit 77 (skip)
# when moto is not installed. Stops the server it started (by pid).
set -u
if ! command -v moto_server >/dev/null 2>&1; then
    echo "1..0 # SKIP moto_server not found (pip install 'moto[server]')"
    exit 77
fi
# The python that runs moto_server (it has boto3, a moto dependency).
py=$(command -v python3)
if ! "$py" -c 'import moto, boto3' 2>/dev/null; then
    echo "1..0 # SKIP moto_server found but $py cannot import moto and boto3"
    exit 77
fi
dir=$(mktemp -d /tmp/plx-moto-XXXXXX)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid moto_server -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
pid=$!
stop() {
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ -n "${PLX_TEST_KEEP:-}" ] || rm -rf "$dir"
}
trap stop EXIT
export MOTO_URL="http://127.0.0.1:$port" MOTO_REGION=us-east-1
for _ in $(seq 1 150); do
    curl -s -o /dev/null "$MOTO_URL/moto-api/" && break
    kill -0 "$pid" 2>/dev/null || { echo "moto_server died:"; tail -20 "$dir/moto.log"; exit 1; }
    sleep 0.1
done

# IAM user, policy, key; canned SageMaker endpoint results; then auth on.
keys=$("$py" - "$MOTO_URL" <<'PY'
import json, sys, urllib.request
import boto3
url = sys.argv[1]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
iam.create_user(UserName="plexus")
iam.put_user_policy(UserName="plexus", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="plexus")["AccessKey"]
result = {"Body": "{\"predictions\": [0.25]}", "ContentType": "application/json",
          "InvokedProductionVariant": "prod", "CustomAttributes": "my_attr"}
results = {"results": [result] * 4}
req = urllib.request.Request(url + "/moto-api/static/sagemaker/endpoint-results",
                             data=json.dumps(results).encode(), method="POST")
urllib.request.urlopen(req).read()
# text/plain: a form content type would leave moto's request.data empty
urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset-auth", data=b"0",
                                              headers={"Content-Type": "text/plain"},
                                              method="POST")).read()
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
) || { echo "moto setup failed:"; tail -20 "$dir/moto.log"; exit 1; }
read -r MOTO_ACCESS_KEY_ID MOTO_SECRET_ACCESS_KEY <<<"$keys"
export MOTO_ACCESS_KEY_ID MOTO_SECRET_ACCESS_KEY
"$@"
rc=$?
[ $rc -eq 0 ] || { echo "# moto log tail:"; tail -30 "$dir/moto.log" | sed 's/^/# /'; }
exit $rc
