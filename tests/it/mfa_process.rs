//! `--mfa-process`: the MFA code from a command (like aws-vault's `mfa_process`), against moto
//! with an MFA device. A script that prints a code, one that fails, one that prints garbage, one
//! that hangs (killed after KEYHOP_MFA_PROCESS_TIMEOUT), `--mfa-code` winning, and exec, export
//! and credential-process using it too.
#![cfg(unix)]

use crate::common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const DEVICE: &str = "arn:aws:iam::123456789012:mfa/robot";

/// An executable script `name` in `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

struct World {
    rig: Rig,
    alias: String,
    dir: tempfile::TempDir,
}

/// An MFA user in moto whose session runs `body` (a script) as its MFA command.
fn world(name: &str, body: &str) -> World {
    let keys = moto_user(&unique(name));
    let rig = Rig::new();
    let alias = unique(name);
    let dir = tempfile::tempdir().unwrap();
    // A space in the path: the command line is split like a shell would.
    std::fs::create_dir(dir.path().join("my scripts")).unwrap();
    let s = script(&dir.path().join("my scripts"), "code", body);
    let line = format!("'{}' --account aws", s.display());
    rig.add_user(&alias, &alias, &keys, &["--mfa-device", DEVICE, "--mfa-process", &line])
        .ok();
    assert_eq!(rig.session(&alias)["mfa_process"], line.as_str());
    World { rig, alias, dir }
}

impl World {
    fn marker(&self) -> PathBuf {
        self.dir.path().join("ran")
    }
    fn keyhop_with(&self, args: &[&str], stdin: &str, timeout: Option<&str>) -> (Out, Duration) {
        let mut cmd = Command::new(keyhop_bin());
        cmd.args(args);
        self.rig.apply_env(&mut cmd);
        cmd.env("MARKER", self.marker());
        if let Some(t) = timeout {
            cmd.env("KEYHOP_MFA_PROCESS_TIMEOUT", t);
        }
        let started = Instant::now();
        let out = run(cmd, stdin, &format!("keyhop {}", args.join(" ")));
        (out, started.elapsed())
    }
    fn start(&self) -> Out {
        self.keyhop_with(&["session", "start", &self.alias], "", None).0
    }
}

#[test]
fn a_command_that_prints_a_code_starts_the_session_without_asking() {
    // It records how it was run: its arguments, and whether its stdin had anything to read
    // (keyhop's stdin here does: the command must get a null one).
    let w = world(
        "mfaok",
        r#"echo "$@" > "$MARKER"; if read -r line; then echo "stdin: $line" >> "$MARKER"; fi; echo 123456; echo trailing"#,
    );
    let (out, _) = w.keyhop_with(&["session", "start", &w.alias], "leaked-stdin\n", None);
    let out = out.ok();
    assert!(!out.stderr.contains("MFA code for"), "it prompted: {out}");
    assert_eq!(std::fs::read_to_string(w.marker()).unwrap(), "--account aws\n");
    assert!(w.rig.caller_arn(&w.alias).contains("123456789012"));
    assert_eq!(w.rig.session(&w.alias)["status"], "active");
}

#[test]
fn a_failing_command_is_a_clear_error_off_a_terminal() {
    let w = world("mfafail", r#"echo "no YubiKey found" >&2; exit 3"#);
    let before = w.rig.snapshot();
    let out = w.start();
    assert_eq!(out.status.code(), Some(1), "{out}");
    // The command's stderr is passed through, then keyhop's one line.
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0], "no YubiKey found");
    for words in ["keyhop: the MFA command", "code\"", "failed", "exit status: 3"] {
        assert!(lines[1].contains(words), "{words:?} not in {}", lines[1]);
    }
    w.rig.assert_unchanged(&before, "a start whose MFA command failed");
    // --mfa-code wins: the command is not run at all.
    let (out, _) = w.keyhop_with(&["session", "start", &w.alias, "--mfa-code", "654321"], "", None);
    out.ok();
    assert!(!w.marker().exists());
    assert_eq!(w.rig.session(&w.alias)["status"], "active");
}

#[test]
fn garbage_output_is_refused_without_quoting_it() {
    let w = world("mfagarbage", "echo 'seed=JBSWY3DPEHPK3PXP code=12'");
    let before = w.rig.snapshot();
    let out = w.start().fails_with(&["did not print a 6-digit code", "code"]);
    assert_no_secret(&out.all(), &["JBSWY3DPEHPK3PXP", "seed="], "the error");
    w.rig
        .assert_unchanged(&before, "a start whose MFA command printed garbage");
}

