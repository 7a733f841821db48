//! A counter reset seen on a peer, with its likely cause.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "counter_resets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub peer_id: i32,
    pub at: DateTimeUtc,
    /// `router_reboot` or `peer_reset`.
    pub cause: String,
    pub old_rx: i64,
    pub old_tx: i64,
    pub new_rx: i64,
    pub new_tx: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
