//! The `settings` table: one row (id = 1) holding the run-time settings of SPEC §6, created with
//! the SPEC defaults so every later job can read them before an admin ever opens Settings.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Settings {
    Table,
    Id,
    PollIntervalSeconds,
    OnlineThresholdSeconds,
    ResetDay,
    Timezone,
    DefaultQuotaGb,
    EnforcementMode,
    ReenableAtReset,
    RouterTlsVerify,
    RawRetentionDays,
    WebhookUrl,
    WebhookSecret,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(
                        ColumnDef::new(Settings::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Settings::PollIntervalSeconds)
                            .integer()
                            .not_null()
                            .default(30),
                    )
                    .col(
                        ColumnDef::new(Settings::OnlineThresholdSeconds)
                            .integer()
                            .not_null()
                            .default(15),
                    )
                    .col(
                        ColumnDef::new(Settings::ResetDay)
                            .small_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(Settings::Timezone)
                            .string()
                            .not_null()
                            .default("UTC"),
                    )
                    // Whole GB (10^9 bytes); NULL = unlimited.
                    .col(
                        ColumnDef::new(Settings::DefaultQuotaGb)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Settings::EnforcementMode)
                            .string()
                            .not_null()
                            .default("monitor"),
                    )
                    .col(
                        ColumnDef::new(Settings::ReenableAtReset)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(Settings::RouterTlsVerify)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(Settings::RawRetentionDays)
                            .integer()
                            .not_null()
                            .default(7),
                    )
                    .col(ColumnDef::new(Settings::WebhookUrl).string().null())
                    // Encrypted at rest once the secrets issue lands; write-only through the API.
                    .col(ColumnDef::new(Settings::WebhookSecret).string().null())
                    .col(
                        ColumnDef::new(Settings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        let seed = Query::insert()
            .into_table(Settings::Table)
            .columns([Settings::Id, Settings::UpdatedAt])
            .values([1.into(), Expr::current_timestamp()])
            .map_err(|err| DbErr::Custom(format!("settings seed row: {err}")))?
            .to_owned();
        manager.exec_stmt(seed).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Settings::Table).to_owned())
            .await
    }
}
