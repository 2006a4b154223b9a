#!/usr/bin/env bash
# The built library is ABI-compatible with the committed baseline (tests/abi/libasynckit.so.<ABI major>.abi, made
# with abidw from libabigail). Added functions are fine; a removed function or a changed
# signature or public struct layout fails. After an intended compatible addition, refresh the
# baseline with: abidw --headers-dir include --no-corpus-path --no-show-locs \
#   --out-file tests/abi/libasynckit.so.<ABI major>.abi build/libasynckit.so
set -uo pipefail
baseline=$1
lib=$2
headers=${3:-}  # kept for the record; abidiff needs no header filter here
if ! command -v abidiff > /dev/null; then
  echo "abidiff not found (Debian package abigail-tools)"; exit 1
fi
# Every type reachable from an exported function is public here (the handles are opaque).
report=$(abidiff "$baseline" "$lib" 2>&1)
rc=$?
echo "$report"
# abidiff's status is a bit mask: 1 error, 2 usage error, 4 ABI change, 8 incompatible change.
# It counts a changed struct member as a mere "change" (4), so any change fails unless all it
# did was add functions or variables.
if (( rc & 11 )); then
  echo "incompatible ABI change against $baseline (abidiff status $rc)"; exit 1
fi
if (( rc & 4 )); then
  if ! grep -qE 'Functions changes summary: 0 Removed, 0 Changed' <<< "$report" ||
     ! grep -qE 'Variables changes summary: 0 Removed, 0 Changed' <<< "$report"; then
    echo "ABI change beyond additions against $baseline (abidiff status $rc)"; exit 1
  fi
fi
echo "ABI compatible with the baseline (abidiff status $rc)"
