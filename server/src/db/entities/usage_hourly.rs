//! Hourly rollup, keyed by the UTC start of the hour (unambiguous across DST).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_hourly")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub peer_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub hour_start: DateTimeUtc,
    pub rx: i64,
    pub tx: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
