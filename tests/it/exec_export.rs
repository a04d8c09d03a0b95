//! `keyhop exec` and `keyhop export`: a session's credentials as environment variables, judged
//! by the real AWS CLI; the named profile is never written.

use crate::common;
use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A role chained on an IAM user in moto (AssumeRole names its caller, unlike moto's fixed
/// GetSessionToken keys); returns (rig, the role session's alias, the ARN it must show).
fn user_session(name: &str) -> (Rig, String, String) {
    let rig = Rig::new();
    let user = unique(name);
    let keys = moto_user(&user);
    rig.add_user(&user, &user, &keys, &[]).ok();
    let role = unique(&format!("{name}-role"));
    rig.add_chained(&role, &role, "arn:aws:iam::123456789012:role/Exec", name, &user)
        .ok();
    (rig, role, format!("arn:aws:sts::123456789012:assumed-role/Exec/{name}"))
}

#[test]
fn exec_runs_the_aws_cli_with_the_sessions_credentials_and_writes_no_profile() {
    let (rig, alias, arn) = user_session("exec");
    let before = rig.snapshot();
    // A profile variable in the caller's environment must not win over keyhop's credentials.
    let mut cmd = Command::new(keyhop_bin());
    cmd.args([
        "exec",
        &alias,
        "--",
        "aws",
        "sts",
        "get-caller-identity",
        "--query",
        "Arn",
        "--output",
        "text",
    ]);
    rig.apply_env(&mut cmd);
    cmd.env("AWS_PROFILE", "does-not-exist");
    let out = run(cmd, "", "keyhop exec … aws sts get-caller-identity").ok();
    assert_eq!(out.stdout.trim(), arn, "{out}");
    let after = rig.snapshot();
    assert_eq!(before.credentials, after.credentials, "exec wrote the credentials file");
    assert_eq!(before.config, after.config, "exec wrote the config file");

    let env = rig
        .keyhop(&[
            "exec",
            &alias,
            "--",
            "sh",
            "-c",
            "env | grep '^AWS_' | cut -d= -f1 | sort",
        ])
        .ok();
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_SESSION_EXPIRATION",
    ] {
        assert!(env.stdout.lines().any(|l| l == var), "{var} missing: {env}");
    }
    assert!(!env.stdout.lines().any(|l| l == "AWS_PROFILE"), "{env}");
}

