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

/// A request and the error it must get: method, path, JSON body, status, field.
type Case = (
    Method,
    &'static str,
    Option<&'static str>,
    StatusCode,
    Option<&'static str>,
);

/// Every endpoint's bad inputs, as a table: a missing field, a wrong type, an out-of-range
/// value, an unknown id — each the documented JSON error, naming the field where one is to
/// blame, with nothing saved. Happy paths are in `tests/api.rs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_refuses_bad_input_with_the_documented_error() {
    for test_db in all_backends("api_inputs_table").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let app = app_for(db);
        let t = token(db).await;
        let router = r#"{"name":"r","host":"127.0.0.1","port":1,"transport":"rest","tls":false,"username":"u","password":"p"}"#;
        // (method, path, body, expected status, expected field)
        let cases: &[Case] = &[
            // Routers.
            (
                Method::POST,
                "/api/routers",
                Some(r#"{"host":"h","transport":"rest","username":"u","password":"p"}"#),
                StatusCode::BAD_REQUEST,
                Some("name"),
            ),
            (
                Method::POST,
                "/api/routers",
                Some(
                    r#"{"name":"r","host":"h","transport":"rest","username":"u","password":"p","port":"80"}"#,
                ),
                StatusCode::BAD_REQUEST,
                Some("port"),
            ),
            (
                Method::POST,
                "/api/routers",
                Some(
                    r#"{"name":"r","host":"h","transport":"rest","username":"u","password":"p","port":70000}"#,
                ),
                StatusCode::BAD_REQUEST,
                Some("port"),
            ),
            (
                Method::POST,
                "/api/routers",
                Some(
                    r#"{"name":"r","host":"h","transport":"telnet","username":"u","password":"p"}"#,
                ),
                StatusCode::BAD_REQUEST,
                Some("transport"),
            ),
            (
                Method::POST,
                "/api/routers",
                Some(r#"{"name":" ","host":"h","transport":"rest","username":"u","password":"p"}"#),
                StatusCode::BAD_REQUEST,
                Some("name"),
            ),
            (
                Method::POST,
                "/api/routers",
                Some(
                    r#"{"name":"r","host":"h","transport":"rest","username":"u","password":"p","tls_fingerprint":"zz"}"#,
                ),
                StatusCode::BAD_REQUEST,
                Some("tls_fingerprint"),
            ),
            (
                Method::POST,
                "/api/routers",
                Some("not json"),
                StatusCode::BAD_REQUEST,
                None,
            ),
            (
                Method::POST,
                "/api/routers/test",
                Some(r#"{"name":"r"}"#),
                StatusCode::BAD_REQUEST,
                Some("host"),
            ),
            (
                Method::POST,
                "/api/routers/test",
                Some(router),
                StatusCode::BAD_GATEWAY,
                None,
            ),
            (
                Method::GET,
                "/api/routers/424242",
                None,
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::PATCH,
                "/api/routers/424242",
                Some(r#"{"name":"x"}"#),
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::PATCH,
                "/api/routers/424242",
                Some(r#"{"port":0}"#),
                StatusCode::BAD_REQUEST,
                Some("port"),
            ),
            (
                Method::PATCH,
                "/api/routers/1",
                Some(r#"{"nmae":"x"}"#),
                StatusCode::BAD_REQUEST,
                Some("nmae"),
            ),
            (
                Method::DELETE,
                "/api/routers/424242",
                None,
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::GET,
                "/api/routers/424242/interfaces",
                None,
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::GET,
                "/api/routers/424242/peers",
                None,
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::POST,
                "/api/routers/424242/peers/import",
                Some(r#"{"interfaces":["wg0"]}"#),
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::POST,
                "/api/routers/1/peers/import",
                Some(r#"{}"#),
                StatusCode::BAD_REQUEST,
                Some("interfaces"),
            ),
            (
                Method::POST,
                "/api/routers/1/peers/import",
                Some(r#"{"interfaces":"wg0"}"#),
                StatusCode::BAD_REQUEST,
                Some("interfaces"),
            ),
            (
                Method::GET,
                "/api/routers/abc",
                None,
                StatusCode::BAD_REQUEST,
                Some("id"),
            ),
            // Peers.
            (
                Method::GET,
                "/api/peers?router_id=x",
                None,
                StatusCode::BAD_REQUEST,
                Some("router_id"),
            ),
            (
                Method::GET,
                "/api/peers?tracked=maybe",
                None,
                StatusCode::BAD_REQUEST,
                Some("tracked"),
            ),
            (
                Method::GET,
                "/api/peers?status=sleeping",
                None,
                StatusCode::BAD_REQUEST,
                Some("status"),
            ),
            (
                Method::GET,
                "/api/peers?sort=size",
                None,
                StatusCode::BAD_REQUEST,
                Some("sort"),
            ),
            (
                Method::GET,
                "/api/peers?order=up",
                None,
                StatusCode::BAD_REQUEST,
                Some("order"),
            ),
            (
                Method::GET,
                "/api/peers?per_page=0",
                None,
                StatusCode::BAD_REQUEST,
                Some("per_page"),
            ),
            (
                Method::GET,
                "/api/peers?page=-1",
                None,
                StatusCode::BAD_REQUEST,
                Some("page"),
            ),
            (
                Method::GET,
                "/api/peers/424242",
                None,
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::PATCH,
                "/api/peers/424242",
                Some(r#"{"tracked":false}"#),
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::PATCH,
                "/api/peers/1",
                Some(r#"{"tracked":"yes"}"#),
                StatusCode::BAD_REQUEST,
                Some("tracked"),
            ),
            (
                Method::GET,
                "/api/peers/424242/quota",
                None,
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::POST,
                "/api/peers/424242/enforce",
                Some(r#"{"action":"disable"}"#),
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::POST,
                "/api/peers/1/enforce",
                Some(r#"{"action":"pause"}"#),
                StatusCode::BAD_REQUEST,
                Some("action"),
            ),
            (
                Method::POST,
                "/api/peers/1/enforce",
                Some(r#"{}"#),
                StatusCode::BAD_REQUEST,
                Some("action"),
            ),
            (
                Method::GET,
                "/api/peers/424242/actions",
                None,
                StatusCode::NOT_FOUND,
                None,
            ),
            // Usage and summary.
            (
                Method::GET,
                "/api/peers/424242/usage",
                None,
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::GET,
                "/api/peers/1/usage?window=weekly",
                None,
                StatusCode::BAD_REQUEST,
                Some("window"),
            ),
            (
                Method::GET,
                "/api/peers/1/usage?from=yesterday",
                None,
                StatusCode::BAD_REQUEST,
                Some("from"),
            ),
            (
                Method::GET,
                "/api/peers/1/usage?from=2026-11-02&to=2026-11-01",
                None,
                StatusCode::BAD_REQUEST,
                Some("to"),
            ),
            (
                Method::GET,
                "/api/peers/424242/usage.csv",
                None,
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::GET,
                "/api/summary/month?sort=size",
                None,
                StatusCode::BAD_REQUEST,
                Some("sort"),
            ),
            (
                Method::GET,
                "/api/summary/month?per_page=5000",
                None,
                StatusCode::BAD_REQUEST,
                Some("per_page"),
            ),
            (
                Method::GET,
                "/api/summary/month.csv?page=2",
                None,
                StatusCode::BAD_REQUEST,
                Some("page"),
            ),
            // Quotas.
            (
                Method::POST,
                "/api/quotas",
                Some(r#"{"mode":"limit","limit_bytes":5}"#),
                StatusCode::BAD_REQUEST,
                Some("peer_id"),
            ),
            (
                Method::POST,
                "/api/quotas",
                Some(r#"{"peer_id":424242,"mode":"unlimited"}"#),
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::POST,
                "/api/quotas",
                Some(r#"{"peer_id":1,"mode":"monthly"}"#),
                StatusCode::BAD_REQUEST,
                Some("mode"),
            ),
            (
                Method::PATCH,
                "/api/quotas",
                Some(r#"{"peer_id":1,"mode":"limit","limit_bytes":-5}"#),
                StatusCode::BAD_REQUEST,
                Some("limit_bytes"),
            ),
            (
                Method::PATCH,
                "/api/quotas",
                Some(r#"{"peer_id":1,"mode":"limit","limit_bytes":"5"}"#),
                StatusCode::BAD_REQUEST,
                Some("limit_bytes"),
            ),
            (
                Method::POST,
                "/api/quotas",
                Some(r#"{"peer_id":1,"mode":"default","direction":"both"}"#),
                StatusCode::BAD_REQUEST,
                Some("direction"),
            ),
            // Audit log.
            (
                Method::GET,
                "/api/actions?since=soon",
                None,
                StatusCode::BAD_REQUEST,
                Some("since"),
            ),
            (
                Method::GET,
                "/api/actions?limit=0",
                None,
                StatusCode::BAD_REQUEST,
                Some("limit"),
            ),
            (
                Method::GET,
                "/api/alerts?limit=100000",
                None,
                StatusCode::BAD_REQUEST,
                Some("limit"),
            ),
            // Settings.
            (
                Method::PUT,
                "/api/settings",
                Some(r#"{"poll_interval_seconds":1}"#),
                StatusCode::BAD_REQUEST,
                Some("poll_interval_seconds"),
            ),
            (
                Method::PUT,
                "/api/settings",
                Some(r#"{"timezone":42}"#),
                StatusCode::BAD_REQUEST,
                Some("timezone"),
            ),
            (
                Method::PUT,
                "/api/settings",
                Some(r#"{"enforcement_mode":"strict"}"#),
                StatusCode::BAD_REQUEST,
                Some("enforcement_mode"),
            ),
            (
                Method::PUT,
                "/api/settings",
                Some(r#"{"colour":"blue"}"#),
                StatusCode::BAD_REQUEST,
                Some("colour"),
            ),
        ];
        let settings_before = server::db::settings::load(db).await.unwrap();
        for (method, path, body, status, field) in cases {
            let reply = call(&app, &t, method.clone(), path, *body).await;
            let context = format!("{b:?}: {method} {path} {body:?}");
            assert_eq!(reply.0, *status, "{context}: {}", reply.1);
            assert!(
                reply.1["error"].is_string() && reply.1["message"].is_string(),
                "{context}: not the documented error body: {}",
                reply.1
            );
            if let Some(field) = field {
                assert_eq!(reply.1["field"], *field, "{context}: {}", reply.1);
            }
        }
        // Nothing was saved by any refused request.
        assert_eq!(
            server::db::settings::load(db).await.unwrap(),
            settings_before,
            "{b:?}"
        );
        let routers = call(&app, &t, Method::GET, "/api/routers", None).await;
        assert_eq!(routers.1, serde_json::json!([]), "{b:?}");
        test_db.cleanup().await;
    }
}
