#!/usr/bin/env bash
# Runs every test of asynckit: the format check, the GoogleTest suites (unit, C API, stress), the
# header, export, install, version and layering checks, the same suites under ThreadSanitizer and
# under AddressSanitizer+UBSan (with AK_ASSERT on), the stress tests in a loop, and each language
# binding's suite against the library built here. Every build treats warnings as errors.
#
#   tests/run-all.sh            everything
#   AK_SKIP_SANITIZERS=1 ...    skip the two sanitizer builds (quicker local runs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${AK_BUILD_ROOT:-$root/build-all}
jobs=${AK_JOBS:-2}
mkdir -p "$out"
step() { printf '\n=== %s ===\n' "$*"; }

step "format check (clang-format)"
bash "$root/tests/format/check_format.sh"

export AK_WERROR=ON  # for the builds the scripts below configure (fuzzer)

step "release build + ctest"
cmake -S "$root" -B "$out/release" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAK_WERROR=ON \
  -DAK_BUILD_BENCH="$([ -f "$root/bench/CMakeLists.txt" ] && echo ON || echo OFF)" > /dev/null
cmake --build "$out/release" -j "$jobs"
ctest --test-dir "$out/release" --output-on-failure -j "$jobs"

step "stress tests, looped"
ctest --test-dir "$out/release" --output-on-failure -R 'Stress' --repeat until-fail:3

if [ "${AK_SKIP_SANITIZERS:-0}" != 1 ]; then
  step "ThreadSanitizer build + ctest"
  cmake -S "$root" -B "$out/tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAK_SANITIZE=thread \
    -DAK_BUILD_EXAMPLES=OFF -DAK_WERROR=ON > /dev/null
  cmake --build "$out/tsan" -j "$jobs"
  AK_STRESS_SCALE=${AK_TSAN_SCALE:-0.1} TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ctest --test-dir "$out/tsan" --output-on-failure -j "$jobs"

  step "AddressSanitizer+UBSan build + ctest"
  cmake -S "$root" -B "$out/asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAK_SANITIZE=address \
    -DAK_BUILD_EXAMPLES=OFF -DAK_WERROR=ON > /dev/null
  cmake --build "$out/asan" -j "$jobs"
  AK_STRESS_SCALE=${AK_ASAN_SCALE:-0.2} ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    ctest --test-dir "$out/asan" --output-on-failure -j "$jobs"
fi

if [ "${AK_SKIP_SANITIZERS:-0}" != 1 ]; then
  step "soak under ThreadSanitizer (${AK_SOAK_SECONDS:-60} s; results checked, RSS must stay flat)"
  cmake -S "$root/bench/soak" -B "$out/soak-tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAK_SANITIZE=thread -DAK_WERROR=ON > /dev/null
  cmake --build "$out/soak-tsan" -j "$jobs"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$out/soak-tsan/ak_soak" "${AK_SOAK_SECONDS:-60}"

  step "API fuzzer (clang, ASan+UBSan, ${AK_FUZZ_SECONDS:-60} s)"
  bash "$root/tests/fuzz/run.sh" "$out/fuzz" "${AK_FUZZ_SECONDS:-60}"
fi

# The bindings run against an installed copy of the release build.
prefix="$out/prefix"
cmake --install "$out/release" --prefix "$prefix" > /dev/null
libdir=$(dirname "$(find "$prefix" -name 'libasynckit.so' | head -n1)")
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export ASYNCKIT_LIBRARY="$libdir/libasynckit.so"
export ASYNCKIT_PREFIX="$prefix"
# (The Lua binding is built and tested by ctest above: bindings/lua is part of the CMake build.)
for binding in python rust go; do
  script="$root/bindings/$binding/run-tests.sh"
  if [ -x "$script" ] || [ -f "$script" ]; then
    step "binding: $binding"
    bash "$script"
  fi
done

step "all tests passed"
