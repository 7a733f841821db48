//! The simulator's own errors (starting it up). Protocol errors seen by clients are RouterOS
//! replies, not Rust errors, and live with each protocol.

use thiserror::Error;

/// Why the simulator could not start.
#[derive(Debug, Error)]
pub enum SimError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}
