#!/usr/bin/env bash
# Runs the Go binding's checks against an installed libasynckit: go vet, then go test -race.
#   PKG_CONFIG_PATH=<prefix>/lib/pkgconfig LD_LIBRARY_PATH=<prefix>/lib bindings/go/run-tests.sh [go test args...]
# pkg-config must find asynckit.pc (the cgo flags come from it). LD_LIBRARY_PATH may be left out:
# the library directory pkg-config reports is added to it. Needs Go 1.22 or newer and a C
# compiler (cgo, and the race detector).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "run-tests.sh: no 'go' command on PATH (Go 1.22 or newer is needed)" >&2
  exit 2
fi
if ! pkg-config --exists asynckit; then
  echo "run-tests.sh: pkg-config cannot find asynckit; set PKG_CONFIG_PATH to <prefix>/lib/pkgconfig" >&2
  exit 2
fi
libdir="$(pkg-config --variable=libdir asynckit)"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CGO_ENABLED=1
# A CI shell may have no HOME, which the go command needs for its caches.
if [[ -z "${HOME:-}" && -z "${GOCACHE:-}" ]]; then
  export GOCACHE="${TMPDIR:-/tmp}/asynckit-go-cache"
  export GOPATH="${TMPDIR:-/tmp}/asynckit-go-path"
fi

cd "$here"
echo "go binding: $(go version), asynckit $(pkg-config --modversion asynckit) in $libdir"
go vet ./...
# -count=1: the test cache does not see a rebuilt libasynckit.so, so never reuse a result.
go test -race -count=1 -p 2 "$@" ./...
