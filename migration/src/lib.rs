//! wgmik's schema, as an ordered list of SeaORM migrations. Migrations name their own tables and
//! are never edited once released: a change is a new migration.

pub use sea_orm_migration::prelude::*;

mod m20261130_000001_settings;
mod m20261130_000002_accounting;
mod m20261130_000003_quotas;
mod m20261130_000004_alerts;
mod m20261130_000005_auth;
mod m20261130_000006_poll_fillfactor;
mod m20261130_000007_router_leases;
mod m20261130_000008_usage_daily_day;
mod m20261130_000009_poll_write_cost;
mod m20261130_000010_router_daily;
mod m20261201_000011_open_buckets;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_settings::Migration),
            Box::new(m20261130_000002_accounting::Migration),
            Box::new(m20261130_000003_quotas::Migration),
            Box::new(m20261130_000004_alerts::Migration),
            Box::new(m20261130_000005_auth::Migration),
            Box::new(m20261130_000006_poll_fillfactor::Migration),
            Box::new(m20261130_000007_router_leases::Migration),
            Box::new(m20261130_000008_usage_daily_day::Migration),
            Box::new(m20261130_000009_poll_write_cost::Migration),
            Box::new(m20261130_000010_router_daily::Migration),
            Box::new(m20261201_000011_open_buckets::Migration),
        ]
    }
}
