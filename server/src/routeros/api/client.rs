//! The binary-API client: connects (plain or API-SSL), logs in, keeps the session for the next
//! poll, and turns replies into the typed records.
//!
//! One session per router is reused across polls and shared by concurrent calls (tags route the
//! replies). Any error that leaves the session in doubt (timeout, EOF, protocol error) drops it,
//! and the next call reconnects; a call that failed that way on a session reused from an
//! earlier poll is retried once on a fresh one, because a router that rebooted in between is
//! only noticed when we next write to it.

use std::sync::Arc;

use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::conn::{BoxStream, Connection, Reply};
use super::sentence::Sentence;
use crate::routeros::endpoint::RouterEndpoint;
use crate::routeros::error::RouterError;
use crate::routeros::model::{
    INTERFACE_PROPLIST, RouterInfo, SystemResource, WgInterface, WgPeer, parse_identity,
    parse_interface, parse_peer, parse_resource,
};
use crate::routeros::proplist::{MAX_FIELD_RETRIES, PeerFields};
use crate::routeros::tls::{SeenFingerprint, client_config, find_rustls_error, tls_error};
use crate::routeros::{RouterOs, validate_id};

/// A RouterOS binary-API client for one router.
pub struct ApiClient {
    endpoint: RouterEndpoint,
    label: String,
    seen: SeenFingerprint,
    session: tokio::sync::Mutex<Option<Arc<Connection>>>,
    fields: PeerFields,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// Checks the settings; connects lazily on the first call.
    pub fn new(endpoint: RouterEndpoint) -> Result<Self, RouterError> {
        endpoint.validate()?;
        Ok(Self {
            label: endpoint.label(),
            endpoint,
            seen: SeenFingerprint::default(),
            session: tokio::sync::Mutex::new(None),
            fields: PeerFields::default(),
        })
    }

    pub fn endpoint(&self) -> &RouterEndpoint {
        &self.endpoint
    }

    /// Closes the session (the next call opens a new one).
    pub async fn disconnect(&self) {
        self.session.lock().await.take();
    }

    /// Runs one command (words without `.tag`) within the timeout and returns its raw reply.
    pub async fn command<W: AsRef<[u8]> + Sync>(&self, words: &[W]) -> Result<Reply, RouterError> {
        let after = self.endpoint.timeout;
        let mut used: Option<(Arc<Connection>, bool)> = None;
        let attempt = tokio::time::timeout(after, async {
            let mut retried = false;
            loop {
                let (conn, reused) = self.session().await?;
                used = Some((conn.clone(), reused));
                match conn.call(words).await {
                    Err(e) if e.breaks_connection() => {
                        self.forget(&conn).await;
                        // Only a broken stream is worth a second try; a refused or oversized
                        // answer would just come again.
                        if reused && !retried && matches!(e, RouterError::Protocol(_)) {
                            retried = true;
                            continue;
                        }
                        return Err(e);
                    }
                    other => return other,
                }
            }
        })
        .await;
        match attempt {
            Ok(result) => result,
            Err(_) => {
                if let Some((conn, _)) = used {
                    self.forget(&conn).await;
                }
                Err(RouterError::Timeout { after })
            }
        }
    }

    /// The live session, opening one if needed; `true` when it was reused.
    async fn session(&self) -> Result<(Arc<Connection>, bool), RouterError> {
        let mut slot = self.session.lock().await;
        if let Some(conn) = slot.as_ref()
            && !conn.is_closed()
        {
            return Ok((conn.clone(), true));
        }
        let conn = Arc::new(open(&self.endpoint, &self.seen).await?);
        *slot = Some(conn.clone());
        Ok((conn, false))
    }

    async fn forget(&self, conn: &Arc<Connection>) {
        let mut slot = self.session.lock().await;
        if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
            slot.take();
        }
    }

    async fn single(&self, command: &str) -> Result<Sentence, RouterError> {
        let reply = self.command(&[command]).await?;
        reply
            .re
            .into_iter()
            .next()
            .ok_or_else(|| RouterError::Protocol(format!("{command} returned no data")))
    }
}

/// Parses peer sentences (`!re` replies of a peer print). Public for the benchmark.
pub fn parse_peer_sentences(router: &str, re: &[Sentence]) -> Result<Vec<WgPeer>, RouterError> {
    re.iter().map(|s| parse_peer(router, s.fields())).collect()
}

/// The words of a peer list command for a field list.
pub fn peer_print_words(proplist: &[&str]) -> [String; 2] {
    [
        "/interface/wireguard/peers/print".to_owned(),
        format!("=.proplist={}", proplist.join(",")),
    ]
}

impl RouterOs for ApiClient {
    async fn identity(&self) -> Result<String, RouterError> {
        let s = self.single("/system/identity/print").await?;
        parse_identity(&self.label, s.fields())
    }

