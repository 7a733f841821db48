//! The REST client (`/rest`, RouterOS 7.1+): HTTP Basic auth over HTTP or HTTPS via reqwest.
//!
//! Every call is bounded twice: in time (connect timeout and a deadline on the whole exchange,
//! body included) and in size (the body is streamed and abandoned at `max_reply_bytes`).
//! RouterOS serves REST requests one at a time per router, so calls are made in sequence and a
//! peer poll is always one list call, never one call per peer (ROUTEROS.md).

use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::routeros::endpoint::RouterEndpoint;
use crate::routeros::error::RouterError;
use crate::routeros::json::{
    ErrorBody, parse_interfaces_json, parse_peers_json, parse_singleton_json,
};
use crate::routeros::model::{
    INTERFACE_PROPLIST, RouterInfo, SystemResource, WgInterface, WgPeer, parse_identity,
    parse_resource,
};
use crate::routeros::proplist::{MAX_FIELD_RETRIES, PeerFields};
use crate::routeros::tls::{SeenFingerprint, client_config, find_rustls_error, tls_error};
use crate::routeros::{RouterOs, validate_id};

/// A RouterOS REST client for one router.
pub struct RestClient {
    endpoint: RouterEndpoint,
    label: String,
    base: String,
    http: reqwest::Client,
    seen: SeenFingerprint,
    fields: PeerFields,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl RestClient {
    /// Builds the HTTP client (TLS settings are checked here); connects on the first call.
    pub fn new(endpoint: RouterEndpoint) -> Result<Self, RouterError> {
        endpoint.validate()?;
        let seen = SeenFingerprint::default();
        let tls = client_config(
            if endpoint.tls {
                endpoint.tls_policy()?
            } else {
                crate::routeros::TlsPolicy::Verify
            },
            seen.clone(),
        )?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(endpoint.timeout)
            .timeout(endpoint.timeout)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| RouterError::Config(format!("cannot build the HTTP client: {e}")))?;
        let scheme = if endpoint.tls { "https" } else { "http" };
        let host = if endpoint.host.contains(':') {
            format!("[{}]", endpoint.host)
        } else {
            endpoint.host.clone()
        };
        Ok(Self {
            base: format!("{scheme}://{host}:{}/rest", endpoint.port()),
            label: endpoint.label(),
            endpoint,
            http,
            seen,
            fields: PeerFields::default(),
        })
    }

    pub fn endpoint(&self) -> &RouterEndpoint {
        &self.endpoint
    }

    /// `GET /rest{path}` and the raw body (for tools and the benchmark).
    pub async fn get_bytes(&self, path: &str) -> Result<Vec<u8>, RouterError> {
        self.request(Method::GET, path, None).await
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Vec<u8>, RouterError> {
        let after = self.endpoint.timeout;
        match tokio::time::timeout(after, self.exchange(method, path, body)).await {
            Ok(result) => result,
            Err(_) => Err(RouterError::Timeout { after }),
        }
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Vec<u8>, RouterError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.endpoint.username, Some(&self.endpoint.password));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let mut response = request.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let limit = self.endpoint.max_reply_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(RouterError::ReplyTooLarge { limit });
        }
        let hint = response.content_length().unwrap_or(0) as usize;
        let mut bytes = Vec::with_capacity(hint.min(limit));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(&e))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(RouterError::ReplyTooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(http_error(status, &bytes))
        }
    }

    fn transport_error(&self, e: &reqwest::Error) -> RouterError {
        if e.is_timeout() {
            return RouterError::Timeout {
                after: self.endpoint.timeout,
            };
        }
        if let Some(tls) = find_rustls_error(e) {
            return tls_error(tls, &self.seen, false);
        }
        let reason = innermost(e);
        if e.is_connect() {
            return RouterError::CannotConnect {
                host: self.endpoint.host.clone(),
                port: self.endpoint.port(),
                reason,
            };
        }
        let hint = if self.endpoint.tls {
            ""
        } else {
            " (if this port serves HTTPS, turn TLS on)"
        };
        RouterError::Protocol(format!("the HTTP exchange failed: {reason}{hint}"))
    }
}

/// The most specific message in an error chain ("Connection refused (os error 111)").
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// A RouterOS error body made typed. 401 means a wrong password *or* a missing policy: REST
/// cannot tell them apart, so the error says to check both.
fn http_error(status: StatusCode, body: &[u8]) -> RouterError {
    if status == StatusCode::UNAUTHORIZED {
        return RouterError::WrongCredentials {
            policy_hint: Some("rest-api"),
        };
    }
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (message, detail) = match parsed {
        Some(b) => (b.message, b.detail),
        None => (None, None),
    };
    RouterError::Http {
        status: status.as_u16(),
        message: message
            .or_else(|| status.canonical_reason().map(str::to_owned))
            .unwrap_or_default(),
        detail,
    }
}

fn proplist_query(fields: &[&str]) -> String {
    format!("?.proplist={}", fields.join(","))
}

impl RouterOs for RestClient {
    async fn identity(&self) -> Result<String, RouterError> {
        let body = self.get_bytes("/system/identity").await?;
        parse_singleton_json(&self.label, &body, |r, o| parse_identity(r, o))
    }

    async fn system_resource(&self) -> Result<SystemResource, RouterError> {
        let body = self.get_bytes("/system/resource").await?;
        let resource = parse_singleton_json(&self.label, &body, |r, o| parse_resource(r, o))?;
        self.fields.set_version(&resource.version);
        Ok(resource)
    }

    async fn router_info(&self) -> Result<RouterInfo, RouterError> {
        // One after the other: RouterOS answers REST requests serially anyway.
        let identity = self.identity().await?;
        let resource = self.system_resource().await?;
        Ok(RouterInfo {
            identity,
            version: resource.version,
            board_name: resource.board_name,
            uptime: resource.uptime,
        })
    }

    async fn list_interfaces(&self) -> Result<Vec<WgInterface>, RouterError> {
        let path = format!("/interface/wireguard{}", proplist_query(INTERFACE_PROPLIST));
        let body = self.get_bytes(&path).await?;
        parse_interfaces_json(&self.label, &body)
    }

    async fn list_peers(&self) -> Result<Vec<WgPeer>, RouterError> {
        if !self.fields.version_known() {
            self.system_resource().await?;
        }
        let mut tries = 0;
        loop {
            let proplist = self.fields.proplist();
            let path = format!("/interface/wireguard/peers{}", proplist_query(&proplist));
            match self.get_bytes(&path).await {
                Ok(body) => return parse_peers_json(&self.label, &body),
                Err(e) if tries < MAX_FIELD_RETRIES && self.fields.learn(&e, &proplist) => {
                    tries += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn set_peer_disabled(&self, id: &str, disabled: bool) -> Result<(), RouterError> {
        validate_id(id)?;
        let body = serde_json::json!({ "disabled": if disabled { "true" } else { "false" } });
        let path = format!("/interface/wireguard/peers/{id}");
        match self.request(Method::PATCH, &path, Some(body)).await {
            Ok(_) => Ok(()),
            Err(RouterError::Http { status: 404, .. }) => {
                Err(RouterError::NoSuchItem { id: id.to_owned() })
            }
            Err(RouterError::Http {
                detail: Some(d), ..
            }) if d.contains("no such item") => Err(RouterError::NoSuchItem { id: id.to_owned() }),
            Err(e) => Err(e),
        }
    }
}
