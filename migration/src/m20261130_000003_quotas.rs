//! Quotas and enforcement (SPEC §5–6): per-peer quotas, why a peer is disabled, drift, the
//! audit log of actions, and the billing-calendar columns that let a change of timezone or
//! reset day take effect at the next cycle boundary instead of splitting the running cycle.
//!
//! SQLite's ALTER TABLE adds one column per statement, so every column is its own alter.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Quotas {
    Table,
    PeerId,
    Mode,
    LimitBytes,
    Direction,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Actions {
    Table,
    Id,
    At,
    RouterId,
    PeerId,
    Action,
    Reason,
    Actor,
    Result,
    Error,
    CycleStart,
}

#[derive(DeriveIden)]
enum Peers {
    Table,
    DisplayName,
    DisabledReason,
    QuotaDisabledCycle,
    QuotaExemptUntil,
    Drift,
    DriftSince,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Timezone,
    ResetDay,
    CycleTimezone,
    CycleResetDay,
    CycleAnchor,
    CycleChangeAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Quotas::Table)
                    .col(
                        ColumnDef::new(Quotas::PeerId)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    // default | limit | unlimited
                    .col(ColumnDef::new(Quotas::Mode).string().not_null())
                    .col(ColumnDef::new(Quotas::LimitBytes).big_integer().null())
                    // total | download | upload (peer's side: download = router tx)
                    .col(ColumnDef::new(Quotas::Direction).string().not_null())
                    .col(
                        ColumnDef::new(Quotas::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Actions::Table)
                    .col(
                        ColumnDef::new(Actions::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Actions::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Actions::RouterId).integer().not_null())
                    .col(ColumnDef::new(Actions::PeerId).integer().null())
                    .col(ColumnDef::new(Actions::Action).string().not_null())
                    .col(ColumnDef::new(Actions::Reason).string().not_null())
                    .col(ColumnDef::new(Actions::Actor).string().not_null())
                    .col(ColumnDef::new(Actions::Result).string().not_null())
                    .col(ColumnDef::new(Actions::Error).text().null())
                    .col(
                        ColumnDef::new(Actions::CycleStart)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_actions_peer_at")
                    .table(Actions::Table)
                    .col(Actions::PeerId)
                    .col(Actions::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_actions_at")
                    .table(Actions::Table)
                    .col(Actions::At)
                    .to_owned(),
            )
            .await?;

        let peer_columns = [
            // The admin's name for the peer; RouterOS's own `name` is refreshed every poll.
            ColumnDef::new(Peers::DisplayName)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Peers::DisabledReason)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Peers::QuotaDisabledCycle)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Peers::QuotaExemptUntil)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Peers::Drift).string().null().to_owned(),
            ColumnDef::new(Peers::DriftSince)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        for mut column in peer_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Peers::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }

        let settings_columns = [
            ColumnDef::new(Settings::CycleTimezone)
                .string()
                .not_null()
                .default("UTC")
                .to_owned(),
            ColumnDef::new(Settings::CycleResetDay)
                .small_integer()
                .not_null()
                .default(1)
                .to_owned(),
            ColumnDef::new(Settings::CycleAnchor)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Settings::CycleChangeAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        for mut column in settings_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Settings::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // The calendar in force starts as the one configured.
        let copy = Query::update()
            .table(Settings::Table)
            .value(Settings::CycleTimezone, Expr::col(Settings::Timezone))
            .value(Settings::CycleResetDay, Expr::col(Settings::ResetDay))
            .to_owned();
        manager.exec_stmt(copy).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Settings::CycleChangeAt,
            Settings::CycleAnchor,
            Settings::CycleResetDay,
            Settings::CycleTimezone,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Settings::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Peers::DriftSince,
            Peers::Drift,
            Peers::QuotaExemptUntil,
            Peers::QuotaDisabledCycle,
            Peers::DisabledReason,
            Peers::DisplayName,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Peers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Actions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Quotas::Table).to_owned())
            .await
    }
}
