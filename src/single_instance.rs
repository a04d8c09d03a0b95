//! One tray per user (per keyhop state dir): the first `keyhop tray` holds a lock file and
//! listens on a local socket; a second one finds the lock taken, asks the first to open its
//! window through the socket, and exits.
//!
//! The socket (interprocess: a Unix socket on Unix, a named pipe on Windows) answers only its
//! own user:
//! - Unix: it lives in `<state dir>/ipc/`, a directory owned by us with mode 0700, so no other
//!   user can reach it, and the listener also checks that the peer's uid (`SO_PEERCRED`,
//!   `LOCAL_PEERCRED`) is ours. A socket's path must fit `sun_path` (108 bytes on Linux, 104 on
//!   macOS): when the state dir is too deep for that, the same private directory is
//!   `keyhop-<hash of the state dir>` in `$XDG_RUNTIME_DIR` (else the temp dir) instead.
//! - Windows: the pipe `\\.\pipe\keyhop-tray-<hash of the state dir>` keeps a named pipe's
//!   default DACL (full control for its creator, SYSTEM and administrators; only read access for
//!   everyone else), so no other user can send a request; remote clients are refused.
//!
//! A client that connects and says nothing holds only its own handler thread, never the
//! listener: at most [`MAX_CLIENTS`] are handled at once (more are closed at once), a request is
//! one line of at most [`MAX_REQUEST`] bytes, and on Unix a handler gives up after
//! [`READ_TIMEOUT`] (named pipes have no read timeout: there the thread ends when the silent
//! client disconnects or exits).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use interprocess::ConnectWaitMode;
use interprocess::local_socket::prelude::*;
use interprocess::local_socket::{ConnectOptions, ListenerOptions, Name};

use crate::external::{Events, External};

/// What a second instance sends.
const REQUEST: &[u8] = b"open\n";
/// Longest request line read; anything longer is not a request.
const MAX_REQUEST: u64 = 64;
/// Clients handled at the same time.
const MAX_CLIENTS: usize = 4;
/// How long a handler waits for a client's line (Unix).
#[cfg(unix)]
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a second instance waits for the first to listen: the first takes the lock a
/// moment before it binds the socket.
const CONNECT_TRIES: u32 = 20;
const CONNECT_PAUSE: Duration = Duration::from_millis(50);

pub enum Instance {
    /// We are the tray. Keep this alive for the life of the process.
    First(Guard),
    /// Another tray runs; it was asked to open its window.
    AlreadyRunning,
}

pub struct Guard {
    _lock: File,
}

/// A second instance's request goes to `events`.
pub fn claim(dir: &Path, events: Events) -> io::Result<Instance> {
    claim_with(dir, move || events.send(External::OpenRequested))
}

/// Whether a tray holds `dir` now: its socket accepts a connection (`keyhop doctor`). The
/// connection sends nothing, so the tray does nothing with it.
pub fn running(dir: &Path) -> bool {
    socket_name(dir).is_ok_and(|name| {
        ConnectOptions::new()
            .name(name)
            .wait_mode(ConnectWaitMode::Timeout(Duration::from_millis(500)))
            .connect_sync()
            .is_ok()
    })
}

/// [`claim`], with what to do on a request (tests count them).
fn claim_with(dir: &Path, on_open: impl Fn() + Send + Sync + 'static) -> io::Result<Instance> {
    // 0700: the state dir shows which profiles and roles the user has.
    keyhop_core::state::create_private_dir(dir)?;
    let mut options = File::options();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let lock = options.open(dir.join("tray.lock"))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            ask_to_open(&socket_name(dir)?)?;
            return Ok(Instance::AlreadyRunning);
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(e),
    }
    let listener = listen(dir)?;
    let on_open = Arc::new(on_open);
    std::thread::Builder::new()
        .name("single-instance".into())
        .spawn(move || serve(&listener, &on_open))?;
    Ok(Instance::First(Guard { _lock: lock }))
}

/// The longest socket path used: under macOS's 104 bytes of `sun_path` with the NUL.
#[cfg(unix)]
const MAX_SOCKET_PATH: usize = 100;

