#!/bin/bash
# Streams a large object up and down through plexus (bench_s3: plx_object_put
# with parallel multipart parts, plx_object_get) against an S3 server, and
# the same through boto3's transfer manager (same part size and concurrency)
# in the same run, for the ratio. Prints MiB/s and the peak RSS of each
# direction (each in its own process); plexus must stay below 64 MiB.
#
#   bench/s3.sh [--mb N] [--part-mb N] [--concurrency N] [--payload MODE] [--moto]
#
# The server: the S3 peer of ../shared/peers (PEER_S3_URL, else its env.sh),
# or with --moto a private moto server (tests/integration/with_moto.sh).
# Default size 1024 MiB. Environment: BUILD=DIR (meson build dir with
# bench/bench_s3; default build, else /tmp/build-bench) or BENCH_S3=PATH;
# PYTHON (with boto3; default python3); PLEXUS_PEERS.
# Exit status: 1 when a transfer fails or plexus passes 64 MiB, 2 when
# something is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
RSS_LIMIT_MIB=64

mb=1024 part=8 conc=4 payload=auto moto=0 inside=0
while [ $# -gt 0 ]; do
    case $1 in
        --mb) mb=$2; shift ;;
        --part-mb) part=$2; shift ;;
        --concurrency) conc=$2; shift ;;
        --payload) payload=$2; shift ;;
        --moto) moto=1 ;;
        --inside-harness) inside=1 ;;
        *) sed -n '2,18p' "$0"; exit 2 ;;
    esac
    shift
done

