#!/usr/bin/env bash
# The shared library exports ak_* functions and nothing else (no C++ or libstdc++ symbols), and its
# SONAME is the ABI major version, and every function the header declares is exported.
set -euo pipefail
lib=$1
abi=$2
header=$3
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^ak_' | grep -v '^ASYNCKIT_' || true)
if [ -n "$bad" ]; then
  echo "symbols exported beyond ak_*:"; echo "$bad"; exit 1
fi
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep '^ak_' | sort -u)
declared=$(grep -oE '^AK_API[^(]*\bak_[a-z0-9_]+\(' "$header" | grep -oE 'ak_[a-z0-9_]+\($' | tr -d '(' | sort -u)
missing=$(comm -13 <(echo "$exported") <(echo "$declared"))
[ -z "$missing" ] || { echo "declared but not exported:"; echo "$missing"; exit 1; }
extra=$(comm -23 <(echo "$exported") <(echo "$declared"))
[ -z "$extra" ] || { echo "exported but not declared:"; echo "$extra"; exit 1; }
count=$(echo "$declared" | wc -l)
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = "libasynckit.so.$abi" ] || { echo "SONAME is '$soname', want libasynckit.so.$abi"; exit 1; }
echo "exports ok: $count ak_* symbols, SONAME $soname"
