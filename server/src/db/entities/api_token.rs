//! An API token for automation (issue #6): stored as the SHA-256 hex of the token, with the
//! first characters kept apart so a list can tell tokens apart without revealing them.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The first 8 characters (`wgm_` and 4 more): shown in lists, useless to log in.
    pub prefix: String,
    /// Who made it; null for tokens made on the command line.
    pub user_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
