//! Alerts (issue #5) on both backends: quota thresholds fire once per peer and cycle, even
//! when enqueued inside a caller's transaction; deliveries reach a real local HTTP receiver
//! signed so that the receiver's check passes (and fails under a wrong secret); failures back
//! off and are recorded; no URL means `no_url`; routers are declared down after three failed
//! polls in a row and up at the next success, once each.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, TransactionTrait,
};
use server::alerts::router_state::{DOWN_AFTER_FAILURES, after_poll};
use server::alerts::signature::verify;
use server::alerts::{AlertKind, NewAlert, enqueue, recent};
use server::db::entities::{alert, peer, router, router_health};
use server::db::poll_commit::{PollReading, RollupSettings, commit_poll, record_failure};
use server::db::testing::all_backends;
use server::routeros::SystemResource;
use server::scheduler::alerts::{DeliveryReport, backoff, deliver_due, webhook_client};

const SECRET: &str = "s3cret-for-tests";

async fn new_router(db: &DatabaseConnection, name: &str, now: DateTime<Utc>) -> router::Model {
    server::db::testing::offline_router(db, name, now)
        .await
        .unwrap()
}

async fn new_peer(
    db: &DatabaseConnection,
    router_id: i32,
    key: &str,
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
        tracked: Set(true),
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

async fn set_webhook(
    db: &DatabaseConnection,
    url: Option<String>,
    secret: Option<&str>,
    now: DateTime<Utc>,
) {
    let mut row = server::db::settings::load(db).await.unwrap();
    row.webhook_url = url;
    row.webhook_secret = secret.map(str::to_owned);
    server::db::settings::save(db, row, now).await.unwrap();
}

async fn alerts(db: &DatabaseConnection) -> Vec<alert::Model> {
    let mut rows = recent(db, 1_000).await.unwrap();
    rows.reverse();
    rows
}

async fn count_kind(db: &DatabaseConnection, kind: AlertKind) -> u64 {
    alert::Entity::find()
        .filter(alert::Column::Kind.eq(kind.as_str()))
        .count(db)
        .await
        .unwrap()
}

/// What the receiver saw of one request.
#[derive(Debug, Clone)]
struct Received {
    body: Vec<u8>,
    signature: String,
    event: String,
    delivery: String,
    content_type: String,
    /// The receiver's own check with the shared secret.
    verified: bool,
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Status codes to answer, in order; 200 once empty.
    answers: VecDeque<u16>,
}

type Shared = Arc<Mutex<ReceiverState>>;

async fn receive(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let signature = header("x-wgmik-signature");
    let mut state = state.lock().unwrap();
    state.received.push(Received {
        verified: verify(SECRET.as_bytes(), &body, &signature),
        body: body.to_vec(),
        signature,
        event: header("x-wgmik-event"),
        delivery: header("x-wgmik-delivery"),
        content_type: header("content-type"),
    });
    let code = state.answers.pop_front().unwrap_or(200);
    StatusCode::from_u16(code).unwrap()
}

/// A webhook receiver on 127.0.0.1:0; returns its URL (with a path that must not show up in
/// error messages) and its state.
async fn receiver() -> (String, Shared, tokio::task::JoinHandle<()>) {
    let state = Shared::default();
    let app = axum::Router::new()
        .route("/hook/private-token", axum::routing::post(receive))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/hook/private-token"), state, task)
}

#[tokio::test]
async fn thresholds_fire_once_per_cycle() {
    let now = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
    let cycle = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let next_cycle = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    for test_db in all_backends("alerts_thresholds").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let router = new_router(db, "r", now).await;
        let p = new_peer(db, router.id, "K1", now).await;
        let other = new_peer(db, router.id, "K2", now).await;
        let quota = |percent, peer: &peer::Model, start, at| {
            NewAlert::quota_threshold(percent, peer, start, 850, 1_000, at).unwrap()
        };

        assert!(
            enqueue(db, quota(80, &p, cycle, now), now).await.unwrap(),
            "{b:?}"
        );
        // Seen again by every later enforcement pass of the cycle: stored once.
        let later = now + TimeDelta::minutes(5);
        assert!(
            !enqueue(db, quota(80, &p, cycle, later), later)
                .await
                .unwrap(),
            "{b:?}"
        );
        assert_eq!(count_kind(db, AlertKind::QuotaWarning).await, 1, "{b:?}");
        // Another threshold, another peer and the next cycle are each new.
        assert!(
            enqueue(db, quota(100, &p, cycle, later), later)
                .await
                .unwrap(),
            "{b:?}"
        );
        assert!(
            enqueue(db, quota(80, &other, cycle, later), later)
                .await
                .unwrap(),
            "{b:?}"
        );
        let december = next_cycle + TimeDelta::days(2);
        assert!(
            enqueue(db, quota(80, &p, next_cycle, december), december)
                .await
                .unwrap(),
            "{b:?}"
        );
        assert!(
            !enqueue(db, quota(80, &p, next_cycle, december), december)
                .await
                .unwrap(),
            "{b:?}"
        );
        assert_eq!(count_kind(db, AlertKind::QuotaWarning).await, 3, "{b:?}");
        assert_eq!(count_kind(db, AlertKind::QuotaExceeded).await, 1, "{b:?}");

        // Inside a caller's transaction: gone with a rollback, kept with a commit, and a
        // duplicate inside the transaction does not abort it (PostgreSQL would on an error).
        let txn = db.begin().await.unwrap();
        let disabled = NewAlert::peer_action(false, &p, "quota", "system", december);
        assert!(
            enqueue(&txn, disabled.clone(), december).await.unwrap(),
            "{b:?}"
        );
        txn.rollback().await.unwrap();
        assert_eq!(count_kind(db, AlertKind::PeerDisabled).await, 0, "{b:?}");
        let txn = db.begin().await.unwrap();
        assert!(
            enqueue(&txn, disabled.clone(), december).await.unwrap(),
            "{b:?}"
        );
        assert!(
            !enqueue(&txn, quota(80, &p, next_cycle, december), december)
                .await
                .unwrap()
        );
        assert!(!enqueue(&txn, disabled, december).await.unwrap(), "{b:?}");
        txn.commit().await.unwrap();
        assert_eq!(count_kind(db, AlertKind::PeerDisabled).await, 1, "{b:?}");
        // A later, separate disable is a separate event.
        let again = december + TimeDelta::days(1);
        let enabled = NewAlert::peer_action(true, &p, "manual", "admin", again);
        assert!(enqueue(db, enabled, again).await.unwrap(), "{b:?}");
        let disabled =
            NewAlert::peer_action(false, &p, "manual", "admin", again + TimeDelta::seconds(1));
        assert!(enqueue(db, disabled, again).await.unwrap(), "{b:?}");
        assert_eq!(count_kind(db, AlertKind::PeerDisabled).await, 2, "{b:?}");

        let rows = alerts(db).await;
        assert!(
            rows.iter()
                .all(|a| a.status == "pending" && a.attempts == 0),
            "{b:?}"
        );
        let first: serde_json::Value = serde_json::from_str(&rows[0].payload).unwrap();
        assert_eq!(first["event"], "quota_80");
        assert_eq!(first["peer"]["id"], p.id);
        assert_eq!(first["peer"]["name"], "peer-K1");
        assert_eq!(first["used_bytes"], 850);
        assert_eq!(first["limit_bytes"], 1_000);
        assert_eq!(first["cycle_start"], "2026-11-01T00:00:00Z");
        assert!(rows.iter().all(|a| !a.payload.contains("router-password")));
        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn deliveries_are_signed_and_verify() {
    let now = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
    let cycle = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let http = webhook_client().unwrap();
    for test_db in all_backends("alerts_signed").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let (url, state, task) = receiver().await;
        set_webhook(db, Some(url), Some(SECRET), now).await;
        let router = new_router(db, "r", now).await;
        let p = new_peer(db, router.id, "K1", now).await;
        let quota = NewAlert::quota_threshold(100, &p, cycle, 1_200, 1_000, now).unwrap();
        enqueue(db, quota, now).await.unwrap();
        enqueue(
            db,
            NewAlert::peer_action(false, &p, "quota", "system", now),
            now,
        )
        .await
        .unwrap();

        let report = deliver_due(db, &http, now).await.unwrap();
        assert_eq!(report.delivered, 2, "{b:?}: {report:?}");
        let rows = alerts(db).await;
        let got = state.lock().unwrap().received.clone();
        assert_eq!(got.len(), 2, "{b:?}");
        for (row, req) in rows.iter().zip(&got) {
            assert_eq!(row.status, "delivered", "{b:?}");
            assert_eq!(row.attempts, 1, "{b:?}");
            assert_eq!(row.delivered_at, Some(now), "{b:?}");
            assert_eq!(row.next_attempt_at, None, "{b:?}");
            assert_eq!(
                req.body,
                row.payload.as_bytes(),
                "{b:?}: the stored payload is the body"
            );
            assert!(req.verified, "{b:?}: the receiver's check passes");
            assert!(req.signature.starts_with("sha256="), "{b:?}");
            assert!(!verify(b"wrong secret", &req.body, &req.signature), "{b:?}");
            assert_eq!(req.event, row.kind, "{b:?}");
            assert_eq!(req.delivery, row.id.to_string(), "{b:?}");
            assert_eq!(req.content_type, "application/json", "{b:?}");
        }
        assert_eq!(got[0].event, "quota_100");
        assert_eq!(got[1].event, "peer_disabled");
        let body: serde_json::Value = serde_json::from_slice(&got[1].body).unwrap();
        assert_eq!(body["reason"], "quota");
        assert_eq!(body["actor"], "system");
        assert!(!String::from_utf8_lossy(&got[0].body).contains(SECRET));

        // Nothing left to send.
        let again = deliver_due(db, &http, now + TimeDelta::minutes(1))
            .await
            .unwrap();
        assert_eq!(again, DeliveryReport::default(), "{b:?}");
        assert_eq!(state.lock().unwrap().received.len(), 2, "{b:?}");
        task.abort();
        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn failures_back_off_and_stay_visible() {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
    let http = webhook_client().unwrap();
    for test_db in all_backends("alerts_retry").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let (url, state, task) = receiver().await;
        state.lock().unwrap().answers.extend([500, 500]);
        set_webhook(db, Some(url.clone()), Some(SECRET), t0).await;
        let router = new_router(db, "r", t0).await;
        let p = new_peer(db, router.id, "K1", t0).await;
        enqueue(
            db,
            NewAlert::peer_action(false, &p, "manual", "admin", t0),
            t0,
        )
        .await
        .unwrap();

        let first = deliver_due(db, &http, t0).await.unwrap();
        assert_eq!((first.delivered, first.retrying), (0, 1), "{b:?}");
        let row = &alerts(db).await[0];
        assert_eq!(row.status, "pending", "{b:?}");
        assert_eq!(row.attempts, 1, "{b:?}");
        assert_eq!(
            row.next_attempt_at,
            Some(t0 + TimeDelta::seconds(30)),
            "{b:?}"
        );
        let error = row.last_error.clone().unwrap();
        assert!(
            error.contains("HTTP 500") && error.contains("127.0.0.1:"),
            "{b:?}: {error}"
        );
        assert!(!error.contains("private-token"), "{b:?}: {error}");

        // Not due yet: nothing is sent.
        let early = deliver_due(db, &http, t0 + TimeDelta::seconds(29))
            .await
            .unwrap();
        assert_eq!(early, DeliveryReport::default(), "{b:?}");
        let t1 = t0 + TimeDelta::seconds(30);
        let second = deliver_due(db, &http, t1).await.unwrap();
        assert_eq!(second.retrying, 1, "{b:?}");
        let row = &alerts(db).await[0];
        assert_eq!(row.attempts, 2, "{b:?}");
        assert_eq!(row.next_attempt_at, Some(t1 + backoff(2)), "{b:?}");
        assert_eq!(backoff(2), TimeDelta::seconds(60));

        let t2 = t1 + TimeDelta::seconds(60);
        let third = deliver_due(db, &http, t2).await.unwrap();
        assert_eq!(third.delivered, 1, "{b:?}");
        let row = &alerts(db).await[0];
        assert_eq!(
            (row.status.as_str(), row.attempts),
            ("delivered", 3),
            "{b:?}"
        );
        assert_eq!(row.delivered_at, Some(t2), "{b:?}");
        let got = state.lock().unwrap().received.clone();
        assert_eq!(got.len(), 3, "{b:?}");
        assert!(
            got.iter()
                .all(|r| r.verified && r.delivery == row.id.to_string())
        );

        // The tenth failure gives up: `failed`, kept with its error, never tried again.
        let t3 = t2 + TimeDelta::minutes(1);
        enqueue(
            db,
            NewAlert::peer_action(true, &p, "manual", "admin", t3),
            t3,
        )
        .await
        .unwrap();
        let id = alerts(db).await[1].id;
        alert::ActiveModel {
            id: sea_orm::Unchanged(id),
            attempts: Set(9),
            ..Default::default()
        }
        .update(db)
        .await
        .unwrap();
        state.lock().unwrap().answers.push_back(503);
        let last = deliver_due(db, &http, t3).await.unwrap();
        assert_eq!((last.failed, last.retrying), (1, 0), "{b:?}");
        let row = &alerts(db).await[1];
        assert_eq!((row.status.as_str(), row.attempts), ("failed", 10), "{b:?}");
        assert_eq!(row.next_attempt_at, None, "{b:?}");
        assert!(row.last_error.as_deref().unwrap().contains("503"), "{b:?}");
        let later = deliver_due(db, &http, t3 + TimeDelta::days(1))
            .await
            .unwrap();
        assert_eq!(later, DeliveryReport::default(), "{b:?}");

        // A receiver that is gone: a connection error, in plain words, naming the host only.
        task.abort();
        let _ = task.await;
        let t4 = t3 + TimeDelta::minutes(1);
        enqueue(
            db,
            NewAlert::peer_action(false, &p, "manual", "admin", t4),
            t4,
        )
        .await
        .unwrap();
        let gone = deliver_due(db, &http, t4).await.unwrap();
        assert_eq!(gone.retrying, 1, "{b:?}");
        let error = alerts(db).await[2].last_error.clone().unwrap();
        assert!(
            error.starts_with("cannot connect to the webhook at 127.0.0.1:"),
            "{b:?}: {error}"
        );
        assert!(!error.contains("private-token"), "{b:?}: {error}");
        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn no_url_is_recorded_and_no_secret_waits() {
    let now = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
    let http = webhook_client().unwrap();
    for test_db in all_backends("alerts_no_url").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let router = new_router(db, "r", now).await;
        let p = new_peer(db, router.id, "K1", now).await;
        enqueue(
            db,
            NewAlert::peer_action(false, &p, "manual", "admin", now),
            now,
        )
        .await
        .unwrap();
        let report = deliver_due(db, &http, now).await.unwrap();
        assert_eq!(report.no_url, 1, "{b:?}");
        let row = &alerts(db).await[0];
        assert_eq!((row.status.as_str(), row.attempts), ("no_url", 0), "{b:?}");
        assert_eq!(row.next_attempt_at, None, "{b:?}");

        // A URL but no secret: nothing is sent unsigned; the alert waits, saying why.
        let (url, state, task) = receiver().await;
        set_webhook(db, Some(url.clone()), Some(""), now).await;
        let t1 = now + TimeDelta::seconds(1);
        enqueue(
            db,
            NewAlert::peer_action(true, &p, "manual", "admin", t1),
            t1,
        )
        .await
        .unwrap();
        let report = deliver_due(db, &http, t1).await.unwrap();
        assert_eq!(report.retrying, 1, "{b:?}");
        let row = &alerts(db).await[1];
        assert_eq!(row.status, "pending", "{b:?}");
        assert_eq!(
            row.next_attempt_at,
            Some(t1 + TimeDelta::seconds(30)),
            "{b:?}"
        );
        assert!(
            row.last_error
                .as_deref()
                .unwrap()
                .contains("webhook_secret is not set")
        );
        assert!(state.lock().unwrap().received.is_empty(), "{b:?}");

        // The secret is set later: the next due pass delivers, no restart needed.
        set_webhook(db, Some(url), Some(SECRET), t1).await;
        let report = deliver_due(db, &http, t1 + TimeDelta::seconds(30))
            .await
            .unwrap();
        assert_eq!(report.delivered, 1, "{b:?}: {report:?}");
        assert!(state.lock().unwrap().received[0].verified, "{b:?}");
        task.abort();
        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn router_down_and_up_with_hysteresis() {
    assert_eq!(DOWN_AFTER_FAILURES, 3);
    let t0 = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
    let rollup = RollupSettings::fixed(
        chrono_tz::UTC,
        server::accounting::cycle::ResetDay::new(1).unwrap(),
    );
    for test_db in all_backends("alerts_router").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let router = new_router(db, "edge-1", t0).await;
        let rid = router.id;
        let mut at = t0;
        let mut uptime = 1_000;
        let fail = |at: DateTime<Utc>| async move {
            record_failure(db, rid, at, Duration::from_millis(5), "connection refused")
                .await
                .unwrap();
            after_poll(db, rid, false, Some("connection refused"), at)
                .await
                .unwrap();
        };
        let succeed = |at: DateTime<Utc>, uptime: u64| async move {
            commit_poll(
                db,
                rid,
                &reading(at, uptime),
                rollup,
                Duration::from_millis(5),
            )
            .await
            .unwrap();
            after_poll(db, rid, true, None, at).await.unwrap();
        };
        let counts = || async {
            (
                count_kind(db, AlertKind::RouterDown).await,
                count_kind(db, AlertKind::RouterUp).await,
            )
        };

        succeed(at, uptime).await;
        assert_eq!(
            counts().await,
            (0, 0),
            "{b:?}: a healthy router raises nothing"
        );
        for (failure, expected) in [
            (1, (0, 0)),
            (2, (0, 0)),
            (3, (1, 0)),
            (4, (1, 0)),
            (5, (1, 0)),
        ] {
            at += TimeDelta::seconds(30);
            fail(at).await;
            assert_eq!(counts().await, expected, "{b:?}: after failure {failure}");
        }
        let health = router_health::Entity::find_by_id(router.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(health.down_alerted, "{b:?}");
        assert_eq!(health.consecutive_failures, 5, "{b:?}");
        let down: serde_json::Value = serde_json::from_str(&alerts(db).await[0].payload).unwrap();
        assert_eq!(down["event"], "router_down");
        assert_eq!(down["router"]["name"], "edge-1");
        assert_eq!(down["consecutive_failures"], 3);
        assert_eq!(down["error"], "connection refused");
        assert!(!down.to_string().contains("router-password"));

        for _ in 0..3 {
            at += TimeDelta::seconds(30);
            uptime += 30;
            succeed(at, uptime).await;
            assert_eq!(counts().await, (1, 1), "{b:?}: one router_up, then nothing");
        }
        let health = router_health::Entity::find_by_id(router.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            !health.down_alerted && health.consecutive_failures == 0,
            "{b:?}"
        );

        // Two failures then a success: a blip, no alert; the count starts over.
        for _ in 0..2 {
            at += TimeDelta::seconds(30);
            fail(at).await;
        }
        at += TimeDelta::seconds(30);
        uptime += 90;
        succeed(at, uptime).await;
        for _ in 0..2 {
            at += TimeDelta::seconds(30);
            fail(at).await;
        }
        assert_eq!(counts().await, (1, 1), "{b:?}: blips raise nothing");
        at += TimeDelta::seconds(30);
        fail(at).await;
        assert_eq!(
            counts().await,
            (2, 1),
            "{b:?}: a second outage is a second alert"
        );
        test_db.cleanup().await;
    }
}

fn reading(at: DateTime<Utc>, uptime_s: u64) -> PollReading {
    PollReading {
        at,
        identity: "edge-1".to_owned(),
        resource: SystemResource {
            version: "7.18.2 (stable)".to_owned(),
            board_name: "CCR2004".to_owned(),
            uptime: Duration::from_secs(uptime_s),
            cpu_load: None,
            free_memory: None,
            total_memory: None,
            architecture: None,
        },
        peers: vec![],
    }
}
