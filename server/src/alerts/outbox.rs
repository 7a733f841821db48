//! The `alerts` table as an outbox: detectors add rows, the delivery job drains them, and the
//! rows stay afterwards as the alert history (with the last delivery error, if any).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Set, TryInsertResult};

use super::{AlertStatus, NewAlert};
use crate::db::DbError;
use crate::db::entities::alert;

/// Stores `alert` for delivery unless one with the same dedupe key exists; returns whether it
/// was new. Generic over the connection so a caller can add the alert in the same transaction
/// as the change it reports: the alert then exists exactly when the change does.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    alert: NewAlert,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let row = alert::ActiveModel {
        kind: Set(alert.kind.as_str().to_owned()),
        router_id: Set(alert.router_id),
        peer_id: Set(alert.peer_id),
        dedupe_key: Set(alert.dedupe_key),
        payload: Set(alert.payload.to_string()),
        created_at: Set(now),
        status: Set(AlertStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        delivered_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    };
    let result = alert::Entity::insert(row)
        .on_conflict_do_nothing_on([alert::Column::DedupeKey])
        .exec_without_returning(conn)
        .await?;
    Ok(matches!(result, TryInsertResult::Inserted(n) if n > 0))
}

/// The newest `limit` alerts, newest first: what the UI and API show, failures included.
pub async fn recent<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> Result<Vec<alert::Model>, DbError> {
    Ok(alert::Entity::find()
        .order_by_desc(alert::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}
