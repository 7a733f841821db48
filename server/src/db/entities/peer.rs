//! A WireGuard peer, identified by (router, interface, public key); tracked or merely seen.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "peers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub router_id: i32,
    pub interface: String,
    pub public_key: String,
    /// RouterOS `.id`: only for writes, re-read when a write fails.
    pub ros_id: Option<String>,
    pub name: Option<String>,
    pub comment: Option<String>,
    pub allowed_address: Option<String>,
    pub endpoint_address: Option<String>,
    pub tracked: bool,
    pub disabled: bool,
    pub dynamic: bool,
    pub missing_on_router: bool,
    pub first_seen_at: DateTimeUtc,
    pub last_listed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
