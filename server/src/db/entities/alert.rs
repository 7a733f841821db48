//! One alert in the webhook outbox (issue #5): what happened, the exact JSON body sent, and
//! where its delivery stands. Rows outlive delivery as the alert history.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The stable event name, e.g. `quota_80` or `router_down` (see `alerts::AlertKind`).
    pub kind: String,
    pub router_id: Option<i32>,
    pub peer_id: Option<i32>,
    /// Unique: a second alert with the same key is dropped, which is how a quota threshold
    /// fires once per cycle.
    #[sea_orm(unique)]
    pub dedupe_key: String,
    /// The exact request body, so the signature a receiver checks is over these bytes.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub created_at: DateTimeUtc,
    /// `pending`, `delivered`, `failed` (gave up) or `no_url` (no webhook configured).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
