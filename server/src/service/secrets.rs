//! Start-up and rotation work on the secrets at rest (see `crate::secrets`): check that the
//! master key opens every stored secret (and stop start-up if not), seal values written by an
//! older wgmik in plaintext, and re-encrypt everything under a new key.

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};

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
    let txn = crate::db::begin_write(db).await?;
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
    let txn = crate::db::begin_write(db).await?;
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

/// The key file a rotation writes before it touches the database; start-up finishes an
/// interrupted rotation from it.
pub const PENDING_KEY_FILE: &str = "master.key.new";

/// Start-up: loads the master key (`WGMIK_MASTER_KEY`, else the key file in `data_dir`,
/// created 0600 when missing, with a warning), checks that it opens every stored secret,
/// seals plaintext left by older versions, and installs it for the process. A key that does
/// not open the stored secrets stops start-up; nothing is replaced.
pub async fn startup(
    db: &DatabaseConnection,
    data_dir: &std::path::Path,
) -> Result<crate::secrets::KeySource, StartupError> {
    let env = std::env::var(crate::secrets::MASTER_KEY_VAR).ok();
    let (key, source) = crate::secrets::load(env.as_deref(), data_dir)?;
    let outcome = verify_and_seal(db, &key).await;
    let (key, source, report) = match outcome {
        Ok(report) => (key, source, report),
        // A rotation that stopped after the database commit: the pending file has the key.
        Err(SecretsError::Router { .. } | SecretsError::Settings(_))
            if env.is_none() && data_dir.join(PENDING_KEY_FILE).exists() =>
        {
            let pending =
                std::fs::read_to_string(data_dir.join(PENDING_KEY_FILE)).map_err(|err| {
                    StartupError::Key(SecretError::KeyFile {
                        path: data_dir.join(PENDING_KEY_FILE).display().to_string(),
                        reason: err.to_string(),
                    })
                })?;
            let key = MasterKey::from_base64(&pending)?;
            let report = verify_and_seal(db, &key).await?;
            std::fs::rename(
                data_dir.join(PENDING_KEY_FILE),
                data_dir.join(crate::secrets::KEY_FILE),
            )
            .map_err(|err| {
                StartupError::Key(SecretError::KeyFile {
                    path: data_dir
                        .join(crate::secrets::KEY_FILE)
                        .display()
                        .to_string(),
                    reason: err.to_string(),
                })
            })?;
            tracing::warn!("finished an interrupted master-key rotation");
            (
                key,
                crate::secrets::KeySource::ExistingFile(data_dir.join(crate::secrets::KEY_FILE)),
                report,
            )
        }
        Err(err) => return Err(err.into()),
    };
    match &source {
        crate::secrets::KeySource::CreatedFile(path) => tracing::warn!(
            path = %path.display(),
            "{} is not set: created a master key file (mode 0600); back it up with the \
             database, or set {} for production",
            crate::secrets::MASTER_KEY_VAR,
            crate::secrets::MASTER_KEY_VAR
        ),
        crate::secrets::KeySource::ExistingFile(path) => {
            tracing::info!(path = %path.display(), "master key read from the key file");
        }
        crate::secrets::KeySource::Environment => {
            tracing::info!("master key read from {}", crate::secrets::MASTER_KEY_VAR);
        }
    }
    if report.sealed > 0 {
        tracing::info!(
            sealed = report.sealed,
            "encrypted secrets stored in plaintext by an older version"
        );
    }
    crate::secrets::install(key);
    Ok(source)
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("master key: {0}")]
    Key(#[from] SecretError),
    #[error("stored secrets: {0}")]
    Secrets(#[from] SecretsError),
}

/// `wgmik rotate-master-key`: a new key, every secret re-encrypted under it in one
/// transaction. With a key file the new key is written to `master.key.new` first and renamed
/// over `master.key` after the commit (start-up finishes the rename if interrupted); with
/// `WGMIK_MASTER_KEY` the new key is returned for the caller to print.
pub async fn rotate_master_key(
    db: &DatabaseConnection,
    data_dir: &std::path::Path,
) -> Result<(MasterKey, crate::secrets::KeySource), StartupError> {
    let env = std::env::var(crate::secrets::MASTER_KEY_VAR).ok();
    let (old, source) = crate::secrets::load(env.as_deref(), data_dir)?;
    verify_and_seal(db, &old).await?;
    let new = MasterKey::generate()?;
    let file_error = |path: std::path::PathBuf, err: std::io::Error| {
        StartupError::Key(SecretError::KeyFile {
            path: path.display().to_string(),
            reason: err.to_string(),
        })
    };
    let uses_file = !matches!(source, crate::secrets::KeySource::Environment);
    let pending = data_dir.join(PENDING_KEY_FILE);
    if uses_file {
        crate::secrets::write_key_file(&pending, &new)
            .map_err(|e| file_error(pending.clone(), e))?;
    }
    rotate(db, &old, &new).await?;
    if uses_file {
        let target = data_dir.join(crate::secrets::KEY_FILE);
        std::fs::rename(&pending, &target).map_err(|e| file_error(target.clone(), e))?;
    }
    Ok((new, source))
}
