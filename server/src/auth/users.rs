//! Admin accounts. There are no default credentials: the first admin comes from the setup page
//! or, headlessly, from `WGMIK_ADMIN_USER` and `WGMIK_ADMIN_PASSWORD`; both paths go through
//! [`create_admin`], which refuses once any admin exists.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set, SqlErr,
};

use super::password::{self, PasswordError};
use crate::db::entities::user;

pub const ADMIN_USER_VAR: &str = "WGMIK_ADMIN_USER";
pub const ADMIN_PASSWORD_VAR: &str = "WGMIK_ADMIN_PASSWORD";
pub const MAX_USERNAME_CHARS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    InvalidUsername(String),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("an admin already exists; log in instead")]
    AdminExists,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Usernames are compared as stored; surrounding spaces are dropped on the way in (here and at
/// login) because nobody means them.
pub fn normalize_username(raw: &str) -> Result<String, UserError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(UserError::InvalidUsername(
            "the username must not be empty".to_owned(),
        ));
    }
    if name.chars().count() > MAX_USERNAME_CHARS {
        return Err(UserError::InvalidUsername(format!(
            "the username must be at most {MAX_USERNAME_CHARS} characters long"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(UserError::InvalidUsername(
            "the username must not contain control characters".to_owned(),
        ));
    }
    Ok(name.to_owned())
}

pub async fn admin_exists(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(user::Entity::find().count(db).await? > 0)
}

pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await
}

/// Creates the first admin. Refused when any admin exists; two racing calls cannot both win,
/// because the row takes the unique `setup_slot` 1.
pub async fn create_admin(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<user::Model, UserError> {
    let username = normalize_username(username)?;
    password::check_strength(password)?;
    if admin_exists(db).await? {
        return Err(UserError::AdminExists);
    }
    let password_hash = password::hash_blocking(password.to_owned()).await?;
    let row = user::ActiveModel {
        username: Set(username),
        password_hash: Set(password_hash),
        setup_slot: Set(Some(1)),
        created_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    };
    match row.insert(db).await {
        Ok(model) => Ok(model),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(UserError::AdminExists)
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn record_login(
    db: &DatabaseConnection,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(
            user::Column::LastLoginAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// What start-up did about the headless admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// Neither variable is set: the setup page will ask.
    NotConfigured,
    /// An admin exists already; the variables were ignored.
    AlreadyExists,
    Created {
        username: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("{set} is set but {missing} is not: set both to create the first admin, or neither")]
    Missing {
        set: &'static str,
        missing: &'static str,
    },
    #[error("cannot create the admin from {ADMIN_USER_VAR}/{ADMIN_PASSWORD_VAR}: {0}")]
    User(#[from] UserError),
}

/// Creates the first admin from the given values (the environment's, in production). Empty
/// values count as unset.
pub async fn bootstrap(
    db: &DatabaseConnection,
    username: Option<&str>,
    password: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Bootstrap, BootstrapError> {
    let username = username.filter(|v| !v.is_empty());
    let password = password.filter(|v| !v.is_empty());
    let (username, password) = match (username, password) {
        (None, None) => return Ok(Bootstrap::NotConfigured),
        (Some(_), None) => {
            return Err(BootstrapError::Missing {
                set: ADMIN_USER_VAR,
                missing: ADMIN_PASSWORD_VAR,
            });
        }
        (None, Some(_)) => {
            return Err(BootstrapError::Missing {
                set: ADMIN_PASSWORD_VAR,
                missing: ADMIN_USER_VAR,
            });
        }
        (Some(u), Some(p)) => (u, p),
    };
    if admin_exists(db).await.map_err(UserError::from)? {
        tracing::info!("an admin exists; {ADMIN_USER_VAR} and {ADMIN_PASSWORD_VAR} are ignored");
        return Ok(Bootstrap::AlreadyExists);
    }
    match create_admin(db, username, password, now).await {
        Ok(user) => {
            tracing::info!(username = %user.username, "created the first admin from {ADMIN_USER_VAR}");
            Ok(Bootstrap::Created {
                username: user.username,
            })
        }
        // Another instance won the race: that is the outcome we wanted.
        Err(UserError::AdminExists) => Ok(Bootstrap::AlreadyExists),
        Err(err) => Err(err.into()),
    }
}

/// [`bootstrap`] with `WGMIK_ADMIN_USER` and `WGMIK_ADMIN_PASSWORD`.
pub async fn bootstrap_from_env(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Bootstrap, BootstrapError> {
    let username = std::env::var(ADMIN_USER_VAR).ok();
    let password = std::env::var(ADMIN_PASSWORD_VAR).ok();
    bootstrap(db, username.as_deref(), password.as_deref(), now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_checked() {
        assert_eq!(
            normalize_username("  admin ").ok().as_deref(),
            Some("admin")
        );
        assert!(normalize_username("   ").is_err());
        assert!(normalize_username("a\u{7}b").is_err());
        assert!(normalize_username(&"x".repeat(MAX_USERNAME_CHARS + 1)).is_err());
    }
}
