//! A router wgmik polls. The password column holds the secret as stored (encryption at rest arrives with the security issue).
use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub host: String,
    /// `rest` or `api`.
    pub transport: String,
    /// None = the default port of the transport and TLS choice.
    pub port: Option<i32>,
    pub tls: bool,
    /// None = follow the global `router_tls_verify` setting.
    pub tls_verify: Option<bool>,
    pub tls_fingerprint: Option<String>,
    pub username: String,
    pub password_secret: String,
    pub poll_enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Debug for Model {
    // The password never reaches logs, even through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("host", &self.host)
            .field("transport", &self.transport)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("tls_verify", &self.tls_verify)
            .field("tls_fingerprint", &self.tls_fingerprint)
            .field("username", &self.username)
            .field("password_secret", &"***")
            .field("poll_enabled", &self.poll_enabled)
            .finish_non_exhaustive()
    }
}
