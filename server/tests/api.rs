//! The JSON API end to end (SPEC §8) on SQLite and PostgreSQL, through the real axum router,
//! against routeros-sim: every route refuses a caller without credentials, the OpenAPI
//! document matches the routes, and a token-holding client adds a router (after a test that
//! reports identity, version and board, or the typed error), imports peers, reads the numbers
//! a poll produced, sets a quota, disables and enables a peer on the router, reads the audit
//! log, exports CSV, changes settings (with a refused bad value), and scrapes /metrics.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{TimeDelta, TimeZone, Utc};
use routeros_sim::{SimConfig, Simulator, TrafficProfile};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use server::auth::AuthState;
use server::clock::{Clock, ManualClock};
use server::db::testing::all_backends;
use server::http::api::{ApiState, openapi, routes};
use server::routeros::RouterClient;
use server::scheduler::poll::{poll_once, rollup_settings};
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text))
    }
}

async fn call(
    app: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn app_for(db: &DatabaseConnection, clock: Arc<ManualClock>) -> Router {
    let clock: Arc<dyn Clock> = clock;
    let auth = AuthState::new(db.clone(), clock.clone());
    let state = ApiState {
        db: db.clone(),
        clock,
        auth: auth.clone(),
    };
    // As `wgmik serve` mounts them: the API and the auth routes side by side.
    routes(state).merge(server::auth::routes().with_state(auth))
}

/// The routes that are open by design: logging in and first-run setup.
const OPEN: [(&str, &str); 3] = [
    ("POST", "/api/session"),
    ("GET", "/api/setup"),
    ("POST", "/api/setup"),
];

/// Every documented route, with `{id}` filled in.
fn documented_routes() -> Vec<(Method, String)> {
    documented_routes_with("1")
}

fn documented_routes_with(id: &str) -> Vec<(Method, String)> {
    let doc = serde_json::to_value(openapi()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            out.push((method, path.replace("{id}", id)));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_a_caller_without_credentials() {
    for test_db in all_backends("api_unauthenticated").await {
        let db = &test_db.db;
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let app = app_for(db, clock);
        let mut routes = documented_routes();
        assert!(
            routes.len() >= 32,
            "the document lists {} routes",
            routes.len()
        );
        routes.push((Method::GET, "/api/openapi.json".to_owned()));
        routes.push((Method::GET, "/metrics".to_owned()));
        for (method, path) in &routes {
            if OPEN.contains(&(method.as_str(), path.as_str())) {
                continue;
            }
            for token in [None, Some("wgm_not-a-real-token")] {
                let reply = call(&app, method.clone(), path, token, Some(json!({}))).await;
                assert_eq!(
                    reply.status,
                    StatusCode::UNAUTHORIZED,
                    "{:?}: {method} {path} with {token:?}: {}",
                    test_db.backend,
                    reply.text
                );
                assert_eq!(reply.json()["error"], "unauthorized");
            }
        }
        test_db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_end_to_end_against_routeros_sim() {
    for test_db in all_backends("api_end_to_end").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let start = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let app = app_for(db, clock.clone());
        let token = server::auth::tokens::create(db, "ci", None, start)
            .await
            .unwrap();
        let token = token.secret().to_owned();
        let t = Some(token.as_str());

        // The OpenAPI document is served and every documented route exists (a route the
        // router lacks answers 404/405 with no JSON error body).
        let doc = call(&app, Method::GET, "/api/openapi.json", t, None).await;
        assert_eq!(doc.status, StatusCode::OK, "{b:?}");
        assert!(doc.json()["paths"]["/api/summary/month"].is_object());
        for (method, path) in documented_routes_with("999999") {
            let reply = call(&app, method.clone(), &path, t, Some(json!({}))).await;
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            if reply.status == StatusCode::NOT_FOUND {
                assert!(
                    reply.text.contains("\"error\""),
                    "{b:?}: {method} {path} is documented but not routed"
                );
            }
        }

        let sim = Simulator::start(SimConfig {
            routers: 1,
            peers_per_router: 6,
            interfaces_per_router: 2,
            seed: 11,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let handle = sim.router(0).clone();
        for p in handle.peers() {
            handle.set_peer_profile(
                &p.public_key,
                TrafficProfile::Constant {
                    rx_per_sec: 1_000,
                    tx_per_sec: 3_000,
                },
            );
        }
        let router_json = |password: &str, port: u16| {
            json!({
                "name": "edge-1", "host": "127.0.0.1", "port": port, "transport": "rest",
                "tls": false, "username": handle.user, "password": password,
            })
        };

        // Test without saving: identity, version, board — or the typed error in words.
        let ok = call(
            &app,
            Method::POST,
            "/api/routers/test",
            t,
            Some(router_json(&handle.password, handle.rest_http)),
        )
        .await;
        assert_eq!(ok.status, StatusCode::OK, "{b:?}: {}", ok.text);
        assert_eq!(ok.json()["identity"], handle.identity);
        assert!(ok.json()["version"].as_str().unwrap().starts_with('7'));
        assert!(!ok.json()["board"].as_str().unwrap().is_empty());
        let wrong = call(
            &app,
            Method::POST,
            "/api/routers/test",
            t,
            Some(router_json("nope", handle.rest_http)),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::BAD_GATEWAY);
        assert_eq!(wrong.json()["error"], "router_auth", "{}", wrong.text);
        let closed = call(
            &app,
            Method::POST,
            "/api/routers/test",
            t,
            Some(router_json("x", 1)),
        )
        .await;
        assert_eq!(
            closed.json()["error"],
            "router_unreachable",
            "{}",
            closed.text
        );
        let bad = call(&app, Method::POST, "/api/routers/test", t, Some(json!({"name": "x", "host": "h", "transport": "ssh", "username": "u", "password": "p"}))).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.json()["field"], "transport");
        let missing = call(
            &app,
            Method::POST,
            "/api/routers",
            t,
            Some(json!({"name": "x"})),
        )
        .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        assert_eq!(missing.json()["field"], "host", "{}", missing.text);

        // Add it; the password never comes back.
        let created = call(
            &app,
            Method::POST,
            "/api/routers",
            t,
            Some(router_json(&handle.password, handle.rest_http)),
        )
        .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{b:?}: {}",
            created.text
        );
        assert!(!created.text.contains(&handle.password), "{}", created.text);
        assert!(created.json().get("password").is_none());
        let router_id = created.json()["id"].as_i64().unwrap();
        let again = call(
            &app,
            Method::POST,
            "/api/routers",
            t,
            Some(router_json(&handle.password, handle.rest_http)),
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert_eq!(again.json()["field"], "name");
        let list = call(&app, Method::GET, "/api/routers", t, None).await;
        assert!(!list.text.contains(&handle.password));

        // The wizard's reads: interfaces and live peers with pre-selection.
        let ifaces = call(
            &app,
            Method::GET,
            &format!("/api/routers/{router_id}/interfaces"),
            t,
            None,
        )
        .await;
        assert_eq!(ifaces.status, StatusCode::OK, "{}", ifaces.text);
        let names: Vec<String> = ifaces
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names.len(), 2);
        let live = call(
            &app,
            Method::GET,
            &format!("/api/routers/{router_id}/peers"),
            t,
            None,
        )
        .await;
        let live = live.json();
        for p in live.as_array().unwrap() {
            let outbound = !p["endpoint_address"].is_null();
            assert_eq!(
                p["default_selected"],
                !outbound && p["dynamic"] == false,
                "{p}"
            );
            assert_eq!(p["tracked"], false);
        }
        let unknown = call(
            &app,
            Method::POST,
            &format!("/api/routers/{router_id}/peers/import"),
            t,
            Some(json!({"interfaces": ["wg-nope"]})),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(unknown.json()["field"], "interfaces");
        let imported = call(
            &app,
            Method::POST,
            &format!("/api/routers/{router_id}/peers/import"),
            t,
            Some(json!({"interfaces": names})),
        )
        .await;
        assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
        let expected = live
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["default_selected"] == true)
            .count();
        assert_eq!(imported.json()["imported"], expected);

        // Two polls, 60 s of constant traffic.
        let stored = {
            use sea_orm::EntityTrait;
            server::db::entities::router::Entity::find_by_id(i32::try_from(router_id).unwrap())
                .one(db)
                .await
                .unwrap()
                .unwrap()
        };
        let client = RouterClient::new(
            server::db::routers::endpoint(&stored, false, Duration::from_secs(10)).unwrap(),
        )
        .unwrap();
        for _ in 0..2 {
            sim.advance(Duration::from_secs(30));
            clock.advance(TimeDelta::seconds(30));
            let settings = server::db::settings::load(db).await.unwrap();
            poll_once(
                db,
                stored.id,
                &client,
                &handle.identity,
                rollup_settings(&settings).unwrap(),
                clock.as_ref(),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        }

        // The numbers: every tracked peer carried 60 s × (1,000 up + 3,000 down) — unless
        // the simulator keeps it silent (never connected / disabled), so compare with its ledger.
        let summary = call(&app, Method::GET, "/api/summary/month", t, None).await;
        assert_eq!(summary.status, StatusCode::OK, "{}", summary.text);
        let summary = summary.json();
        assert_eq!(summary["total_peers"], expected);
        let ledger = handle.ledger();
        let mut want_rx = 0u64;
        let mut want_tx = 0u64;
        for p in summary["peers"].as_array().unwrap() {
            let entry = ledger
                .iter()
                .find(|e| e.public_key == p["public_key"].as_str().unwrap())
                .unwrap();
            assert_eq!(p["cycle_rx"], entry.observed_rx, "{p}");
            assert_eq!(p["cycle_tx"], entry.observed_tx, "{p}");
            want_rx += entry.observed_rx;
            want_tx += entry.observed_tx;
        }
        assert_eq!(summary["total_rx"], want_rx);
        assert_eq!(summary["total_tx"], want_tx);
        assert!(want_tx > 0, "traffic moved");
        let peer = summary["peers"][0].clone();
        let peer_id = peer["id"].as_i64().unwrap();
        assert_eq!(summary["peers"][0]["status"], "online");

        let one = call(&app, Method::GET, &format!("/api/peers/{peer_id}"), t, None)
            .await
            .json();
        for field in [
            "id",
            "router_id",
            "interface",
            "public_key",
            "name",
            "comment",
            "tracked",
            "disabled",
            "disabled_reason",
            "status",
            "online",
            "last_seen_at",
            "last_handshake_at",
            "status_as_of",
            "cycle_rx",
            "cycle_tx",
            "quota",
        ] {
            assert!(one.get(field).is_some(), "peer lacks {field}: {one}");
        }
        let listed = call(
            &app,
            Method::GET,
            "/api/peers?tracked=true&sort=download&order=desc&per_page=2",
            t,
            None,
        )
        .await;
        assert_eq!(
            listed.headers["x-total-count"],
            expected.to_string().as_str()
        );
        assert_eq!(listed.json().as_array().unwrap().len(), 2.min(expected));
        let typo = call(&app, Method::GET, "/api/peers?sorting=name", t, None).await;
        assert_eq!(typo.json()["field"], "sorting");
        let renamed = call(
            &app,
            Method::PATCH,
            &format!("/api/peers/{peer_id}"),
            t,
            Some(json!({"name": "Alice, \"home\""})),
        )
        .await;
        assert_eq!(
            renamed.json()["name"],
            "Alice, \"home\"",
            "{}",
            renamed.text
        );

        // Usage series.
        let series = call(
            &app,
            Method::GET,
            &format!("/api/peers/{peer_id}/usage?window=raw"),
            t,
            None,
        )
        .await;
        assert_eq!(series.status, StatusCode::OK, "{}", series.text);
        let raw_tx: u64 = series.json()["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["tx"].as_u64().unwrap())
            .sum();
        assert_eq!(raw_tx, peer["cycle_tx"].as_u64().unwrap());
        let bad_window = call(
            &app,
            Method::GET,
            &format!("/api/peers/{peer_id}/usage?window=weekly"),
            t,
            None,
        )
        .await;
        assert_eq!(bad_window.json()["field"], "window");

        // Quota: invalid refused naming the field; valid returns the quota state.
        let invalid = call(
            &app,
            Method::POST,
            "/api/quotas",
            t,
            Some(json!({"peer_id": peer_id, "mode": "limit"})),
        )
        .await;
        assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
        assert_eq!(invalid.json()["field"], "limit_bytes");
        let quota = call(&app, Method::POST, "/api/quotas", t, Some(json!({"peer_id": peer_id, "mode": "limit", "limit_bytes": 1_000_000, "direction": "download"}))).await;
        assert_eq!(quota.status, StatusCode::OK, "{}", quota.text);
        assert_eq!(quota.json()["limit_bytes"], 1_000_000);
        assert_eq!(quota.json()["used_bytes"], peer["cycle_tx"]);
        let state = call(
            &app,
            Method::GET,
            &format!("/api/peers/{peer_id}/quota"),
            t,
            None,
        )
        .await
        .json();
        assert_eq!(state["cycle_start"], "2026-11-01T00:00:00Z");

        // Manual disable and enable act on the router at once, with the caller as actor.
        let key = peer["public_key"].as_str().unwrap().to_owned();
        let on_router = |key: &str| {
            handle
                .peers()
                .into_iter()
                .find(|p| p.public_key == key)
                .unwrap()
                .disabled
        };
        let disabled = call(
            &app,
            Method::POST,
            &format!("/api/peers/{peer_id}/enforce"),
            t,
            Some(json!({"action": "disable"})),
        )
        .await;
        assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
        assert_eq!(disabled.json()["disabled_reason"], "manual");
        assert!(on_router(&key));
        let enabled = call(
            &app,
            Method::POST,
            &format!("/api/peers/{peer_id}/enforce"),
            t,
            Some(json!({"action": "enable"})),
        )
        .await;
        assert_eq!(enabled.json()["disabled"], false);
        assert!(!on_router(&key));
        let log = call(
            &app,
            Method::GET,
            &format!("/api/peers/{peer_id}/actions"),
            t,
            None,
        )
        .await
        .json();
        let log = log.as_array().unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0]["action"], "enable");
        assert_eq!(log[1]["action"], "disable");
        assert!(
            log.iter()
                .all(|a| a["actor"] == "token:ci" && a["result"] == "ok"),
            "{log:?}"
        );
        let audit = call(&app, Method::GET, "/api/actions?actor=token:ci", t, None)
            .await
            .json();
        assert_eq!(audit.as_array().unwrap().len(), 2);
        // Both manual actions raised an alert, visible with its delivery state.
        let alerts = call(&app, Method::GET, "/api/alerts", t, None).await.json();
        let kinds: Vec<&str> = alerts
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["peer_enabled", "peer_disabled"], "{alerts}");
        assert_eq!(alerts[0]["payload"]["peer"]["id"], peer_id);

        // CSV: header, CRLF, quoting, both time columns.
        let csv = call(&app, Method::GET, "/api/summary/month.csv", t, None).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let mut lines = csv.text.split("\r\n");
        let header = lines.next().unwrap();
        assert!(
            header.starts_with("peer_id,router_id,interface,public_key,name"),
            "{header}"
        );
        assert!(header.contains("last_seen_local,last_seen_utc"));
        assert!(csv.text.contains("\"Alice, \"\"home\"\"\""), "{}", csv.text);
        assert_eq!(csv.text.matches("\r\n").count(), expected + 1);
        let usage_csv = call(
            &app,
            Method::GET,
            &format!("/api/peers/{peer_id}/usage.csv?window=hourly"),
            t,
            None,
        )
        .await;
        assert!(
            usage_csv.text.starts_with(
                "peer_id,window,start_local,start_utc,download_bytes,upload_bytes,total_bytes\r\n"
            ),
            "{}",
            usage_csv.text
        );

        // Settings: a bad value is refused naming the field; a good one is returned whole.
        let refused = call(
            &app,
            Method::PUT,
            "/api/settings",
            t,
            Some(json!({"reset_day": 31})),
        )
        .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.json()["field"], "reset_day");
        let saved = call(
            &app,
            Method::PUT,
            "/api/settings",
            t,
            Some(json!({"poll_interval_seconds": 60, "webhook_secret": "shh-very-secret"})),
        )
        .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        assert_eq!(saved.json()["poll_interval_seconds"], 60);
        assert_eq!(saved.json()["webhook_secret_set"], true);
        assert!(!saved.text.contains("shh-very-secret"));

        // Metrics with the token.
        let metrics = call(&app, Method::GET, "/metrics", t, None).await;
        assert_eq!(metrics.status, StatusCode::OK, "{}", metrics.text);
        assert!(
            metrics.text.contains(&format!(
                "wgmik_peer_download_bytes_total{{peer_id=\"{peer_id}\""
            )),
            "{}",
            metrics.text
        );
        assert!(metrics.text.contains("wgmik_router_up{"));
        assert!(
            !metrics.text.contains("127.0.0.1"),
            "no endpoints in labels"
        );

        // Deleting the router removes its peers.
        let gone = call(
            &app,
            Method::DELETE,
            &format!("/api/routers/{router_id}"),
            t,
            None,
        )
        .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        let after = call(&app, Method::GET, &format!("/api/peers/{peer_id}"), t, None).await;
        assert_eq!(after.status, StatusCode::NOT_FOUND);
        sim.shutdown().await;
        test_db.cleanup().await;
    }
}
