//! The gates of `cargo xtask test`: `cargo fmt --check`, clippy with warnings denied for the
//! desktop build and for the CLI-only build, and the Windows and macOS checks
//! (`cargo xtask check-targets`; for Windows a real build, linted as it compiles, whose
//! `keyhop.exe` the Windows tier runs). Each is reported as one pass or fail in the summary; the
//! tests run either way.
//!
//! They run beside the tests, once cargo runs the first test binary (it holds the build
//! directory's lock only while it builds, so a gate started earlier would hold up the tests): the tests spend most of their time waiting on servers, processes and
//! displays, and the gates fill those idle cores. They run at a lower priority so that the
//! tests' timings stay those of an otherwise idle machine, and their output is kept and shown
//! only for a gate that failed.

use std::ffi::OsString;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Gate {
    pub name: &'static str,
    pub passed: bool,
    /// Wall time of the gate, for the breakdown printed at the end.
    pub took: Duration,
    /// What the gate printed (stdout, then stderr); shown when it failed.
    pub output: String,
}

const CLIPPY: [&str; 5] = ["clippy", "--workspace", "--all-targets", "--quiet", "--locked"];

/// Starts the gates one after another on a thread of their own, once `start` says so (or its
/// sender is gone). With `windows`, the Windows tier's build and prefix come first (its tests
/// wait for them); `all` is false for a run of chosen tests, which gets that part alone.
pub fn spawn(
    path: &OsString,
    start: std::sync::mpsc::Receiver<()>,
    windows: Option<crate::windows::Prep>,
    all: bool,
) -> std::thread::JoinHandle<(Vec<Gate>, Option<crate::service::Service>)> {
    let path = path.clone();
    std::thread::spawn(move || {
        let _ = start.recv();
        let (mut gates, server) = match &windows {
            Some(prep) => {
                let (gate, server) = prep.run(&path);
                (vec![gate], server)
            }
            None => (vec![], None),
        };
        if all {
            gates.extend(run(&path, windows.is_none()));
        }
        (gates, server)
    })
}

/// The gates; the Windows build among them unless the Windows tier ran it already.
fn run(path: &OsString, windows: bool) -> Vec<Gate> {
    let mut gates: Vec<(&'static str, Vec<&str>)> = vec![
        ("cargo fmt --check", vec!["fmt", "--all", "--", "--check"]),
        ("clippy (desktop)", [&CLIPPY[..], &["--", "-D", "warnings"]].concat()),
        (
            "clippy (--no-default-features)",
            [&CLIPPY[..], &["--no-default-features", "--", "-D", "warnings"]].concat(),
        ),
        ("macos: clippy", vec!["xtask", "check-targets", "macos"]),
    ];
    if windows {
        gates.push((
            "windows: build keyhop.exe (clippy)",
            vec!["xtask", "check-targets", "windows"],
        ));
    }
    gates
        .into_iter()
        .map(|(name, args)| run_one(name, &args, path))
        .collect()
}

/// Runs `cargo ARGS` under `nice` as the gate `name`.
pub fn run_one(name: &'static str, args: &[&str], path: &OsString) -> Gate {
    let started = Instant::now();
    let out = Command::new("nice")
        .args(["-n", "10"])
        .arg(crate::cargo())
        .args(args)
        .current_dir(crate::repo_root())
        .env("PATH", path)
        .stdin(Stdio::null())
        .output();
    let (passed, output) = match out {
        Ok(o) => (
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        ),
        Err(e) => (false, format!("cannot run nice cargo: {e}")),
    };
    println!(
        "xtask: gate {name}: {} ({}s)",
        if passed { "ok" } else { "FAILED" },
        started.elapsed().as_secs()
    );
    Gate {
        name,
        passed,
        took: started.elapsed(),
        output,
    }
}
