//! The accounting schema (SPEC §3–4): routers and their poll health, WireGuard interfaces,
//! peers (tracked or not) with their last raw counters, raw samples, hourly/daily/monthly
//! rollups and counter-reset events. Bytes are BIGINT everywhere: RouterOS counters are u64,
//! and wgmik refuses (with an error) a value above i64::MAX rather than wrap it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Routers {
    Table,
    Id,
    Name,
    Host,
    Transport,
    Port,
    Tls,
    TlsVerify,
    TlsFingerprint,
    Username,
    PasswordSecret,
    PollEnabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RouterHealth {
    Table,
    RouterId,
    LastAttemptAt,
    LastSuccessAt,
    LastDurationMs,
    LastError,
    ConsecutiveFailures,
    LastUptimeSeconds,
    Identity,
    Version,
    Board,
}

#[derive(DeriveIden)]
enum WgInterfaces {
    Table,
    Id,
    RouterId,
    Name,
    Tracked,
}

#[derive(DeriveIden)]
enum Peers {
    Table,
    Id,
    RouterId,
    Interface,
    PublicKey,
    RosId,
    Name,
    Comment,
    AllowedAddress,
    EndpointAddress,
    Tracked,
    Disabled,
    Dynamic,
    MissingOnRouter,
    FirstSeenAt,
    LastListedAt,
}

#[derive(DeriveIden)]
enum PeerCounters {
    Table,
    PeerId,
    Rx,
    Tx,
    PolledAt,
    LastHandshakeAt,
    LastRxMovedAt,
    TotalRx,
    TotalTx,
}

#[derive(DeriveIden)]
enum RawSamples {
    Table,
    Id,
    PeerId,
    At,
    RxCounter,
    TxCounter,
    DeltaRx,
    DeltaTx,
    LastHandshakeAt,
}

#[derive(DeriveIden)]
enum UsageHourly {
    Table,
    PeerId,
    HourStart,
    Rx,
    Tx,
}

#[derive(DeriveIden)]
enum UsageDaily {
    Table,
    PeerId,
    Day,
    Rx,
    Tx,
}

#[derive(DeriveIden)]
enum UsageMonthly {
    Table,
    PeerId,
    CycleStart,
    Rx,
    Tx,
}