    async fn system_resource(&self) -> Result<SystemResource, RouterError> {
        let s = self.single("/system/resource/print").await?;
        let resource = parse_resource(&self.label, s.fields())?;
        self.fields.set_version(&resource.version);
        Ok(resource)
    }

    async fn router_info(&self) -> Result<RouterInfo, RouterError> {
        // Both on one session at once: the tags keep the replies apart.
        let (identity, resource) = tokio::join!(self.identity(), self.system_resource());
        let resource = resource?;
        Ok(RouterInfo {
            identity: identity?,
            version: resource.version,
            board_name: resource.board_name,
            uptime: resource.uptime,
        })
    }

    async fn list_interfaces(&self) -> Result<Vec<WgInterface>, RouterError> {
        let proplist = format!("=.proplist={}", INTERFACE_PROPLIST.join(","));
        let reply = self
            .command(&["/interface/wireguard/print", proplist.as_str()])
            .await?;
        reply
            .re
            .iter()
            .map(|s| parse_interface(&self.label, s.fields()))
            .collect()
    }

    async fn list_peers(&self) -> Result<Vec<WgPeer>, RouterError> {
        if !self.fields.version_known() {
            self.system_resource().await?;
        }
        let mut tries = 0;
        loop {
            let proplist = self.fields.proplist();
            match self.command(&peer_print_words(&proplist)).await {
                Ok(reply) => return parse_peer_sentences(&self.label, &reply.re),
                Err(e) if tries < MAX_FIELD_RETRIES && self.fields.learn(&e, &proplist) => {
                    tries += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn set_peer_disabled(&self, id: &str, disabled: bool) -> Result<(), RouterError> {
        validate_id(id)?;
        let words = [
            "/interface/wireguard/peers/set".to_owned(),
            format!("=.id={id}"),
            format!("=disabled={}", if disabled { "yes" } else { "no" }),
        ];
        match self.command(&words).await {
            Ok(_) => Ok(()),
            Err(RouterError::Trap { message, .. }) if message.contains("no such item") => {
                Err(RouterError::NoSuchItem { id: id.to_owned() })
            }
            Err(e) => Err(e),
        }
    }
}

/// TCP, then TLS if asked, then `/login`.
async fn open(ep: &RouterEndpoint, seen: &SeenFingerprint) -> Result<Connection, RouterError> {
    let port = ep.port();
    let tcp = TcpStream::connect((ep.host.as_str(), port))
        .await
        .map_err(|e| RouterError::CannotConnect {
            host: ep.host.clone(),
            port,
            reason: e.to_string(),
        })?;
    let _ = tcp.set_nodelay(true);
    let stream: BoxStream = if ep.tls {
        let config = client_config(ep.tls_policy()?, seen.clone())?;
        let name = ServerName::try_from(ep.host.clone())
            .map_err(|_| RouterError::Config(format!("{:?} is not a valid host name", ep.host)))?;
        let tls = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| match find_rustls_error(&e) {
                Some(t) => tls_error(t, seen, true),
                None => RouterError::Tls {
                    reason: format!(
                        "the TLS handshake failed: {e} (is this an API-SSL port? plain API is 8728)"
                    ),
                    fingerprint_seen: seen.lock().unwrap_or_else(|p| p.into_inner()).clone(),
                },
            })?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let conn = Connection::start(stream, ep.max_reply_bytes);
    login(&conn, ep).await?;
    Ok(conn)
}

/// `/login =name= =password=` (RouterOS 6.43+), with its failures made specific.
async fn login(conn: &Connection, ep: &RouterEndpoint) -> Result<(), RouterError> {
    let words = [
        "/login".to_owned(),
        format!("=name={}", ep.username),
        format!("=password={}", ep.password),
    ];
    match conn.call(&words).await {
        Ok(reply) if reply.done.attribute("ret").is_some() => Err(RouterError::Protocol(
            "the router asked for the challenge login of RouterOS before 6.43, which wgmik \
             does not support (RouterOS v7 is required)"
                .into(),
        )),
        Ok(_) => Ok(()),
        Err(RouterError::Trap { category, message }) => {
            let lower = message.to_lowercase();
            if lower.contains("not allowed") {
                Err(RouterError::MissingPolicy { which: "api" })
            } else if lower.contains("invalid user name or password")
                || lower.contains("cannot log in")
            {
                Err(RouterError::WrongCredentials { policy_hint: None })
            } else {
                Err(RouterError::Trap { category, message })
            }
        }
        Err(RouterError::Protocol(m)) if !ep.tls && m.contains("closed") => {
            Err(RouterError::Protocol(format!(
                "{m} during login (if this port is API-SSL, turn TLS on)"
            )))
        }
        Err(e) => Err(e),
    }
}
