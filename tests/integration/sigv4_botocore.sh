#!/bin/bash
# Runs the botocore differential test (sigv4_botocore.py) with Debian's
# python3-botocore against COMMAND (the plexus signer, test_sigv4_tool).
# A harness: "sigv4_botocore.sh COMMAND ARGS..." (valgrind goes on COMMAND).
# Exit 77 (skip) without /usr/bin/python3 or botocore.
here=$(cd "$(dirname "$0")" && pwd)
py=${PLX_BOTOCORE_PYTHON:-/usr/bin/python3}
if [ ! -x "$py" ]; then
    echo "1..0 # SKIP no $py (python3 with botocore)"
    exit 77
fi
exec "$py" "$here/sigv4_botocore.py" "$@"
