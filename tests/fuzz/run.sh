#!/usr/bin/env bash
# Configures a clang build with the fuzzer, builds it, replays the seeds and every regression, then
# fuzzes the C API for SECONDS. Exits non-zero on any crash, leak, hang or broken invariant; the
# crashing input is left as BUILD_DIR/fuzz-artifacts/crash-* (or leak-*, timeout-*): copy it to
# tests/fuzz/regressions/ once the bug is fixed, so ctest replays it from then on.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [extra libFuzzer flags...]
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$1
seconds=$2
shift 2
jobs=${AK_JOBS:-2}

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAK_BUILD_FUZZ=ON -DAK_BUILD_EXAMPLES=OFF -DAK_WERROR="${AK_WERROR:-OFF}" > /dev/null
cmake --build "$build" -j "$jobs" --target ak_fuzz_capi

fuzzer="$build/tests/fuzz/ak_fuzz_capi"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# Known inputs first: the seeds and every crash found so far must pass as they are.
mapfile -t known < <(find "$here/corpus" "$here/regressions" -type f ! -name 'README*' | sort)
if [ ${#known[@]} -gt 0 ]; then
  "$fuzzer" -timeout=60 "${known[@]}"
fi

# Then fuzz, growing a corpus in the build directory (the seeds in the repo stay as they are).
work="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
mkdir -p "$work" "$artifacts"
"$fuzzer" "$work" "$here/corpus" \
  -max_total_time="$seconds" -timeout=30 -max_len=512 -rss_limit_mb=4096 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$@"
