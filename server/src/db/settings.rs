//! Reading and writing the settings row. Validation lives in `service::settings`; this module
//! only moves the row in and out, on a connection or inside a caller's transaction.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set};

use super::DbError;
use super::entities::settings;

/// The id of the one settings row.
pub const SETTINGS_ID: i32 = 1;

pub async fn load<C: ConnectionTrait>(db: &C) -> Result<settings::Model, DbError> {
    load_in(db).await
}

/// [`load`] on any connection, including a transaction.
pub async fn load_in<C: ConnectionTrait>(db: &C) -> Result<settings::Model, DbError> {
    settings::Entity::find_by_id(SETTINGS_ID)
        .one(db)
        .await?
        .ok_or_else(|| DbError::Query(sea_orm::DbErr::RecordNotFound("settings row 1".to_owned())))
}

/// Stores the given values as the settings row, stamping `updated_at`.
pub async fn save<C: ConnectionTrait>(
    db: &C,
    values: settings::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<settings::Model, DbError> {
    save_in(db, values, now).await
}

/// [`save`] on any connection, including a transaction.
pub async fn save_in<C: ConnectionTrait>(
    db: &C,
    values: settings::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<settings::Model, DbError> {
    let mut active = values.into_active_model().reset_all();
    active.id = Set(SETTINGS_ID);
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}
