#!/bin/bash
# Writes the ABI of a built libplexus as abigail XML, in the one form that both
# the committed baseline (update-baseline.sh) and the check (check-abidiff.sh)
# use, so that they differ only where the ABI does.
# usage: abi-dump.sh LIBPLEXUS_SO PUBLIC_HEADERS_DIR OUT_FILE
set -euo pipefail
lib=$1 headers=$2 out=$3
# --headers-dir + --drop-private-types: types defined outside the public
#   headers become opaque declarations (see abidiff.suppr for the exception);
# --no-show-locs, --no-comp-dir-path, --no-corpus-path: no paths or line
#   numbers of the machine or build dir, so an edit elsewhere in a file does not
#   touch the baseline;
# --type-id-style hash: ids that do not shift when a type is added;
# --drop-undefined-syms, --no-elf-needed: what libplexus imports is not its ABI.
abidw --headers-dir "$headers" --drop-private-types --no-show-locs --no-comp-dir-path \
      --no-corpus-path --type-id-style hash --drop-undefined-syms --no-elf-needed \
      --out-file "$out.tmp" "$lib"
# Source paths of translation units are relative to the build dir: keep them
# relative to the repository instead (lib/...).
sed "s#path='[^']*/\(lib/[^']*\)'#path='\1'#" "$out.tmp" > "$out"
rm -f "$out.tmp"
