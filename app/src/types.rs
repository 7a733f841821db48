//! Serde wire types shared by the server functions and the browser. They mirror the JSON API's
//! bodies field for field (SPEC §8); `api::ctx::relay` converts the API's own types into these,
//! so a drift between the two fails on the server, not silently in the page.

use chrono::{DateTime, Utc};
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

/// SPEC §4's four states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Online,
    Offline,
    Unknown,
    Never,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Offline => "offline",
            Self::Unknown => "unknown",
            Self::Never => "never",
        }
    }
}

/// The quota part of a peer (the API's `QuotaView`). `download` counts what the router sent
/// (tx), `upload` what it received (rx).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaInfo {
    /// `default`, `limit` or `unlimited`.
    pub mode: String,
    pub limit_bytes: Option<u64>,
    /// `total`, `download` or `upload`.
    pub direction: String,
    pub effective_limit_bytes: Option<u64>,
    pub used_bytes: u64,
    pub remaining_bytes: Option<u64>,
    pub percent: Option<f64>,
    pub over_limit: bool,
}

/// A peer as `/api/peers` reads it. `cycle_rx` = the peer's upload (router received),
/// `cycle_tx` = the peer's download (router sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerInfo {
    pub id: i32,
    pub router_id: i32,
    pub interface: String,
    pub public_key: String,
    pub name: Option<String>,
    pub router_name: Option<String>,
    pub comment: Option<String>,
    pub allowed_address: Option<String>,
    pub endpoint_address: Option<String>,
    pub tracked: bool,
    pub dynamic: bool,
    pub disabled: bool,
    pub disabled_reason: Option<String>,
    pub missing_on_router: bool,
    pub drift: Option<String>,
    pub status: Status,
    pub online: Option<bool>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub last_handshake_at: Option<DateTime<Utc>>,
    pub status_as_of: Option<DateTime<Utc>>,
    pub cycle_rx: u64,
    pub cycle_tx: u64,
    pub total_rx: u64,
    pub total_tx: u64,
    pub quota: QuotaInfo,
    pub first_seen_at: DateTime<Utc>,
}

impl PeerInfo {
    /// What to call the peer: its name, else its comment, else the start of its key.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| self.comment.clone().filter(|c| !c.is_empty()))
            .unwrap_or_else(|| self.public_key.chars().take(12).collect::<String>() + "…")
    }
}

/// A router's last poll (the API's `RouterHealthView`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterHealthInfo {
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_duration_ms: Option<i64>,
    pub last_error: Option<String>,
    pub consecutive_failures: i32,
    pub down: bool,
    pub identity: Option<String>,
    pub version: Option<String>,
    pub board: Option<String>,
}

/// A router as `/api/routers` reads it (never with its password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterInfo {
    pub id: i32,
    pub name: String,
    pub host: String,
    pub port: Option<i32>,
    pub transport: String,
    pub tls: bool,
    pub tls_verify: Option<bool>,
    pub tls_fingerprint: Option<String>,
    pub username: String,
    pub poll_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub health: RouterHealthInfo,
}