#[derive(DeriveIden)]
enum CounterResets {
    Table,
    Id,
    PeerId,
    At,
    Cause,
    OldRx,
    OldTx,
    NewRx,
    NewTx,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn bytes(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Routers::Table)
                .col(
                    ColumnDef::new(Routers::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Routers::Name)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Routers::Host).string().not_null())
                .col(ColumnDef::new(Routers::Transport).string().not_null())
                .col(ColumnDef::new(Routers::Port).integer().null())
                .col(
                    ColumnDef::new(Routers::Tls)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(ColumnDef::new(Routers::TlsVerify).boolean().null())
                .col(ColumnDef::new(Routers::TlsFingerprint).string().null())
                .col(ColumnDef::new(Routers::Username).string().not_null())
                .col(ColumnDef::new(Routers::PasswordSecret).string().not_null())
                .col(
                    ColumnDef::new(Routers::PollEnabled)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(
                    ColumnDef::new(Routers::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Routers::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RouterHealth::Table)
                .col(
                    ColumnDef::new(RouterHealth::RouterId)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(RouterHealth::LastAttemptAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(RouterHealth::LastSuccessAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(RouterHealth::LastDurationMs)
                        .big_integer()
                        .null(),
                )
                .col(ColumnDef::new(RouterHealth::LastError).text().null())
                .col(
                    ColumnDef::new(RouterHealth::ConsecutiveFailures)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(RouterHealth::LastUptimeSeconds)
                        .big_integer()
                        .null(),
                )
                .col(ColumnDef::new(RouterHealth::Identity).string().null())
                .col(ColumnDef::new(RouterHealth::Version).string().null())
                .col(ColumnDef::new(RouterHealth::Board).string().null())
                .foreign_key(&mut fk(
                    (RouterHealth::Table, RouterHealth::RouterId),
                    (Routers::Table, Routers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WgInterfaces::Table)
                .col(
                    ColumnDef::new(WgInterfaces::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(WgInterfaces::RouterId).integer().not_null())
                .col(ColumnDef::new(WgInterfaces::Name).string().not_null())
                .col(
                    ColumnDef::new(WgInterfaces::Tracked)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .foreign_key(&mut fk(
                    (WgInterfaces::Table, WgInterfaces::RouterId),
                    (Routers::Table, Routers::Id),
                ))
                .index(
                    Index::create()
                        .name("ux_wg_interfaces_router_name")
                        .col(WgInterfaces::RouterId)
                        .col(WgInterfaces::Name)
                        .unique(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Peers::Table)
                .col(
                    ColumnDef::new(Peers::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Peers::RouterId).integer().not_null())
                .col(ColumnDef::new(Peers::Interface).string().not_null())
                .col(ColumnDef::new(Peers::PublicKey).string().not_null())
                .col(ColumnDef::new(Peers::RosId).string().null())
                .col(ColumnDef::new(Peers::Name).string().null())
                .col(ColumnDef::new(Peers::Comment).text().null())
                .col(ColumnDef::new(Peers::AllowedAddress).text().null())
                .col(ColumnDef::new(Peers::EndpointAddress).string().null())
                .col(
                    ColumnDef::new(Peers::Tracked)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(Peers::Disabled)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(Peers::Dynamic)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(Peers::MissingOnRouter)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(Peers::FirstSeenAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Peers::LastListedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(&mut fk(
                    (Peers::Table, Peers::RouterId),
                    (Routers::Table, Routers::Id),
                ))
                .index(
                    Index::create()
                        .name("ux_peers_identity")
                        .col(Peers::RouterId)
                        .col(Peers::Interface)
                        .col(Peers::PublicKey)
                        .unique(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PeerCounters::Table)
                .col(
                    ColumnDef::new(PeerCounters::PeerId)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(bytes(PeerCounters::Rx))
                .col(bytes(PeerCounters::Tx))
                .col(
                    ColumnDef::new(PeerCounters::PolledAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PeerCounters::LastHandshakeAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(PeerCounters::LastRxMovedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(bytes(PeerCounters::TotalRx))
                .col(bytes(PeerCounters::TotalTx))
                .foreign_key(&mut fk(
                    (PeerCounters::Table, PeerCounters::PeerId),
                    (Peers::Table, Peers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RawSamples::Table)
                .col(
                    ColumnDef::new(RawSamples::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(RawSamples::PeerId).integer().not_null())
                .col(
                    ColumnDef::new(RawSamples::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(bytes(RawSamples::RxCounter))
                .col(bytes(RawSamples::TxCounter))
                .col(bytes(RawSamples::DeltaRx))
                .col(bytes(RawSamples::DeltaTx))
                .col(
                    ColumnDef::new(RawSamples::LastHandshakeAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(&mut fk(
                    (RawSamples::Table, RawSamples::PeerId),
                    (Peers::Table, Peers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_raw_samples_peer_at")
                .table(RawSamples::Table)
                .col(RawSamples::PeerId)
                .col(RawSamples::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_raw_samples_at")
                .table(RawSamples::Table)
                .col(RawSamples::At)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UsageHourly::Table)
                .col(ColumnDef::new(UsageHourly::PeerId).integer().not_null())
                .col(
                    ColumnDef::new(UsageHourly::HourStart)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(bytes(UsageHourly::Rx))
                .col(bytes(UsageHourly::Tx))
                .primary_key(
                    Index::create()
                        .col(UsageHourly::PeerId)
                        .col(UsageHourly::HourStart),
                )
                .foreign_key(&mut fk(
                    (UsageHourly::Table, UsageHourly::PeerId),
                    (Peers::Table, Peers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_usage_hourly_hour")
                .table(UsageHourly::Table)
                .col(UsageHourly::HourStart)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UsageDaily::Table)
                .col(ColumnDef::new(UsageDaily::PeerId).integer().not_null())
                .col(ColumnDef::new(UsageDaily::Day).date().not_null())
                .col(bytes(UsageDaily::Rx))
                .col(bytes(UsageDaily::Tx))
                .primary_key(Index::create().col(UsageDaily::PeerId).col(UsageDaily::Day))
                .foreign_key(&mut fk(
                    (UsageDaily::Table, UsageDaily::PeerId),
                    (Peers::Table, Peers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UsageMonthly::Table)
                .col(ColumnDef::new(UsageMonthly::PeerId).integer().not_null())
                .col(ColumnDef::new(UsageMonthly::CycleStart).date().not_null())
                .col(bytes(UsageMonthly::Rx))
                .col(bytes(UsageMonthly::Tx))
                .primary_key(
                    Index::create()
                        .col(UsageMonthly::PeerId)
                        .col(UsageMonthly::CycleStart),
                )
                .foreign_key(&mut fk(
                    (UsageMonthly::Table, UsageMonthly::PeerId),
                    (Peers::Table, Peers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_usage_monthly_cycle")
                .table(UsageMonthly::Table)
                .col(UsageMonthly::CycleStart)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CounterResets::Table)
                .col(
                    ColumnDef::new(CounterResets::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(CounterResets::PeerId).integer().not_null())
                .col(
                    ColumnDef::new(CounterResets::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(CounterResets::Cause).string().not_null())
                .col(bytes(CounterResets::OldRx))
                .col(bytes(CounterResets::OldTx))
                .col(bytes(CounterResets::NewRx))
                .col(bytes(CounterResets::NewTx))
                .foreign_key(&mut fk(
                    (CounterResets::Table, CounterResets::PeerId),
                    (Peers::Table, Peers::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_counter_resets_peer_at")
                .table(CounterResets::Table)
                .col(CounterResets::PeerId)
                .col(CounterResets::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CounterResets::Table.into_iden(),
            UsageMonthly::Table.into_iden(),
            UsageDaily::Table.into_iden(),
            UsageHourly::Table.into_iden(),
            RawSamples::Table.into_iden(),
            PeerCounters::Table.into_iden(),
            Peers::Table.into_iden(),
            WgInterfaces::Table.into_iden(),
            RouterHealth::Table.into_iden(),
            Routers::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
