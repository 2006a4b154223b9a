//! The hand-written declarations against the installed header: every function, every status
//! code, the constants, and the struct layouts (measured by the C compiler).
use std::collections::BTreeSet;
use std::ffi::CStr;
use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

use asynckit_sys as sys;

const DECLS: &str = include_str!("../src/lib.rs");

fn header_path() -> PathBuf {
    match option_env!("ASYNCKIT_HEADER") {
        Some(path) => PathBuf::from(path),
        None => panic!(
            "asynckit.h was not found at build time: set ASYNCKIT_INCLUDE_DIR or install the \
             header where pkg-config's includedir says"
        ),
    }
}

/// asynckit.h followed by the generated asynckit_version.h it includes (installed beside it).
fn header() -> String {
    let path = header_path();
    let main = std::fs::read_to_string(&path).expect("read asynckit.h");
    let version = std::fs::read_to_string(path.with_file_name("asynckit_version.h"))
        .expect("read asynckit_version.h beside asynckit.h");
    main + &version
}

/// Names of the functions the header declares with AK_API.
fn header_functions(h: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for decl in h.split("AK_API").skip(1) {
        let before_paren = &decl[..decl.find('(').expect("a declaration has a parameter list")];
        let name = before_paren.trim().rsplit([' ', '*']).next().unwrap();
        if name.starts_with("ak_") {
            names.insert(name.to_string());
        }
    }
    names.remove("AK_API");
    names
}

fn declared_functions() -> BTreeSet<String> {
    DECLS
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub fn "))
        .map(|rest| rest[..rest.find('(').unwrap()].to_string())
        .collect()
}

#[test]
fn every_header_function_is_declared_and_nothing_else() {
    let h = header();
    let in_header = header_functions(&h);
    assert!(in_header.len() >= 30, "parsed too few functions: {in_header:?}");
    let declared = declared_functions();
    let missing: Vec<_> = in_header.difference(&declared).collect();
    let extra: Vec<_> = declared.difference(&in_header).collect();
    assert!(missing.is_empty(), "declared in asynckit.h but not in asynckit-sys: {missing:?}");
    assert!(extra.is_empty(), "declared in asynckit-sys but not in asynckit.h: {extra:?}");
}

#[test]
fn status_codes_match_the_header_and_the_library_texts() {
    let h = header();
    let ours = [
        ("OK", sys::AK_OK),
        ("EINVAL", sys::AK_EINVAL),
        ("ENOMEM", sys::AK_ENOMEM),
        ("ETIMEDOUT", sys::AK_ETIMEDOUT),
        ("ECANCELED", sys::AK_ECANCELED),
        ("ESHUTDOWN", sys::AK_ESHUTDOWN),
        ("ESTATE", sys::AK_ESTATE),
        ("EPENDING", sys::AK_EPENDING),
        ("EWORK", sys::AK_EWORK),
        ("EINTERNAL", sys::AK_EINTERNAL),
    ];
    let mut parsed = Vec::new();
    for line in h.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("X(") else { continue };
        let inner = &rest[..rest.rfind(')').unwrap()];
        let mut parts = inner.splitn(3, ',');
        let name = parts.next().unwrap().trim().to_string();
        let code: i32 = parts.next().unwrap().trim().parse().unwrap();
        let text = parts.next().unwrap().trim().trim_matches('"').to_string();
        parsed.push((name, code, text));
    }
    assert_eq!(parsed.len(), ours.len(), "the header's status map has changed: {parsed:?}");
    for ((name, code, text), (our_name, our_code)) in parsed.iter().zip(ours) {
        assert_eq!((name.as_str(), *code), (our_name, our_code));
        // SAFETY: static storage, never NULL.
        let lib_text = unsafe { CStr::from_ptr(sys::ak_strerror(*code)) }.to_str().unwrap();
        assert_eq!(lib_text, text, "ak_strerror({code})");
    }
    assert_eq!(sys::AK_STATUS_LAST_, parsed.last().unwrap().1);
}

fn define(h: &str, name: &str) -> String {
    let prefix = format!("#define {name} ");
    let line = h
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{name} not in header"));
    line[prefix.len()..].trim().to_string()
}

