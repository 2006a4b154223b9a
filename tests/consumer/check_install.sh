#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs one outside C program with
# pkg-config and one CMake project with find_package(asynckit), both against that prefix only.
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
libdir=$(dirname "$(find "$tmp/prefix" -name 'libasynckit.so' | head -n1)")
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror "$src/consumer.c" -o "$tmp/pc-consumer" $(pkg-config --cflags --libs asynckit)
LD_LIBRARY_PATH="$libdir" "$tmp/pc-consumer"
cmake -S "$src" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$tmp/prefix" > /dev/null
cmake --build "$tmp/cmake-build" > /dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/cmake-build/consumer"
echo "install ok: pkg-config and find_package consumers built and ran"
