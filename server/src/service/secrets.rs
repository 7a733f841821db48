//! Start-up and rotation work on the secrets at rest (see `crate::secrets`): check that the
//! master key opens every stored secret (and stop start-up if not), seal values written by an
//! older wgmik in plaintext, and re-encrypt everything under a new key.

use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set, TransactionTrait,
};

use crate::db::DbError;
use crate::db::entities::{router, settings as settings_entity};
use crate::db::settings::SETTINGS_ID;
use crate::secrets::{MasterKey, SecretError, WEBHOOK_CONTEXT, is_encrypted, router_context};

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("router {name:?} (id {id}): {source}")]
    Router {
        id: i32,
        name: String,
        source: SecretError,
    },
    #[error("settings: {0}")]
    Settings(SecretError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sea_orm::DbErr> for SecretsError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// What start-up found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealReport {
    /// Secrets the key opened.
    pub verified: usize,
    /// Plaintext values from an older version, now sealed.
    pub sealed: usize,
}

/// Checks every stored secret against `key` and seals plaintext ones, in one transaction. Any
/// secret the key cannot open is an error and nothing is changed.
pub async fn verify_and_seal(
    db: &DatabaseConnection,
    key: &MasterKey,
) -> Result<SealReport, SecretsError> {
    let txn = db.begin().await?;
    let mut report = SealReport::default();
    for row in router::Entity::find().all(&txn).await? {
        let context = router_context(row.id);
        if is_encrypted(&row.password_secret) {
            key.decrypt(&row.password_secret, &context)
                .map_err(|source| SecretsError::Router {
                    id: row.id,
                    name: row.name.clone(),
                    source,
                })?;
            report.verified += 1;
        } else {
            let sealed = key
                .encrypt(&row.password_secret, &context)
                .map_err(|source| SecretsError::Router {
                    id: row.id,
                    name: row.name.clone(),
                    source,
                })?;
            let mut active = row.into_active_model();
            active.password_secret = Set(sealed);
            active.update(&txn).await?;
            report.sealed += 1;
        }
    }
    if let Some(row) = settings_entity::Entity::find_by_id(SETTINGS_ID)
        .one(&txn)
        .await?
        && let Some(secret) = row.webhook_secret.clone().filter(|s| !s.is_empty())
    {
        if is_encrypted(&secret) {
            key.decrypt(&secret, WEBHOOK_CONTEXT)
                .map_err(SecretsError::Settings)?;
            report.verified += 1;
        } else {
            let sealed = key
                .encrypt(&secret, WEBHOOK_CONTEXT)
                .map_err(SecretsError::Settings)?;
            let mut active = row.into_active_model();
            active.webhook_secret = Set(Some(sealed));
            active.update(&txn).await?;
            report.sealed += 1;
        }
    }
    txn.commit().await?;
    Ok(report)
}

/// Re-encrypts every secret from `old` to `new` in one transaction: all or nothing.
pub async fn rotate(
    db: &DatabaseConnection,
    old: &MasterKey,
    new: &MasterKey,
) -> Result<usize, SecretsError> {
    let txn = db.begin().await?;
    let mut count = 0;
    for row in router::Entity::find().all(&txn).await? {
        let context = router_context(row.id);
        let wrap = |source| SecretsError::Router {
            id: row.id,
            name: row.name.clone(),
            source,
        };
        let plain = if is_encrypted(&row.password_secret) {
            old.decrypt(&row.password_secret, &context).map_err(wrap)?
        } else {
            row.password_secret.clone()
        };
        let sealed = new.encrypt(&plain, &context).map_err(wrap)?;
        let mut active = row.into_active_model();
        active.password_secret = Set(sealed);
        active.update(&txn).await?;
        count += 1;
    }
    if let Some(row) = settings_entity::Entity::find_by_id(SETTINGS_ID)
        .one(&txn)
        .await?
        && let Some(secret) = row.webhook_secret.clone().filter(|s| !s.is_empty())
    {
        let plain = if is_encrypted(&secret) {
            old.decrypt(&secret, WEBHOOK_CONTEXT)
                .map_err(SecretsError::Settings)?
        } else {
            secret
        };
        let sealed = new
            .encrypt(&plain, WEBHOOK_CONTEXT)
            .map_err(SecretsError::Settings)?;
        let mut active = row.into_active_model();
        active.webhook_secret = Set(Some(sealed));
        active.update(&txn).await?;
        count += 1;
    }
    txn.commit().await?;
    Ok(count)
}

/// The webhook secret in clear (values from before encryption at rest are plaintext).
pub fn open_webhook_secret(stored: &str) -> Result<String, SecretError> {
    if is_encrypted(stored) {
        crate::secrets::installed()?.decrypt(stored, WEBHOOK_CONTEXT)
    } else {
        Ok(stored.to_owned())
    }
}
