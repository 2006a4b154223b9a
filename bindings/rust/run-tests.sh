#!/usr/bin/env bash
# Runs the Rust binding's tests (unit, integration, doc) against an installed libasynckit.
#
# Needs: cargo, a C compiler (`cc` or $CC, for the layout check), and the installed library
# found through PKG_CONFIG_PATH (module `asynckit`) or ASYNCKIT_LIB_DIR / ASYNCKIT_INCLUDE_DIR,
# with LD_LIBRARY_PATH letting the loader find libasynckit.so. For example:
#
#   PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig LD_LIBRARY_PATH=$PREFIX/lib bindings/rust/run-tests.sh
#
# Extra arguments go to `cargo test` (e.g. `-- --nocapture`). CARGO_TARGET_DIR is honoured;
# by default the build lands in bindings/rust/target (ignored by git).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [[ -z "${ASYNCKIT_LIB_DIR:-}" ]] && ! "${PKG_CONFIG:-pkg-config}" --exists asynckit; then
  echo "run-tests.sh: pkg-config cannot find asynckit; set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig" \
       "(or ASYNCKIT_LIB_DIR)" >&2
  exit 2
fi

libdir="${ASYNCKIT_LIB_DIR:-$("${PKG_CONFIG:-pkg-config}" --variable=libdir asynckit)}"
case ":${LD_LIBRARY_PATH:-}:" in
  *":$libdir:"*) ;;
  *) export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;;
esac

jobs="${CARGO_BUILD_JOBS:-2}"
echo "run-tests.sh: testing against libasynckit in $libdir"
exec cargo test --workspace --locked -j "$jobs" "$@"
