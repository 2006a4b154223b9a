#!/usr/bin/env bash
# run.sh -- configures a Release build with the benchmark (-O2 for the library and the benchmark
# alike, as Debian builds oneTBB), builds it, runs ak_bench and writes bench/RESULTS.md: the
# table, the machine it ran on and the date.
#
#   bench/run.sh [BUILD_DIR] [ak_bench options...]
#
# BUILD_DIR defaults to build-bench next to the source tree. With --quick, --only or --help the
# output is only printed: RESULTS.md keeps the last full run. Set AK_BENCH_JOBS to change build
# parallelism (default: nproc).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(dirname "$here")"
build="$(dirname "$src")/build-bench"
if [[ $# -gt 0 && "$1" != -* ]]; then
  build="$1"
  shift
fi

partial=0
for arg in "$@"; do
  case "$arg" in --quick|--only|--help|-h) partial=1 ;; esac
done

generator=()
if [[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null; then
  generator=(-G Ninja)
fi
cmake -S "$src" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DAK_SANITIZE= \
  -DAK_BUILD_BENCH=ON -DAK_BUILD_TESTS=OFF -DAK_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target ak_bench -j "${AK_BENCH_JOBS:-$(nproc)}"

bench="$build/bench/ak_bench"
if [[ $partial -eq 1 ]]; then
  exec "$bench" "$@"
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
table="$(mktemp)"
trap 'rm -f "$table"' EXIT
"$bench" "$@" >"$table"  # progress goes to stderr; a failed check stops here
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

cpu_info="$(LC_ALL=C lscpu)"
lscpu_field() { sed -n "/^$1:/{s/^$1:[[:space:]]*//p;q}" <<<"$cpu_info"; }
# GIT_OPTIONAL_LOCKS=0: status only reads, never refreshes the index.
commit="$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)"
changes="$(GIT_OPTIONAL_LOCKS=0 git -C "$src" status --porcelain --untracked-files=no \
  2>/dev/null || true)"
if [[ -n "$changes" ]]; then
  commit="$commit with local changes"
fi
compiler="$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")"

{
  echo "# ak_bench results"
  echo
  echo "Written by \`bench/run.sh\` on $started, from commit $commit."
  echo "What each workload measures and how to rerun: [README.md](README.md)."
  echo
  echo "## Machine"
  echo
  echo "- CPU: $(lscpu_field 'Model name'), $(nproc) online CPUs" \
       "($(lscpu_field 'Thread(s) per core') thread(s) per core," \
       "hypervisor: $(lscpu_field 'Hypervisor vendor'))"
  echo "- Kernel: $(uname -sr); memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "- Compiler: $("${compiler:-c++}" --version | head -n1)"
  echo "- Load average (1, 5, 15 min) before: $load_before; after: $load_after." \
       "Others' work on the same CPUs shows up as noise: compare ratios from one run."
  echo
  echo "## Results"
  echo
  cat "$table"
} >"$here/RESULTS.md"

cat "$table"
echo "wrote $here/RESULTS.md" >&2
