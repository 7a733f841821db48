//! Router leases (issue #8): several `wgmik serve` processes may share one PostgreSQL, and only
//! the instance holding a router's lease polls it, enforces its quotas and runs its cycle reset.
//!
//! One row per router, taken with a single conditional upsert (free, expired or already ours)
//! and renewed by the holder's polls and heartbeat. The poll commit extends the lease inside
//! its own transaction and aborts when it is no longer ours (fencing), so a holder that lost
//! its lease while slow never commits a stale delta. A separate table rather than columns on
//! `router_health`: the poll commit rewrites that row every poll, and the lease heartbeat
//! should not contend with it. Deleting a router deletes its lease.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RouterLeases {
    Table,
    RouterId,
    Holder,
    ExpiresAt,
    AcquiredAt,
}

#[derive(DeriveIden)]
enum Routers {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RouterLeases::Table)
                .col(
                    ColumnDef::new(RouterLeases::RouterId)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                // The instance id of `wgmik serve` (host, pid and a random suffix).
                .col(ColumnDef::new(RouterLeases::Holder).text().not_null())
                .col(
                    ColumnDef::new(RouterLeases::ExpiresAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                // When the current holder took it (kept across renewals), for the logs and
                // for tests that measure a takeover.
                .col(
                    ColumnDef::new(RouterLeases::AcquiredAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(RouterLeases::Table, RouterLeases::RouterId)
                        .to(Routers::Table, Routers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The heartbeat and the release at shutdown select by holder.
        m.create_index(
            Index::create()
                .name("ix_router_leases_holder")
                .table(RouterLeases::Table)
                .col(RouterLeases::Holder)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RouterLeases::Table).to_owned())
            .await
    }
}
