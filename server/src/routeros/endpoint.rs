//! How to reach one router: address, transport, TLS choices, credentials and limits.
//! `Debug` is written by hand so the password can never reach a log line.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::RouterError;
use super::tls::{TlsPolicy, parse_fingerprint};

/// The two RouterOS transports (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// `/rest` over HTTP(S), JSON, HTTP Basic auth (RouterOS 7.1+).
    Rest,
    /// The classic binary API (8728), or API-SSL (8729) with TLS.
    Api,
}

/// Per-call time limit when the settings do not say otherwise (SPEC §3 default).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest reply accepted by default: 50,000 peers at ~700 bytes each fit with room to spare.
pub const DEFAULT_MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// Connection settings for one router.
#[derive(Clone)]
pub struct RouterEndpoint {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// `None` = the transport's default port (see [`RouterEndpoint::port`]).
    pub port: Option<u16>,
    pub transport: Transport,
    /// HTTPS for REST, API-SSL for the API.
    pub tls: bool,
    /// Check the certificate against the public web roots. Ignored when a fingerprint is pinned.
    pub tls_verify: bool,
    /// SHA-256 of the router's certificate, hex (colons, spaces and any case accepted). When
    /// set it replaces chain verification: exactly this certificate is accepted.
    pub tls_fingerprint: Option<String>,
    pub username: String,
    pub password: String,
    /// Limit for a whole call: connect, TLS, login, request and reading the reply.
    pub timeout: Duration,
    /// Largest reply accepted; a bigger one fails with `ReplyTooLarge` instead of being buffered.
    pub max_reply_bytes: usize,
}

impl RouterEndpoint {
    /// Settings with the defaults: default port, TLS verification on, 10 s timeout, 64 MiB bound.
    pub fn new(
        host: impl Into<String>,
        transport: Transport,
        tls: bool,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            host: host.into(),
            port: None,
            transport,
            tls,
            tls_verify: true,
            tls_fingerprint: None,
            username: username.into(),
            password: password.into(),
            timeout: DEFAULT_TIMEOUT,
            max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
        }
    }

    /// The port in use: the configured one, else REST HTTPS 443, REST HTTP 80, API 8728,
    /// API-SSL 8729.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match (self.transport, self.tls) {
            (Transport::Rest, true) => 443,
            (Transport::Rest, false) => 80,
            (Transport::Api, false) => 8728,
            (Transport::Api, true) => 8729,
        })
    }

    /// How the certificate is checked: a pin wins over the verify flag.
    pub fn tls_policy(&self) -> Result<TlsPolicy, RouterError> {
        match self.tls_fingerprint.as_deref().map(str::trim) {
            Some(fp) if !fp.is_empty() => Ok(TlsPolicy::Pinned(parse_fingerprint(fp)?)),
            _ if self.tls_verify => Ok(TlsPolicy::Verify),
            _ => Ok(TlsPolicy::AcceptAny),
        }
    }

    /// How errors name this router: `host:port`.
    pub fn label(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port())
        } else {
            format!("{}:{}", self.host, self.port())
        }
    }

    pub(crate) fn validate(&self) -> Result<(), RouterError> {
        if self.host.trim().is_empty() {
            return Err(RouterError::Config("the router's host is empty".into()));
        }
        if self.timeout.is_zero() {
            return Err(RouterError::Config("the timeout must be above zero".into()));
        }
        if self.tls {
            self.tls_policy()?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for RouterEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterEndpoint")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("transport", &self.transport)
            .field("tls", &self.tls)
            .field("tls_verify", &self.tls_verify)
            .field("tls_fingerprint", &self.tls_fingerprint)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field("timeout", &self.timeout)
            .field("max_reply_bytes", &self.max_reply_bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ports() {
        let mut e = RouterEndpoint::new("r1", Transport::Rest, true, "u", "p");
        assert_eq!(e.port(), 443);
        e.tls = false;
        assert_eq!(e.port(), 80);
        e.transport = Transport::Api;
        assert_eq!(e.port(), 8728);
        e.tls = true;
        assert_eq!(e.port(), 8729);
        e.port = Some(1234);
        assert_eq!(e.port(), 1234);
    }

    #[test]
    fn debug_hides_password() {
        let e = RouterEndpoint::new("r1", Transport::Api, false, "admin", "s3cr3t-pw");
        let shown = format!("{e:?}");
        assert!(!shown.contains("s3cr3t-pw"));
        assert!(shown.contains("admin"));
    }

    #[test]
    fn pin_wins_over_verify() {
        let mut e = RouterEndpoint::new("r1", Transport::Rest, true, "u", "p");
        assert_eq!(e.tls_policy().ok(), Some(TlsPolicy::Verify));
        e.tls_verify = false;
        assert_eq!(e.tls_policy().ok(), Some(TlsPolicy::AcceptAny));
        e.tls_fingerprint = Some("00".repeat(32));
        assert_eq!(e.tls_policy().ok(), Some(TlsPolicy::Pinned([0; 32])));
        e.tls_fingerprint = Some("nonsense".into());
        assert!(e.validate().is_err());
        assert_eq!(
            RouterEndpoint::new("::1", Transport::Api, false, "u", "p").label(),
            "[::1]:8728"
        );
    }
}
