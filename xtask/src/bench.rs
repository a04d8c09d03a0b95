//! `cargo xtask bench`: the benchmarks, with the same moto + Secret Service as the tests.
//! - `benches/session_start.sh`: `keyhop session start` end to end vs the AWS CLI by hand.
//! - `cargo bench -p keyhop-core --bench profile_edit`: one profile of a 1,000-profile file.

use std::process::Command;

use crate::packages::{self, TEST_PACKAGES};
use crate::test_run::{KEYRING_SCRIPT, LEAKY_AWS_VARS, Scratch};
use crate::{Result, moto};

const BENCH_SCRIPT: &str = "set -e; cargo build --release -p keyhop; benches/session_start.sh; \
    cargo bench -p keyhop-core --bench profile_edit -- --noplot";

pub fn run() -> Result<i32> {
    packages::ensure_apt(TEST_PACKAGES)?;
    packages::ensure_apt(&["hyperfine"])?;
    let path = packages::ensure_python()?;
    let work = crate::repo_root().join("target").join("xtask");
    let scratch = Scratch::new(work.join(format!("bench-{}", std::process::id())))?;
    let moto = moto::start(&work, &path)?;
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", KEYRING_SCRIPT, "sh", "sh", "-c", BENCH_SCRIPT])
        .current_dir(crate::repo_root())
        .env("PATH", &path)
        .env("CARGO", crate::cargo())
        .env("KEYHOP_TEST_MOTO", &moto.url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("XDG_DATA_HOME", scratch.0.join("data"))
        .env("XDG_RUNTIME_DIR", scratch.0.join("runtime"));
    for var in LEAKY_AWS_VARS {
        cmd.env_remove(var);
    }
    let status = cmd.status().map_err(|e| format!("cannot start dbus-run-session: {e}"))?;
    drop(moto);
    drop(scratch);
    Ok(crate::exit_code(status))
}
