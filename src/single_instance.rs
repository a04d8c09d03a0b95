//! One tray per user (per keyhop state dir): the first `keyhop tray` holds a lock file and
//! listens on a Unix socket beside it; a second one finds the lock taken, asks the first to
//! open its window through the socket, and exits.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;

use crate::app::external::{self, External};

pub enum Instance {
    /// We are the tray. Keep this alive for the life of the process.
    First(Guard),
    /// Another tray runs; it was asked to open its window.
    AlreadyRunning,
}

pub struct Guard {
    _lock: File,
}

pub fn claim(dir: &Path) -> std::io::Result<Instance> {
    std::fs::create_dir_all(dir)?;
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("tray.lock"))?;
    let socket = dir.join("tray.sock");
    if lock.try_lock().is_err() {
        let mut s = UnixStream::connect(&socket)?;
        s.write_all(b"open\n")?;
        return Ok(Instance::AlreadyRunning);
    }
    // We hold the lock, so a socket file left here is stale.
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)?;
    std::thread::Builder::new()
        .name("single-instance".into())
        .spawn(move || {
            for conn in listener.incoming().flatten() {
                let mut line = String::new();
                if BufReader::new(conn).read_line(&mut line).is_ok() && line.trim() == "open" {
                    external::send(External::OpenRequested);
                }
            }
        })?;
    Ok(Instance::First(Guard { _lock: lock }))
}
