//! A peer's monthly quota (SPEC §5); no row means "use the default", counting total bytes.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quotas")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub peer_id: i32,
    /// `default`, `limit` or `unlimited`.
    pub mode: String,
    /// Set when `mode` is `limit`.
    pub limit_bytes: Option<i64>,
    /// `total`, `download` (router tx) or `upload` (router rx).
    pub direction: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
