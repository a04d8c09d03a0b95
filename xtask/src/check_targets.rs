//! `cargo xtask check-targets [windows] [macos]`: type-checks and lints keyhop for Windows and
//! macOS on Linux, without either OS (default: both).
//!
//! - `x86_64-pc-windows-gnu`: the rustup target, and MinGW's gcc (apt `gcc-mingw-w64-x86-64`)
//!   for the C inside dependencies (ring).
//! - `aarch64-apple-darwin`: the rustup target, and zig's clang (pip `ziglang`, with macOS libc
//!   headers of its own) as the C compiler, through `xtask/cross/zig-cc-aarch64-macos`, which
//!   drops the two flags of cc-rs that `zig cc` rejects. No Apple SDK: a crate that compiles
//!   Objective-C against Cocoa cannot be checked (keyhop uses objc2, pure Rust, instead).
//!
//! - macOS: `cargo clippy -p keyhop --all-targets` with the default features (the desktop),
//!   `-D warnings` (clippy type-checks everything `cargo check` does). Nothing is linked: there
//!   is no macOS linker here.
//! - Windows: `cargo build -p keyhop --bin keyhop` (debug, the desktop) with clippy as the
//!   workspace's compiler wrapper (what `cargo clippy` does, with a build instead of a check):
//!   one compile of the dependencies gives both the lints and the `keyhop.exe` that the Windows
//!   tier of `cargo xtask test` runs under Wine (a clippy run beside it would compile them all a
//!   second time, in check mode). The tests' own code is not linted for Windows.
//!
//! Prints one result line per target; exits 1 if any failed.

use crate::{Result, packages};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

struct Target {
    /// What the command line calls it.
    short: &'static str,
    triple: &'static str,
    /// Environment for cargo: the C compiler and archiver of the target, if not found by name.
    env: fn() -> Vec<(String, PathBuf)>,
    /// The cargo runs: (what, arguments after `cargo`).
    steps: &'static [(&'static str, &'static [&'static str])],
}

const TARGETS: &[Target] = &[
    Target {
        short: "windows",
        triple: "x86_64-pc-windows-gnu",
        // cc-rs finds x86_64-w64-mingw32-gcc on PATH by itself; clippy lints as it builds.
        env: windows_env,
        // keyhop-signin too: the SAML sign-in window (wry on WebView2) is linted as it builds.
        steps: &[(
            "build",
            &["build", "-p", "keyhop", "--bin", "keyhop", "--bin", "keyhop-signin"],
        )],
    },
    Target {
        short: "macos",
        triple: "aarch64-apple-darwin",
        env: zig_env,
        steps: CLIPPY,
    },
];

/// Clippy type-checks as it lints, so no separate `cargo check` runs; the CLI-only build
/// (`--no-default-features`) is linted on Linux, where it ships, and these targets get the
/// desktop build they ship.
const CLIPPY: &[(&str, &[&str])] = &[(
    "clippy",
    &["clippy", "-p", "keyhop", "--all-targets", "--", "-D", "warnings"],
)];

pub fn run(args: &[String]) -> Result<i32> {
    let mut chosen: Vec<&Target> = Vec::new();
    for arg in args {
        let target = TARGETS
            .iter()
            .find(|t| t.short == arg || t.triple == arg)
            .ok_or_else(|| format!("unknown target `{arg}` (windows, macos)"))?;
        chosen.push(target);
    }
    if chosen.is_empty() {
        chosen = TARGETS.iter().collect();
    }

    ensure_rustup_targets(&chosen)?;
    if chosen.iter().any(|t| t.short == "windows") {
        packages::ensure_apt(&["gcc-mingw-w64-x86-64"])?;
    }
    if chosen.iter().any(|t| t.short == "macos") {
        ensure_ziglang()?;
    }

    let mut results = Vec::new();
    for target in &chosen {
        println!("xtask: checking {}", target.triple);
        let started = Instant::now();
        let failed = target
            .steps
            .iter()
            .find(|(_, args)| !cargo_ok(target, args))
            .map(|(what, _)| *what);
        let took = started.elapsed().as_secs();
        let line = match failed {
            None => format!(
                "{}: ok ({}, clippy -D warnings) in {}m{:02}s",
                target.triple,
                target
                    .steps
                    .iter()
                    .map(|(what, _)| *what)
                    .collect::<Vec<_>>()
                    .join(", "),
                took / 60,
                took % 60
            ),
            Some(what) => format!(
                "{}: FAILED at {what} after {}m{:02}s",
                target.triple,
                took / 60,
                took % 60
            ),
        };
        println!("xtask: {line}");
        results.push((line, failed.is_none()));
    }
    println!("xtask: check-targets:");
    for (line, _) in &results {
        println!("  {line}");
    }
    if results.iter().all(|(_, ok)| *ok) {
        Ok(0)
    } else {
        Ok(1)
    }
}

