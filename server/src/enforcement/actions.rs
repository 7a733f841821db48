//! The audit log (SPEC §5, `GET /api/actions`): one row per router write wgmik made or tried,
//! per dry-run "would disable", and per drift observation, with actor and result.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::db::DbError;
use crate::db::entities::action;

/// The actor of everything wgmik does by itself.
pub const SYSTEM: &str = "system";

/// One entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction<'a> {
    pub at: DateTime<Utc>,
    pub router_id: i32,
    pub peer_id: Option<i32>,
    /// `disable`, `enable`, `would_disable`, `drift`.
    pub action: &'a str,
    /// `quota`, `manual`, `reset`, `quota_raised`, `drift`, or the drift kind.
    pub reason: &'a str,
    pub actor: &'a str,
    /// `ok`, `failed`, `dry_run`, `observed`.
    pub result: &'a str,
    pub error: Option<String>,
    pub cycle_start: Option<DateTime<Utc>>,
}

pub async fn record<C: ConnectionTrait>(db: &C, entry: NewAction<'_>) -> Result<(), DbError> {
    let row = action::ActiveModel {
        at: Set(entry.at),
        router_id: Set(entry.router_id),
        peer_id: Set(entry.peer_id),
        action: Set(entry.action.to_owned()),
        reason: Set(entry.reason.to_owned()),
        actor: Set(entry.actor.to_owned()),
        result: Set(entry.result.to_owned()),
        error: Set(entry.error),
        cycle_start: Set(entry.cycle_start),
        ..Default::default()
    };
    action::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Filters for the audit log; every field optional.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    pub peer_id: Option<i32>,
    pub router_id: Option<i32>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub result: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

/// The newest actions first, at most `limit`, from `offset`.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &ActionFilter,
    limit: u64,
    offset: u64,
) -> Result<Vec<action::Model>, DbError> {
    let mut query = action::Entity::find();
    if let Some(peer_id) = filter.peer_id {
        query = query.filter(action::Column::PeerId.eq(peer_id));
    }
    if let Some(router_id) = filter.router_id {
        query = query.filter(action::Column::RouterId.eq(router_id));
    }
    if let Some(kind) = &filter.action {
        query = query.filter(action::Column::Action.eq(kind.as_str()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(action::Column::Actor.eq(actor.as_str()));
    }
    if let Some(result) = &filter.result {
        query = query.filter(action::Column::Result.eq(result.as_str()));
    }
    if let Some(since) = filter.since {
        query = query.filter(action::Column::At.gte(since));
    }
    Ok(query
        .order_by_desc(action::Column::At)
        .order_by_desc(action::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?)
}

/// Peers of a router that already have a `would_disable` entry for the cycle starting at
/// `cycle_start`: the monitor-mode dry run records each peer once per cycle.
pub async fn dry_run_peers<C: ConnectionTrait>(
    db: &C,
    router_id: i32,
    cycle_start: DateTime<Utc>,
) -> Result<std::collections::HashSet<i32>, DbError> {
    Ok(action::Entity::find()
        .filter(action::Column::RouterId.eq(router_id))
        .filter(action::Column::Action.eq("would_disable"))
        .filter(action::Column::CycleStart.eq(cycle_start))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| row.peer_id)
        .collect())
}
