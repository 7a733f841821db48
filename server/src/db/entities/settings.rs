//! The single `settings` row (id = 1): run-time settings of SPEC §6.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub poll_interval_seconds: i32,
    pub online_threshold_seconds: i32,
    pub reset_day: i16,
    pub timezone: String,
    pub default_quota_gb: Option<i64>,
    pub enforcement_mode: String,
    pub reenable_at_reset: bool,
    pub router_tls_verify: bool,
    pub raw_retention_days: i32,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
