//! Manual enable and disable (SPEC §5, `POST /api/peers/{id}/enforce`): acts on the router at
//! once and records the admin as actor, whether the write worked or not.
//!
//! A manual disable is held as `manual`, which enforcement and the cycle reset never undo.
//! A manual enable clears any reason; when the peer is over its limit at that moment the admin
//! has decided to let it run, so it is exempt from quota disabling until the cycle ends
//! (otherwise the next poll would cut it again seconds later).

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, Set};

use super::actions::{self, NewAction};
use super::quota;
use crate::db::entities::{peer, router};
use crate::db::{DbError, routers, settings};
use crate::routeros::{RouterClient, RouterError, RouterOs};
use crate::scheduler::poll::ROUTER_TIMEOUT;

#[derive(Debug, thiserror::Error)]
pub enum ManualError {
    #[error("peer {0} does not exist")]
    NoSuchPeer(i32),
    #[error("peer {0} is not on its router any more (deleted there); nothing to change")]
    Missing(i32),
    #[error("the router has not reported peer {0}'s .id yet; wait for the next poll")]
    NoRouterId(i32),
    /// The router refused or did not answer; the failed attempt is in the audit log.
    #[error(transparent)]
    Router(#[from] RouterError),
    #[error("no answer from the router within {0:?}")]
    Timeout(std::time::Duration),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sea_orm::DbErr> for ManualError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// Enables (`enable = true`) or disables the peer on its router now, as `actor`.
pub async fn set_enabled(
    db: &DatabaseConnection,
    peer_id: i32,
    enable: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<peer::Model, ManualError> {
    let row = peer::Entity::find_by_id(peer_id)
        .one(db)
        .await?
        .ok_or(ManualError::NoSuchPeer(peer_id))?;
    let router_row = router::Entity::find_by_id(row.router_id)
        .one(db)
        .await?
        .ok_or(ManualError::NoSuchPeer(peer_id))?;
    let settings_row = settings::load(db).await?;
    let client = RouterClient::new(routers::endpoint(
        &router_row,
        settings_row.router_tls_verify,
        ROUTER_TIMEOUT,
    )?)?;
    set_enabled_with(db, &client, row, enable, actor, now).await
}

/// [`set_enabled`] with a given client (tests, and callers that hold one).
pub async fn set_enabled_with<R: RouterOs>(
    db: &DatabaseConnection,
    client: &R,
    row: peer::Model,
    enable: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<peer::Model, ManualError> {
    if actor.trim().is_empty() {
        return Err(ManualError::Invalid("an action needs an actor".to_owned()));
    }
    if row.missing_on_router {
        return Err(ManualError::Missing(row.id));
    }
    let id = row.ros_id.clone().ok_or(ManualError::NoRouterId(row.id))?;
    let settings_row = settings::load(db).await?;
    // The cycle, for the exemption of an over-limit peer enabled by hand.
    let state = quota::state(db, row.id, &settings_row, now).await.ok();
    let outcome =
        match tokio::time::timeout(ROUTER_TIMEOUT, client.set_peer_disabled(&id, !enable)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(ManualError::Router(err)),
            Err(_) => Err(ManualError::Timeout(ROUTER_TIMEOUT)),
        };
    actions::record(
        db,
        NewAction {
            at: now,
            router_id: row.router_id,
            peer_id: Some(row.id),
            action: if enable { "enable" } else { "disable" },
            reason: "manual",
            actor,
            result: if outcome.is_ok() { "ok" } else { "failed" },
            error: outcome.as_ref().err().map(ToString::to_string),
            cycle_start: state.as_ref().map(|s| s.cycle_start),
        },
    )
    .await?;
    outcome?;
    let over_limit = state
        .as_ref()
        .is_some_and(|s| quota::over_limit(s.used_bytes, s.limit_bytes));
    let mut active = peer::ActiveModel {
        id: Set(row.id),
        disabled: Set(!enable),
        drift: Set(None),
        drift_since: Set(None),
        quota_disabled_cycle: Set(None),
        ..Default::default()
    };
    if enable {
        active.disabled_reason = Set(None);
        active.quota_exempt_until = Set(match &state {
            Some(s) if over_limit => Some(s.cycle_end),
            _ => None,
        });
    } else {
        active.disabled_reason = Set(Some("manual".to_owned()));
        active.quota_exempt_until = Set(None);
    }
    let updated = peer::Entity::update(active).exec(db).await?;
    let alert = crate::alerts::NewAlert::peer_action(enable, &updated, "manual", actor, now);
    crate::alerts::enqueue(db, alert, now).await?;
    Ok(updated)
}
