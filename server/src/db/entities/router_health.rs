//! Per-router poll health: what the dashboard health strip shows and what back-off reads.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "router_health")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub router_id: i32,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_duration_ms: Option<i64>,
    pub last_error: Option<String>,
    pub consecutive_failures: i32,
    /// RouterOS uptime at the last successful poll; a lower value later means a reboot.
    pub last_uptime_seconds: Option<i64>,
    pub identity: Option<String>,
    pub version: Option<String>,
    pub board: Option<String>,
    /// A router-down alert was raised and no router-up since: the hysteresis state of
    /// `alerts::router_state`, owned by it alone (the poll commit leaves it alone).
    pub down_alerted: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
