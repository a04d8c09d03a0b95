//! The shared moto server (a real STS/IAM implementation) on a free loopback port.

use crate::Result;
use crate::packages;
use crate::service::Service;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub struct Moto {
    pub url: String,
    _service: Service,
}

/// Starts `moto_server` on a free port of 127.0.0.1 and waits (≤ 30 s) until it answers.
/// `path` is the PATH from `packages::ensure_python`.
pub fn start(log_dir: &Path, path: &OsString) -> Result<Moto> {
    let program =
        packages::find_program("moto_server", path).ok_or("moto_server is not on PATH (pip install 'moto[server]')")?;
    let port = free_port()?;
    let mut cmd = Command::new(program);
    cmd.env("PATH", path).args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    let mut service = Service::spawn("moto", cmd, log_dir)?;
    service.wait_ready(Duration::from_secs(30), || answers(port, "/moto-api/"))?;
    let url = format!("http://127.0.0.1:{port}");
    println!("xtask: moto is up at {url}");
    Ok(Moto { url, _service: service })
}

/// A port that was free a moment ago: bind port 0, read the port, release it.
pub fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("cannot bind a loopback port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("cannot read the bound port: {e}"))
}

/// True when `GET path` on 127.0.0.1:`port` answers with HTTP 200 (the readiness probe of the
/// rig's servers).
pub fn answers(port: u16, path: &str) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    let mut got = 0;
    while got < head.len() {
        match stream.read(&mut head[got..]) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got += n,
        }
    }
    head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}