/// `<dir>/ipc/tray.sock`, or when that is too long for a socket,
/// `$XDG_RUNTIME_DIR/keyhop-<hash of dir>/tray.sock` (the temp dir without that variable).
#[cfg(unix)]
fn socket_path(dir: &Path) -> std::path::PathBuf {
    let beside = dir.join("ipc").join("tray.sock");
    if beside.as_os_str().len() <= MAX_SOCKET_PATH {
        return beside;
    }
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(std::path::PathBuf::from)
        .filter(|d| d.is_absolute())
        .unwrap_or_else(std::env::temp_dir);
    runtime
        .join(format!("keyhop-{:016x}", fnv1a(dir.as_os_str().as_encoded_bytes())))
        .join("tray.sock")
}

#[cfg(unix)]
fn socket_name(dir: &Path) -> io::Result<Name<'static>> {
    use interprocess::local_socket::GenericFilePath;
    socket_path(dir).to_fs_name::<GenericFilePath>()
}

/// `\\.\pipe\keyhop-tray-<hash>`: pipe names are global, so the name depends on the state dir
/// (which is under the user's profile, or `KEYHOP_HOME`).
#[cfg(windows)]
fn socket_name(dir: &Path) -> io::Result<Name<'static>> {
    use interprocess::local_socket::GenericNamespaced;
    format!("keyhop-tray-{:016x}", fnv1a(dir.as_os_str().as_encoded_bytes())).to_ns_name::<GenericNamespaced>()
}

/// FNV-1a, 64 bits: a stable hash (std's `DefaultHasher` may change between Rust releases, and
/// two keyhop builds must agree on the name).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn listen(dir: &Path) -> io::Result<LocalSocketListener> {
    #[cfg(unix)]
    {
        let path = socket_path(dir);
        private_dir(path.parent().unwrap_or(dir))?;
        // We hold the lock, so a socket file left here is stale.
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    ListenerOptions::new().name(socket_name(dir)?).create_sync()
}

/// Creates `dir` with mode 0700, or makes an existing one so; refuses a directory (or symlink)
/// that is not ours.
#[cfg(unix)]
fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() || meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{} is not a directory of this user", dir.display()),
        ));
    }
    if meta.mode() & 0o777 != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn ask_to_open(name: &Name<'_>) -> io::Result<()> {
    let mut tries = 0;
    let mut conn = loop {
        let connected = ConnectOptions::new()
            .name(name.borrow())
            .wait_mode(ConnectWaitMode::Timeout(Duration::from_secs(2)))
            .connect_sync();
        match connected {
            Ok(c) => break c,
            Err(e)
                if tries < CONNECT_TRIES
                    && matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused | io::ErrorKind::ResourceBusy
                    ) =>
            {
                tries += 1;
                std::thread::sleep(CONNECT_PAUSE);
            }
            Err(e) => return Err(e),
        }
    };
    conn.write_all(REQUEST)?;
    conn.flush()
}

/// The listener's loop: hands each client to a thread of its own, at most [`MAX_CLIENTS`] at once.
fn serve(listener: &LocalSocketListener, on_open: &Arc<impl Fn() + Send + Sync + 'static>) {
    let busy = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        let conn = match conn {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!(error = %e, "single-instance accept failed");
                // Not a busy loop should the error repeat.
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        if busy.fetch_add(1, Ordering::AcqRel) >= MAX_CLIENTS {
            busy.fetch_sub(1, Ordering::AcqRel);
            tracing::debug!("too many single-instance clients at once; closing one");
            continue;
        }
        let slot = Slot(Arc::clone(&busy));
        let on_open = Arc::clone(on_open);
        let spawned = std::thread::Builder::new()
            .name("single-instance-client".into())
            .spawn(move || {
                let _slot = slot;
                if is_request(&conn) {
                    on_open();
                }
            });
        if let Err(e) = spawned {
            tracing::debug!(error = %e, "cannot start a single-instance handler");
        }
    }
}

