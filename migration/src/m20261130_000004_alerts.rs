//! Alerts (issue #5): an outbox of webhook deliveries, and the router-health flag that gives
//! router down/up alerts their hysteresis.
//!
//! `alerts` is written by whoever detects an event (inside its own transaction) and drained by
//! the delivery job, so a slow or dead webhook receiver never holds up polling. Rows are kept
//! after delivery or final failure: they are the alert history an admin can inspect.
//! `dedupe_key` is unique so "once per cycle" is enforced by the database, not by luck.
//! No foreign keys: an alert about a router or peer that was deleted since is still history,
//! and its payload carries the names it needs.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    Kind,
    RouterId,
    PeerId,
    DedupeKey,
    Payload,
    CreatedAt,
    Status,
    Attempts,
    NextAttemptAt,
    DeliveredAt,
    LastError,
}

#[derive(DeriveIden)]
enum RouterHealth {
    Table,
    DownAlerted,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alerts::Table)
                .col(
                    ColumnDef::new(Alerts::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Alerts::Kind).string().not_null())
                .col(ColumnDef::new(Alerts::RouterId).integer().null())
                .col(ColumnDef::new(Alerts::PeerId).integer().null())
                .col(
                    ColumnDef::new(Alerts::DedupeKey)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Alerts::Payload).text().not_null())
                .col(
                    ColumnDef::new(Alerts::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(Alerts::Status).string().not_null())
                .col(
                    ColumnDef::new(Alerts::Attempts)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(Alerts::NextAttemptAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(Alerts::DeliveredAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(Alerts::LastError).text().null())
                .to_owned(),
        )
        .await?;
        // The delivery job asks "pending and due" every few seconds.
        m.create_index(
            Index::create()
                .name("ix_alerts_status_next")
                .table(Alerts::Table)
                .col(Alerts::Status)
                .col(Alerts::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_alerts_created")
                .table(Alerts::Table)
                .col(Alerts::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RouterHealth::Table)
                .add_column(
                    ColumnDef::new(RouterHealth::DownAlerted)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RouterHealth::Table)
                .drop_column(RouterHealth::DownAlerted)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Alerts::Table).to_owned())
            .await
    }
}
