//! Finds libasynckit for linking.
//!
//! 1. `ASYNCKIT_LIB_DIR` set: link `-lasynckit` from that directory; the header is looked for in
//!    `ASYNCKIT_INCLUDE_DIR` (or `ASYNCKIT_LIB_DIR/../include`).
//! 2. Otherwise the `pkg-config` command (or the one named by `PKG_CONFIG`) is asked for the
//!    module `asynckit`, honouring `PKG_CONFIG_PATH` as usual.
//!
//! Exports `DEP_ASYNCKIT_INCLUDE` / `DEP_ASYNCKIT_LIB` to dependents and `ASYNCKIT_HEADER` (the
//! path of asynckit.h, when found) to this crate's tests, which check the declarations against it.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const MODULE: &str = "asynckit";

fn main() {
    for var in [
        "ASYNCKIT_LIB_DIR",
        "ASYNCKIT_INCLUDE_DIR",
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=build.rs");

    let (lib_dirs, include_dirs) = match env::var_os("ASYNCKIT_LIB_DIR") {
        Some(dir) => from_env(PathBuf::from(dir)),
        None => from_pkg_config().unwrap_or_else(|why| fail(&why)),
    };

    for dir in &lib_dirs {
        println!("cargo:rustc-link-search=native={}", dir.display());
    }
    println!("cargo:rustc-link-lib=dylib=asynckit");
    if let Some(dir) = lib_dirs.first() {
        println!("cargo:lib={}", dir.display());
    }
    if let Some(dir) = include_dirs.iter().find(|d| d.join("asynckit.h").is_file()) {
        println!("cargo:include={}", dir.display());
        println!("cargo:rustc-env=ASYNCKIT_HEADER={}", dir.join("asynckit.h").display());
        println!("cargo:rerun-if-changed={}", dir.join("asynckit.h").display());
    }
}

fn from_env(lib_dir: PathBuf) -> (Vec<PathBuf>, Vec<PathBuf>) {
    if !lib_dir.is_dir() {
        fail(&format!("ASYNCKIT_LIB_DIR={} is not a directory", lib_dir.display()));
    }
    let include = match env::var_os("ASYNCKIT_INCLUDE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => lib_dir.parent().unwrap_or(Path::new("/")).join("include"),
    };
    (vec![lib_dir], vec![include])
}

fn from_pkg_config() -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let exe = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let run = |args: &[&str]| -> Result<String, String> {
        let out = Command::new(&exe)
            .args(args)
            .arg(MODULE)
            .output()
            .map_err(|e| format!("could not run `{exe}`: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`{exe} {} {MODULE}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let libs = run(&["--libs"])?;
    let cflags = run(&["--cflags"])?;
    let mut lib_dirs = Vec::new();
    for flag in libs.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            lib_dirs.push(PathBuf::from(dir));
        }
    }
    let mut include_dirs: Vec<PathBuf> =
        cflags.split_whitespace().filter_map(|f| f.strip_prefix("-I")).map(PathBuf::from).collect();
    // pkg-config drops -I/usr/include style system paths; look there too.
    if let Ok(dir) = run(&["--variable=includedir"]) {
        let dir = dir.trim();
        if !dir.is_empty() {
            include_dirs.push(PathBuf::from(dir));
        }
    }
    Ok((lib_dirs, include_dirs))
}

fn fail(why: &str) -> ! {
    eprintln!(
        "\n\nasynckit-sys: cannot find libasynckit ({why}).\n\
         Install the C library (cmake --install <build dir> --prefix <prefix>) and then either\n  \
         - point pkg-config at it: PKG_CONFIG_PATH=<prefix>/lib/pkgconfig (or lib64, or\n    \
         lib/<triplet>, wherever asynckit.pc was installed), or\n  \
         - set ASYNCKIT_LIB_DIR=<dir holding libasynckit.so> (and ASYNCKIT_INCLUDE_DIR=<dir\n    \
         holding asynckit.h> if it is not <that dir>/../include).\n\
         At run time the loader must find libasynckit.so too: LD_LIBRARY_PATH=<that lib dir>\n\
         unless it is installed in a system directory.\n\n"
    );
    std::process::exit(1);
}
