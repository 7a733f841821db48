//! The retention job: removes raw samples older than the retention setting (default 7 days)
//! and hourly rollups older than 400 days, in bounded batches so it never holds the database
//! (SQLite's single writer) for long. Daily and monthly rollups are kept forever.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use super::{Shutdown, sleep_or_shutdown};
use crate::clock::Clock;
use crate::db::entities::{raw_sample, usage_hourly};
use crate::db::{DbError, settings};

/// Hourly rollups older than this are removed (SPEC §3).
pub const HOURLY_RETENTION_DAYS: i64 = 400;
/// Rows deleted per statement.
pub const BATCH: u64 = 5_000;
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
    loop {
        let ids: Vec<i64> = raw_sample::Entity::find()
            .select_only()
            .column(raw_sample::Column::Id)
            .filter(raw_sample::Column::At.lt(raw_cutoff))
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            break;
        }
        let done = raw_sample::Entity::delete_many()
            .filter(raw_sample::Column::Id.is_in(ids))
            .exec(db)
            .await?;
        removed.raw_samples += done.rows_affected;
        tokio::task::yield_now().await;
    }
    loop {
        let keys: Vec<(i32, DateTime<Utc>)> = usage_hourly::Entity::find()
            .select_only()
            .column(usage_hourly::Column::PeerId)
            .column(usage_hourly::Column::HourStart)
            .filter(usage_hourly::Column::HourStart.lt(hourly_cutoff))
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let Some(newest) = keys.iter().map(|(_, hour)| *hour).max() else {
            break;
        };
        // Every row up to the newest hour of this batch is old: delete by range.
        let done = usage_hourly::Entity::delete_many()
            .filter(usage_hourly::Column::HourStart.lte(newest))
            .filter(usage_hourly::Column::HourStart.lt(hourly_cutoff))
            .exec(db)
            .await?;
        removed.hourly_rows += done.rows_affected;
        tokio::task::yield_now().await;
    }
    Ok(removed)
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
