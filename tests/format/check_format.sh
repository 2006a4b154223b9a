#!/usr/bin/env bash
# Fails when a C or C++ file of the project is not formatted as .clang-format says, and names the
# files. Fix with:  tests/format/check_format.sh --fix
# Uses Debian's clang-format 14 (tests/setup-deps.sh installs it): another major version formats
# some constructs differently, so the check refuses to judge with one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
tool=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$tool" ]; then
  echo "check_format: clang-format not found (Debian: apt-get install clang-format)" >&2
  exit 2
fi
major=$("$tool" --version | grep -oE 'version [0-9]+' | grep -oE '[0-9]+')
if [ "$major" != 14 ]; then
  echo "check_format: $tool is version $major; the project's format is clang-format 14's" >&2
  exit 2
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard \
  '*.c' '*.h' '*.cpp' '*.hpp' | grep -v '^bindings/rust/target/')
if [ "${1:-}" = --fix ]; then
  "$tool" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! "$tool" --dry-run --Werror "$f" > /dev/null 2>&1; then bad+=("$f"); fi
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "not formatted (run tests/format/check_format.sh --fix):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "format ok: ${#files[@]} files"
