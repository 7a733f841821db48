//! Server functions of the Add a router page, plus the wizard's pure rules (default port,
//! which name to save, which peers to offer). Each server function calls the JSON API's own
//! handler in `server::http::api::routers`, so the wizard and `/api/routers` cannot disagree.
//! Bodies go as JSON (not the default URL encoding) because the router form is a nested
//! struct and the import takes a list.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::UiError;
use crate::types::RouterInfo;

/// The connection form as typed. `port` stays text so a bad entry is reported next to the
/// field in the server's words instead of being lost in the browser.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterForm {
    pub name: String,
    pub host: String,
    pub port: String,
    /// `rest` or `api`.
    pub transport: String,
    pub tls: bool,
    pub tls_verify: bool,
    pub tls_fingerprint: String,
    pub username: String,
    pub password: String,
}

/// Debug without the password, so a logged form never leaks it.
impl std::fmt::Debug for RouterForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterForm")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("transport", &self.transport)
            .field("tls", &self.tls)
            .field("tls_verify", &self.tls_verify)
            .field("tls_fingerprint", &self.tls_fingerprint)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl RouterForm {
    /// A fresh form: REST over HTTPS with certificate verification on (SPEC §2's defaults).
    pub fn new() -> Self {
        Self {
            transport: "rest".to_owned(),
            tls: true,
            tls_verify: true,
            ..Self::default()
        }
    }
}

/// The port RouterOS serves a transport on when none is typed (SPEC §2).
pub fn default_port(transport: &str, tls: bool) -> u16 {
    match (transport, tls) {
        ("api", true) => 8729,
        ("api", false) => 8728,
        (_, true) => 443,
        (_, false) => 80,
    }
}

/// The typed port: empty means the transport's default (`None`).
pub fn parse_port(text: &str) -> Result<Option<u16>, UiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(Some(port)),
        _ => Err(UiError::invalid(
            "port",
            format!(
                "{text:?} is not a port: give a number from 1 to 65535, or leave it empty for the default"
            ),
        )),
    }
}

/// The name to save the router under: the typed one, else the identity the router reported.
pub fn effective_name(typed: &str, identity: &str) -> String {
    let typed = typed.trim();
    if typed.is_empty() {
        identity.trim().to_owned()
    } else {
        typed.to_owned()
    }
}

/// The form fields an error can be shown beside; any other field (or none) goes to the
/// page's error box.
pub const FORM_FIELDS: [&str; 8] = [
    "name",
    "host",
    "port",
    "transport",
    "tls_fingerprint",
    "username",
    "password",
    "tls_verify",
];

/// Whether the error belongs next to a form field rather than in the error box.
pub fn is_field_error(err: &UiError) -> bool {
    err.field
        .as_deref()
        .is_some_and(|field| FORM_FIELDS.contains(&field))
}

/// The certificate fingerprint a TLS error reports the router presented (64 hex digits), so
/// the admin can compare it with `/certificate print` and pin it.
pub fn fingerprint_in(message: &str) -> Option<String> {
    const MARK: &str = "SHA-256 fingerprint ";
    let start = message.find(MARK)? + MARK.len();
    let digits: String = message[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == ':')
        .filter(char::is_ascii_hexdigit)
        .collect();
    (digits.len() == 64).then(|| digits.to_ascii_lowercase())
}

/// What the router says about itself (the API's `RouterTestResult`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterTestInfo {
    pub identity: String,
    pub version: String,
    pub board: String,
    pub uptime_seconds: u64,
}

/// A WireGuard interface on the router (the API's `InterfaceView`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceInfo {
    pub name: String,
    pub listen_port: u16,
    pub disabled: bool,
    pub running: bool,
    pub public_key: Option<String>,
    /// Peers on it, dynamic ones included.
    pub peers: usize,
}

/// A peer as the router lists it now (the API's `LivePeer`). `rx` = the peer's upload (the
/// router received it), `tx` = the peer's download (the router sent it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePeerInfo {
    pub interface: String,
    pub public_key: String,
    pub name: Option<String>,
    pub comment: Option<String>,
    pub allowed_address: Vec<String>,
    /// Set for outbound peers (this router dials them).
    pub endpoint_address: Option<String>,
    pub last_handshake_seconds: Option<u64>,
    pub rx: u64,
    pub tx: u64,
    pub disabled: bool,
    pub dynamic: bool,
    pub tracked: bool,
    /// Not dynamic, not outbound, not yet tracked.
    pub default_selected: bool,
    pub peer_id: Option<i32>,
}

