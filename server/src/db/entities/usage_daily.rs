//! Daily rollup, keyed by the local date in the configured timezone.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub peer_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub rx: i64,
    pub tx: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
