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
    /// The billing calendar in force (see `accounting::calendar`): `timezone`/`reset_day` are
    /// what the admin chose; they take over at `cycle_change_at`, the next cycle boundary.
    pub cycle_timezone: String,
    pub cycle_reset_day: i16,
    pub cycle_anchor: Option<DateTimeUtc>,
    pub cycle_change_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