impl LivePeerInfo {
    /// Outbound: this router dials the peer (it has an endpoint address).
    pub fn outbound(&self) -> bool {
        self.endpoint_address
            .as_deref()
            .is_some_and(|address| !address.is_empty())
    }
}

/// The peers of the chosen interfaces that can be imported (dynamic ones never can), and
/// the dynamic ones separately so the page can say they were skipped.
pub fn split_peers(
    peers: &[LivePeerInfo],
    interfaces: &[String],
) -> (Vec<LivePeerInfo>, Vec<LivePeerInfo>) {
    peers
        .iter()
        .filter(|peer| interfaces.contains(&peer.interface))
        .cloned()
        .partition(|peer| !peer.dynamic)
}

/// The keys checked when the peer list appears: the server's pre-selection, and never an
/// outbound or dynamic peer whatever it says.
pub fn default_selection(peers: &[LivePeerInfo]) -> Vec<String> {
    peers
        .iter()
        .filter(|peer| peer.default_selected && !peer.dynamic && !peer.outbound())
        .map(|peer| peer.public_key.clone())
        .collect()
}

/// How many peers the import tracked (the API's `ImportResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub imported: usize,
}

/// The API's `RouterInput` from the form, under `name`.
#[cfg(feature = "ssr")]
fn router_input(
    form: RouterForm,
    name: String,
) -> Result<server::http::api::routers::RouterInput, UiError> {
    let fingerprint = form.tls_fingerprint.trim().to_owned();
    Ok(server::http::api::routers::RouterInput {
        name,
        host: form.host,
        port: parse_port(&form.port)?,
        transport: form.transport,
        tls: form.tls,
        // Verification and pinning only mean something over TLS.
        tls_verify: form.tls.then_some(form.tls_verify),
        tls_fingerprint: (form.tls && !fingerprint.is_empty()).then_some(fingerprint),
        username: form.username,
        password: form.password,
    })
}

/// Connects with the form's settings and reports what the router says; saves nothing.
#[server(input = Json)]
pub async fn test_router(form: RouterForm) -> Result<RouterTestInfo, UiError> {
    use axum::extract::State;
    use server::http::api::{body::Body, routers};

    let (api, principal) = crate::api::ctx::caller().await?;
    // The test saves nothing, so a name is only needed to pass the form's checks.
    let name = effective_name(&form.name, "new router");
    let input = router_input(form, name)?;
    crate::api::ctx::relay_json(routers::test(principal, State(api), Body(input)).await)
}

/// Saves the router (the server tests the connection again first) under the typed name, or
/// the identity the test reported when no name was typed.
#[server(input = Json)]
pub async fn create_router(form: RouterForm, identity: String) -> Result<RouterInfo, UiError> {
    use axum::extract::State;
    use server::http::api::{body::Body, routers};

    let (api, principal) = crate::api::ctx::caller().await?;
    let name = effective_name(&form.name, &identity);
    let input = router_input(form, name)?;
    let (_, axum::Json(created)) = routers::create(principal, State(api), Body(input)).await?;
    crate::api::ctx::relay(created)
}

/// The router's WireGuard interfaces, read live.
#[server(input = Json)]
pub async fn router_interfaces(router_id: i32) -> Result<Vec<InterfaceInfo>, UiError> {
    use axum::extract::State;
    use server::http::api::{path::Id, routers};

    let (api, principal) = crate::api::ctx::caller().await?;
    crate::api::ctx::relay_json(routers::interfaces(principal, State(api), Id(router_id)).await)
}

/// The router's peers, read live, with the server's default pre-selection.
#[server(input = Json)]
pub async fn router_live_peers(router_id: i32) -> Result<Vec<LivePeerInfo>, UiError> {
    use axum::extract::State;
    use server::http::api::{path::Id, routers};

    let (api, principal) = crate::api::ctx::caller().await?;
    crate::api::ctx::relay_json(routers::live_peers(principal, State(api), Id(router_id)).await)
}

