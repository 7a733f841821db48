//! Routers and their peers as stored: adding a router, listing what to poll, turning a row
//! into connection settings, and importing peers (tracked, with their counter baselines).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
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

/// Rows per multi-row statement of an import: 14 columns × 500 = 7,000 bind parameters, far
/// below SQLite's 32,766 and PostgreSQL's 65,535.
const IMPORT_CHUNK: usize = 500;

/// Marks these peers tracked and records their current counters as the baseline, in one
/// transaction: accounting starts from the moment of import, never from bytes carried before.
///
/// A handful of multi-row statements whatever the size (the router's peers read twice, the
/// peer rows and the baselines written in chunks of [`IMPORT_CHUNK`]): one statement per peer
/// held SQLite's write lock long enough, at a few thousand peers, for other writers to give up
/// at their busy timeout. A peer listed twice (the same interface and public key) counts once,
/// with its last listing. Returns the number of peers imported.
pub async fn import_peers(
    db: &DatabaseConnection,
    router_id: i32,
    peers: &[WgPeer],
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    let mut unique: HashMap<(&str, &str), &WgPeer> = HashMap::with_capacity(peers.len());
    for seen in peers {
        unique.insert((seen.interface.as_str(), seen.public_key.as_str()), seen);
    }
    // In listing order (deterministic statements and row-lock order).
    let mut chosen: Vec<&WgPeer> = Vec::with_capacity(unique.len());
    for seen in peers {
        let key = (seen.interface.as_str(), seen.public_key.as_str());
        if unique
            .get(&key)
            .is_some_and(|kept| std::ptr::eq(*kept, seen))
        {
            chosen.push(seen);
        }
    }

    let txn = crate::db::begin_write(db).await?;
    let before = peer_keys(&txn, router_id).await?;
    for chunk in chosen.chunks(IMPORT_CHUNK) {
        let rows = chunk.iter().map(|seen| {
            let mut row = super::poll_commit::new_peer_row(router_id, seen, now);
            row.tracked = Set(true);
            row
        });
        peer::Entity::insert_many(rows)
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
    }
    let after = peer_keys(&txn, router_id).await?;

    // Re-importing a tracked peer keeps its baseline: its bytes are already being counted.
    // A peer tracked again after a pause starts from today's counters (bytes carried while
    // untracked are not billed) and keeps its panel-side totals.
    let mut keep = Vec::new();
    let mut reset = Vec::new();
    for seen in &chosen {
        let key = (seen.interface.clone(), seen.public_key.clone());
        let Some(&(peer_id, _)) = after.get(&key) else {
            return Err(DbError::Query(sea_orm::DbErr::RecordNotFound(format!(
                "imported peer {} on {}",
                seen.public_key, seen.interface
            ))));
        };
        let baseline = peer_counter::ActiveModel {
            peer_id: Set(peer_id),
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
        let was_tracked = before.get(&key).is_some_and(|&(_, tracked)| tracked);
        if was_tracked {
            keep.push(baseline);
        } else {
            reset.push(baseline);
        }
    }
    let keep_baseline = OnConflict::column(peer_counter::Column::PeerId)
        .do_nothing()
        .to_owned();
    let new_baseline = OnConflict::column(peer_counter::Column::PeerId)
        .update_columns([
            peer_counter::Column::Rx,
            peer_counter::Column::Tx,
            peer_counter::Column::PolledAt,
            peer_counter::Column::LastHandshakeAt,
        ])
        .to_owned();
    for (rows, on_conflict) in [(keep, keep_baseline), (reset, new_baseline)] {
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(IMPORT_CHUNK).collect();
            peer_counter::Entity::insert_many(chunk)
                .on_conflict(on_conflict.clone())
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(chosen.len())
}

/// The router's peers by (interface, public key): id and whether tracked.
async fn peer_keys<C: sea_orm::ConnectionTrait>(
    db: &C,
    router_id: i32,
) -> Result<HashMap<(String, String), (i32, bool)>, DbError> {
    let rows: Vec<(i32, String, String, bool)> = peer::Entity::find()
        .select_only()
        .columns([
            peer::Column::Id,
            peer::Column::Interface,
            peer::Column::PublicKey,
            peer::Column::Tracked,
        ])
        .filter(peer::Column::RouterId.eq(router_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, interface, public_key, tracked)| ((interface, public_key), (id, tracked)))
        .collect())
}
