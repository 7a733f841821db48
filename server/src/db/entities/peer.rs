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
    /// The admin's name for the peer (RouterOS's `name` above is refreshed every poll).
    pub display_name: Option<String>,
    /// Why wgmik holds the peer disabled: `quota`, `manual`, or none.
    pub disabled_reason: Option<String>,
    /// Start of the cycle in which wgmik disabled the peer for quota (the reset re-enables it
    /// once a later cycle has begun).
    pub quota_disabled_cycle: Option<DateTimeUtc>,
    /// An admin enabled the peer by hand while it was over its limit: no quota disable until then.
    pub quota_exempt_until: Option<DateTimeUtc>,
    /// Router state differing from wgmik's intent: `enabled_on_router`, `missing_on_router`.
    pub drift: Option<String>,
    pub drift_since: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
