//! Developer tasks for keyhop, std only.
//!
//! - `cargo xtask test [cargo test args]`: installs what the tests need (apt packages, moto, the
//!   AWS CLI, boto3), starts a moto server and the IAM Identity Center rig server
//!   (`xtask/rig/sso_server.py`, `KEYHOP_TEST_SSO`) on free loopback ports and runs `cargo test
//!   --workspace` inside a private D-Bus session with an unlocked gnome-keyring. Prints one
//!   `summary: N passed, N failed, N skipped` line at the end and exits with cargo's status.
//!   Desktop tests get an X display (for dunst, the notification daemon, which runs in that
//!   D-Bus session) and start their own Xvfb + trayer each.
//! - `cargo xtask bench` / `cargo xtask bench-tray`: benchmarks (see bench.rs).
//! - `cargo xtask run [-- ARGS]`: installs the build packages, then runs the app
//!   (`cargo run --release -p keyhop -- ARGS`).

mod bench;
mod check_targets;
mod deb_depends;
mod desktop;
mod failures;
mod gates;
mod moto;
mod package;
mod packages;
mod service;
mod signals;
mod sso;
mod test_run;
mod windows;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Error of a task: a message for the developer, printed once by `main`.
pub type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    signals::install();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "test") {
        cold_builds_without_incremental();
    }
    let outcome = match args.first().map(String::as_str) {
        Some("test") => test_run::run(&args[1..]),
        Some("run") => run_app(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("bench-tray") => bench::run_tray(),
        Some("package") => package::run(&args[1..]),
        Some("check-targets") => check_targets::run(&args[1..]),
        Some("help" | "-h" | "--help") | None => {
            print_usage();
            Ok(0)
        }
        Some(other) => Err(format!("unknown task `{other}`; try `cargo xtask help`")),
    };
    match outcome {
        Ok(code) => ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(u8::MAX)),
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_usage() {
    println!(
        "usage:\n  cargo xtask test [--long] [--no-windows] [cargo test args]  install test deps, start moto + SSO rig + keyring, run all tests (--long: slow suites at full length; --no-windows: without the Windows build and tier)\n  cargo xtask run [-- ARGS]            install build deps, run `keyhop ARGS` (release build)\n  cargo xtask bench [NAME...]          benchmarks (session_start exec_serve sso doctor saml profile_edit; all by default; KEYHOP_BIN=PATH measures that binary, unbuilt): target/bench/\n  cargo xtask bench-tray               the idle tray's memory and wakeups on a headless desktop (target/bench/tray_idle.txt)\n  cargo xtask package [--binary PATH]  release build (or PATH + the keyhop-signin beside it), completions + man page, .deb and .rpm in target/dist/\n  cargo xtask check-targets [windows] [macos]  build keyhop.exe for Windows (linted by clippy as it builds), clippy keyhop for macOS"
    );
}

/// `cargo xtask run [-- ARGS]`.
fn run_app(args: &[String]) -> Result<i32> {
    packages::ensure_apt(packages::BUILD_PACKAGES)?;
    let args = match args.first().map(String::as_str) {
        Some("--") => &args[1..],
        _ => args,
    };
    let mut cmd = Command::new(cargo());
    cmd.current_dir(repo_root())
        .args(["run", "--release", "-p", "keyhop", "--"])
        .args(args);
    let mut child = cmd.spawn().map_err(|e| format!("cannot start cargo: {e}"))?;
    let _guard = signals::Forward::pid(child.id());
    let status = child.wait().map_err(|e| format!("waiting for cargo: {e}"))?;
    Ok(exit_code(status))
}

/// A test run in a target directory without incremental data (a fresh clone, CI) builds
/// without it, and so do all the builds it starts: on a cold build incremental data is pure
/// cost, several GB of disk (a CI run once failed on a full disk) and CPU time to write it. A
/// developer's target dir that has it keeps it; `CARGO_INCREMENTAL` set by the caller wins.
fn cold_builds_without_incremental() {
    let warm = repo_root().join("target").join("debug").join("incremental").exists();
    if std::env::var_os("CARGO_INCREMENTAL").is_none() && !warm {
        // SAFETY: called first thing in `main`, before any thread exists.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("CARGO_INCREMENTAL", "0");
        }
    }
}

/// The cargo that runs us (cargo sets `CARGO`), else the one on PATH.
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// The workspace root: xtask lives in `<root>/xtask`.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
}

/// A shell-like exit code: the child's code, or 128 + signal number.
pub fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}
