//! `cargo xtask bench`: the benchmarks, with the same moto + Secret Service as the tests.
//! - `benches/session_start.sh`: `keyhop session start` end to end vs the AWS CLI by hand.
//! - `benches/exec_serve.sh`: `keyhop exec` next to the bare command, `keyhop serve` per request.
//! - `benches/sso.sh`: IAM Identity Center: sync of 300 assignments, start of an SSO session.
//! - `benches/doctor.sh`: `keyhop doctor` with active sessions (target: under 300 ms).
//! - `benches/saml.sh`: a SAML session's start with a live IdP cookie (the sign-in window stays
//!   hidden), and the window's memory while it shows the IdP's login form (its own Xvfb).
//! - `cargo bench -p keyhop-core --bench profile_edit`: one profile of a 1,000-profile file.
//!
//! `cargo xtask bench NAME…` runs only those (e.g. `saml`); with `KEYHOP_BIN` set, that binary is
//! measured and nothing is built.
//!
//! `cargo xtask bench-tray`: the tray's idle cost (`benches/tray_idle.sh`: memory, wakeups) on
//! a headless desktop: Xvfb, trayer, dunst and the keyring, all started here.

use std::process::Command;

use crate::packages::{self, TEST_PACKAGES};
use crate::test_run::{KEYRING_SCRIPT, LEAKY_AWS_VARS, Scratch};
use crate::{Result, desktop, moto, signals, sso};

/// The benchmarks by name, each a shell command run after the release build.
const BENCHES: &[(&str, &str)] = &[
    ("session_start", "benches/session_start.sh"),
    ("exec_serve", "benches/exec_serve.sh"),
    ("sso", "benches/sso.sh"),
    ("doctor", "benches/doctor.sh"),
    ("saml", "benches/saml.sh"),
    (
        "profile_edit",
        "cargo bench -p keyhop-core --bench profile_edit -- --noplot",
    ),
];

/// The script that `cargo xtask bench [NAME…]` runs: the release build (unless `KEYHOP_BIN`
/// names a binary to measure), then the chosen benchmarks (all without names).
fn bench_script(names: &[String]) -> Result<String> {
    let mut script = vec!["set -e"];
    if std::env::var_os("KEYHOP_BIN").is_none() {
        script.push("cargo build --release -p keyhop");
    }
    for name in names {
        if !BENCHES.iter().any(|(n, _)| n == name) {
            let known: Vec<&str> = BENCHES.iter().map(|(n, _)| *n).collect();
            return Err(format!("unknown benchmark `{name}` (known: {})", known.join(", ")));
        }
    }
    let chosen = BENCHES
        .iter()
        .filter(|(n, _)| names.is_empty() || names.iter().any(|c| c == n));
    script.extend(chosen.map(|(_, command)| *command));
    Ok(script.join("; "))
}

pub fn run(names: &[String]) -> Result<i32> {
    let script = bench_script(names)?;
    packages::ensure_apt(TEST_PACKAGES)?;
    packages::ensure_apt(&["hyperfine"])?;
    let path = packages::ensure_python()?;
    let work = crate::repo_root().join("target").join("xtask");
    let scratch = Scratch::new(work.join(format!("bench-{}", std::process::id())))?;
    let moto = moto::start(&work, &path)?;
    let sso = sso::start(&work, &path, &moto.url)?;
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", KEYRING_SCRIPT, "sh", "sh", "-c", &script])
        .current_dir(crate::repo_root())
        .env("PATH", &path)
        .env("CARGO", crate::cargo())
        .env("KEYHOP_TEST_MOTO", &moto.url)
        .env("KEYHOP_TEST_SSO", &sso.url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("XDG_DATA_HOME", scratch.0.join("data"))
        .env("XDG_RUNTIME_DIR", scratch.0.join("runtime"));
    for var in LEAKY_AWS_VARS {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start dbus-run-session: {e}"))?;
    drop(sso);
    drop(moto);
    drop(scratch);
    Ok(crate::exit_code(status))
}

/// `cargo xtask bench-tray`.
pub fn run_tray() -> Result<i32> {
    packages::ensure_apt(TEST_PACKAGES)?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    // As for `bench`: KEYHOP_BIN names the binary to measure, and nothing is built.
    if std::env::var_os("KEYHOP_BIN").is_none() {
        let mut build = Command::new(crate::cargo());
        build
            .current_dir(crate::repo_root())
            .args(["build", "--release", "-p", "keyhop"]);
        let mut child = build.spawn().map_err(|e| format!("cannot start cargo: {e}"))?;
        let forward = signals::Forward::pid(child.id());
        let status = child.wait().map_err(|e| format!("waiting for cargo: {e}"))?;
        drop(forward);
        if !status.success() {
            return Ok(crate::exit_code(status));
        }
    }
    let work = crate::repo_root().join("target").join("xtask");
    let scratch = Scratch::new(work.join(format!("bench-tray-{}", std::process::id())))?;
    let display = desktop::start_xvfb(&work, &path)?.ok_or("the tray benchmark needs an X server (Debian: xvfb)")?;
    let _trayer = desktop::start_trayer(&display, &work)?;
    let dunst = desktop::dunst_files(&work)?;
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", desktop::DESKTOP_SCRIPT, "sh", "benches/tray_idle.sh"])
        .current_dir(crate::repo_root())
        .env("XDG_DATA_HOME", scratch.0.join("data"))
        .env("XDG_RUNTIME_DIR", scratch.0.join("runtime"));
    desktop::apply_env(&mut cmd, Some(&display), &dunst);
    for var in LEAKY_AWS_VARS {
        cmd.env_remove(var);
    }
    // Its own process group, killed at the end: dunst must not outlive the run.
    let (code, _) = crate::test_run::run_streaming(cmd)?;
    drop(scratch);
    Ok(code)
}
