#!/usr/bin/env python3
"""Every copy of the project's version agrees with its one source, project(VERSION) in the
top-level CMakeLists.txt.

The C side (asynckit_version.h, ak_version(), asynckit.pc, the CMake package, the library's file
name and SONAME) is generated from it; the bindings' manifests cannot be, because their own tools
read them without running CMake. This check names each place a binding keeps the version and fails
on the first that disagrees, so a release changes project(VERSION) and then runs this to find the
rest.

    tests/version/check_versions.py [SOURCE_ROOT]
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[2])
cmake = (root / "CMakeLists.txt").read_text()
m = re.search(r"^project\(asynckit VERSION (\d+)\.(\d+)\.(\d+)\b", cmake, re.M)
if not m:
    sys.exit("check_versions: no project(asynckit VERSION x.y.z) in CMakeLists.txt")
major, minor, patch = m.groups()
version = f"{major}.{minor}.{patch}"

# (file, regular expression whose first group must equal the expected text, expected text)
EXPECTED = [
    ("bindings/rust/Cargo.toml", r'\[workspace\.package\][^\[]*?\nversion = "([^"]+)"', version),
    ("bindings/rust/asynckit/Cargo.toml", r'asynckit-sys = \{[^}]*version = "=?([^"]+)"', version),
    ("bindings/rust/asynckit-sys/src/lib.rs", r'AK_VERSION_STRING: &str = "([^"]+)"', version),
    ("bindings/rust/asynckit-sys/src/lib.rs", r"AK_VERSION_MAJOR: c_uint = (\d+)", major),
    ("bindings/rust/asynckit-sys/src/lib.rs", r"AK_VERSION_MINOR: c_uint = (\d+)", minor),
    ("bindings/rust/asynckit-sys/src/lib.rs", r"AK_VERSION_PATCH: c_uint = (\d+)", patch),
    ("bindings/rust/asynckit-sys/src/lib.rs", r"AK_ABI_VERSION: c_uint = (\d+)", major),
    # pyproject.toml has no version of its own: setuptools reads __version__ (the next entry).
    ("bindings/python/pyproject.toml", r'^version = \{\s*attr\s*=\s*"([^"]+)"\s*\}',
     "asynckit.__version__"),
    ("bindings/python/src/asynckit/__init__.py", r'^__version__ = "([^"]+)"', version),
    ("bindings/python/src/asynckit/_native.py", r"^ABI_VERSION = (\d+)", major),
    # The Lua module's standalone CMake reads project(VERSION) when it can; this is its fallback.
    ("bindings/lua/CMakeLists.txt", r"project\(asynckit_lua VERSION (\d+\.\d+\.\d+) LANGUAGES",
     version),
    (f"bindings/lua/asynckit-{version}-1.rockspec", r'^version = "([^"]+)-1"', version),
    (f"bindings/lua/asynckit-{version}-1.rockspec", r'^\s*tag = "v([^"]+)"', version),
]

failures = []
for rel, pattern, want in EXPECTED:
    path = root / rel
    if not path.exists():
        failures.append(f"{rel}: missing (expected to carry version {want})")
        continue
    found = re.search(pattern, path.read_text(), re.M)
    if not found:
        failures.append(f"{rel}: no match for {pattern!r}")
    elif found.group(1) != want:
        failures.append(f"{rel}: says {found.group(1)}, project(VERSION) says {want}")

# A rockspec for any other version is a leftover of an earlier release.
for rock in (root / "bindings/lua").glob("asynckit-*.rockspec"):
    if rock.name != f"asynckit-{version}-1.rockspec":
        failures.append(f"bindings/lua/{rock.name}: a rockspec for another version")

if failures:
    print(f"versions disagree with project(VERSION) {version}:")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print(f"versions agree: {version} in {len(EXPECTED)} places, ABI major {major}")
