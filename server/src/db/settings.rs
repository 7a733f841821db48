//! Reading and writing the settings row. Validation of admin input arrives with the settings
//! issue; until then the row holds the SPEC defaults written by the migration.

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};

use super::DbError;
use super::entities::settings;

/// The id of the one settings row.
pub const SETTINGS_ID: i32 = 1;

pub async fn load(db: &DatabaseConnection) -> Result<settings::Model, DbError> {
    settings::Entity::find_by_id(SETTINGS_ID)
        .one(db)
        .await?
        .ok_or_else(|| DbError::Query(sea_orm::DbErr::RecordNotFound("settings row 1".to_owned())))
}

/// Stores the given values as the settings row, stamping `updated_at`.
pub async fn save(
    db: &DatabaseConnection,
    values: settings::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<settings::Model, DbError> {
    let mut active = values.into_active_model().reset_all();
    active.id = Set(SETTINGS_ID);
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}
