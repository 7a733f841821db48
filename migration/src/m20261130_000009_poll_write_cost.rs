//! Cuts what every poll pays per peer for checks and indexes nothing on the poll's path needs.
//!
//! - Drops `ix_raw_samples_at` and `ix_usage_hourly_hour`, the indexes on time alone that only
//!   the retention job read: one more index entry per raw sample, and one per hourly update
//!   (those updates are not HOT on PostgreSQL, so each writes every index of the table).
//!   Retention now walks the per-peer keys instead (`raw_samples (peer_id, at)`, the hourly
//!   primary key `(peer_id, hour_start)`), see `server::scheduler::retention`. Every other
//!   read of these tables names a peer.
//! - On PostgreSQL, drops the foreign key `raw_samples.peer_id → peers.id`. PostgreSQL checks
//!   it with a trigger per inserted row that looks the peer up and locks it (`FOR KEY SHARE`,
//!   itself a WAL record): measured at more than the insert itself (250,000 rows: 5.1 s with
//!   the key, 2.1 s without). What it guaranteed is kept by the only two writers: a poll
//!   inserts samples only for peers it read in the same transaction, under its router's lease
//!   row lock, and deleting a router takes that lease row first (waiting out a poll in flight)
//!   and then deletes its peers' samples explicitly (`server::service::routers::delete`).
//!   SQLite keeps the key: dropping it there means rebuilding the table (hours on a big one),
//!   and its check is a primary-key lookup in the same file, not a trigger.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RawSamples {
    Table,
    At,
}

#[derive(DeriveIden)]
enum UsageHourly {
    Table,
    HourStart,
}

const RAW_AT: &str = "ix_raw_samples_at";
const HOURLY_HOUR: &str = "ix_usage_hourly_hour";

/// Drops every foreign key of `raw_samples` (there is one, named by PostgreSQL itself).
const DROP_RAW_SAMPLES_FK: &str = "DO $$ DECLARE c text; BEGIN \
     FOR c IN SELECT conname FROM pg_constraint \
       WHERE conrelid = 'raw_samples'::regclass AND contype = 'f' LOOP \
       EXECUTE format('ALTER TABLE raw_samples DROP CONSTRAINT %I', c); \
     END LOOP; END $$";

const ADD_RAW_SAMPLES_FK: &str = "ALTER TABLE raw_samples ADD FOREIGN KEY (peer_id) \
     REFERENCES peers (id) ON DELETE CASCADE";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(RAW_AT)
                .table(RawSamples::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(HOURLY_HOUR)
                .table(UsageHourly::Table)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(DROP_RAW_SAMPLES_FK)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(ADD_RAW_SAMPLES_FK)
                .await?;
        }
        m.create_index(
            Index::create()
                .name(RAW_AT)
                .table(RawSamples::Table)
                .col(RawSamples::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(HOURLY_HOUR)
                .table(UsageHourly::Table)
                .col(UsageHourly::HourStart)
                .to_owned(),
        )
        .await
    }
}
