//! The one error type every RouterOS call returns. Each variant is something an admin can act on,
//! and its `Display` says so in plain words; none of them ever carries the password.

use std::time::Duration;

use thiserror::Error;

/// What went wrong talking to a router.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouterError {
    /// TCP could not be established (refused, unreachable, DNS failure, connect timeout).
    #[error("cannot connect to {host} port {port}: {reason}")]
    CannotConnect {
        host: String,
        port: u16,
        reason: String,
    },

    /// The TLS handshake failed. `fingerprint_seen` is the SHA-256 of the certificate the
    /// router presented, when it got that far, so the admin can compare or pin it.
    #[error("TLS failure: {reason}{}", fingerprint_note(.fingerprint_seen))]
    Tls {
        reason: String,
        fingerprint_seen: Option<String>,
    },

    /// API-SSL on a router with no certificate assigned: RouterOS then offers only anonymous
    /// Diffie-Hellman ciphers, which no safe TLS library accepts.
    #[error(
        "the router's API-SSL service offered no cipher we accept; RouterOS does this when no \
         certificate is assigned to the api-ssl service (it falls back to anonymous \
         Diffie-Hellman): assign one under IP > Services > api-ssl, or use the plain API or REST"
    )]
    AnonymousDhOnly,

    /// The login was refused. Over REST RouterOS answers 401 both for a bad password and for a
    /// user whose group lacks the `rest-api`/`api` policy, so `policy_hint` names what to check.
    #[error("the router rejected the user name or password{}", policy_note(.policy_hint))]
    WrongCredentials { policy_hint: Option<&'static str> },

    /// The user exists and the password is right, but the group lacks a policy.
    #[error(
        "the user's group on the router lacks the '{which}' policy (add it under System > Users > Groups)"
    )]
    MissingPolicy { which: &'static str },

    /// No complete answer within the configured timeout.
    #[error("the router did not answer within {}", humanize(.after))]
    Timeout { after: Duration },

    /// The binary API answered `!trap`.
    #[error("the router refused the command: {message}{}", category_note(.category))]
    Trap {
        category: Option<u8>,
        message: String,
    },

    /// The binary API answered `!fatal` and closed the session.
    #[error("the router closed the API session: {message}")]
    Fatal { message: String },

    /// REST answered an HTTP error status; `message`/`detail` are RouterOS's own words.
    #[error("the router answered HTTP {status} {message}{}", detail_note(.detail))]
    Http {
        status: u16,
        message: String,
        detail: Option<String>,
    },

    /// The bytes on the wire were not RouterOS's protocol (wrong port, wrong TLS setting, a proxy).
    #[error("unexpected reply from the router: {0}")]
    Protocol(String),

    /// A field was present but not in the form RouterOS uses, or a required field was missing.
    #[error("router {router} sent an unexpected value for '{field}': {value:?} ({reason})")]
    Parse {
        router: String,
        field: String,
        value: String,
        reason: String,
    },

    /// The reply exceeded the configured bound; we stop reading rather than buffer without limit.
    #[error("the router's reply exceeded the limit of {limit} bytes")]
    ReplyTooLarge { limit: usize },

    /// `set` on an `.id` that no longer exists (peer removed or router rebooted): re-read peers.
    #[error("the router has no item {id} (it was removed or renumbered; the list will be re-read)")]
    NoSuchItem { id: String },

    /// The endpoint settings themselves are unusable (bad fingerprint, bad host).
    #[error("invalid router settings: {0}")]
    Config(String),
}

impl RouterError {
    /// Errors after which a cached connection must not be reused. (An API session whose
    /// reader gave up, e.g. on a partial sentence over the bound, marks itself closed anyway.)
    pub fn breaks_connection(&self) -> bool {
        !matches!(
            self,
            Self::Trap { .. }
                | Self::NoSuchItem { .. }
                | Self::Parse { .. }
                | Self::Http { .. }
                | Self::ReplyTooLarge { .. }
        )
    }
}

fn fingerprint_note(seen: &Option<String>) -> String {
    match seen {
        Some(fp) => format!(" (the router presented a certificate with SHA-256 fingerprint {fp})"),
        None => String::new(),
    }
}

fn policy_note(hint: &Option<&'static str>) -> String {
    match hint {
        Some(p) => format!(
            " (RouterOS gives the same answer when the user's group lacks the '{p}' or 'api' \
             policy: check both)"
        ),
        None => String::new(),
    }
}

fn category_note(category: &Option<u8>) -> String {
    let name = match category {
        None => return String::new(),
        Some(0) => "missing item or command",
        Some(1) => "argument value failure",
        Some(2) => "execution interrupted",
        Some(3) => "scripting failure",
        Some(4) => "general failure",
        Some(5) => "API failure",
        Some(6) => "TTY failure",
        Some(7) => ":return value",
        Some(_) => "unknown category",
    };
    format!(" ({name})")
}

fn detail_note(detail: &Option<String>) -> String {
    match detail {
        Some(d) => format!(": {d}"),
        None => String::new(),
    }
}

fn humanize(d: &Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}