/// Runs `cargo ARGS --target TRIPLE` (the target goes before a `--`); whether it succeeded.
fn cargo_ok(target: &Target, args: &[&str]) -> bool {
    let split = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    let mut cmd = Command::new(crate::cargo());
    cmd.current_dir(crate::repo_root())
        .args(&args[..split])
        .args(["--target", target.triple])
        .args(&args[split..]);
    for (key, value) in (target.env)() {
        cmd.env(key, value);
    }
    println!("xtask: cargo {} --target {}", args[..split].join(" "), target.triple);
    match cmd.status() {
        Ok(status) => status.success(),
        Err(e) => {
            eprintln!("xtask: cannot run cargo: {e}");
            false
        }
    }
}

fn ensure_rustup_targets(targets: &[&Target]) -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("cannot run rustup (needed to add the targets' std): {e}"))?;
    let installed = String::from_utf8_lossy(&out.stdout);
    let missing: Vec<&str> = targets
        .iter()
        .map(|t| t.triple)
        .filter(|triple| !installed.lines().any(|l| l.trim() == *triple))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: rustup target add {}", missing.join(" "));
    packages::run(
        Command::new("rustup").args(["target", "add"]).args(&missing),
        "rustup target add",
    )
}

/// The Python module `ziglang` (zig's compiler, packaged for pip), installed if missing.
fn ensure_ziglang() -> Result<()> {
    let present = || {
        Command::new("python3")
            .args(["-m", "ziglang", "version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if present() {
        return Ok(());
    }
    let has_pip = Command::new("python3")
        .args(["-m", "pip", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_pip {
        packages::ensure_apt(&["python3", "python3-pip"])?;
    }
    println!("xtask: installing ziglang with pip (the C compiler for macOS targets)");
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "install", "--disable-pip-version-check"]);
    if packages::externally_managed() {
        pip.arg("--break-system-packages");
    }
    packages::run(pip.arg("ziglang"), "pip install ziglang")?;
    if present() {
        Ok(())
    } else {
        Err("after pip install ziglang, `python3 -m ziglang version` still fails".into())
    }
}

/// Clippy as the compiler of the workspace's own crates during a `cargo build`, with warnings
/// denied: the variables `cargo clippy` sets for its `cargo check`.
pub(crate) fn clippy_wrapper_env() -> Vec<(String, PathBuf)> {
    let driver = Command::new("rustup")
        .args(["which", "clippy-driver"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || PathBuf::from("clippy-driver"),
            |o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        );
    vec![
        ("RUSTC_WORKSPACE_WRAPPER".into(), driver),
        (
            "CLIPPY_ARGS".into(),
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__".into(),
        ),
    ]
}

/// The Windows build: clippy as it compiles, and MinGW's gcc linking with the toolchain's own
/// lld instead of GNU ld (measured: a rebuild of keyhop.exe and keyhop-signin.exe took 36 s of
/// CPU with GNU ld, 18 s with lld; both exes run the same under Wine). Without rust-lld the
/// build links with GNU ld as before.
fn windows_env() -> Vec<(String, PathBuf)> {
    let mut env = clippy_wrapper_env();
    if let Some(dir) = gcc_ld_dir() {
        // Target flags only: the build scripts and proc macros (host code) link as usual.
        let flags = format!("-C link-arg=-fuse-ld=lld -C link-arg=-B{}", dir.display());
        env.push(("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS".into(), flags.into()));
    }
    env
}

/// rustup's `gcc-ld` directory (its `ld.lld` runs rust-lld), for `gcc -B… -fuse-ld=lld`.
fn gcc_ld_dir() -> Option<PathBuf> {
    let rustc = |arg: &str| {
        Command::new("rustc")
            .arg(arg)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let sysroot = rustc("--print=sysroot")?;
    let host = rustc("-vV")?
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))?;
    let dir = PathBuf::from(sysroot.trim())
        .join("lib/rustlib")
        .join(host)
        .join("bin/gcc-ld");
    dir.join("ld.lld").exists().then_some(dir)
}

/// `CC`/`AR` for aarch64-apple-darwin: the wrappers in xtask/cross (made executable if a
/// checkout lost the bit).
fn zig_env() -> Vec<(String, PathBuf)> {
    let dir = crate::repo_root().join("xtask").join("cross");
    let cc = dir.join("zig-cc-aarch64-macos");
    let ar = dir.join("zig-ar");
    for script in [&cc, &ar] {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = script.metadata()
            && meta.permissions().mode() & 0o111 == 0
        {
            let _ = std::fs::set_permissions(script, std::fs::Permissions::from_mode(0o755));
        }
    }
    vec![
        ("CC_aarch64_apple_darwin".into(), cc),
        ("AR_aarch64_apple_darwin".into(), ar),
    ]
}
