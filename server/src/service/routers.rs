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
    #[error("name: a router named {0:?} already exists")]
    NameTaken(String),
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
    check_name(db, new.name.trim(), None).await?;
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
    let client = RouterClient::new(routers::endpoint(row, global_verify, ROUTER_TIMEOUT)?)?;
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

/// A router as the API reads it back: everything but the password, with its poll health.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RouterView {
    pub id: i32,
    pub name: String,
    pub host: String,
    pub port: Option<i32>,
    /// `rest` or `api`.
    pub transport: String,
    pub tls: bool,
    /// `null` = follow the global `router_tls_verify` setting.
    pub tls_verify: Option<bool>,
    pub tls_fingerprint: Option<String>,
    pub username: String,
    pub poll_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub health: RouterHealthView,
}

/// The router's last poll, as the dashboard's health strip shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RouterHealthView {
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_duration_ms: Option<i64>,
    pub last_error: Option<String>,
    pub consecutive_failures: i32,
    /// Declared down (after repeated failures; see the alerts).
    pub down: bool,
    pub identity: Option<String>,
    pub version: Option<String>,
    pub board: Option<String>,
}

impl RouterView {
    pub fn new(
        row: router::Model,
        health: Option<crate::db::entities::router_health::Model>,
    ) -> Self {
        let health = health.map_or_else(RouterHealthView::default, |h| RouterHealthView {
            last_attempt_at: h.last_attempt_at,
            last_success_at: h.last_success_at,
            last_duration_ms: h.last_duration_ms,
            last_error: h.last_error,
            consecutive_failures: h.consecutive_failures,
            down: h.down_alerted,
            identity: h.identity,
            version: h.version,
            board: h.board,
        });
        Self {
            id: row.id,
            name: row.name,
            host: row.host,
            port: row.port,
            transport: row.transport,
            tls: row.tls,
            tls_verify: row.tls_verify,
            tls_fingerprint: row.tls_fingerprint,
            username: row.username,
            poll_enabled: row.poll_enabled,
            created_at: row.created_at,
            updated_at: row.updated_at,
            health,
        }
    }
}

/// Every router with its health, by id.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<RouterView>, DbError> {
    use sea_orm::{EntityTrait, QueryOrder};
    let health: std::collections::HashMap<i32, crate::db::entities::router_health::Model> =
        crate::db::entities::router_health::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|h| (h.router_id, h))
            .collect();
    let mut health = health;
    Ok(router::Entity::find()
        .order_by_asc(router::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let h = health.remove(&row.id);
            RouterView::new(row, h)
        })
        .collect())
}

pub async fn get(db: &DatabaseConnection, id: i32) -> Result<Option<RouterView>, DbError> {
    use sea_orm::EntityTrait;
    let Some(row) = router::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let health = crate::db::entities::router_health::Entity::find_by_id(id)
        .one(db)
        .await?;
    Ok(Some(RouterView::new(row, health)))
}

/// A change to a stored router; `None` leaves a field as it is. `tls_verify` and
/// `tls_fingerprint` are doubly optional: `Some(None)` sets them to null.
#[derive(Clone, Default)]
pub struct RouterPatch {
    pub name: Option<String>,
    pub host: Option<String>,
    pub port: Option<Option<u16>>,
    pub transport: Option<crate::routeros::Transport>,
    pub tls: Option<bool>,
    pub tls_verify: Option<Option<bool>>,
    pub tls_fingerprint: Option<Option<String>>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub poll_enabled: Option<bool>,
}

impl RouterPatch {
    /// Whether the change touches how wgmik connects (then it is tested before saving).
    pub fn changes_connection(&self) -> bool {
        self.host.is_some()
            || self.port.is_some()
            || self.transport.is_some()
            || self.tls.is_some()
            || self.tls_verify.is_some()
            || self.tls_fingerprint.is_some()
            || self.username.is_some()
            || self.password.is_some()
    }
}

