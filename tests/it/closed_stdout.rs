//! A command whose reader went away (`keyhop session list --json | head -c0`) ends quietly:
//! no panic, no abort, nothing on stderr.
// Unix signals, modes and symlinks are what these tests are about.
#![cfg(unix)]

use crate::common;
use common::*;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

#[test]
fn writing_to_a_closed_stdout_ends_quietly() {
    let rig = Rig::new();
    let keys = fake_keys();
    // Enough sessions that the listing does not fit in the pipe's first write.
    for i in 0..30 {
        rig.keyhop_in(
            &[
                "session",
                "add",
                "iam-user",
                "--alias",
                &format!("closed-{i}"),
                "--profile",
                &format!("closed-{i}"),
                "--region",
                REGION,
                "--access-key-id",
                &keys.id,
            ],
            &format!("{}\n", keys.secret),
        )
        .ok();
    }
    for args in [
        &["session", "list", "--json"][..],
        &["session", "list"][..],
        &["sso", "list", "--json"][..],
    ] {
        let mut cmd = Command::new(keyhop_bin());
        cmd.args(args).stdin(Stdio::null()).stderr(Stdio::piped());
        rig.apply_env(&mut cmd);
        // A pipe whose reading end is closed before keyhop writes.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        cmd.stdout(writer);
        let out = cmd.output().expect("keyhop runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{args:?} wrote to stderr: {stderr}");
        let quiet = out.status.success() || out.status.signal() == Some(13 /* SIGPIPE */);
        assert!(quiet, "{args:?} ended with {:?} (abort is SIGABRT = 6)", out.status);
    }
}
