//! Inputs the API fuzzer (`scripts/api-fuzz.sh`, schemathesis over `/api/openapi.json`) found
//! to crash the server or answer 5xx, kept as regression tests on SQLite and PostgreSQL: each
//! must now be a JSON 4xx naming the offending field.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::Value;
use server::auth::AuthState;
use server::clock::{Clock, ManualClock};
use server::db::testing::all_backends;
use server::http::api::{ApiState, routes};
use tower::ServiceExt;

fn app_for(db: &DatabaseConnection) -> Router {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(Utc::now()));
    let auth = AuthState::new(db.clone(), clock.clone());
    routes(ApiState {
        db: db.clone(),
        clock,
        auth,
    })
}

async fn token(db: &DatabaseConnection) -> String {
    let created = server::auth::tokens::create(db, "inputs", None, Utc::now())
        .await
        .unwrap();
    created.secret().to_owned()
}

/// Status and JSON body of `method path` with `body` (JSON) as the token holder.
async fn call(
    app: &Router,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"));
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, json)
}

fn assert_invalid(reply: &(StatusCode, Value), field: &str, context: &str) {
    assert_eq!(reply.0, StatusCode::BAD_REQUEST, "{context}: {}", reply.1);
    assert_eq!(reply.1["error"], "invalid", "{context}: {}", reply.1);
    assert_eq!(reply.1["field"], field, "{context}: {}", reply.1);
}

/// An offset past i64::MAX made the SQLite driver panic (the connection dropped without an
/// answer); SQL's OFFSET is a signed 64-bit integer on both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offset_beyond_i64_is_refused_and_i64_max_is_served() {
    for test_db in all_backends("api_inputs_offset").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let app = app_for(db);
        let t = token(db).await;
        let reply = call(
            &app,
            &t,
            Method::GET,
            "/api/actions?offset=9223372036854775808",
            None,
        )
        .await;
        assert_invalid(&reply, "offset", &format!("{b:?}"));
        let reply = call(
            &app,
            &t,
            Method::GET,
            "/api/actions?offset=9223372036854775807",
            None,
        )
        .await;
        assert_eq!(reply.0, StatusCode::OK, "{b:?}: {}", reply.1);
        assert_eq!(reply.1, Value::Array(vec![]), "{b:?}");
        test_db.cleanup().await;
    }
}

/// An `{id}` outside i32 (or not a number) got axum's plain-text 400; now the JSON error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_that_is_not_an_i32_is_a_json_error_naming_id() {
    for test_db in all_backends("api_inputs_id").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let app = app_for(db);
        let t = token(db).await;
        for (method, path) in [
            (Method::GET, "/api/routers/2147483648"),
            (Method::GET, "/api/peers/abc/usage"),
            (Method::DELETE, "/api/routers/1.5"),
        ] {
            let reply = call(&app, &t, method, path, None).await;
            assert_invalid(&reply, "id", &format!("{b:?} {path}"));
        }
        test_db.cleanup().await;
    }
}
