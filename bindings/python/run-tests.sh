#!/usr/bin/env bash
# Runs the Python binding's test suite against a built libasynckit.
#   ASYNCKIT_LIBRARY=/path/to/libasynckit.so bindings/python/run-tests.sh [pytest args...]
# PYTHON picks the interpreter (default: python3). Installs pytest if it is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"

if [[ -z "${ASYNCKIT_LIBRARY:-}" ]]; then
  echo "run-tests.sh: set ASYNCKIT_LIBRARY to the built libasynckit.so" >&2
  exit 2
fi
if [[ ! -f "$ASYNCKIT_LIBRARY" ]]; then
  echo "run-tests.sh: ASYNCKIT_LIBRARY=$ASYNCKIT_LIBRARY is not a file" >&2
  exit 2
fi
ASYNCKIT_LIBRARY="$(cd "$(dirname "$ASYNCKIT_LIBRARY")" && pwd)/$(basename "$ASYNCKIT_LIBRARY")"
export ASYNCKIT_LIBRARY

if ! "$python" -c 'import pytest' >/dev/null 2>&1; then
  "$python" -m pip install --quiet pytest
fi

cd "$here"
exec "$python" -m pytest -p no:cacheprovider tests "$@"
