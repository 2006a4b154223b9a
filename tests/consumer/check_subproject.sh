#!/usr/bin/env bash
# A project that takes asynckit in with add_subdirectory() (as FetchContent does) gets the library
# and its asynckit::asynckit target, and none of asynckit's tests, examples, benchmarks or
# bindings. Builds such a project from this source tree and runs its program.
#   check_subproject.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/app"
cp "$(dirname "$0")/consumer.c" "$tmp/app/consumer.c"
cat > "$tmp/app/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(app C CXX)
add_subdirectory("$src" asynckit)
foreach(t unit_tests capi_tests fault_tests wordcount ak_bench ak_soak asynckit_lua header_c99)
  if(TARGET \${t})
    message(FATAL_ERROR "add_subdirectory(asynckit) defined its target \${t}")
  endif()
endforeach()
if(NOT TARGET asynckit::asynckit)
  message(FATAL_ERROR "add_subdirectory(asynckit) did not define asynckit::asynckit")
endif()
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE asynckit::asynckit)
CMAKE
generator=()
if command -v ninja > /dev/null; then generator=(-G Ninja); fi
cmake -S "$tmp/app" -B "$tmp/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$tmp/build" -j "${AK_JOBS:-2}" > /dev/null
"$tmp/build/consumer"
echo "subproject ok: add_subdirectory gives the library and its target only"
