//! Router down/up alerts with hysteresis. One failed poll is usually a blip (a busy router, a
//! dropped packet), so a router is declared down only after [`DOWN_AFTER_FAILURES`] failed
//! polls in a row, and declared up again at the first success after that. In between nothing
//! is raised, however long the outage, so an admin gets exactly one alert each way.
//!
//! The state lives in `router_health.down_alerted`; `consecutive_failures` beside it is kept
//! by the poll code (incremented on failure, reset on success) and only read here.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{NewAlert, enqueue};
use crate::db::DbError;
use crate::db::entities::{router, router_health};

/// Failed polls in a row before a router is declared down. At the default 30 s poll interval
/// that is about 1½ minutes of silence (the poll back-off can stretch it), long enough to ride
/// out a reboot-free blip and short enough to matter.
pub const DOWN_AFTER_FAILURES: i32 = 3;

/// Call after every poll of `router_id`, once its result has been recorded in
/// `router_health` (after the poll commit or `record_failure`). `error` is the poll error an
/// admin sees; without it the stored last error is used. Raises at most one alert.
pub async fn after_poll(
    db: &DatabaseConnection,
    router_id: i32,
    succeeded: bool,
    error: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    let Some(health) = router_health::Entity::find_by_id(router_id).one(db).await? else {
        // Never polled (or deleted meanwhile): nothing to be up or down.
        return Ok(());
    };
    let declare_down =
        !succeeded && !health.down_alerted && health.consecutive_failures >= DOWN_AFTER_FAILURES;
    let declare_up = succeeded && health.down_alerted;
    if !declare_down && !declare_up {
        return Ok(());
    }
    let Some(router) = router::Entity::find_by_id(router_id).one(db).await? else {
        return Ok(());
    };
    let txn = crate::db::begin_write(db).await?;
    // Flip the flag only from the state read above, so two callers racing on one router
    // cannot both raise the alert.
    let flipped = router_health::Entity::update_many()
        .col_expr(
            router_health::Column::DownAlerted,
            Expr::value(declare_down),
        )
        .filter(router_health::Column::RouterId.eq(router_id))
        .filter(router_health::Column::DownAlerted.eq(!declare_down))
        .exec(&txn)
        .await?;
    if flipped.rows_affected == 1 {
        let alert = if declare_down {
            NewAlert::router_down(
                &router,
                health.consecutive_failures,
                error.or(health.last_error.as_deref()),
                health.last_success_at,
                at,
            )
        } else {
            NewAlert::router_up(&router, at)
        };
        enqueue(&txn, alert, at).await?;
    }
    txn.commit().await?;
    Ok(())
}
