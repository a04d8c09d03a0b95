//! Running a program with piped stdin, captured output and a time limit.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// No command of the tests may take longer than this (a hung command fails the test).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// What a command did.
pub struct Out {
    pub what: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` -> {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.what, self.status, self.stdout, self.stderr
        )
    }
}

impl Out {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// Panics with the whole output unless the command succeeded.
    #[track_caller]
    pub fn ok(self) -> Out {
        assert!(self.success(), "expected success: {self}");
        self
    }

    /// Panics unless the command failed with a one-line message on stderr that contains every
    /// one of `words` (case-insensitive).
    #[track_caller]
    pub fn fails_with(self, words: &[&str]) -> Out {
        assert!(!self.success(), "expected failure: {self}");
        let message = self.stderr.trim();
        assert!(!message.is_empty(), "failure without a message on stderr: {self}");
        assert_eq!(message.lines().count(), 1, "expected one line on stderr: {self}");
        let lower = message.to_lowercase();
        for word in words {
            assert!(
                lower.contains(&word.to_lowercase()),
                "stderr does not mention {word:?}: {self}"
            );
        }
        self
    }

    /// stdout and stderr together, for secret checks.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `cmd` with `stdin` written to its standard input (then closed), capturing stdout and
/// stderr; kills it and panics after COMMAND_TIMEOUT.
pub fn run(mut cmd: Command, stdin: &str, what: &str) -> Out {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start `{what}`: {e}"));
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_owned();
    // A program that does not read its stdin must not block us: write from a thread.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(stdin.as_bytes());
    });
    let mut out_pipe = child.stdout.take().expect("piped stdout");
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{what}` did not finish within {} s", COMMAND_TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    Out {
        what: what.to_owned(),
        status,
        stdout,
        stderr,
    }
}

/// xtask/rig/fault_proxy.py in front of `upstream`, stopped on drop.
pub struct FaultProxy {
    child: Child,
    pub url: String,
}

impl FaultProxy {
    /// `args`: the proxy's options (`--fail ACTION`, `--on ACTION --run CMD`, `--expire-in N`,
    /// `--log FILE`).
    pub fn start(upstream: &str, args: &[&str]) -> FaultProxy {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/xtask/rig/fault_proxy.py");
        let mut child = Command::new("python3")
            .args([script, "--upstream", upstream])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 fault_proxy.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the proxy's port");
        let port = line.trim().strip_prefix("port ").expect("port N").to_owned();
        FaultProxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