bench=${BENCH_S3:-}
if [ -z "$bench" ]; then
    for d in ${BUILD:-} "$root/build" /tmp/build-bench; do
        case $d in /*) ;; *) d=$root/$d ;; esac
        [ -x "$d/bench/bench_s3" ] && { bench=$d/bench/bench_s3; break; }
    done
fi
if [ -z "$bench" ] || [ ! -x "$bench" ]; then
    echo "s3.sh: bench_s3 not found; build first (meson setup /tmp/build-bench" \
         "-Dbuildtype=release && ninja -C /tmp/build-bench), or set BUILD / BENCH_S3" >&2
    exit 2
fi
export BENCH_S3=$bench
python=${PYTHON:-python3}

if [ $moto = 1 ] && [ $inside = 0 ]; then
    exec "$root/tests/integration/with_moto.sh" "$0" --inside-harness --mb "$mb" \
        --part-mb "$part" --concurrency "$conc" --payload "$payload"
fi

if [ $inside = 1 ]; then
    url=$MOTO_URL key=$MOTO_ACCESS_KEY_ID secret=$MOTO_SECRET_ACCESS_KEY region=$MOTO_REGION
    bucket=plexus-bench server="moto"
else
    if [ -z "${PEER_S3_URL:-}" ]; then
        peers=${PLEXUS_PEERS:-$root/../shared/peers}
        [ -x "$peers/scripts/env.sh" ] && eval "$("$peers/scripts/env.sh")"
    fi
    url=${PEER_S3_URL:-} key=${PEER_S3_ACCESS_KEY_ID:-} secret=${PEER_S3_SECRET_ACCESS_KEY:-}
    region=${PEER_S3_REGION:-us-east-1} bucket=${PEER_S3_BUCKET:-testbucket}
    server="s3 peer (s3rver)"
    if [ -z "$url" ] || ! curl -s -o /dev/null "$url/"; then
        echo "s3.sh: no S3 server: start the peer (../shared/peers/scripts/start.sh s3)" \
             "or use --moto" >&2
        exit 2
    fi
fi

have_boto3=0
"$python" -c 'import boto3' 2>/dev/null && have_boto3=1

# boto3: create the bucket (moto), transfers, cleanup. usage: boto OP KEY
boto() {
    "$python" - "$1" "$2" "$url" "$key" "$secret" "$region" "$bucket" "$mb" "$part" "$conc" <<'PY'
import io, json, os, resource, sys, time
import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
op, k, url, key, secret, region, bucket, mb, part, conc = sys.argv[1:]
mb, part, conc = int(mb), int(part) << 20, int(conc)
cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3},
             request_checksum_calculation="when_required",
             response_checksum_validation="when_required")
s3 = boto3.client("s3", endpoint_url=url, region_name=region, aws_access_key_id=key,
                  aws_secret_access_key=secret, config=cfg)
if op == "bucket":
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    sys.exit(0)
if op == "delete":
    s3.delete_object(Bucket=bucket, Key=k)
    sys.exit(0)
tc = TransferConfig(multipart_threshold=part, multipart_chunksize=part, max_concurrency=conc)
size = mb << 20
block = os.urandom(1 << 20)
class Source(io.RawIOBase):   # seekable, so s3transfer reads parts lazily
    def __init__(self): self.pos = 0
    def readable(self): return True
    def seekable(self): return True
    def tell(self): return self.pos
    def seek(self, off, whence=0):
        self.pos = off if whence == 0 else (self.pos + off if whence == 1 else size + off)
        return self.pos
    def readinto(self, b):
        at = self.pos % len(block)
        n = min(len(b), size - self.pos, len(block) - at)
        b[:n] = block[at:at + n]
        self.pos += n
        return n
class Sink(io.RawIOBase):
    def __init__(self): self.n = 0
    def writable(self): return True
    def write(self, b):
        self.n += len(b)
        return len(b)
t0 = time.monotonic()
if op == "put":
    s3.upload_fileobj(io.BufferedReader(Source(), 1 << 20), bucket, k, Config=tc)
    moved = size
else:
    sink = Sink()
    s3.download_fileobj(bucket, k, sink, Config=tc)
    moved = sink.n
secs = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"op": op, "ok": moved == size, "seconds": round(secs, 3),
                  "mib_per_s": round(moved / 1048576 / secs, 1), "peak_rss_mib": round(rss, 1)}))
PY
}

if [ $inside = 1 ]; then
    boto bucket - || { echo "s3.sh: cannot create bucket $bucket on moto" >&2; exit 1; }
fi

stamp=$(date +%s)-$$
pkey=bench/plexus-$stamp bkey=bench/boto3-$stamp
args=(--url "$url" --bucket "$bucket" --access-key "$key" --secret "$secret" --region "$region"
      --mb "$mb" --part-mb "$part" --concurrency "$conc" --payload "$payload" --json)
echo "server: $server at $url, bucket $bucket; $mb MiB, parts of $part MiB, $conc in flight,"\
     "payload signing $payload"
rc=0
p_put=$("$bench" put --key "$pkey" "${args[@]}") || rc=1
echo "plexus put  $p_put"
p_get=$("$bench" get --key "$pkey" "${args[@]}") || rc=1
echo "plexus get  $p_get"
b_put="" b_get=""
if [ $have_boto3 = 1 ]; then
    b_put=$(boto put "$bkey") && echo "boto3  put  $b_put" || { echo "boto3 put failed"; b_put=""; }
    [ -n "$b_put" ] && { b_get=$(boto get "$bkey") && echo "boto3  get  $b_get" || b_get=""; }
    boto delete "$pkey" >/dev/null 2>&1
    boto delete "$bkey" >/dev/null 2>&1
else
    echo "boto3: not importable by $python: no ratio (and the objects stay in $bucket/bench/)"
fi

"$python" - "$p_put" "$p_get" "$b_put" "$b_get" "$RSS_LIMIT_MIB" <<'PY' || rc=1
import json, sys
def load(s):
    try: return json.loads(s)
    except ValueError: return None
pp, pg, bp, bg = (load(a) for a in sys.argv[1:5])
limit = float(sys.argv[5])
bad = False
for name, p, b in (("put", pp, bp), ("get", pg, bg)):
    if not p:
        print(f"{name}: plexus gave no figures"); bad = True; continue
    line = (f"{name}: plexus {p['mib_per_s']:.1f} MiB/s, peak RSS {p['peak_rss_mib']:.1f} MiB"
            f" (limit {limit:.0f})")
    if b:
        line += (f"; boto3 {b['mib_per_s']:.1f} MiB/s, peak RSS {b['peak_rss_mib']:.1f} MiB;"
                 f" plexus/boto3 throughput {p['mib_per_s'] / b['mib_per_s']:.2f}x")
    print(line)
    if not p["ok"] or p["peak_rss_mib"] >= limit:
        print(f"{name}: FAILED" + ("" if p["ok"] else " (transfer)") +
              (f" (peak RSS over {limit:.0f} MiB)" if p["peak_rss_mib"] >= limit else ""))
        bad = True
sys.exit(1 if bad else 0)
PY
exit $rc
