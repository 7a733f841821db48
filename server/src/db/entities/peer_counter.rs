//! The last committed raw counters of a peer (the baseline of the next delta), and its open
//! hourly, daily and cycle sums.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "peer_counters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub peer_id: i32,
    pub rx: i64,
    pub tx: i64,
    pub polled_at: DateTimeUtc,
    pub last_handshake_at: Option<DateTimeUtc>,
    pub last_rx_moved_at: Option<DateTimeUtc>,
    /// Panel-side totals since the peer was first seen: they survive router reboots.
    pub total_rx: i64,
    pub total_tx: i64,
    /// The open hourly bucket (UTC hour start) and its sums: `usage_hourly` holds the closed
    /// hours only (see `accounting::open_bucket`).
    pub open_hour: Option<DateTimeUtc>,
    pub hour_rx: i64,
    pub hour_tx: i64,
    /// The open daily bucket (local date) and its sums, beside `usage_daily`'s closed days.
    pub open_day: Option<Date>,
    pub day_rx: i64,
    pub day_tx: i64,
    /// The open billing cycle (its label) and its sums, beside `usage_monthly`'s closed ones.
    pub open_cycle: Option<Date>,
    pub cycle_rx: i64,
    pub cycle_tx: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
