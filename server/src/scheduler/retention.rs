//! The retention job: removes raw samples older than the retention setting (default 7 days)
//! and hourly rollups older than 400 days, in bounded batches so it never holds the database
//! (SQLite's single writer) for long. Daily and monthly rollups are kept forever.
//!
//! It walks the peers in batches and deletes through the per-peer keys, `raw_samples (peer_id,
//! at)` and `usage_hourly`'s primary key `(peer_id, hour_start)`: neither table has an index on
//! the time alone, because every poll would have to update such an index for every peer
//! (migration 000009 dropped the two that existed for this job only).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DeleteMany, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{Shutdown, sleep_or_shutdown};
use crate::clock::Clock;
use crate::db::entities::{peer, raw_sample, usage_hourly};
use crate::db::{DbError, settings};

/// Hourly rollups older than this are removed (SPEC §3).
pub const HOURLY_RETENTION_DAYS: i64 = 400;
/// Rows deleted per statement, at most.
pub const BATCH: u64 = 5_000;
/// Peers whose old rows one statement looks for.
pub const PEER_BATCH: u64 = 200;
const RUN_EVERY: Duration = Duration::from_secs(3600);

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub raw_samples: u64,
    pub hourly_rows: u64,
}

/// One retention pass at `now`, batch by batch until nothing old remains.
pub async fn run_once(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Removed, DbError> {
    let row = settings::load(db).await?;
    let raw_days = i64::from(row.raw_retention_days.max(1));
    let raw_cutoff = now - TimeDelta::days(raw_days);
    let hourly_cutoff = now - TimeDelta::days(HOURLY_RETENTION_DAYS);
    let mut removed = Removed::default();
    // Every raw sample and hourly row belongs to a peer (foreign keys, cascading deletes), so
    // walking all peer ids reaches every row. Keyset pagination: peers come and go meanwhile.
    let mut after = 0;
    loop {
        let peers: Vec<i32> = peer::Entity::find()
            .select_only()
            .column(peer::Column::Id)
            .filter(peer::Column::Id.gt(after))
            .order_by_asc(peer::Column::Id)
            .limit(PEER_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let Some(&last) = peers.last() else {
            break;
        };
        after = last;
        removed.raw_samples += delete_batched(db, || old_samples(&peers, raw_cutoff)).await?;
        removed.hourly_rows += delete_batched(db, || old_hours(&peers, hourly_cutoff)).await?;
    }
    Ok(removed)
}

/// Runs `delete` (a statement removing at most [`BATCH`] rows) until it removes fewer.
async fn delete_batched<E: EntityTrait>(
    db: &DatabaseConnection,
    delete: impl Fn() -> DeleteMany<E>,
) -> Result<u64, DbError> {
    let mut removed = 0;
    loop {
        let done = delete().exec(db).await?.rows_affected;
        removed += done;
        tokio::task::yield_now().await;
        if done < BATCH {
            return Ok(removed);
        }
    }
}

/// Up to [`BATCH`] raw samples of `peers` taken before `cutoff`, found through
/// `(peer_id, at)`.
fn old_samples(peers: &[i32], cutoff: DateTime<Utc>) -> DeleteMany<raw_sample::Entity> {
    raw_sample::Entity::delete_many().filter(
        raw_sample::Column::Id.in_subquery(
            Query::select()
                .column(raw_sample::Column::Id)
                .from(raw_sample::Entity)
                .and_where(raw_sample::Column::PeerId.is_in(peers.iter().copied()))
                .and_where(raw_sample::Column::At.lt(cutoff))
                .limit(BATCH)
                .to_owned(),
        ),
    )
}

/// Up to [`BATCH`] hourly rows of `peers` for hours starting before `cutoff`, found through
/// the primary key `(peer_id, hour_start)`.
fn old_hours(peers: &[i32], cutoff: DateTime<Utc>) -> DeleteMany<usage_hourly::Entity> {
    // Scoped: sea-query's `ExprTrait::max` would shadow `Ord::max` in the rest of the module.
    use sea_orm::sea_query::ExprTrait as _;
    usage_hourly::Entity::delete_many().filter(
        Expr::tuple([
            Expr::col(usage_hourly::Column::PeerId),
            Expr::col(usage_hourly::Column::HourStart),
        ])
        .in_subquery(
            Query::select()
                .columns([
                    usage_hourly::Column::PeerId,
                    usage_hourly::Column::HourStart,
                ])
                .from(usage_hourly::Entity)
                .and_where(usage_hourly::Column::PeerId.is_in(peers.iter().copied()))
                .and_where(usage_hourly::Column::HourStart.lt(cutoff))
                .limit(BATCH)
                .to_owned(),
        ),
    )
}

/// Runs a pass every hour until shutdown.
pub async fn run(db: DatabaseConnection, clock: Arc<dyn Clock>, mut shutdown: Shutdown) {
    loop {
        match run_once(&db, clock.now()).await {
            Ok(removed) if removed != Removed::default() => {
                tracing::info!(?removed, "retention pass removed old rows");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "retention pass failed; retrying next hour"),
        }
        if !sleep_or_shutdown(RUN_EVERY, &mut shutdown).await {
            return;
        }
    }
}
