//! The open rollup buckets in `peer_counters`: each peer's running sum for the current hour,
//! local day and billing cycle (key, received, sent), kept in the row the poll rewrites anyway.
//! The rollup tables then get a row only when a bucket closes, not on every poll (three fewer
//! rows per peer per poll; see `server::accounting::open_bucket` and BENCHMARKS.md).
//!
//! Readers add a peer's open sum to the table's row of the same key. An upgraded database
//! starts with no open buckets: its rollup rows already hold every byte counted so far, and
//! the first poll after the upgrade opens the buckets on top of them, so nothing moves.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum PeerCounters {
    Table,
    OpenHour,
    HourRx,
    HourTx,
    OpenDay,
    DayRx,
    DayTx,
    OpenCycle,
    CycleRx,
    CycleTx,
}

const BYTES: [PeerCounters; 6] = [
    PeerCounters::HourRx,
    PeerCounters::HourTx,
    PeerCounters::DayRx,
    PeerCounters::DayTx,
    PeerCounters::CycleRx,
    PeerCounters::CycleTx,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let mut columns = vec![
            ColumnDef::new(PeerCounters::OpenHour)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(PeerCounters::OpenDay)
                .date()
                .null()
                .to_owned(),
            ColumnDef::new(PeerCounters::OpenCycle)
                .date()
                .null()
                .to_owned(),
        ];
        for column in BYTES {
            columns.push(
                ColumnDef::new(column)
                    .big_integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
            );
        }
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(PeerCounters::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let all = [
            PeerCounters::OpenHour,
            PeerCounters::OpenDay,
            PeerCounters::OpenCycle,
        ]
        .into_iter()
        .chain(BYTES);
        for column in all {
            m.alter_table(
                Table::alter()
                    .table(PeerCounters::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
