//! API tokens for automation: `wgm_` + 32 random bytes (base64url), shown once at creation
//! and stored as SHA-256 hex. Lists show the name, the 8-character prefix and the dates,
//! never the token. A revoked token is kept (its row is the audit trail) and never accepted.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::Serialize;

use super::secret::{random_secret, sha256_hex};
use crate::db::entities::api_token;

/// Marks a string as ours, so it stands out in a leaked log or a secret scanner.
pub const TOKEN_PREFIX: &str = "wgm_";
pub const SHOWN_PREFIX_CHARS: usize = 8;
pub const MAX_NAME_CHARS: usize = 100;
/// `last_used_at` is informative; writing it more than once a minute buys nothing.
const TOUCH_AFTER: TimeDelta = TimeDelta::minutes(1);

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    InvalidName(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// A token just made: the only time the secret exists outside the caller's hands. `Debug`
/// hides it; [`CreatedToken::secret`] is the one way to read it.
pub struct CreatedToken {
    pub id: i32,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    secret: String,
}

impl CreatedToken {
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("prefix", &self.prefix)
            .field("created_at", &self.created_at)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A token as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: i32,
    pub name: String,
    pub prefix: String,
    pub user_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenInfo {
    fn from(row: api_token::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            user_id: row.user_id,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

pub fn normalize_name(raw: &str) -> Result<String, TokenError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(TokenError::InvalidName(
            "the token name must not be empty".to_owned(),
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(TokenError::InvalidName(format!(
            "the token name must be at most {MAX_NAME_CHARS} characters long"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(TokenError::InvalidName(
            "the token name must not contain control characters".to_owned(),
        ));
    }
    Ok(name.to_owned())
}

pub async fn create(
    db: &DatabaseConnection,
    name: &str,
    user_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<CreatedToken, TokenError> {
    let name = normalize_name(name)?;
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let prefix: String = secret.chars().take(SHOWN_PREFIX_CHARS).collect();
    let row = api_token::ActiveModel {
        name: Set(name),
        token_hash: Set(sha256_hex(&secret)),
        prefix: Set(prefix),
        user_id: Set(user_id),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(CreatedToken {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at,
        secret,
    })
}

/// Every token, revoked ones included, oldest first.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<TokenInfo>, DbErr> {
    Ok(api_token::Entity::find()
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(TokenInfo::from)
        .collect())
}

/// False when no token has this id. Revoking twice keeps the first date.
pub async fn revoke(db: &DatabaseConnection, id: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let Some(row) = api_token::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    if row.revoked_at.is_none() {
        let mut active: api_token::ActiveModel = row.into();
        active.revoked_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(true)
}

/// The live token for a presented secret: `None` when unknown, malformed or revoked.
pub async fn lookup(
    db: &DatabaseConnection,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Option<api_token::Model>, DbErr> {
    if !presented.starts_with(TOKEN_PREFIX) || presented.len() > 128 {
        return Ok(None);
    }
    let Some(row) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(sha256_hex(presented)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.revoked_at.is_some() {
        return Ok(None);
    }
    if row.last_used_at.is_none_or(|at| now - at >= TOUCH_AFTER) {
        let mut active: api_token::ActiveModel = row.clone().into();
        active.last_used_at = Set(Some(now));
        return Ok(Some(active.update(db).await?));
    }
    Ok(Some(row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(normalize_name(" ci ").ok().as_deref(), Some("ci"));
        assert!(normalize_name("").is_err());
        assert!(normalize_name(&"n".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn created_token_debug_hides_the_secret() {
        let token = CreatedToken {
            id: 1,
            name: "ci".to_owned(),
            prefix: "wgm_abcd".to_owned(),
            created_at: Utc::now(),
            secret: "wgm_abcdSECRETSECRET".to_owned(),
        };
        assert!(!format!("{token:?}").contains("SECRET"));
    }
}
