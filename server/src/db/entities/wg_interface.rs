//! A WireGuard interface of a router, and whether its peers are tracked.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wg_interfaces")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub router_id: i32,
    pub name: String,
    pub tracked: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
