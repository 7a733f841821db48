//! Serde wire types shared by the server functions and the browser.

use serde::{Deserialize, Serialize};

/// One database round trip measured by the server, as the home page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseCheck {
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub reachable: bool,
    /// Round-trip time of `SELECT 1`, in microseconds.
    pub latency_us: u64,
}