#[test]
fn constants_match_the_header() {
    let h = header();
    assert_eq!(define(&h, "AK_VERSION_MAJOR"), sys::AK_VERSION_MAJOR.to_string());
    assert_eq!(define(&h, "AK_VERSION_MINOR"), sys::AK_VERSION_MINOR.to_string());
    assert_eq!(define(&h, "AK_VERSION_PATCH"), sys::AK_VERSION_PATCH.to_string());
    assert_eq!(define(&h, "AK_VERSION_STRING"), format!("\"{}\"", sys::AK_VERSION_STRING));
    assert_eq!(define(&h, "AK_ABI_VERSION"), sys::AK_ABI_VERSION.to_string());
    assert_eq!(define(&h, "AK_FOREVER"), "((int64_t)-1)");
    assert_eq!(sys::AK_FOREVER, -1);
    assert_eq!(define(&h, "AK_WORKERS_DEFAULT"), "((unsigned)-1)");
    assert_eq!(define(&h, "AK_WORKERS_MAX"), format!("{}u", sys::AK_WORKERS_MAX));
    assert!(h.contains("AK_STOP_DRAIN = 0,") && h.contains("AK_STOP_CANCEL = 1"));
    assert_eq!((sys::AK_STOP_DRAIN, sys::AK_STOP_CANCEL), (0, 1));
}

#[test]
fn loaded_library_is_the_version_declared() {
    // SAFETY: static storage, never NULL.
    let v = unsafe { CStr::from_ptr(sys::ak_version()) }.to_str().unwrap();
    assert_eq!(v, sys::AK_VERSION_STRING, "the binding was written for another library version");
    assert_eq!(unsafe { sys::ak_version_number() }, sys::AK_VERSION_NUMBER);
}

#[test]
fn struct_layouts_match_the_c_compiler() {
    let include = header_path().parent().unwrap().to_path_buf();
    let dir = std::env::temp_dir().join(format!("asynckit-sys-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("layout.c");
    std::fs::write(
        &src,
        r#"#include <stdio.h>
#include <stddef.h>
#include <asynckit.h>
#define F(T, f) printf(#T "." #f " %zu %zu\n", offsetof(T, f), sizeof(((T *)0)->f));
int main(void) {
  printf("ak_pool_options %zu %zu\n", sizeof(ak_pool_options), _Alignof(ak_pool_options));
  F(ak_pool_options, size) F(ak_pool_options, workers) F(ak_pool_options, name)
  printf("ak_stats %zu %zu\n", sizeof(ak_stats), _Alignof(ak_stats));
  F(ak_stats, size) F(ak_stats, submitted) F(ak_stats, completed) F(ak_stats, failed)
  F(ak_stats, cancelled) F(ak_stats, steals) F(ak_stats, queued) F(ak_stats, workers)
  printf("ak_status %zu\n", sizeof(ak_status));
  return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.join("layout");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args(["-std=c11", "-o"])
        .arg(&exe)
        .arg(&src)
        .arg(format!("-I{}", include.display()))
        .status()
        .unwrap_or_else(|e| panic!("run C compiler `{cc}` (set CC): {e}"));
    assert!(status.success(), "compiling the layout probe failed");
    let out = Command::new(&exe).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    macro_rules! field {
        ($t:ident, $f:ident) => {
            format!(
                "{}.{} {} {}",
                stringify!($t),
                stringify!($f),
                offset_of!(sys::$t, $f),
                size_of_field(|s: &sys::$t| &s.$f)
            )
        };
    }
    fn size_of_field<S, F>(_: impl Fn(&S) -> &F) -> usize {
        size_of::<F>()
    }
    let expected = [
        format!(
            "ak_pool_options {} {}",
            size_of::<sys::ak_pool_options>(),
            std::mem::align_of::<sys::ak_pool_options>()
        ),
        field!(ak_pool_options, size),
        field!(ak_pool_options, workers),
        field!(ak_pool_options, name),
        format!(
            "ak_stats {} {}",
            size_of::<sys::ak_stats>(),
            std::mem::align_of::<sys::ak_stats>()
        ),
        field!(ak_stats, size),
        field!(ak_stats, submitted),
        field!(ak_stats, completed),
        field!(ak_stats, failed),
        field!(ak_stats, cancelled),
        field!(ak_stats, steals),
        field!(ak_stats, queued),
        field!(ak_stats, workers),
        format!("ak_status {}", size_of::<sys::ak_status>()),
    ];
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
}
