//! Routers and their peers as stored: adding a router, listing what to poll, turning a row
//! into connection settings, and importing peers (tracked, with their counter baselines).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::DbError;
use super::entities::{peer, peer_counter, router};
use crate::routeros::{RouterEndpoint, Transport, WgPeer};

/// A router as an admin describes it (SPEC §8's router object).
#[derive(Clone)]
pub struct NewRouter {
    pub name: String,
    pub host: String,
    pub port: Option<u16>,
    pub transport: Transport,
    pub tls: bool,
    pub tls_verify: Option<bool>,
    pub tls_fingerprint: Option<String>,
    pub username: String,
    pub password: String,
}

pub async fn create(
    db: &DatabaseConnection,
    new: NewRouter,
    now: DateTime<Utc>,
) -> Result<router::Model, DbError> {
    // The password is bound to the router id (associated data), known only after the insert:
    // insert with an empty secret, then seal it, in one transaction.
    let txn = crate::db::begin_write(db).await?;
    let row = router::ActiveModel {
        name: Set(new.name),
        host: Set(new.host),
        transport: Set(transport_name(new.transport).to_owned()),
        port: Set(new.port.map(i32::from)),
        tls: Set(new.tls),
        tls_verify: Set(new.tls_verify),
        tls_fingerprint: Set(new.tls_fingerprint),
        username: Set(new.username),
        password_secret: Set(String::new()),
        poll_enabled: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let inserted = row.insert(&txn).await?;
    let sealed = crate::secrets::seal_router_password(inserted.id, &new.password)
        .map_err(|err| DbError::Query(sea_orm::DbErr::Custom(err.to_string())))?;
    let mut active: router::ActiveModel = inserted.into();
    active.password_secret = Set(sealed);
    let stored = active.update(&txn).await?;
    txn.commit().await?;
    Ok(stored)
}

/// Routers with polling switched on, in id order.
pub async fn pollable(db: &DatabaseConnection) -> Result<Vec<router::Model>, DbError> {
    Ok(router::Entity::find()
        .filter(router::Column::PollEnabled.eq(true))
        .order_by_asc(router::Column::Id)
        .all(db)
        .await?)
}

pub fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Rest => "rest",
        Transport::Api => "api",
    }
}

/// Connection settings for a stored router, its password decrypted with the installed master
/// key. `global_tls_verify` is the setting a router without its own `tls_verify` follows.
pub fn endpoint(
    row: &router::Model,
    global_tls_verify: bool,
    timeout: std::time::Duration,
) -> Result<RouterEndpoint, crate::routeros::RouterError> {
    let password = stored_password(row)
        .map_err(|err| crate::routeros::RouterError::Config(err.to_string()))?;
    let transport = if row.transport == "api" {
        Transport::Api
    } else {
        Transport::Rest
    };
    let mut endpoint = RouterEndpoint::new(
        row.host.clone(),
        transport,
        row.tls,
        row.username.clone(),
        password,
    );
    endpoint.port = row.port.and_then(|p| u16::try_from(p).ok());
    endpoint.tls_verify = row.tls_verify.unwrap_or(global_tls_verify);
    endpoint.tls_fingerprint = row.tls_fingerprint.clone();
    endpoint.timeout = timeout;
    Ok(endpoint)
}

/// The router's password in clear, for connecting. Rows written before encryption at rest
/// hold plaintext until start-up seals them (`secrets_at_rest::seal_legacy`).
pub fn stored_password(row: &router::Model) -> Result<String, crate::secrets::SecretError> {
    if crate::secrets::is_encrypted(&row.password_secret) {
        crate::secrets::open_router_password(row.id, &row.password_secret)
    } else {
        Ok(row.password_secret.clone())
    }
}

/// Marks these peers tracked and records their current counters as the baseline, in one
/// transaction: accounting starts from the moment of import, never from bytes carried before.
pub async fn import_peers(
    db: &DatabaseConnection,
    router_id: i32,
    peers: &[WgPeer],
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    let txn = crate::db::begin_write(db).await?;
    for seen in peers {
        let was_tracked = peer::Entity::find()
            .filter(peer::Column::RouterId.eq(router_id))
            .filter(peer::Column::Interface.eq(seen.interface.as_str()))
            .filter(peer::Column::PublicKey.eq(seen.public_key.as_str()))
            .one(&txn)
            .await?
            .is_some_and(|p| p.tracked);
        let mut row = super::poll_commit::new_peer_row(router_id, seen, now);
        row.tracked = Set(true);
        peer::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    peer::Column::RouterId,
                    peer::Column::Interface,
                    peer::Column::PublicKey,
                ])
                .update_columns([peer::Column::Tracked, peer::Column::RosId])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        let stored = peer::Entity::find()
            .filter(peer::Column::RouterId.eq(router_id))
            .filter(peer::Column::Interface.eq(seen.interface.as_str()))
            .filter(peer::Column::PublicKey.eq(seen.public_key.as_str()))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                DbError::Query(sea_orm::DbErr::RecordNotFound("imported peer".into()))
            })?;
        let baseline = peer_counter::ActiveModel {
            peer_id: Set(stored.id),
            rx: Set(i64::try_from(seen.rx).unwrap_or(i64::MAX)),
            tx: Set(i64::try_from(seen.tx).unwrap_or(i64::MAX)),
            polled_at: Set(now),
            last_handshake_at: Set(crate::accounting::status::handshake_at(
                now,
                seen.last_handshake,
            )),
            last_rx_moved_at: Set(None),
            total_rx: Set(0),
            total_tx: Set(0),
            // No open buckets yet: the first poll opens them.
            ..Default::default()
        };
        // Re-importing a tracked peer keeps its baseline: its bytes are already being counted.
        // A peer tracked again after a pause starts from today's counters (bytes carried while
        // untracked are not billed) and keeps its panel-side totals.
        let on_conflict = if was_tracked {
            OnConflict::column(peer_counter::Column::PeerId)
                .do_nothing()
                .to_owned()
        } else {
            OnConflict::column(peer_counter::Column::PeerId)
                .update_columns([
                    peer_counter::Column::Rx,
                    peer_counter::Column::Tx,
                    peer_counter::Column::PolledAt,
                    peer_counter::Column::LastHandshakeAt,
                ])
                .to_owned()
        };
        peer_counter::Entity::insert(baseline)
            .on_conflict(on_conflict)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(peers.len())
}