/// One of the [`MAX_CLIENTS`] handler places, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Whether `conn` is ours and asks to open the window.
fn is_request(conn: &LocalSocketStream) -> bool {
    #[cfg(unix)]
    {
        let ours = rustix::process::geteuid().as_raw();
        match conn.peer_creds() {
            Ok(c) if c.euid() == Some(ours) => {}
            Ok(c) => {
                tracing::warn!(peer_uid = ?c.euid(), "single-instance request from another user ignored");
                return false;
            }
            Err(e) => {
                tracing::debug!(error = %e, "cannot read the single-instance client's credentials");
                return false;
            }
        }
        if let Err(e) = conn.set_recv_timeout(Some(READ_TIMEOUT)) {
            tracing::debug!(error = %e, "cannot set the single-instance read timeout");
            return false;
        }
    }
    read_request(conn)
}

/// Reads one line of at most [`MAX_REQUEST`] bytes: is it `open`?
fn read_request(conn: impl Read) -> bool {
    let mut line = Vec::new();
    match BufReader::new(conn.take(MAX_REQUEST)).read_until(b'\n', &mut line) {
        // A line cut off at the limit is too long to be a request.
        Ok(n) if n as u64 == MAX_REQUEST && !line.ends_with(b"\n") => false,
        Ok(_) => line.trim_ascii() == REQUEST.trim_ascii(),
        Err(e) => {
            tracing::debug!(error = %e, "no single-instance request");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_one_short_line() {
        assert!(read_request(&b"open\n"[..]));
        assert!(read_request(&b"open"[..]));
        assert!(!read_request(&b""[..]));
        assert!(!read_request(&b"close\n"[..]));
        assert!(!read_request(&b"open please\n"[..]));
        // A long line is cut at MAX_REQUEST bytes, so it never reads as a request.
        let long = [b"open".as_slice(), &[b' '; 100], b"\n"].concat();
        assert!(!read_request(long.as_slice()));
    }

    #[test]
    fn pipe_names_are_stable() {
        // FNV-1a test vectors; the Windows pipe name must not change between builds.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[cfg(unix)]
    #[test]
    fn a_state_dir_too_deep_for_a_socket_path_still_makes_one_tray() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().expect("temp dir");
        let dir = home.path().join("d".repeat(120)).join("keyhop");
        let first = claim_with(&dir, || {}).expect("the first claim with a long state dir");
        assert!(matches!(first, Instance::First(_)));
        let mode = std::fs::metadata(&dir).expect("state dir").permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the state dir it created is not private");
        let socket = socket_path(&dir);
        assert!(socket.as_os_str().len() <= MAX_SOCKET_PATH, "{}", socket.display());
        let ipc = std::fs::metadata(socket.parent().expect("a parent")).expect("socket dir");
        assert_eq!(
            ipc.permissions().mode() & 0o777,
            0o700,
            "the socket's directory is private"
        );
        let second = claim_with(&dir, || {}).expect("second claim");
        assert!(matches!(second, Instance::AlreadyRunning));
        drop(first);
        if socket.parent() != Some(dir.join("ipc").as_path()) {
            let _ = std::fs::remove_dir_all(socket.parent().expect("a parent"));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_silent_client_does_not_block_a_second_start() {
        use std::os::unix::fs::PermissionsExt;
        use std::sync::mpsc;

        let home = tempfile::tempdir().expect("temp dir");
        let dir = home.path().join("state");
        let (tx, rx) = mpsc::channel();
        let tx = std::sync::Mutex::new(tx);
        let first = claim_with(&dir, move || {
            let _ = tx.lock().expect("sender").send(());
        })
        .expect("first claim");
        assert!(matches!(first, Instance::First(_)));
        let ipc = dir.join("ipc");
        let mode = std::fs::metadata(&ipc).expect("ipc dir").permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the socket's directory is private");

        // Connects and says nothing; another sends a line that never ends.
        let name = socket_name(&dir).expect("name");
        let _silent = LocalSocketStream::connect(name.borrow()).expect("silent client");
        let mut chatty = LocalSocketStream::connect(name.borrow()).expect("chatty client");
        chatty.write_all(&[b'x'; 4096]).expect("write");

        // Two more starts: both get through while those two hang on.
        for _ in 0..2 {
            let second = claim_with(&dir, || {}).expect("second claim");
            assert!(matches!(second, Instance::AlreadyRunning));
            rx.recv_timeout(Duration::from_secs(5))
                .expect("the first instance got the request");
        }
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "only two requests"
        );
        drop(first);
    }
}
