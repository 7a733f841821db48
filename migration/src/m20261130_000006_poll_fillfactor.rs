//! PostgreSQL only: leave room in the pages of the tables every poll updates in place, so
//! those updates are HOT (heap-only tuples: the new row version goes on the same page and no
//! index entry is written). At the default fillfactor of 100 a page has no room, so each
//! update wrote new index entries and left index garbage to clean up; measured on the
//! 50,000-peer benchmark, the `ON CONFLICT … DO UPDATE` of `peer_counters` and of the daily
//! and monthly rollups cost about half as much PostgreSQL CPU at fillfactor 50 (HOT ≈ 98 %
//! of updates instead of ≈ 15 %).
//!
//! `peer_counters` is one row per peer, and daily/monthly rollups grow by one row per peer per
//! day/cycle, so half-full pages cost little space. `usage_hourly` (a row per peer per hour,
//! kept 400 days) is left at the default: its size matters more. SQLite has no fillfactor;
//! nothing changes there. Existing pages keep their layout until rewritten (new pages follow
//! the setting at once).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 3] = ["peer_counters", "usage_daily", "usage_monthly"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        set_fillfactor(m, Some(50)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        set_fillfactor(m, None).await
    }
}

async fn set_fillfactor(m: &SchemaManager<'_>, value: Option<u8>) -> Result<(), DbErr> {
    if m.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let db = m.get_connection();
    for table in TABLES {
        let sql = match value {
            Some(v) => format!("ALTER TABLE \"{table}\" SET (fillfactor = {v})"),
            None => format!("ALTER TABLE \"{table}\" RESET (fillfactor)"),
        };
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}
