//! Liveness and readiness probes for load balancers, Docker and Kubernetes. Both are open
//! (no auth) and say nothing beyond up/down.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use sea_orm::DatabaseConnection;

/// `GET /healthz`: the process serves requests. `GET /readyz`: and its database answers.
pub fn routes<S: Clone + Send + Sync + 'static>(db: DatabaseConnection) -> Router<S> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(db)
}

async fn readyz(State(db): State<DatabaseConnection>) -> (StatusCode, &'static str) {
    if crate::db::is_reachable(&db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