#[test]
fn a_command_that_prints_without_end_is_read_only_up_to_its_first_line() {
    // `yes 123456` prints gigabytes if let; keyhop reads the first line and closes the pipe.
    let w = world("mfayes", "exec yes 123456");
    let measure = "import resource, subprocess, sys\n\
        r = subprocess.run(sys.argv[1:])\n\
        print('maxrss_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n\
        sys.exit(r.returncode)";
    let mut cmd = Command::new("python3");
    cmd.args(["-c", measure, keyhop_bin(), "session", "start", &w.alias]);
    w.rig.apply_env(&mut cmd);
    cmd.env("KEYHOP_MFA_PROCESS_TIMEOUT", "5");
    let started = Instant::now();
    let out = run(cmd, "", "keyhop session start (yes 123456 as the MFA command)");
    let took = started.elapsed();
    let kib: u64 = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("maxrss_kib "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no maxrss: {out}"));
    eprintln!("mfa_process: `yes 123456` as the MFA command: start took {took:?}, peak RSS {kib} KiB");
    assert!(kib < 100 * 1024, "keyhop grew to {kib} KiB: {out}");
    let out = out.ok();
    assert!(took < Duration::from_secs(4), "took {took:?}: {out}");
    assert_eq!(w.rig.session(&w.alias)["status"], "active");
}

#[test]
fn a_hanging_command_is_killed_after_the_timeout() {
    // The script starts a child that would hold the output open; both must go.
    let w = world("mfahang", r#"sleep 60 & echo $! > "$MARKER"; wait"#);
    let before = w.rig.snapshot();
    let (out, took) = w.keyhop_with(&["session", "start", &w.alias], "", Some("1"));
    out.fails_with(&["did not finish within 1 s", "stopped"]);
    assert!(took < Duration::from_secs(6), "took {took:?}");
    eprintln!("mfa_process: a hanging command was stopped after {took:?} (timeout 1 s)");
    let pid = std::fs::read_to_string(w.marker()).unwrap().trim().to_owned();
    // Gone, or a zombie waiting for whoever inherited it to reap it.
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
    };
    let deadline = Instant::now() + Duration::from_secs(3);
    while alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(), "the command's child {pid} survived");
    w.rig.assert_unchanged(&before, "a start whose MFA command hung");
}

#[test]
fn exec_export_and_credential_process_use_it_too() {
    let w = world("mfaenv", r#"echo x >> "$MARKER"; echo 123456"#);
    let (out, _) = w.keyhop_with(
        &[
            "exec",
            &w.alias,
            "--",
            "sh",
            "-c",
            "test -n \"$AWS_SESSION_TOKEN\" && echo ok",
        ],
        "",
        None,
    );
    assert_eq!(out.ok().stdout.trim(), "ok");
    let runs = || std::fs::read_to_string(w.marker()).unwrap_or_default().lines().count();
    assert_eq!(runs(), 1);
    // The session token is cached now: no code is due, the command is not run again.
    w.keyhop_with(&["export", &w.alias], "", None).0.ok();
    assert_eq!(runs(), 1, "ran although no code was due");

    // A fresh user: credential-process (run by the AWS CLI, no terminal) runs the command.
    let w = world("mfacp", r#"echo x >> "$MARKER"; echo 123456"#);
    let bin = keyhop_bin();
    w.rig.write_config(
        format!(
            "[profile cp]\nregion = eu-west-1\ncredential_process = {bin} credential-process {}\n",
            w.alias
        )
        .as_bytes(),
    );
    let mut cmd = Command::new("aws");
    cmd.args(["sts", "get-caller-identity", "--profile", "cp", "--output", "json"]);
    w.rig.apply_env(&mut cmd);
    cmd.env("MARKER", w.marker());
    let out = run(cmd, "", "aws sts get-caller-identity --profile cp").ok();
    assert!(out.stdout.contains("123456789012"), "{out}");
    assert_eq!(std::fs::read_to_string(w.marker()).unwrap().lines().count(), 1);
}

#[test]
fn edit_sets_and_removes_the_command_without_stopping_the_session() {
    let w = world("mfaedit", "echo 123456");
    w.start().ok();
    let alias = &w.alias;
    w.rig
        .keyhop(&[
            "session",
            "edit",
            alias,
            "--mfa-process",
            "ykman oath accounts code --single aws",
        ])
        .ok();
    let s = w.rig.session(alias);
    assert_eq!(s["mfa_process"], "ykman oath accounts code --single aws");
    assert_eq!(s["status"], "active", "changing how codes are got stopped the session");
    w.rig.keyhop(&["session", "edit", alias, "--no-mfa-process"]).ok();
    assert!(w.rig.session(alias)["mfa_process"].is_null());
    let before = w.rig.snapshot();
    w.rig
        .keyhop(&["session", "edit", alias, "--mfa-process", "say 'unclosed"])
        .fails_with(&["MFA command", "quotes"]);
    w.rig
        .keyhop(&["session", "edit", alias, "--mfa-process", "  "])
        .fails_with(&["MFA command is empty"]);
    w.rig.assert_unchanged(&before, "refused MFA command edits");
}
