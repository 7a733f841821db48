//! The audit log: every enforcement decision, manual action and drift observation (SPEC §5).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "actions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub router_id: i32,
    pub peer_id: Option<i32>,
    /// `disable`, `enable`, `would_disable`, `drift`.
    pub action: String,
    /// `quota`, `manual`, `reset`, `quota_raised`, `drift`, `missing`.
    pub reason: String,
    /// `system` or the admin's user name.
    pub actor: String,
    /// `ok`, `failed`, `dry_run`, `observed`.
    pub result: String,
    pub error: Option<String>,
    /// Start of the billing cycle the action belongs to (once-per-cycle records).
    pub cycle_start: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
