//! RouterOS clients: one trait, REST and binary-API implementations (see ../shared/ROUTEROS.md).
//!
//! Later code keeps one [`RouterClient`] per router (a plain enum, so it can live in a
//! `HashMap` and be called from many tasks at once: every future it returns is `Send`). Code
//! that wants to swap in a fake for tests can be generic over [`RouterOs`] or hold a
//! `Box<dyn dynamic::DynRouterOs>`, which every `RouterOs` implements.
//!
//! ```no_run
//! # async fn demo() -> Result<(), server::routeros::RouterError> {
//! use server::routeros::{RouterClient, RouterEndpoint, RouterOs, Transport};
//! let mut endpoint = RouterEndpoint::new("192.0.2.1", Transport::Api, false, "wgmik", "secret");
//! endpoint.timeout = std::time::Duration::from_secs(5);
//! let client = RouterClient::new(endpoint)?;
//! let info = client.router_info().await?;
//! for peer in client.list_peers().await? {
//!     println!("{} {} rx={} tx={}", info.identity, peer.public_key, peer.rx, peer.tx);
//! }
//! # Ok(()) }
//! ```

pub mod api;
pub mod duration;
pub mod dynamic;
pub mod endpoint;
pub mod error;
pub mod json;
pub mod model;
pub mod proplist;
pub mod rest;
pub mod tls;

#[cfg(test)]
mod model_tests;

use std::future::Future;

pub use api::ApiClient;
pub use duration::{format_duration, parse_duration};
pub use endpoint::{RouterEndpoint, Transport};
pub use error::RouterError;
pub use json::parse_peers_json;
pub use model::{RosVersion, RouterInfo, SystemResource, WgInterface, WgPeer};
pub use rest::RestClient;
pub use tls::{TlsPolicy, fingerprint_hex, parse_fingerprint};

/// What wgmik asks of a router. Implemented by both transports and by [`RouterClient`].
pub trait RouterOs: Send + Sync {
    /// `/system/identity` `name`.
    fn identity(&self) -> impl Future<Output = Result<String, RouterError>> + Send;
    /// `/system/resource`: version, board, uptime (a drop marks a reboot), load and memory.
    fn system_resource(&self) -> impl Future<Output = Result<SystemResource, RouterError>> + Send;
    /// Identity and resource together, as a poll needs them.
    fn router_info(&self) -> impl Future<Output = Result<RouterInfo, RouterError>> + Send;
    /// The WireGuard interfaces.
    fn list_interfaces(&self)
    -> impl Future<Output = Result<Vec<WgInterface>, RouterError>> + Send;
    /// Every WireGuard peer, in one list call.
    fn list_peers(&self) -> impl Future<Output = Result<Vec<WgPeer>, RouterError>> + Send;
    /// Disables or enables the peer with this `.id` (`*3`). A vanished id is
    /// [`RouterError::NoSuchItem`]: re-read the peers and retry with the new id.
    fn set_peer_disabled(
        &self,
        id: &str,
        disabled: bool,
    ) -> impl Future<Output = Result<(), RouterError>> + Send;
}

/// The client for one router, whichever transport it uses.
#[derive(Debug)]
pub enum RouterClient {
    Rest(RestClient),
    Api(ApiClient),
}

impl RouterClient {
    /// Checks the settings and builds the client; nothing is sent until the first call.
    pub fn new(endpoint: RouterEndpoint) -> Result<Self, RouterError> {
        Ok(match endpoint.transport {
            Transport::Rest => Self::Rest(RestClient::new(endpoint)?),
            Transport::Api => Self::Api(ApiClient::new(endpoint)?),
        })
    }

    pub fn endpoint(&self) -> &RouterEndpoint {
        match self {
            Self::Rest(c) => c.endpoint(),
            Self::Api(c) => c.endpoint(),
        }
    }
}

impl RouterOs for RouterClient {
    async fn identity(&self) -> Result<String, RouterError> {
        match self {
            Self::Rest(c) => c.identity().await,
            Self::Api(c) => c.identity().await,
        }
    }

    async fn system_resource(&self) -> Result<SystemResource, RouterError> {
        match self {
            Self::Rest(c) => c.system_resource().await,
            Self::Api(c) => c.system_resource().await,
        }
    }

    async fn router_info(&self) -> Result<RouterInfo, RouterError> {
        match self {
            Self::Rest(c) => c.router_info().await,
            Self::Api(c) => c.router_info().await,
        }
    }

    async fn list_interfaces(&self) -> Result<Vec<WgInterface>, RouterError> {
        match self {
            Self::Rest(c) => c.list_interfaces().await,
            Self::Api(c) => c.list_interfaces().await,
        }
    }

    async fn list_peers(&self) -> Result<Vec<WgPeer>, RouterError> {
        match self {
            Self::Rest(c) => c.list_peers().await,
            Self::Api(c) => c.list_peers().await,
        }
    }

    async fn set_peer_disabled(&self, id: &str, disabled: bool) -> Result<(), RouterError> {
        match self {
            Self::Rest(c) => c.set_peer_disabled(id, disabled).await,
            Self::Api(c) => c.set_peer_disabled(id, disabled).await,
        }
    }
}

/// An item id as RouterOS prints it: `*` and hex digits. Checked before any write: `set` with
/// an empty id silently does nothing on the API, and the REST id goes into a URL path.
pub(crate) fn validate_id(id: &str) -> Result<(), RouterError> {
    let ok = id
        .strip_prefix('*')
        .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(RouterError::Config(format!(
            "{id:?} is not a RouterOS item id (like *1A)"
        )))
    }
}
