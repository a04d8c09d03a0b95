//! The gates of `cargo xtask test`: `cargo fmt --check`, clippy with warnings denied for the
//! desktop build and for the CLI-only build, and the Windows and macOS checks
//! (`cargo xtask check-targets`). Each is reported as one pass or fail in the summary; the
//! tests run either way.

use std::ffi::OsString;
use std::process::Command;

pub struct Gate {
    pub name: &'static str,
    pub passed: bool,
    /// Wall time of the gate, for the breakdown printed at the end.
    pub took: std::time::Duration,
}

const CLIPPY: [&str; 5] = ["clippy", "--workspace", "--all-targets", "--quiet", "--locked"];

pub fn run(path: &OsString) -> Vec<Gate> {
    let gates: [(&'static str, Vec<&str>); 5] = [
        ("cargo fmt --check", vec!["fmt", "--all", "--", "--check"]),
        ("clippy (desktop)", [&CLIPPY[..], &["--", "-D", "warnings"]].concat()),
        (
            "clippy (--no-default-features)",
            [&CLIPPY[..], &["--no-default-features", "--", "-D", "warnings"]].concat(),
        ),
        ("windows: check + clippy", vec!["xtask", "check-targets", "windows"]),
        ("macos: check + clippy", vec!["xtask", "check-targets", "macos"]),
    ];
    gates
        .into_iter()
        .map(|(name, args)| {
            println!("xtask: gate {name}");
            let started = std::time::Instant::now();
            let passed = Command::new(crate::cargo())
                .args(&args)
                .current_dir(crate::repo_root())
                .env("PATH", path)
                .status()
                .is_ok_and(|s| s.success());
            Gate {
                name,
                passed,
                took: started.elapsed(),
            }
        })
        .collect()
}
