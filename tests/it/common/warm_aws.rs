//! The AWS CLI's own entry point in a warm, forked process (xtask/rig/warm_aws.py): the same
//! `awscli.clidriver.main()` that the `aws` script runs, with the run's arguments, environment
//! and directory, minus Python importing awscli, botocore and the CLI's plugins each time
//! (`sts get-caller-identity`: 0.6 s of CPU spawned, 0.2 s forked; the suite runs the CLI ~200
//! times). Started once per test process; if it cannot start, `aws` is spawned as before.

use super::process::{COMMAND_TIMEOUT, Out};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};

/// The running server; its stdin is held open for the life of the test process (the server
/// exits when it closes).
struct Server {
    socket: PathBuf,
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

static SERVER: OnceLock<Option<Server>> = OnceLock::new();

/// Runs `cmd` (a `Command::new("aws")`, its arguments and environment set) in the warm CLI;
/// `None` when the warm CLI is not available.
pub fn run(cmd: &Command, what: &str) -> Option<Out> {
    let server = SERVER.get_or_init(start).as_ref()?;
    let mut env: BTreeMap<String, String> = std::env::vars().collect();
    for (key, value) in cmd.get_envs() {
        let key = key.to_string_lossy().into_owned();
        match value {
            Some(v) => env.insert(key, v.to_string_lossy().into_owned()),
            None => env.remove(&key),
        };
    }
    let cwd = match cmd.get_current_dir() {
        Some(dir) => dir.to_path_buf(),
        None => std::env::current_dir().expect("the test's directory"),
    };
    let argv: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let request = json!({"argv": argv, "env": env, "cwd": cwd});
    let answer = ask(&server.socket, &request).unwrap_or_else(|e| panic!("`{what}` in the warm AWS CLI: {e}"));
    let code = (answer["code"].as_i64())
        .and_then(|c| i32::try_from(c).ok())
        .unwrap_or(1);
    Some(Out {
        what: what.to_owned(),
        status: ExitStatus::from_raw((code & 0xff) << 8),
        stdout: answer["stdout"].as_str().unwrap_or_default().to_owned(),
        stderr: answer["stderr"].as_str().unwrap_or_default().to_owned(),
    })
}

fn ask(socket: &PathBuf, request: &Value) -> Result<Value, String> {
    let mut stream = UnixStream::connect(socket).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(COMMAND_TIMEOUT))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(format!("{request}\n").as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .map_err(|e| format!("no answer within {} s: {e}", COMMAND_TIMEOUT.as_secs()))?;
    serde_json::from_str(&line).map_err(|e| format!("answer {line:?}: {e}"))
}

fn start() -> Option<Server> {
    let dir = std::env::temp_dir().join(format!("keyhop-warm-aws-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    let socket = dir.join("socket");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("xtask/rig/warm_aws.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(&socket)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| eprintln!("warm AWS CLI: cannot start python3 ({e}); spawning aws instead"))
        .ok()?;
    let mut ready = String::new();
    let _ = BufReader::new(child.stdout.take()?).read_line(&mut ready);
    if ready.trim() != "ready" {
        eprintln!("warm AWS CLI: did not start; spawning aws instead");
        let _ = child.kill();
        let _ = child.wait();
        return None;
    }
    Some(Server {
        socket,
        _stdin: Mutex::new(child.stdin.take()?),
        _child: Mutex::new(child),
    })
}
