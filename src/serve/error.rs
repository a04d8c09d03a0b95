//! What can stop `keyhop serve` besides the engine's own errors.

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Engine(#[from] keyhop_core::Error),
    #[error("port {0} on 127.0.0.1 is already in use: pick another with --port, or leave it out for a free one")]
    PortInUse(u16),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen { port: u16, source: std::io::Error },
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(std::io::Error),
}
