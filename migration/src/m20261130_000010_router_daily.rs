//! `usage_router_daily`: each router's bytes per local day, summed over its peers, kept by the
//! poll in the same transaction as the per-peer `usage_daily` rows it sums. The dashboard's
//! daily chart (`GET /api/summary/daily`) reads these few rows (routers × days of the cycle)
//! instead of summing every peer's daily row of the cycle (10,000 peers × 30 days = 300,000
//! rows: 186 ms of the dashboard's 236 ms on the benchmark machine, BENCHMARKS.md).
//!
//! Invariant: `usage_router_daily (r, d) = Σ usage_daily (p, d)` over every peer `p` of router
//! `r`, tracked or not (only tracked peers are accounted, and an untracked peer's earlier
//! history stays in both tables; the chart subtracts it at read time). The primary key leads
//! with `day` so the chart's day range is a key range. A poll adds one row per router per day
//! at most, so the table stays small (200 routers × 365 days = 73,000 rows a year).
//!
//! `up` fills the table from the daily rows already kept, so an upgraded database's chart is
//! unchanged.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsageRouterDaily {
    Table,
    Day,
    RouterId,
    Rx,
    Tx,
}

#[derive(DeriveIden)]
enum Routers {
    Table,
    Id,
}

/// Every router's daily sums from the per-peer daily rows (SUM is NUMERIC on PostgreSQL; the
/// cast keeps one integer type on both backends).
const BACKFILL: &str = "INSERT INTO usage_router_daily (day, router_id, rx, tx) \
     SELECT d.day, p.router_id, CAST(SUM(d.rx) AS BIGINT), CAST(SUM(d.tx) AS BIGINT) \
     FROM usage_daily d JOIN peers p ON p.id = d.peer_id \
     GROUP BY d.day, p.router_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let bytes = |col: UsageRouterDaily| {
            ColumnDef::new(col)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned()
        };
        m.create_table(
            Table::create()
                .table(UsageRouterDaily::Table)
                .col(ColumnDef::new(UsageRouterDaily::Day).date().not_null())
                .col(
                    ColumnDef::new(UsageRouterDaily::RouterId)
                        .integer()
                        .not_null(),
                )
                .col(bytes(UsageRouterDaily::Rx))
                .col(bytes(UsageRouterDaily::Tx))
                .primary_key(
                    Index::create()
                        .col(UsageRouterDaily::Day)
                        .col(UsageRouterDaily::RouterId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UsageRouterDaily::Table, UsageRouterDaily::RouterId)
                        .to(Routers::Table, Routers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.get_connection().execute_unprepared(BACKFILL).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UsageRouterDaily::Table).to_owned())
            .await
    }
}
