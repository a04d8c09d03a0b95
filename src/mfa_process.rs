//! Runs an IAM user's MFA command (`--mfa-process`) for the CLI and the tray: no shell, stdin
//! null, stderr passed through (a YubiKey's "touch your key" reaches the user), stdout read for
//! the code. Bounded: a command that hangs is killed, with everything it started (its own
//! process group), after `KEYHOP_MFA_PROCESS_TIMEOUT` seconds (default 30; the tests set less).

use std::io::{BufRead, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keyhop_core::mfa_command::{MfaProcess, MfaProcessError};
use keyhop_core::validate::MfaCode;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Seconds (a decimal number) to wait for the command instead of 30.
pub const TIMEOUT_VAR: &str = "KEYHOP_MFA_PROCESS_TIMEOUT";

pub fn timeout() -> Duration {
    std::env::var(TIMEOUT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64)
}

/// The code the command prints, within `timeout()`.
pub fn run(p: &MfaProcess) -> Result<MfaCode, MfaProcessError> {
    run_within(p, timeout())
}

pub fn run_within(p: &MfaProcess, limit: Duration) -> Result<MfaCode, MfaProcessError> {
    let span = tracing::info_span!("mfa_process", program = p.program());
    let _in = span.enter();
    let program = || p.program().to_owned();
    let timed_out = || MfaProcessError::TimedOut {
        program: program(),
        secs: format!("{}", limit.as_secs_f64()),
    };
    let (first, rest) = p.argv().split_first().expect("an MFA command has a program");
    let mut cmd = Command::new(first);
    cmd.args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    #[cfg(windows)]
    crate::console::no_window_without_console(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| MfaProcessError::Spawn {
        program: program(),
        reason: e.to_string(),
    })?;
    let Some(stdout) = child.stdout.take() else {
        kill(&mut child);
        return Err(MfaProcessError::Spawn {
            program: program(),
            reason: "its output cannot be read".into(),
        });
    };
    let (tx, rx) = mpsc::channel();
    // Read on a thread, and only the first line (at most MAX_OUTPUT bytes): a command that
    // prints without end (`yes 123456`) must neither block nor fill the memory. The pipe is
    // closed after that, so such a command ends of SIGPIPE.
    std::thread::spawn(move || {
        let _ = tx.send(first_line(stdout));
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill(&mut child);
                tracing::warn!(
                    limit_ms = limit.as_millis(),
                    "the MFA command did not finish; killed it"
                );
                return Err(timed_out());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                kill(&mut child);
                return Err(MfaProcessError::Spawn {
                    program: program(),
                    reason: e.to_string(),
                });
            }
        }
    };
    // Something it started may still hold its output open: wait no longer than the deadline.
    let Ok(out) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
        kill(&mut child);
        return Err(timed_out());
    };
    if !status.success() && !ended_by_closed_pipe(status, &out) {
        return Err(MfaProcessError::Failed {
            program: program(),
            status: status.to_string(),
        });
    }
    let code = p.code_from(&out)?;
    tracing::info!("the MFA command gave a code");
    Ok(code)
}

/// The most of the command's output read: a code's line with room to spare.
const MAX_OUTPUT: u64 = 256;

/// The output up to and with its first newline, at most [`MAX_OUTPUT`] bytes; the pipe is
/// closed when this returns.
fn first_line(stdout: impl Read) -> Vec<u8> {
    let mut line = Vec::new();
    let _ = std::io::BufReader::new(stdout.take(MAX_OUTPUT)).read_until(b'\n', &mut line);
    line
}

/// A command that printed a whole first line and then died of SIGPIPE did so because keyhop
/// stopped reading after that line, not of a failure of its own.
fn ended_by_closed_pipe(status: std::process::ExitStatus, out: &[u8]) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.signal() == Some(libc::SIGPIPE) && out.ends_with(b"\n")
    }
    #[cfg(not(unix))]
    {
        let _ = (status, out);
        false
    }
}

/// Kills the command and whatever it started (its process group on Unix).
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) on the process group the child leads (process_group(0) above); no
        // memory is touched.
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn p(line: &str) -> MfaProcess {
        MfaProcess::parse(line).unwrap()
    }

    #[test]
    fn codes_failures_garbage_and_hangs() {
        let t = Duration::from_secs(10);
        assert_eq!(run_within(&p("echo 123456"), t).unwrap().as_str(), "123456");
        assert!(matches!(
            run_within(&p("false"), t),
            Err(MfaProcessError::Failed { .. })
        ));
        assert!(matches!(
            run_within(&p("echo 'not a code'"), t),
            Err(MfaProcessError::BadOutput { .. })
        ));
        assert!(matches!(
            run_within(&p("no-such-program-keyhop"), t),
            Err(MfaProcessError::Spawn { .. })
        ));
        // A shell only when asked for; its child holding stdout open is killed with it.
        let started = Instant::now();
        let e = run_within(&p("sh -c 'sleep 30; echo 123456'"), Duration::from_millis(300)).unwrap_err();
        assert!(matches!(e, MfaProcessError::TimedOut { .. }), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        // Exits at once but leaves a child holding its output: bounded too.
        let e = run_within(&p("sh -c 'sleep 30 & exit 0'"), Duration::from_millis(300)).unwrap_err();
        assert!(matches!(e, MfaProcessError::TimedOut { .. }), "{e}");
        // A command that prints without end: its first line is read, the rest is not.
        let started = Instant::now();
        let short = Duration::from_secs(3);
        assert_eq!(run_within(&p("yes 123456"), short).unwrap().as_str(), "123456");
        assert!(run_within(&p("cat /dev/zero"), short).is_err());
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        // stdin is null: a command waiting for input reads end-of-file, not the terminal.
        assert!(matches!(
            run_within(&p("cat"), t),
            Err(MfaProcessError::BadOutput { .. })
        ));
    }
}
