//! A raw sample: written only when a counter or the handshake moved.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_samples")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub peer_id: i32,
    pub at: DateTimeUtc,
    pub rx_counter: i64,
    pub tx_counter: i64,
    pub delta_rx: i64,
    pub delta_tx: i64,
    pub last_handshake_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