/// Applies `patch` to router `id`. A change of connection settings is tested first and
/// nothing is saved when the router cannot be reached with them. `Ok(None)`: no such router.
pub async fn update(
    db: &DatabaseConnection,
    id: i32,
    patch: RouterPatch,
    now: DateTime<Utc>,
) -> Result<Option<RouterView>, RouterServiceError> {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let Some(row) = router::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if let Some(name) = &patch.name {
        check_name(db, name, Some(id)).await?;
    }
    let merged = NewRouter {
        name: patch.name.clone().unwrap_or_else(|| row.name.clone()),
        host: patch.host.clone().unwrap_or_else(|| row.host.clone()),
        port: patch
            .port
            .unwrap_or_else(|| row.port.and_then(|p| u16::try_from(p).ok())),
        transport: patch.transport.unwrap_or(if row.transport == "api" {
            crate::routeros::Transport::Api
        } else {
            crate::routeros::Transport::Rest
        }),
        tls: patch.tls.unwrap_or(row.tls),
        tls_verify: patch.tls_verify.unwrap_or(row.tls_verify),
        tls_fingerprint: patch
            .tls_fingerprint
            .clone()
            .unwrap_or_else(|| row.tls_fingerprint.clone()),
        username: patch
            .username
            .clone()
            .unwrap_or_else(|| row.username.clone()),
        password: match &patch.password {
            Some(password) => password.clone(),
            None => routers::stored_password(&row)
                .map_err(|err| RouterServiceError::Router(RouterError::Config(err.to_string())))?,
        },
    };
    if patch.changes_connection() {
        test_connection(db, &merged).await?;
    }
    let mut active = row.into_active_model();
    active.name = Set(merged.name);
    active.host = Set(merged.host);
    active.port = Set(merged.port.map(i32::from));
    active.transport = Set(routers::transport_name(merged.transport).to_owned());
    active.tls = Set(merged.tls);
    active.tls_verify = Set(merged.tls_verify);
    active.tls_fingerprint = Set(merged.tls_fingerprint);
    active.username = Set(merged.username);
    active.password_secret = Set(crate::secrets::seal_router_password(id, &merged.password)
        .map_err(|err| RouterServiceError::Router(RouterError::Config(err.to_string())))?);
    if let Some(enabled) = patch.poll_enabled {
        active.poll_enabled = Set(enabled);
    }
    active.updated_at = Set(now);
    active.update(db).await.map_err(DbError::from)?;
    Ok(get(db, id).await?)
}

/// Refuses a name another router already has.
pub async fn check_name(
    db: &DatabaseConnection,
    name: &str,
    except: Option<i32>,
) -> Result<(), RouterServiceError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let clash = router::Entity::find()
        .filter(router::Column::Name.eq(name))
        .one(db)
        .await?
        .filter(|r| Some(r.id) != except);
    match clash {
        Some(_) => Err(RouterServiceError::NameTaken(name.to_owned())),
        None => Ok(()),
    }
}

