//! A background process the tests need (moto today; Xvfb, trayer, dunst next).
//!
//! Each service runs in its own process group with its output in a log file (a pipe nobody
//! reads would fill up and block it). Dropping the `Service` stops the whole group: SIGTERM,
//! then SIGKILL after a grace period. Drop runs on every exit path, including `?` and panics;
//! signals reach it through `signals::Forward`.

use crate::Result;
use crate::signals;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Service {
    name: String,
    child: Child,
    log: PathBuf,
    _forward: signals::Forward,
}

impl Service {
    /// Starts `cmd` as service `name`, logging stdout and stderr to `<log_dir>/<name>.log`.
    pub fn spawn(name: &str, mut cmd: Command, log_dir: &Path) -> Result<Service> {
        std::fs::create_dir_all(log_dir).map_err(|e| format!("cannot create {}: {e}", log_dir.display()))?;
        let log = log_dir.join(format!("{name}.log"));
        let out = File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| format!("log file: {e}"))?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err).process_group(0);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {name} ({}): {e}", cmd.get_program().display()))?;
        let forward = signals::Forward::group(child.id());
        Ok(Service {
            name: name.to_owned(),
            child,
            log,
            _forward: forward,
        })
    }

    /// Polls `ready` every 100 ms until it returns true. Fails, with the service's log, if the
    /// process exits first or `timeout` passes.
    pub fn wait_ready(&mut self, timeout: Duration, mut ready: impl FnMut() -> bool) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if ready() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited before it was ready ({status})\n--- {} ---\n{}",
                    self.name,
                    self.log.display(),
                    self.log_tail()
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} was not ready after {} s\n--- {} ---\n{}",
                    self.name,
                    timeout.as_secs(),
                    self.log.display(),
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last 4 KiB of the service's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(4096);
        String::from_utf8_lossy(&text[start..]).into_owned()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let group = -self.child.id().cast_signed();
        signals::send(group, signals::sigterm());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                // The leader is gone; make sure nothing else of its group stays behind.
                signals::send(group, signals::SIGKILL);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("xtask: {} did not stop on SIGTERM; killing it", self.name);
        signals::send(group, signals::SIGKILL);
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("xtask-service-test-{}-{name}", std::process::id()))
    }

    #[test]
    fn a_service_that_dies_early_is_reported_with_its_log() {
        let dir = scratch("dies");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo cannot bind port >&2; exit 3"]);
        let mut service = Service::spawn("dier", cmd, &dir).unwrap();
        let err = service.wait_ready(Duration::from_secs(10), || false).unwrap_err();
        assert!(
            err.contains("exited before it was ready") && err.contains("cannot bind port"),
            "{err}"
        );
        drop(service);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn drop_stops_the_whole_process_group() {
        let dir = scratch("group");
        let pid_file = dir.join("grandchild.pid");
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("sleep 300 & echo $! > {}; wait", pid_file.display()));
        let mut service = Service::spawn("sleeper", cmd, &dir).unwrap();
        service
            .wait_ready(Duration::from_secs(10), || {
                std::fs::read_to_string(&pid_file).is_ok_and(|s| s.ends_with('\n'))
            })
            .unwrap();
        let grandchild = std::fs::read_to_string(&pid_file).unwrap().trim().to_owned();
        assert!(
            std::path::Path::new(&format!("/proc/{grandchild}")).exists(),
            "no grandchild {grandchild:?}"
        );
        drop(service);
        std::thread::sleep(Duration::from_millis(200));
        let stat = std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for init to reap it.
        assert!(
            stat.is_empty() || stat.contains(") Z"),
            "grandchild {grandchild} survived: {stat}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
