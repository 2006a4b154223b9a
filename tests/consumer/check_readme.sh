#!/usr/bin/env bash
# The C quick start in README.md compiles as C99 against the public header, runs, and prints 14.
#   check_readme.sh README.md LIBDIR INCLUDE_DIR...
set -euo pipefail
readme=$1
libdir=$2
shift 2
includes=()
for dir in "$@"; do includes+=(-I"$dir"); done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^```c$/{f=1;next} /^```$/{f=0} f' "$readme" > "$tmp/quick.c"
cc -std=c99 -Wall -Wextra -Werror "${includes[@]}" "$tmp/quick.c" -L"$libdir" -lasynckit -o "$tmp/quick"
got=$(LD_LIBRARY_PATH="$libdir" "$tmp/quick")
[ "$got" = 14 ] || { echo "README quick start printed '$got', want 14"; exit 1; }
echo "README quick start ok"
