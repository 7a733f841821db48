//! The last committed raw counters of a peer: the baseline of the next delta.
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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