/// Deletes router `id` with its peers and all their history, in one transaction.
/// `false`: no such router.
pub async fn delete(db: &DatabaseConnection, id: i32) -> Result<bool, DbError> {
    use crate::db::entities::{
        counter_reset, peer, peer_counter, quota, raw_sample, router_health, usage_daily,
        usage_hourly, usage_monthly, usage_router_daily, wg_interface,
    };
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let txn = crate::db::begin_write(db).await?;
    if router::Entity::find_by_id(id).one(&txn).await?.is_none() {
        return Ok(false);
    }
    // The router's lease row first: a poll commit holds it locked from its first statement to
    // its COMMIT (`db::leases::fence`), so this waits out a poll in flight, and a later poll's
    // fence finds no lease and writes nothing. The deletes below then see every sample ever
    // committed for these peers: on PostgreSQL no foreign key removes them (migration 000009).
    crate::db::leases::release(&txn, id).await?;
    let peer_ids: Vec<i32> = peer::Entity::find()
        .select_only()
        .column(peer::Column::Id)
        .filter(peer::Column::RouterId.eq(id))
        .into_tuple()
        .all(&txn)
        .await?;
    for chunk in peer_ids.chunks(1000) {
        let ids = chunk.to_vec();
        raw_sample::Entity::delete_many()
            .filter(raw_sample::Column::PeerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        usage_hourly::Entity::delete_many()
            .filter(usage_hourly::Column::PeerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        usage_daily::Entity::delete_many()
            .filter(usage_daily::Column::PeerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        usage_monthly::Entity::delete_many()
            .filter(usage_monthly::Column::PeerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        counter_reset::Entity::delete_many()
            .filter(counter_reset::Column::PeerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        peer_counter::Entity::delete_many()
            .filter(peer_counter::Column::PeerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        quota::Entity::delete_many()
            .filter(quota::Column::PeerId.is_in(ids))
            .exec(&txn)
            .await?;
    }
    usage_router_daily::Entity::delete_many()
        .filter(usage_router_daily::Column::RouterId.eq(id))
        .exec(&txn)
        .await?;
    peer::Entity::delete_many()
        .filter(peer::Column::RouterId.eq(id))
        .exec(&txn)
        .await?;
    wg_interface::Entity::delete_many()
        .filter(wg_interface::Column::RouterId.eq(id))
        .exec(&txn)
        .await?;
    router_health::Entity::delete_by_id(id).exec(&txn).await?;
    router::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

/// A live peer from the router, marked with what wgmik knows of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct LivePeer {
    pub interface: String,
    pub public_key: String,
    pub name: Option<String>,
    pub comment: Option<String>,
    pub allowed_address: Vec<String>,
    /// Set for outbound peers (this router dials them): unchecked by default in the wizard.
    pub endpoint_address: Option<String>,
    pub last_handshake_seconds: Option<u64>,
    pub rx: u64,
    pub tx: u64,
    pub disabled: bool,
    pub dynamic: bool,
    /// Tracked by wgmik (being accounted).
    pub tracked: bool,
    /// Pre-selected for import: not dynamic, not outbound, not yet tracked.
    pub default_selected: bool,
    /// wgmik's id for the peer when it has seen it.
    pub peer_id: Option<i32>,
}

/// The router's peers now, marked tracked/untracked.
pub async fn live_peers(
    db: &DatabaseConnection,
    row: &router::Model,
) -> Result<Vec<LivePeer>, RouterServiceError> {
    use crate::db::entities::peer;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let global_verify = settings::load(db).await?.router_tls_verify;
    let client = RouterClient::new(routers::endpoint(row, global_verify, ROUTER_TIMEOUT)?)?;
    let peers = client.list_peers().await?;
    let known: std::collections::HashMap<(String, String), peer::Model> = peer::Entity::find()
        .filter(peer::Column::RouterId.eq(row.id))
        .all(db)
        .await
        .map_err(DbError::from)?
        .into_iter()
        .map(|p| ((p.interface.clone(), p.public_key.clone()), p))
        .collect();
    Ok(peers
        .into_iter()
        .map(|p| {
            let stored = known.get(&(p.interface.clone(), p.public_key.clone()));
            let tracked = stored.is_some_and(|s| s.tracked);
            LivePeer {
                default_selected: !p.dynamic && p.endpoint.is_none() && !tracked,
                interface: p.interface,
                public_key: p.public_key,
                name: p.name,
                comment: p.comment,
                allowed_address: p.allowed_addresses,
                endpoint_address: p.endpoint.map(|(host, _)| host),
                last_handshake_seconds: p.last_handshake.map(|d| d.as_secs()),
                rx: p.rx,
                tx: p.tx,
                disabled: p.disabled,
                dynamic: p.dynamic,
                tracked,
                peer_id: stored.map(|s| s.id),
            }
        })
        .collect())
}

/// Which peers to import: every non-dynamic, non-outbound peer of these interfaces, or
/// exactly these public keys (outbound ones included when named; dynamic ones never).
#[derive(Debug, Clone)]
pub enum ImportSelection {
    Interfaces(Vec<String>),
    PublicKeys(Vec<String>),
}

/// Imports the selection from the router's live list; returns how many peers are tracked.
pub async fn import(
    db: &DatabaseConnection,
    row: &router::Model,
    selection: &ImportSelection,
    now: DateTime<Utc>,
) -> Result<usize, RouterServiceError> {
    let global_verify = settings::load(db).await?.router_tls_verify;
    let client = RouterClient::new(routers::endpoint(row, global_verify, ROUTER_TIMEOUT)?)?;
    let peers = client.list_peers().await?;
    let chosen: Vec<WgPeer> = match selection {
        ImportSelection::Interfaces(names) => {
            let known: Vec<&String> = names
                .iter()
                .filter(|n| !peers.iter().any(|p| &p.interface == *n))
                .collect();
            if !known.is_empty() {
                let interfaces = client.list_interfaces().await?;
                if let Some(missing) = known
                    .iter()
                    .find(|n| !interfaces.iter().any(|i| &i.name == **n))
                {
                    return Err(RouterServiceError::Invalid(format!(
                        "interfaces: the router has no WireGuard interface {missing:?}"
                    )));
                }
            }
            default_selection(&peers, names)
                .into_iter()
                .cloned()
                .collect()
        }
        ImportSelection::PublicKeys(keys) => {
            if let Some(missing) = keys
                .iter()
                .find(|k| !peers.iter().any(|p| &p.public_key == *k))
            {
                return Err(RouterServiceError::Invalid(format!(
                    "public_keys: the router has no peer with public key {missing:?}"
                )));
            }
            peers
                .iter()
                .filter(|p| keys.contains(&p.public_key) && !p.dynamic)
                .cloned()
                .collect()
        }
    };
    Ok(routers::import_peers(db, row.id, &chosen, now).await?)
}

impl From<sea_orm::DbErr> for RouterServiceError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Db(DbError::Query(err))
    }
}
