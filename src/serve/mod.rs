//! `keyhop serve`: a session's credentials over the container credentials protocol (what an
//! ECS task's SDK reads through `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`), on 127.0.0.1 only, renewed before they expire, so an
//! SDK client that runs for hours keeps working. Nothing is written to the named profile.
//!
//! hyper's HTTP/1 server: hyper 1 is already compiled for the AWS SDK's client, so this costs
//! its server half only, and it is the best-kept HTTP implementation in the tokio world.

pub mod error;
mod http;
mod renewer;
mod token;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};

pub use error::ServeError;
pub use http::PATH;
pub use renewer::Renewer;
pub use token::AuthToken;

/// Open connections at once; more wait to be accepted (a local client holds one or two).
const MAX_CONNECTIONS: usize = 64;
/// Bound on a request's head (request line and headers); a body is never read.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// A client that does not finish sending a request's head in this time is dropped.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds 127.0.0.1:`port` (0: any free port). Never another address: the credentials are for
/// this machine's own processes.
pub async fn listen(port: u16) -> Result<TcpListener, ServeError> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => ServeError::PortInUse(port),
            _ => ServeError::Listen { port, source: e },
        })
}

/// The channels between the server and the renewer.
pub fn channels(
    first: keyhop_core::lease::Lease,
) -> (
    watch::Sender<Arc<keyhop_core::lease::Lease>>,
    watch::Receiver<Arc<keyhop_core::lease::Lease>>,
    Arc<Notify>,
) {
    let (tx, rx) = watch::channel(Arc::new(first));
    (tx, rx, Arc::new(Notify::new()))
}

/// Serves until Ctrl-C (or SIGTERM); the renewer runs beside it. Returns once the listener is
/// closed (the port is free again).
pub async fn serve(
    listener: TcpListener,
    token: AuthToken,
    lease: watch::Receiver<Arc<keyhop_core::lease::Lease>>,
    kick: Arc<Notify>,
    renewer: Renewer,
    stop: impl Future<Output = ()>,
) {
    let shared = Arc::new(http::Shared { token, lease, kick });
    tokio::select! {
        () = accept_loop(listener, shared) => {}
        () = renewer.run() => {}
        () = stop => {}
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<http::Shared>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let slot = Arc::clone(&slots)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: pass, and try again shortly.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let _slot = slot;
            let service = service_fn(move |req| http::respond(req, Arc::clone(&shared)));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM. The handlers are installed by this call,
/// so call it before the export lines are printed: a signal right after them must not be the
/// default death.
pub fn shutdown_signal() -> Result<impl Future<Output = ()>, ServeError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt()).map_err(ServeError::Signal)?;
        let mut term = signal(SignalKind::terminate()).map_err(ServeError::Signal)?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        let ctrl_c = tokio::signal::windows::ctrl_c().map_err(ServeError::Signal)?;
        Ok(async move {
            let mut ctrl_c = ctrl_c;
            let _ = ctrl_c.recv().await;
        })
    }
}
