//! Misbehaving network peers written in the test, on 127.0.0.1: an endpoint that accepts and
//! never answers, one that answers every request with the same bytes, and a proxy that holds
//! each connection a while before it passes it on (so a command runs long enough to be looked
//! at from outside) and keeps a copy of what the client sent.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A listener served by `serve(connection)` on threads of its own until dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
        let port = listener.local_addr().expect("local addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let serve = Arc::new(serve);
        let stopped = Arc::clone(&stop);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let serve = Arc::clone(&serve);
                std::thread::spawn(move || serve(conn));
            }
        });
        Server { port, stop }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
    }
}

/// Accepts every connection, reads what comes and never answers; connections stay open until
/// the stub is dropped.
pub struct SilentEndpoint {
    _server: Server,
    pub url: String,
    connections: Arc<AtomicUsize>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl SilentEndpoint {
    pub fn start() -> SilentEndpoint {
        let connections = Arc::new(AtomicUsize::new(0));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let (count, keep) = (Arc::clone(&connections), Arc::clone(&open));
        let server = Server::start(move |mut conn| {
            count.fetch_add(1, Ordering::SeqCst);
            if let Ok(clone) = conn.try_clone() {
                keep.lock().expect("open connections").push(clone);
            }
            let mut sink = [0u8; 4096];
            while matches!(conn.read(&mut sink), Ok(n) if n > 0) {}
        });
        let url = server.url();
        SilentEndpoint {
            _server: server,
            url,
            connections,
            open,
        }
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for SilentEndpoint {
    fn drop(&mut self) {
        for conn in self.open.lock().expect("open connections").drain(..) {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }
}

/// Answers every HTTP request with `reply` (raw bytes: a whole HTTP response, or garbage), then
/// closes the connection. Counts the requests.
pub struct CannedEndpoint {
    _server: Server,
    pub url: String,
    requests: Arc<AtomicUsize>,
}

impl CannedEndpoint {
    pub fn start(reply: &[u8]) -> CannedEndpoint {
        let requests = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&requests);
        let reply = reply.to_vec();
        let server = Server::start(move |mut conn| {
            let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
            if read_request(&mut conn).is_some() {
                count.fetch_add(1, Ordering::SeqCst);
                let _ = conn.write_all(&reply);
                let _ = conn.flush();
            }
            let _ = conn.shutdown(Shutdown::Both);
        });
        let url = server.url();
        CannedEndpoint {
            _server: server,
            url,
            requests,
        }
    }

    /// An HTTP/1.1 response with `status` and `body` (Content-Length set, connection closed).
    pub fn http(status: &str, content_type: &str, body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads one HTTP request (head and Content-Length body); None if the peer went away first.
fn read_request(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Some(buf);
            }
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A TCP proxy to `upstream` (`http://host:port`) that waits `delay` before it connects each
/// client through, and records every byte clients sent.
pub struct DelayProxy {
    _server: Server,
    pub url: String,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl DelayProxy {
    pub fn start(upstream: &str, delay: Duration) -> DelayProxy {
        let authority = upstream
            .trim_end_matches('/')
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("DelayProxy needs an http:// upstream, not {upstream}"))
            .to_owned();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&sent);
        let server = Server::start(move |client| {
            std::thread::sleep(delay);
            let Ok(upstream) = TcpStream::connect(&authority) else {
                return;
            };
            let (Ok(mut client_r), Ok(mut upstream_w)) = (client.try_clone(), upstream.try_clone()) else {
                return;
            };
            let record = Arc::clone(&record);
            let forward = std::thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                while let Ok(n) = client_r.read(&mut chunk) {
                    if n == 0 || upstream_w.write_all(&chunk[..n]).is_err() {
                        break;
                    }
                    record.lock().expect("proxy record").extend_from_slice(&chunk[..n]);
                }
                let _ = upstream_w.shutdown(Shutdown::Write);
            });
            let (mut upstream_r, mut client_w) = (upstream, client);
            let _ = std::io::copy(&mut upstream_r, &mut client_w);
            let _ = client_w.shutdown(Shutdown::Both);
            let _ = forward.join();
        });
        let url = server.url();
        DelayProxy {
            _server: server,
            url,
            sent,
        }
    }

    /// Everything clients sent through the proxy so far (lossy UTF-8).
    pub fn sent(&self) -> String {
        String::from_utf8_lossy(&self.sent.lock().expect("proxy record")).into_owned()
    }
}
