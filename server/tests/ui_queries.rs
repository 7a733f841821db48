//! The read-only routes the dashboard and the peer page added (issue #7), on SQLite and
//! PostgreSQL, through the real axum router: the cycle's daily totals over tracked peers only
//! (from the routers' daily sums, untracked peers and days outside the cycle left out, and
//! the same after migration 000010 rebuilds those sums from the per-peer rows), a peer's
//! counter resets and its recent raw samples newest first and bounded, and 404 for a peer that
//! does not exist.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use server::auth::AuthState;
use server::clock::{Clock, ManualClock};
use server::db::entities::{counter_reset, peer, raw_sample, usage_router_daily};
use server::db::testing::all_backends;
use server::http::api::{ApiState, routes};
use tower::ServiceExt;

async fn get(app: &Router, path: &str, token: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let value =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"));
    (status, value)
}

fn app_for(db: &DatabaseConnection, clock: Arc<ManualClock>) -> Router {
    let clock: Arc<dyn Clock> = clock;
    let auth = AuthState::new(db.clone(), clock.clone());
    routes(ApiState {
        db: db.clone(),
        clock,
        auth,
    })
}

async fn new_peer(
    db: &DatabaseConnection,
    router_id: i32,
    key: &str,
    tracked: bool,
    now: DateTime<Utc>,
) -> peer::Model {
    peer::ActiveModel {
        router_id: Set(router_id),
        interface: Set("wg0".into()),
        public_key: Set(key.into()),
        ros_id: Set(Some("*1".into())),
        name: Set(Some(format!("peer-{key}"))),
        comment: Set(None),
        allowed_address: Set(None),
        endpoint_address: Set(None),
        tracked: Set(tracked),
        disabled: Set(false),
        dynamic: Set(false),
        missing_on_router: Set(false),
        first_seen_at: Set(now),
        last_listed_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

async fn daily(db: &DatabaseConnection, peer_id: i32, day: NaiveDate, rx: i64, tx: i64) {
    server::db::testing::add_daily_usage(db, peer_id, day, rx, tx)
        .await
        .unwrap();
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_and_peer_page_queries() {
    for test_db in all_backends("ui_queries").await {
        let db = &test_db.db;
        let b = test_db.backend;
        // Settings default: reset day 1, UTC; the cycle is November 2026.
        let now = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(now));
        let app = app_for(db, clock);
        let token = server::auth::tokens::create(db, "ui", None, now)
            .await
            .unwrap();
        let t = token.secret().to_owned();

        let router = server::db::testing::offline_router(db, "edge", now)
            .await
            .unwrap();
        let a = new_peer(db, router.id, "a", true, now).await;
        let c = new_peer(db, router.id, "c", true, now).await;
        let untracked = new_peer(db, router.id, "u", false, now).await;
        let other_router = server::db::testing::offline_router(db, "core", now)
            .await
            .unwrap();
        let elsewhere = new_peer(db, other_router.id, "e", true, now).await;

        // Sums beyond 2^31 prove the cast keeps 64-bit integers on both backends.
        daily(db, a.id, date(2026, 11, 1), 5_000_000_000, 7_000_000_000).await;
        daily(db, c.id, date(2026, 11, 1), 1, 2).await;
        daily(db, elsewhere.id, date(2026, 11, 1), 100, 200).await;
        daily(db, a.id, date(2026, 11, 9), 10, 20).await;
        // An untracked peer's history (accounted while it was tracked) is left out, and a day
        // only it had traffic on is not listed.
        daily(db, untracked.id, date(2026, 11, 9), 1_000, 1_000).await;
        daily(db, untracked.id, date(2026, 11, 5), 7, 7).await;
        // The previous cycle's last day is left out.
        daily(db, a.id, date(2026, 10, 31), 99, 99).await;
        let expected_days = json!([
            {"date": "2026-11-01", "rx": 5_000_000_101_u64, "tx": 7_000_000_202_u64},
            {"date": "2026-11-09", "rx": 10, "tx": 20},
        ]);

        let (status, body) = get(&app, "/api/summary/daily", &t).await;
        assert_eq!(status, StatusCode::OK, "{b:?}: {body}");
        assert_eq!(body["cycle_start"], "2026-11-01T00:00:00Z", "{b:?}");
        assert_eq!(body["cycle_end"], "2026-12-01T00:00:00Z", "{b:?}");
        assert_eq!(body["timezone"], "UTC");
        assert_eq!(body["days"], expected_days, "{b:?}");

        // Migration 000010 fills the routers' daily sums from the per-peer rows of an older
        // database: undo it (the table is dropped) and redo it, and the chart is the same.
        let router_rows = || async {
            usage_router_daily::Entity::find()
                .order_by_asc(usage_router_daily::Column::Day)
                .order_by_asc(usage_router_daily::Column::RouterId)
                .all(db)
                .await
                .unwrap()
        };
        let kept = router_rows().await;
        assert_eq!(kept.len(), 5, "{b:?}: {kept:?}");
        Migrator::down(db, Some(1)).await.unwrap();
        Migrator::up(db, None).await.unwrap();
        assert_eq!(router_rows().await, kept, "{b:?}: backfill");
        let (status, body) = get(&app, "/api/summary/daily", &t).await;
        assert_eq!(status, StatusCode::OK, "{b:?}: {body}");
        assert_eq!(body["days"], expected_days, "{b:?}: after the backfill");

        // An untracked peer tracked again brings its history back into the chart.
        let mut back = peer::ActiveModel::from(untracked.clone());
        back.tracked = Set(true);
        back.update(db).await.unwrap();
        let (_, body) = get(&app, "/api/summary/daily", &t).await;
        assert_eq!(
            body["days"],
            json!([
                {"date": "2026-11-01", "rx": 5_000_000_101_u64, "tx": 7_000_000_202_u64},
                {"date": "2026-11-05", "rx": 7, "tx": 7},
                {"date": "2026-11-09", "rx": 1_010, "tx": 1_020},
            ]),
            "{b:?}"
        );
        let mut again = peer::ActiveModel::from(untracked.clone());
        again.tracked = Set(false);
        again.update(db).await.unwrap();
        let (status, body) = get(&app, "/api/summary/daily?from=2026-11-01", &t).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b:?}: {body}");
        assert_eq!(body["field"], "from");

        // Counter resets, newest first, bounded by `limit`.
        for (minutes, cause) in [
            (90, "router_reboot"),
            (30, "peer_reset"),
            (60, "peer_reset"),
        ] {
            counter_reset::ActiveModel {
                peer_id: Set(a.id),
                at: Set(now - TimeDelta::minutes(minutes)),
                cause: Set(cause.into()),
                old_rx: Set(100),
                old_tx: Set(200),
                new_rx: Set(1),
                new_tx: Set(2),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
        }
        let (status, body) = get(&app, &format!("/api/peers/{}/resets", a.id), &t).await;
        assert_eq!(status, StatusCode::OK, "{b:?}: {body}");
        let causes: Vec<&str> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cause"].as_str().unwrap())
            .collect();
        assert_eq!(
            causes,
            ["peer_reset", "peer_reset", "router_reboot"],
            "{b:?}"
        );
        assert_eq!(body[0]["at"], "2026-11-10T11:30:00Z", "{b:?}");
        assert_eq!(body[0]["old_tx"], 200);
        let (_, body) = get(&app, &format!("/api/peers/{}/resets?limit=1", a.id), &t).await;
        assert_eq!(body.as_array().unwrap().len(), 1, "{b:?}");
        let (_, body) = get(&app, &format!("/api/peers/{}/resets", c.id), &t).await;
        assert_eq!(body, json!([]), "{b:?}");

        // Raw samples: the last 24 hours by default, newest first, at most `limit`.
        for hours_ago in [30_i64, 5, 1, 3] {
            raw_sample::ActiveModel {
                peer_id: Set(a.id),
                at: Set(now - TimeDelta::hours(hours_ago)),
                rx_counter: Set(1_000 - hours_ago),
                tx_counter: Set(2_000 - hours_ago),
                delta_rx: Set(hours_ago),
                delta_tx: Set(hours_ago * 2),
                last_handshake_at: Set(Some(now - TimeDelta::hours(hours_ago))),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
        }
        let (status, body) = get(&app, &format!("/api/peers/{}/samples", a.id), &t).await;
        assert_eq!(status, StatusCode::OK, "{b:?}: {body}");
        let deltas: Vec<u64> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["delta_rx"].as_u64().unwrap())
            .collect();
        assert_eq!(deltas, [1, 3, 5], "{b:?}");
        assert_eq!(body[0]["tx_counter"], 1_999);
        assert_eq!(body[0]["delta_tx"], 2);
        let (_, body) = get(
            &app,
            &format!("/api/peers/{}/samples?limit=2&since=2026-11-08", a.id),
            &t,
        )
        .await;
        assert_eq!(body.as_array().unwrap().len(), 2, "{b:?}");
        let (status, body) = get(&app, &format!("/api/peers/{}/samples?limit=0", a.id), &t).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b:?}");
        assert_eq!(body["field"], "limit");

        // An unknown peer is a JSON 404 on both routes.
        for path in ["/api/peers/999999/resets", "/api/peers/999999/samples"] {
            let (status, body) = get(&app, path, &t).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{b:?}: {path}");
            assert_eq!(body["error"], "not_found");
        }
        test_db.cleanup().await;
    }
}