/// Imports exactly these peers; the server records today's counters as their baselines.
#[server(input = Json)]
pub async fn import_peers(
    router_id: i32,
    public_keys: Vec<String>,
) -> Result<ImportSummary, UiError> {
    use axum::extract::State;
    use server::http::api::{body::Body, path::Id, routers};

    let (api, principal) = crate::api::ctx::caller().await?;
    let input = routers::ImportInput {
        interfaces: None,
        public_keys: Some(public_keys),
    };
    crate::api::ctx::relay_json(
        routers::import(principal, State(api), Id(router_id), Body(input)).await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(key: &str, interface: &str) -> LivePeerInfo {
        LivePeerInfo {
            interface: interface.to_owned(),
            public_key: key.to_owned(),
            name: None,
            comment: None,
            allowed_address: vec![],
            endpoint_address: None,
            last_handshake_seconds: None,
            rx: 0,
            tx: 0,
            disabled: false,
            dynamic: false,
            tracked: false,
            default_selected: true,
            peer_id: None,
        }
    }

    #[test]
    fn default_ports_follow_transport_and_tls() {
        assert_eq!(default_port("rest", true), 443);
        assert_eq!(default_port("rest", false), 80);
        assert_eq!(default_port("api", true), 8729);
        assert_eq!(default_port("api", false), 8728);
    }

    #[test]
    fn port_text() {
        assert_eq!(parse_port(""), Ok(None));
        assert_eq!(parse_port(" 8443 "), Ok(Some(8443)));
        for bad in ["0", "65536", "http", "-1"] {
            let err = parse_port(bad).expect_err("a bad port is refused");
            assert_eq!(err.field.as_deref(), Some("port"), "{bad}");
            assert_eq!(err.code, "invalid");
        }
    }

    #[test]
    fn name_falls_back_to_identity() {
        assert_eq!(effective_name("  ", "MikroTik"), "MikroTik");
        assert_eq!(effective_name(" edge ", "MikroTik"), "edge");
    }

    #[test]
    fn field_errors_only_for_form_fields() {
        let mut err = UiError::new("invalid", "must not be empty");
        assert!(!is_field_error(&err));
        err.field = Some("host".to_owned());
        assert!(is_field_error(&err));
        err.field = Some("body".to_owned());
        assert!(!is_field_error(&err));
    }

    #[test]
    fn fingerprint_from_tls_message() {
        let fp = "ab".repeat(32);
        let message = format!(
            "TLS failure: self-signed (the router presented a certificate with SHA-256 fingerprint {fp})"
        );
        assert_eq!(fingerprint_in(&message), Some(fp.clone()));
        let mismatch = format!(
            "TLS failure: the router's certificate has SHA-256 fingerprint {fp} but {} is pinned",
            "00".repeat(32)
        );
        assert_eq!(fingerprint_in(&mismatch), Some(fp));
        assert_eq!(fingerprint_in("cannot connect"), None);
        assert_eq!(fingerprint_in("SHA-256 fingerprint abc"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn api_input_drops_tls_settings_without_tls() {
        let mut form = RouterForm::new();
        form.host = "192.0.2.1".to_owned();
        form.tls_verify = false;
        form.tls_fingerprint = " ab ".to_owned();
        let input = router_input(form.clone(), "edge".to_owned()).expect("a valid form");
        assert_eq!(input.tls_verify, Some(false));
        assert_eq!(input.tls_fingerprint.as_deref(), Some("ab"));
        assert_eq!(input.port, None);

        form.tls = false;
        form.port = "8080".to_owned();
        let input = router_input(form.clone(), "edge".to_owned()).expect("a valid form");
        assert_eq!(input.tls_verify, None);
        assert_eq!(input.tls_fingerprint, None);
        assert_eq!(input.port, Some(8080));

        form.port = "x".to_owned();
        let err = router_input(form, "edge".to_owned()).expect_err("a bad port is refused");
        assert_eq!(err.field.as_deref(), Some("port"));
    }

    #[test]
    fn outbound_and_dynamic_are_not_preselected() {
        let mut outbound = peer("out", "wg0");
        outbound.endpoint_address = Some("203.0.113.7".to_owned());
        // Even if the server pre-selected it, an outbound peer starts unchecked.
        outbound.default_selected = true;
        let mut dynamic = peer("dyn", "wg0");
        dynamic.dynamic = true;
        let mut tracked = peer("old", "wg0");
        tracked.default_selected = false;
        let peers = vec![
            peer("in", "wg0"),
            outbound,
            dynamic,
            tracked,
            peer("other", "wg1"),
        ];

        let (importable, skipped) = split_peers(&peers, &["wg0".to_owned()]);
        let keys: Vec<&str> = importable.iter().map(|p| p.public_key.as_str()).collect();
        assert_eq!(keys, ["in", "out", "old"]);
        assert_eq!(skipped.len(), 1);
        assert_eq!(default_selection(&importable), ["in"]);
    }
}
