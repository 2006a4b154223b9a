//! The crates' version (`[workspace.package] version` in the workspace Cargo.toml, inherited by
//! both crates) is the library version these declarations were written for. With
//! `constants_match_the_header` in header.rs, which ties those constants to the generated
//! asynckit_version.h (that is, to project(VERSION)), `cargo test` fails on any disagreement, even
//! without tests/version/check_versions.py.
use asynckit_sys as sys;

#[test]
fn the_manifest_version_is_the_declared_library_version() {
    assert_eq!(env!("CARGO_PKG_VERSION"), sys::AK_VERSION_STRING);
    let parts = [sys::AK_VERSION_MAJOR, sys::AK_VERSION_MINOR, sys::AK_VERSION_PATCH];
    assert_eq!(env!("CARGO_PKG_VERSION_MAJOR"), parts[0].to_string());
    assert_eq!(env!("CARGO_PKG_VERSION_MINOR"), parts[1].to_string());
    assert_eq!(env!("CARGO_PKG_VERSION_PATCH"), parts[2].to_string());
}
