//! The gates of `cargo xtask test`: `cargo fmt --check`, clippy with warnings denied for the
//! CLI-only build, and the Windows and macOS checks
//! (`cargo xtask check-targets`; for Windows a real build, linted as it compiles, whose
//! `keyhop.exe` the Windows tier runs). Each is reported as one pass or fail in the summary; the
//! tests run either way. The desktop build's clippy is the test build itself (clippy as the
//! workspace's compiler: `test_run::build_tests`).
//!
//! They start with the test build and run beside it and the tests, in a target directory of
//! their own (`target/gates`: cargo's lock on `target/debug` holds up neither the build nor
//! the installer tests' `cargo xtask package`), at a lower priority, so that the tests' timings
//! stay those of an otherwise idle machine. Clippy's check builds fill the cores that the test
//! build's one-crate stretches and the waiting tests leave idle. The Windows build is the
//! exception: its tests wait for it, so it runs at normal priority (`WINDOWS_NICE`). Their
//! output is kept and shown only for a gate that failed.

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

/// Niceness of the gates. Their results are wanted by the end of the run, no sooner.
pub const NICE: u8 = 10;
/// Niceness of the gates beside the Windows build. That build runs at normal priority beside
/// the test build (`WINDOWS_NICE`): its tests wait for it, and the machine is CPU-bound, so both
/// builds go first and the gates fill what the waiting tests leave. A cold run with the
/// Windows build at 10 built keyhop.exe in 673-700 s and then ran the Windows cases alone for
/// ~100 s at the end.
pub const NICE_BESIDE_WINDOWS: u8 = 15;
/// Niceness of the Windows build.
pub const WINDOWS_NICE: u8 = 0;

/// Starts the gates one after another on a thread of their own, at `nice`.
pub fn spawn(nice: u8) -> std::thread::JoinHandle<Vec<Gate>> {
    std::thread::spawn(move || run(nice))
}

fn run(nice: u8) -> Vec<Gate> {
    // The desktop build's clippy is the test build itself (test_run::build_tests).
    let gates: [(&'static str, Vec<&str>); 3] = [
        ("cargo fmt --check", vec!["fmt", "--all", "--", "--check"]),
        // keyhop is the one crate with features: the rest of the workspace was linted as it is
        // (criterion, proptest and xtask's own code were checked a second time for nothing).
        (
            "clippy (--no-default-features)",
            vec![
                "clippy",
                "-p",
                "keyhop",
                "--all-targets",
                "--quiet",
                "--locked",
                "--no-default-features",
                "--",
                "-D",
                "warnings",
            ],
        ),
        ("macos: clippy", vec!["xtask", "check-targets", "macos"]),
    ];
    let target_dir = crate::repo_root().join("target").join("gates");
    gates
        .into_iter()
        .map(|(name, args)| run_one(name, &args, &target_dir, nice))
        .collect()
}

/// Runs `cargo ARGS` under `nice -n <nice>` as the gate `name`, building in `target_dir`.
pub fn run_one(name: &'static str, args: &[&str], target_dir: &std::path::Path, nice: u8) -> Gate {
    let started = Instant::now();
    let out = Command::new("nice")
        .args(["-n", &nice.to_string()])
        .arg(crate::cargo())
        .args(args)
        .current_dir(crate::repo_root())
        .env("CARGO_TARGET_DIR", target_dir)
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
