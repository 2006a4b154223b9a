#!/usr/bin/env bash
# Installs the Debian packages that building, testing and benchmarking asynckit need.
# Run as root (or with sudo). Safe to run again.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  cmake ninja-build g++ gcc make pkg-config binutils \
  libfmt-dev googletest libgtest-dev \
  libtbb-dev libbenchmark-dev \
  lua5.4 liblua5.4-dev \
  python3 python3-venv python3-pip \
  valgrind abigail-tools clang libclang-rt-14-dev clang-format > /dev/null
