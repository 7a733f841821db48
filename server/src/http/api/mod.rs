//! The JSON API under `/api` (SPEC §8). Every handler takes an auth extractor as an argument,
//! so each route checks credentials itself — there is no path-prefix rule to forget — and
//! calls the same service functions the UI's server functions call.
//!
//! Routes are registered through utoipa-axum together with their OpenAPI description, so
//! `GET /api/openapi.json` lists exactly the routes the router serves (a test checks both
//! ways).

pub mod actions;
pub mod alerts;
pub mod body;
pub mod csv;
pub mod history;
pub mod metrics;
pub mod path;
pub mod peers;
pub mod query;
pub mod routers;
pub mod settings;
pub mod usage;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::FromRef;
use sea_orm::DatabaseConnection;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthState;
use crate::clock::Clock;

/// What every API handler shares.
#[derive(Clone)]
pub struct ApiState {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub auth: AuthState,
}

impl FromRef<ApiState> for AuthState {
    fn from_ref(state: &ApiState) -> Self {
        state.auth.clone()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wgmik API",
        description = "WireGuard usage accounting and quota enforcement for MikroTik RouterOS v7. \
            Every route needs a session cookie (from POST /api/session) or an \
            `Authorization: Bearer` API token. Byte counts are exact integers; `rx` is what the \
            router received from a peer (the peer's upload), `tx` what it sent (the peer's download)."
    ),
    components(schemas(crate::http::error::ErrorBody)),
    tags(
        (name = "auth"), (name = "routers"), (name = "peers"), (name = "usage"), (name = "quotas"),
        (name = "actions"), (name = "settings")
    )
)]
struct ApiDoc;

/// The API routes and their OpenAPI document, not yet bound to state.
pub fn router_and_doc() -> (Router<ApiState>, utoipa::openapi::OpenApi) {
    let mut doc = ApiDoc::openapi();
    // The auth routes are served by `auth::routes` (mounted beside this router); their
    // descriptions join the same document.
    doc.merge(crate::auth::routes::AuthDoc::openapi());
    OpenApiRouter::with_openapi(doc)
        .routes(routes!(routers::list, routers::create))
        .routes(routes!(routers::get, routers::patch, routers::delete))
        .routes(routes!(routers::test))
        .routes(routes!(routers::interfaces))
        .routes(routes!(routers::live_peers))
        .routes(routes!(routers::import))
        .routes(routes!(peers::list))
        .routes(routes!(peers::get, peers::patch))
        .routes(routes!(peers::quota))
        .routes(routes!(peers::enforce))
        .routes(routes!(peers::actions))
        .routes(routes!(peers::set_quota, peers::patch_quota))
        .routes(routes!(usage::peer_usage))
        .routes(routes!(usage::summary))
        .routes(routes!(usage::totals))
        .routes(routes!(csv::peer_usage_csv))
        .routes(routes!(csv::summary_csv))
        .routes(routes!(history::peer_resets))
        .routes(routes!(history::peer_samples))
        .routes(routes!(history::summary_daily))
        .routes(routes!(actions::list))
        .routes(routes!(alerts::list))
        .routes(routes!(settings::get, settings::put))
        .split_for_parts()
}

/// The OpenAPI document served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    router_and_doc().1
}

/// The whole API, bound to `state`: the routes, `/api/openapi.json` and `/metrics`.
pub fn routes<S>(state: ApiState) -> Router<S> {
    let (router, doc) = router_and_doc();
    let doc = Arc::new(doc);
    router
        .route(
            "/api/openapi.json",
            axum::routing::get(move |_: crate::auth::Principal| {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/metrics", axum::routing::get(metrics::metrics))
        .with_state(state)
}
