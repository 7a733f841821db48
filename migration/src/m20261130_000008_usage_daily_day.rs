//! An index on `usage_daily (day)` for the dashboard's daily chart (`GET /api/summary/daily`):
//! the cycle's days summed over all tracked peers. Without it that query reads every daily
//! row ever kept (they are kept forever), and its cost grows with history rather than with
//! the cycle.
//!
//! Cheap for the poll: a daily row's `day` never changes, so the poll's in-place updates of
//! `rx`/`tx` leave this index alone (on PostgreSQL they stay HOT updates, see migration
//! 000006); it gains one entry per peer per day, at the day's first poll. A covering index
//! `(day, peer_id, rx, tx)` would read faster but rewrite its entry on every poll, so no.
//! The rows of one day are written together (the day's first poll inserts them all), so the
//! index's rows sit close together in the table and the range read stays local.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsageDaily {
    Table,
    Day,
}

const INDEX: &str = "ix_usage_daily_day";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(INDEX)
                .table(UsageDaily::Table)
                .col(UsageDaily::Day)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(INDEX)
                .table(UsageDaily::Table)
                .to_owned(),
        )
        .await
    }
}