#[test]
fn exec_passes_the_exit_code_and_signals_through() {
    let (rig, alias, _) = user_session("exit");
    let out = rig.keyhop(&["exec", &alias, "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7), "{out}");
    let missing = rig.keyhop(&["exec", &alias, "--", "no-such-program-keyhop"]);
    assert_eq!(missing.status.code(), Some(127), "{missing}");

    // SIGTERM to keyhop alone reaches the command, whose own exit code comes back.
    let mut cmd = Command::new(keyhop_bin());
    cmd.args([
        "exec",
        &alias,
        "--",
        "sh",
        "-c",
        "trap 'exit 42' TERM; echo ready; while :; do sleep 0.1; done",
    ]);
    rig.apply_env(&mut cmd);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("keyhop runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 6];
    std::io::Read::read_exact(&mut stdout, &mut buf).expect("the command started");
    assert_eq!(&buf, b"ready\n");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "keyhop exec did not end after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(42), "the command's trap did not run");
}

/// Runs `argv` (keyhop exec … -- the counter) on a new pseudo-terminal, as its foreground
/// process group, as a shell in a terminal would. Types Ctrl-C three times, asks the counter
/// for its count, then sends SIGINT to keyhop's pid alone and asks again.
///
/// keyhop is stopped while each Ctrl-C is typed and continued once the command has taken its
/// own SIGINT: two SIGINTs pending at once are one (standard signals do not queue), so a copy
/// that keyhop forwarded at the same instant could not be told from none. The terminal's
/// SIGINT waits for keyhop, with its origin, until it is continued.
#[cfg(target_os = "linux")]
const PTY_DRIVER: &str = r#"
import os, pty, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
seen = b""
def read_until(word, secs=60):
    global seen
    end = time.time() + secs
    while word not in seen and time.time() < end:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
def state():
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(") ", 1)[1].split()[0]
read_until(b"ready")
time.sleep(0.3)
for _ in range(3):
    os.kill(pid, signal.SIGSTOP)
    while state() != "T":
        time.sleep(0.01)
    os.write(fd, b"\x03")
    time.sleep(0.3)
    os.kill(pid, signal.SIGCONT)
    time.sleep(0.3)
os.write(fd, b"count\n")
read_until(b"sigints=", 20)
os.kill(pid, signal.SIGINT)
time.sleep(0.4)
os.write(fd, b"count\n")
read_until(b"bye", 20)
os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
"#;

/// Counts the SIGINTs it gets; prints the count for each line read, ends after two.
#[cfg(target_os = "linux")]
const SIGINT_COUNTER: &str = r#"
import signal, sys
n = 0
def count(sig, frame):
    global n
    n += 1
signal.signal(signal.SIGINT, count)
print("ready", flush=True)
for i in range(2):
    sys.stdin.readline()
    print(f"sigints={n}", flush=True)
print("bye", flush=True)
"#;

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_reaches_the_command_once_and_a_kill_of_keyhop_is_passed_on() {
    let (rig, alias, _) = user_session("ctrlc");
    let mut cmd = Command::new("python3");
    cmd.args([
        "-c",
        PTY_DRIVER,
        keyhop_bin(),
        "exec",
        &alias,
        "--",
        "python3",
        "-c",
        SIGINT_COUNTER,
    ]);
    rig.apply_env(&mut cmd);
    let out = run(cmd, "", "keyhop exec on a terminal, with Ctrl-C").ok();
    let counts: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("sigints="))
        .collect();
    // Three Ctrl-C: three SIGINTs, from the terminal; then `kill -INT` of keyhop: one more.
    assert_eq!(counts, ["3", "4"], "{out}");
}

#[test]
fn nested_exec_the_inner_session_wins() {
    let (rig, outer, _) = user_session("outer");
    let inner = unique("inner");
    let keys = moto_user(&unique("inner-user"));
    rig.add_user(&format!("{inner}-u"), &format!("{inner}-u"), &keys, &[])
        .ok();
    rig.add_chained(
        &inner,
        &inner,
        "arn:aws:iam::123456789012:role/Inner",
        "nested",
        &format!("{inner}-u"),
    )
    .ok();
    let exe = keyhop_bin();
    let out = rig
        .keyhop(&[
            "exec",
            &outer,
            "--",
            exe,
            "exec",
            &inner,
            "--",
            "aws",
            "sts",
            "get-caller-identity",
            "--query",
            "Arn",
            "--output",
            "text",
        ])
        .ok();
    assert_eq!(
        out.stdout.trim(),
        "arn:aws:sts::123456789012:assumed-role/Inner/nested",
        "{out}"
    );
}

#[test]
fn export_is_evaluated_by_bash_and_parses_as_json() {
    let (rig, alias, arn) = user_session("export");
    let script = format!(
        "eval \"$({} export '{alias}')\" && aws sts get-caller-identity --query Arn --output text",
        keyhop_bin()
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-c", &script]);
    rig.apply_env(&mut cmd);
    cmd.env("AWS_PROFILE", "does-not-exist");
    let out = run(cmd, "", "bash -c eval $(keyhop export)").ok();
    assert_eq!(out.stdout.trim(), arn, "{out}");

    let json = rig.keyhop(&["export", &alias, "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["Version"], 1);
    assert!(
        v["AccessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("ASIA") || k.starts_with("AKIA"))
    );
    assert!(v["Expiration"].as_str().is_some_and(|e| e.ends_with('Z')));

    for (format, marker) in [
        ("fish", "set -gx AWS_SESSION_TOKEN '"),
        ("powershell", "$env:AWS_SESSION_TOKEN = '"),
    ] {
        let out = rig.keyhop(&["export", &alias, "--format", format]).ok();
        assert!(out.stdout.contains(marker), "{format}: {out}");
    }
}
