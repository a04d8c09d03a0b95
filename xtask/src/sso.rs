//! The shared IAM Identity Center server of the test rig (`xtask/rig/sso_server.py`: the `sso`
//! portal and `sso-oidc` APIs, which no emulator has) on a free loopback port, beside moto.

use crate::Result;
use crate::moto::free_port;
use crate::packages;
use crate::service::Service;
use crate::test_run::LEAKY_AWS_VARS;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub struct Sso {
    pub url: String,
    _service: Service,
}

/// Starts the server on a free port of 127.0.0.1, minting role credentials in the moto at
/// `moto_url`, and waits (≤ 30 s) until it answers. Its log is `<log_dir>/sso.log`.
pub fn start(log_dir: &Path, path: &OsString, moto_url: &str) -> Result<Sso> {
    let python = packages::find_program("python3", path).ok_or("python3 is not on PATH")?;
    let script = crate::repo_root().join("xtask").join("rig").join("sso_server.py");
    let port = free_port()?;
    let mut cmd = Command::new(python);
    cmd.env("PATH", path)
        .arg(&script)
        .args(["--port", &port.to_string(), "--moto", moto_url]);
    // The server's own STS client must not pick up the developer's AWS setup.
    for var in LEAKY_AWS_VARS {
        cmd.env_remove(var);
    }
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_ENDPOINT_URL") {
            cmd.env_remove(name);
        }
    }
    let mut service = Service::spawn("sso", cmd, log_dir)?;
    service.wait_ready(Duration::from_secs(30), || crate::moto::answers(port, "/_rig/health"))?;
    let url = format!("http://127.0.0.1:{port}");
    println!("xtask: the IAM Identity Center rig server is up at {url}");
    Ok(Sso { url, _service: service })
}
