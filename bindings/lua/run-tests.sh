#!/usr/bin/env bash
# Builds the Lua binding against a built (or installed) libasynckit and runs its Lua tests.
#
#   bindings/lua/run-tests.sh <library build dir | install prefix> [test-file-filter]
#   ASYNCKIT_ROOT=<dir> bindings/lua/run-tests.sh [test-file-filter]
#
# Environment:
#   ASYNCKIT_ROOT      the library build directory or install prefix (if not given as $1)
#   LUA                the interpreter (default: lua5.4)
#   AK_LUA_BUILD_DIR   where to build the module (default: a temporary directory, removed after)
#   AK_LUA_JOBS        parallel build jobs (default: 2)
# Needs cmake, a C compiler and the Lua 5.4 headers (Debian: lua5.4 liblua5.4-dev).
# The last line of output is "N passed, N failed"; the exit status is non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

root="${ASYNCKIT_ROOT:-}"
if [[ $# -gt 0 && -d "$1" ]]; then
  root="$1"
  shift
fi
if [[ -z "$root" ]]; then
  echo "usage: $0 <libasynckit build dir or install prefix> [test-file-filter]" >&2
  echo "   or: ASYNCKIT_ROOT=<dir> $0 [test-file-filter]" >&2
  exit 2
fi
if [[ ! -d "$root" ]]; then
  echo "run-tests.sh: $root is not a directory" >&2
  exit 2
fi
root="$(cd "$root" && pwd)"

lua="${LUA:-lua5.4}"
if ! command -v "$lua" >/dev/null 2>&1; then
  echo "run-tests.sh: Lua interpreter '$lua' not found (Debian: apt-get install lua5.4)" >&2
  exit 2
fi

build="${AK_LUA_BUILD_DIR:-}"
if [[ -z "$build" ]]; then
  build="$(mktemp -d "${TMPDIR:-/tmp}/asynckit-lua.XXXXXX")"
  trap 'rm -rf "$build"' EXIT
fi

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

cmake -S "$here" -B "$build" "${generator[@]}" -DASYNCKIT_ROOT="$root" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "${AK_LUA_JOBS:-2}" >/dev/null

LUA_CPATH="$build/lua/?.so;;" "$lua" "$here/tests/run.lua" "$@"
