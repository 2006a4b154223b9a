#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs one outside C program with
# pkg-config and one CMake project with find_package(asynckit), both against that prefix only.
# Both must report VERSION, the project's version; the installed library is
# libasynckit.so.VERSION with the SONAME libasynckit.so.MAJOR.
#   check_install.sh BUILD_DIR VERSION
set -euo pipefail
build=$1
version=$2
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
libdir=$(dirname "$(find "$tmp/prefix" -name 'libasynckit.so' | head -n1)")
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion asynckit)" = "$version" ] ||
  { echo "pkg-config says $(pkg-config --modversion asynckit), want $version"; exit 1; }
[ -f "$libdir/libasynckit.so.$version" ] || { echo "no $libdir/libasynckit.so.$version"; exit 1; }
soname=$(objdump -p "$libdir/libasynckit.so.$version" | awk '/SONAME/ {print $2}')
[ "$soname" = "libasynckit.so.${version%%.*}" ] ||
  { echo "SONAME is $soname, want libasynckit.so.${version%%.*}"; exit 1; }
[ -f "$tmp/prefix/include/asynckit_version.h" ] || { echo "asynckit_version.h not installed"; exit 1; }
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror "$src/consumer.c" -o "$tmp/pc-consumer" $(pkg-config --cflags --libs asynckit)
LD_LIBRARY_PATH="$libdir" "$tmp/pc-consumer"
cmake -S "$src" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DAK_EXPECTED_VERSION="$version" > /dev/null
cmake --build "$tmp/cmake-build" > /dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/cmake-build/consumer"
echo "install ok: pkg-config and find_package consumers built and ran"
