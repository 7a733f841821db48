//! Adding a router after checking that wgmik can talk to it, and importing its peers the way
//! the wizard does (SPEC §7): dynamic peers skipped, outbound peers (with an endpoint address,
//! which this router dials) left out unless named.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::db::entities::router;
use crate::db::routers::{self, NewRouter};
use crate::db::{DbError, settings};
use crate::routeros::{RouterClient, RouterError, RouterInfo, RouterOs, WgPeer};
use crate::scheduler::poll::ROUTER_TIMEOUT;

#[derive(Debug, thiserror::Error)]
pub enum RouterServiceError {
    #[error(transparent)]
    Router(#[from] RouterError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Invalid(String),
}

/// Connects with these settings and returns what the router says about itself; saves nothing.
pub async fn test_connection(
    db: &DatabaseConnection,
    new: &NewRouter,
) -> Result<RouterInfo, RouterServiceError> {
    let client = client_for(db, new).await?;
    Ok(client.router_info().await?)
}

/// Tests the connection, then stores the router.
pub async fn add(
    db: &DatabaseConnection,
    new: NewRouter,
    now: DateTime<Utc>,
) -> Result<(router::Model, RouterInfo), RouterServiceError> {
    if new.name.trim().is_empty() {
        return Err(RouterServiceError::Invalid(
            "name: must not be empty".into(),
        ));
    }
    let info = test_connection(db, &new).await?;
    let row = routers::create(db, new, now).await?;
    Ok((row, info))
}

/// The peers the wizard pre-selects on these interfaces (all interfaces when empty).
pub fn default_selection<'a>(peers: &'a [WgPeer], interfaces: &[String]) -> Vec<&'a WgPeer> {
    peers
        .iter()
        .filter(|p| interfaces.is_empty() || interfaces.contains(&p.interface))
        .filter(|p| !p.dynamic && p.endpoint.is_none())
        .collect()
}

/// Reads the router's peers and imports the default selection, recording baselines.
pub async fn import_default(
    db: &DatabaseConnection,
    row: &router::Model,
    interfaces: &[String],
    now: DateTime<Utc>,
) -> Result<usize, RouterServiceError> {
    let global_verify = settings::load(db).await?.router_tls_verify;
    let client = RouterClient::new(routers::endpoint(row, global_verify, ROUTER_TIMEOUT))?;
    let peers = client.list_peers().await?;
    let chosen: Vec<WgPeer> = default_selection(&peers, interfaces)
        .into_iter()
        .cloned()
        .collect();
    Ok(routers::import_peers(db, row.id, &chosen, now).await?)
}

async fn client_for(
    db: &DatabaseConnection,
    new: &NewRouter,
) -> Result<RouterClient, RouterServiceError> {
    let global_verify = settings::load(db).await?.router_tls_verify;
    let mut endpoint = crate::routeros::RouterEndpoint::new(
        new.host.clone(),
        new.transport,
        new.tls,
        new.username.clone(),
        new.password.clone(),
    );
    endpoint.port = new.port;
    endpoint.tls_verify = new.tls_verify.unwrap_or(global_verify);
    endpoint.tls_fingerprint = new.tls_fingerprint.clone();
    endpoint.timeout = ROUTER_TIMEOUT;
    Ok(RouterClient::new(endpoint)?)
}
