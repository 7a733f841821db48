//! Quotas and enforcement against routeros-sim on a virtual clock (SPEC §5), on SQLite and on
//! PostgreSQL: over-limit peers disabled on the router exactly once (the simulator counts the
//! writes), failed writes recorded and retried, `monitor` writing nothing, the cycle reset at
//! 00:00 local on the reset day across DST changes and in far-off zones, catch-up after
//! downtime, drift found and corrected, manual actions, and the books still exact afterwards.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use routeros_sim::{RouterHandle, SimConfig, Simulator, TrafficProfile};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use server::clock::{Clock, ManualClock};
use server::db::entities::{action, alert, peer, peer_counter, router};
use server::db::routers::{self, NewRouter};
use server::db::settings;
use server::db::testing::{TestDb, all_backends};
use server::enforcement::actions::{self, ActionFilter};
use server::enforcement::manual::set_enabled_with;
use server::enforcement::quota::{self, Direction, Quota, QuotaMode};
use server::enforcement::{EnforcementReport, after_poll};
use server::routeros::{RouterClient, RouterOs, Transport};
use server::scheduler::poll::{poll_once, rollup_settings, until_next_cycle};

const INTERVAL: Duration = Duration::from_secs(30);
const TIMEOUT: Duration = Duration::from_secs(10);
/// Every peer carries exactly this per second (router rx, tx): 90,000 bytes per poll.
const RX_PER_SEC: u64 = 1_000;
const TX_PER_SEC: u64 = 2_000;
const PER_POLL: u64 = 30 * (RX_PER_SEC + TX_PER_SEC);

struct Fixture {
    sim: Simulator,
    handle: RouterHandle,
    router: router::Model,
    client: RouterClient,
    clock: ManualClock,
    /// Imported peers, in the router's order.
    peers: Vec<peer::Model>,
}

impl Fixture {
    async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}

/// One simulated router (REST or API) with `peers` peers moving constant traffic, imported at
/// `start`, with the given timezone, reset day and enforcement mode.
async fn setup(
    db: &DatabaseConnection,
    transport: Transport,
    peers: usize,
    start: DateTime<Utc>,
    timezone: &str,
    reset_day: i16,
    mode: &str,
) -> Fixture {
    let clock = ManualClock::new(start);
    let mut row = settings::load(db).await.unwrap();
    row.timezone = timezone.to_owned();
    row.reset_day = reset_day;
    row.enforcement_mode = mode.to_owned();
    row.router_tls_verify = false;
    settings::save(db, row, start).await.unwrap();

    let sim = Simulator::start(SimConfig {
        routers: 1,
        peers_per_router: peers,
        interfaces_per_router: 1,
        seed: 5,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let handle = sim.router(0).clone();
    for p in handle.peers() {
        handle.set_peer_profile(
            &p.public_key,
            TrafficProfile::Constant {
                rx_per_sec: RX_PER_SEC,
                tx_per_sec: TX_PER_SEC,
            },
        );
        // Outbound peers are imported too here: every peer is a customer in this test.
        handle.set_peer_disabled(&p.public_key, false);
    }
    let port = match transport {
        Transport::Rest => handle.rest_http,
        Transport::Api => handle.api,
    };
    let router = routers::create(
        db,
        NewRouter {
            name: handle.identity.clone(),
            host: "127.0.0.1".to_owned(),
            port: Some(port),
            transport,
            tls: false,
            tls_verify: None,
            tls_fingerprint: None,
            username: handle.user.clone(),
            password: handle.password.clone(),
        },
        start,
    )
    .await
    .unwrap();
    let client = RouterClient::new(routers::endpoint(&router, false, TIMEOUT).unwrap()).unwrap();
    let listed = client.list_peers().await.unwrap();
    routers::import_peers(db, router.id, &listed, start)
        .await
        .unwrap();
    let mut imported = Vec::new();
    for seen in &listed {
        let row = peer::Entity::find()
            .filter(peer::Column::RouterId.eq(router.id))
            .filter(peer::Column::PublicKey.eq(seen.public_key.as_str()))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(row.tracked);
        imported.push(row);
    }
    Fixture {
        sim,
        handle,
        router,
        client,
        clock,
        peers: imported,
    }
}

/// Moves the router and the clock forward by `by`, then polls and enforces, as the poll task
/// does.
async fn poll_after(db: &DatabaseConnection, fx: &Fixture, by: Duration) -> EnforcementReport {
    fx.sim.advance(by);
    fx.clock.advance(TimeDelta::from_std(by).unwrap());
    let row = settings::load(db).await.unwrap();
    let rollup = rollup_settings(&row).unwrap();
    poll_once(
        db,
        fx.router.id,
        &fx.client,
        &fx.handle.identity,
        rollup,
        &fx.clock,
        TIMEOUT,
    )
    .await
    .unwrap();
    after_poll(db, fx.router.id, &fx.client, &row, fx.clock.now(), TIMEOUT)
        .await
        .unwrap()
}

/// No write, failure, dry-run entry or drift.
fn quiet(report: &EnforcementReport) -> bool {
    report.disabled + report.enabled + report.failed + report.would_disable + report.drift_found
        == 0
}

async fn poll(db: &DatabaseConnection, fx: &Fixture) -> EnforcementReport {
    poll_after(db, fx, INTERVAL).await
}

async fn limit(db: &DatabaseConnection, peer_id: i32, bytes: u64, now: DateTime<Utc>) {
    let value = Quota {
        mode: QuotaMode::Limit,
        limit_bytes: Some(bytes),
        direction: Direction::Total,
    };
    quota::set(db, peer_id, value, now).await.unwrap();
}

fn disabled_on_router(fx: &Fixture, public_key: &str) -> bool {
    fx.handle
        .peers()
        .into_iter()
        .find(|p| p.public_key == public_key)
        .unwrap()
        .disabled
}

/// The alert kinds queued for a peer, oldest first.
async fn alert_kinds(db: &DatabaseConnection, peer_id: i32) -> Vec<String> {
    use sea_orm::QueryOrder;
    alert::Entity::find()
        .filter(alert::Column::PeerId.eq(peer_id))
        .order_by_asc(alert::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.kind)
        .collect()
}

async fn peer_row(db: &DatabaseConnection, id: i32) -> peer::Model {
    peer::Entity::find_by_id(id).one(db).await.unwrap().unwrap()
}

async fn actions_of(db: &DatabaseConnection, peer_id: i32) -> Vec<action::Model> {
    let mut rows = actions::list(
        db,
        &ActionFilter {
            peer_id: Some(peer_id),
            ..ActionFilter::default()
        },
        1000,
        0,
    )
    .await
    .unwrap();
    rows.reverse();
    rows
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// Accounted bytes (panel-side totals) equal the simulator's ledger of observable bytes.
async fn assert_books_exact(db: &DatabaseConnection, fx: &Fixture, label: &str) {
    for entry in fx.handle.ledger() {
        let Some(p) = fx.peers.iter().find(|p| p.public_key == entry.public_key) else {
            continue;
        };
        let counters = peer_counter::Entity::find_by_id(p.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (counters.total_rx, counters.total_tx),
            (
                i64::try_from(entry.observed_rx).unwrap(),
                i64::try_from(entry.observed_tx).unwrap()
            ),
            "{label}: peer {} books differ from the ledger {entry:?}",
            p.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_limit_peer_is_disabled_once_and_a_failed_write_is_retried() {
    for test_db in all_backends("enforcement_disable_once").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let start = utc(2026, 11, 10, 12, 0);
        let fx = setup(db, Transport::Rest, 4, start, "UTC", 1, "auto-disable").await;
        let (a, c) = (&fx.peers[0], &fx.peers[2]);
        // A may use 2.5 polls' worth; C 4.5 polls' worth; the rest are unlimited (no default).
        limit(db, a.id, PER_POLL * 5 / 2, start).await;
        limit(db, c.id, PER_POLL * 9 / 2, start).await;

        let writes_before = fx.handle.write_count();
        for _ in 0..2 {
            let report = poll(db, &fx).await;
            assert_eq!(report.disabled, 0, "{b:?}: under the limit");
        }
        assert_eq!(fx.handle.write_count(), writes_before);
        // Third poll: 270,000 > 225,000 → disabled on the router, once.
        let report = poll(db, &fx).await;
        assert_eq!(report.disabled, 1, "{b:?}: {report:?}");
        assert!(disabled_on_router(&fx, &a.public_key));
        assert_eq!(fx.handle.write_count(), writes_before + 1);
        let row = peer_row(db, a.id).await;
        assert!(row.disabled);
        assert_eq!(row.disabled_reason.as_deref(), Some("quota"));

        // The next poll: C goes over, but the router refuses the write (the poller's
        // password was changed on the router after the poll read the peers).
        fx.sim.advance(INTERVAL);
        fx.clock.advance(TimeDelta::from_std(INTERVAL).unwrap());
        let row = settings::load(db).await.unwrap();
        poll_once(
            db,
            fx.router.id,
            &fx.client,
            &fx.handle.identity,
            rollup_settings(&row).unwrap(),
            &fx.clock,
            TIMEOUT,
        )
        .await
        .unwrap();
        // 4 polls = 360,000 > C's 405,000? No: C is still under; one more poll is needed.
        let report = after_poll(db, fx.router.id, &fx.client, &row, fx.clock.now(), TIMEOUT)
            .await
            .unwrap();
        assert!(quiet(&report), "{b:?}: {report:?}");
        fx.sim.advance(INTERVAL);
        fx.clock.advance(TimeDelta::from_std(INTERVAL).unwrap());
        poll_once(
            db,
            fx.router.id,
            &fx.client,
            &fx.handle.identity,
            rollup_settings(&row).unwrap(),
            &fx.clock,
            TIMEOUT,
        )
        .await
        .unwrap();
        fx.handle.set_password("changed-on-the-router");
        let report = after_poll(db, fx.router.id, &fx.client, &row, fx.clock.now(), TIMEOUT)
            .await
            .unwrap();
        assert_eq!(report.failed, 1, "{b:?}: {report:?}");
        assert!(!disabled_on_router(&fx, &c.public_key));
        let failed = actions_of(db, c.id).await;
        assert_eq!(failed.len(), 1);
        assert_eq!(
            (failed[0].action.as_str(), failed[0].result.as_str()),
            ("disable", "failed")
        );
        assert!(
            failed[0]
                .error
                .as_deref()
                .unwrap_or("")
                .contains("password"),
            "{b:?}: the error names the cause: {:?}",
            failed[0].error
        );
        assert_eq!(peer_row(db, c.id).await.disabled_reason, None);

        // Password restored: the next poll retries and succeeds; A is not written again.
        fx.handle.set_password(&fx.handle.password);
        let report = poll(db, &fx).await;
        assert_eq!(report.disabled, 1, "{b:?}: {report:?}");
        assert!(disabled_on_router(&fx, &c.public_key));
        assert_eq!(fx.handle.write_count(), writes_before + 2);
        for _ in 0..3 {
            let report = poll(db, &fx).await;
            assert!(quiet(&report), "{b:?}: {report:?}");
        }
        assert_eq!(
            fx.handle.write_count(),
            writes_before + 2,
            "{b:?}: idempotent"
        );
        let log = actions_of(db, c.id).await;
        let results: Vec<&str> = log.iter().map(|r| r.result.as_str()).collect();
        assert_eq!(results, ["failed", "ok"], "{b:?}");
        assert!(
            log.iter()
                .all(|r| r.actor == "system" && r.reason == "quota")
        );

        // Quota state: used, remaining, percent, the cycle, no projection once exhausted.
        let state = quota::state(db, a.id, &settings::load(db).await.unwrap(), fx.clock.now())
            .await
            .unwrap();
        assert_eq!(
            state.used_bytes,
            PER_POLL * 3,
            "{b:?}: disabled peers carry nothing"
        );
        assert_eq!(state.limit_bytes, Some(PER_POLL * 5 / 2));
        assert_eq!(state.remaining_bytes, Some(0));
        assert_eq!(state.percent, Some(120.0));
        assert_eq!(state.cycle_start, utc(2026, 11, 1, 0, 0));
        assert_eq!(state.cycle_end, utc(2026, 12, 1, 0, 0));
        assert_eq!(state.projected_exhaustion_at, None);
        // Alerts: 80 % and 100 % once each in the cycle however many polls saw them, and one
        // for the disable.
        assert_eq!(
            alert_kinds(db, a.id).await,
            ["quota_80", "quota_100", "peer_disabled"],
            "{b:?}"
        );
        assert_books_exact(db, &fx, &format!("{b:?}")).await;
        fx.shutdown().await;
        test_db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_mode_writes_nothing_and_lists_the_peer_once() {
    for test_db in all_backends("enforcement_monitor").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let start = utc(2026, 11, 10, 12, 0);
        let fx = setup(db, Transport::Api, 3, start, "UTC", 1, "monitor").await;
        let a = &fx.peers[0];
        limit(db, a.id, PER_POLL, start).await;
        let writes_before = fx.handle.write_count();
        let mut would = 0;
        for _ in 0..5 {
            would += poll(db, &fx).await.would_disable;
        }
        assert_eq!(would, 1, "{b:?}: listed once per cycle");
        assert_eq!(fx.handle.write_count(), writes_before, "{b:?}: no writes");
        assert!(!disabled_on_router(&fx, &a.public_key));
        let dry_run = actions::list(
            db,
            &ActionFilter {
                action: Some("would_disable".to_owned()),
                ..ActionFilter::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
        assert_eq!(dry_run.len(), 1);
        assert_eq!(dry_run[0].peer_id, Some(a.id));
        assert_eq!(dry_run[0].result, "dry_run");

        // Switching to auto-disable acts on the next poll.
        let mut row = settings::load(db).await.unwrap();
        row.enforcement_mode = "auto-disable".to_owned();
        settings::save(db, row, fx.clock.now()).await.unwrap();
        assert_eq!(poll(db, &fx).await.disabled, 1, "{b:?}");
        assert!(disabled_on_router(&fx, &a.public_key));
        fx.shutdown().await;
        test_db.cleanup().await;
    }
}

/// One reset case: a zone, a reset day, and the boundary worked out by hand.
struct ResetCase {
    timezone: &'static str,
    reset_day: i16,
    /// 00:00 local on the reset day, in UTC.
    boundary: DateTime<Utc>,
    /// wgmik is down across the boundary and comes back this long after it.
    downtime: Option<Duration>,
}

fn reset_cases() -> Vec<ResetCase> {
    vec![
        // Spring forward in Berlin (02:00 → 03:00 on 28 March 2027): midnight is CET, +1.
        ResetCase {
            timezone: "Europe/Berlin",
            reset_day: 28,
            boundary: utc(2027, 3, 27, 23, 0),
            downtime: None,
        },
        // Fall back in Berlin (03:00 → 02:00 on 25 October 2026): midnight is still CEST, +2.
        ResetCase {
            timezone: "Europe/Berlin",
            reset_day: 25,
            boundary: utc(2026, 10, 24, 22, 0),
            downtime: None,
        },
        // New York's spring DST day (14 March 2027): midnight is EST, −5; wgmik down 3 h.
        ResetCase {
            timezone: "America/New_York",
            reset_day: 14,
            boundary: utc(2027, 3, 14, 5, 0),
            downtime: Some(Duration::from_secs(3 * 3600)),
        },
        // Chatham, +13:45 in summer: 1 April 2027 starts on 31 March at 10:15 UTC.
        ResetCase {
            timezone: "Pacific/Chatham",
            reset_day: 1,
            boundary: utc(2027, 3, 31, 10, 15),
            downtime: None,
        },
        // Reset day 28 in February (2027 is not a leap year), Berlin winter time.
        ResetCase {
            timezone: "Europe/Berlin",
            reset_day: 28,
            boundary: utc(2027, 2, 27, 23, 0),
            downtime: Some(Duration::from_secs(26 * 3600)),
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycle_reset_re_enables_quota_disabled_peers_once_at_local_midnight() {
    for test_db in all_backends("enforcement_reset").await {
        let db = &test_db.db;
        for case in reset_cases() {
            run_reset_case(db, &test_db, &case).await;
        }
        test_db.cleanup().await;
    }
}

async fn run_reset_case(db: &DatabaseConnection, test_db: &TestDb, case: &ResetCase) {
    let label = format!(
        "{:?} {} day {}",
        test_db.backend, case.timezone, case.reset_day
    );
    // Start 6 polls (3 minutes) before the boundary.
    let start = case.boundary - TimeDelta::minutes(3);
    let fx = setup(
        db,
        Transport::Rest,
        3,
        start,
        case.timezone,
        case.reset_day,
        "auto-disable",
    )
    .await;
    let (a, manual) = (&fx.peers[0], &fx.peers[1]);
    limit(db, a.id, PER_POLL * 3 / 2, start).await;
    // B is disabled by hand by an admin: the reset must leave it alone.
    set_enabled_with(db, &fx.client, manual.clone(), false, "alice", start)
        .await
        .unwrap();
    assert!(disabled_on_router(&fx, &manual.public_key));
    assert_eq!(
        until_next_cycle(&settings::load(db).await.unwrap(), start),
        Some(Duration::from_secs(3 * 60 + 1)),
        "{label}: the poll task wakes one second after 00:00 local"
    );
    poll(db, &fx).await;
    assert_eq!(poll(db, &fx).await.disabled, 1, "{label}");
    assert!(disabled_on_router(&fx, &a.public_key));
    // Up to the last second before the boundary: still disabled.
    for _ in 0..3 {
        assert_eq!(poll(db, &fx).await.enabled, 0, "{label}");
    }
    let writes_before = fx.handle.write_count();
    let to_boundary = (case.boundary - fx.clock.now()).to_std().unwrap();
    assert_eq!(to_boundary, INTERVAL, "{label}");
    let report = poll_after(db, &fx, to_boundary - Duration::from_secs(1)).await;
    assert_eq!(report.enabled, 0, "{label}: one second before 00:00 local");
    assert!(disabled_on_router(&fx, &a.public_key));

    let wake = case.downtime.unwrap_or(Duration::from_secs(1)) + Duration::from_secs(1);
    let report = poll_after(db, &fx, wake).await;
    assert_eq!(
        report.enabled, 1,
        "{label}: re-enabled at the reset: {report:?}"
    );
    assert!(!disabled_on_router(&fx, &a.public_key), "{label}");
    assert!(
        disabled_on_router(&fx, &manual.public_key),
        "{label}: manual stays"
    );
    assert_eq!(fx.handle.write_count(), writes_before + 1, "{label}");
    let row = peer_row(db, a.id).await;
    assert_eq!(row.disabled_reason, None);
    assert_eq!(
        peer_row(db, manual.id).await.disabled_reason.as_deref(),
        Some("manual")
    );
    let log = actions_of(db, a.id).await;
    let last = log.last().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.reason.as_str(),
            last.result.as_str()
        ),
        ("enable", "reset", "ok"),
        "{label}"
    );
    assert_eq!(
        last.cycle_start,
        Some(case.boundary),
        "{label}: the new cycle starts at 00:00 local"
    );
    let kinds = alert_kinds(db, a.id).await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "peer_enabled").count(),
        1,
        "{label}: {kinds:?}"
    );
    // Once: the following polls write nothing (A is far from its limit in the new cycle).
    poll(db, &fx).await;
    assert_eq!(fx.handle.write_count(), writes_before + 1, "{label}: once");
    let manual_log = actions_of(db, manual.id).await;
    assert_eq!(manual_log.len(), 1, "{label}: {manual_log:?}");
    assert_eq!(manual_log[0].actor, "alice");
    // The re-enabled peer's traffic is counted from where its counters stand: exact books.
    assert_books_exact(db, &fx, &label).await;
    let state = quota::state(db, a.id, &settings::load(db).await.unwrap(), fx.clock.now())
        .await
        .unwrap();
    assert_eq!(state.cycle_start, case.boundary, "{label}");
    assert!(state.used_bytes <= PER_POLL * 2, "{label}: {state:?}");
    // Clean up this case's router so the next case starts from an empty fleet.
    assert!(
        server::service::routers::delete(db, fx.router.id)
            .await
            .unwrap()
    );
    fx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_found_shown_and_corrected() {
    for test_db in all_backends("enforcement_drift").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let start = utc(2026, 11, 10, 12, 0);
        let fx = setup(db, Transport::Api, 4, start, "UTC", 1, "auto-disable").await;
        let (a, manual, gone) = (&fx.peers[0], &fx.peers[1], &fx.peers[2]);
        limit(db, a.id, PER_POLL / 2, start).await;
        set_enabled_with(db, &fx.client, manual.clone(), false, "bob", start)
            .await
            .unwrap();
        assert_eq!(poll(db, &fx).await.disabled, 1, "{b:?}");
        let writes = fx.handle.write_count();

        // Someone re-enables both on the router's console and deletes a third peer.
        fx.handle.set_peer_disabled(&a.public_key, false);
        fx.handle.set_peer_disabled(&manual.public_key, false);
        assert!(fx.handle.delete_peer(&gone.public_key));
        let report = poll(db, &fx).await;
        assert_eq!(report.drift_found, 2, "{b:?}: {report:?}");
        assert_eq!(report.disabled, 1, "{b:?}: quota drift corrected");
        assert!(disabled_on_router(&fx, &a.public_key));
        assert!(
            !disabled_on_router(&fx, &manual.public_key),
            "manual drift is only shown"
        );
        assert_eq!(fx.handle.write_count(), writes + 1);
        let a_row = peer_row(db, a.id).await;
        assert_eq!(a_row.drift, None, "{b:?}: corrected");
        let last = actions_of(db, a.id).await.pop().unwrap();
        assert_eq!(
            (
                last.action.as_str(),
                last.reason.as_str(),
                last.result.as_str()
            ),
            ("disable", "drift", "ok")
        );
        let m_row = peer_row(db, manual.id).await;
        assert_eq!(m_row.drift.as_deref(), Some("enabled_on_router"), "{b:?}");
        let g_row = peer_row(db, gone.id).await;
        assert_eq!(g_row.drift.as_deref(), Some("missing_on_router"), "{b:?}");
        // Recorded once, not on every poll.
        poll(db, &fx).await;
        let drift_entries = actions::list(
            db,
            &ActionFilter {
                action: Some("drift".to_owned()),
                ..ActionFilter::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
        assert_eq!(drift_entries.len(), 2, "{b:?}: {drift_entries:?}");

        // The admin enables the manual peer from wgmik: drift cleared, actor recorded.
        let row = set_enabled_with(db, &fx.client, m_row, true, "bob", fx.clock.now())
            .await
            .unwrap();
        assert_eq!((row.disabled_reason, row.drift), (None, None));
        assert_eq!(poll(db, &fx).await.drift_found, 0);
        // A manual enable of the over-limit peer A exempts it for the rest of the cycle.
        let a_row = peer_row(db, a.id).await;
        set_enabled_with(db, &fx.client, a_row, true, "bob", fx.clock.now())
            .await
            .unwrap();
        let writes = fx.handle.write_count();
        assert_eq!(poll(db, &fx).await.disabled, 0, "{b:?}: exempt");
        assert_eq!(fx.handle.write_count(), writes);
        assert!(!disabled_on_router(&fx, &a.public_key));
        fx.shutdown().await;
        test_db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_the_quota_re_enables_within_the_cycle() {
    for test_db in all_backends("enforcement_raise").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let start = utc(2026, 11, 10, 12, 0);
        let fx = setup(db, Transport::Rest, 2, start, "UTC", 1, "auto-disable").await;
        let a = &fx.peers[0];
        // The default quota (in GB) applies to peers without their own quota.
        let mut row = settings::load(db).await.unwrap();
        row.default_quota_gb = Some(1);
        settings::save(db, row, start).await.unwrap();
        limit(db, a.id, PER_POLL / 2, start).await;
        assert_eq!(poll(db, &fx).await.disabled, 1, "{b:?}");
        let value = Quota {
            mode: QuotaMode::Default,
            limit_bytes: None,
            direction: Direction::Total,
        };
        quota::set(db, a.id, value, fx.clock.now()).await.unwrap();
        let report = poll(db, &fx).await;
        assert_eq!(report.enabled, 1, "{b:?}: {report:?}");
        assert!(!disabled_on_router(&fx, &a.public_key));
        let last = actions_of(db, a.id).await.pop().unwrap();
        assert_eq!(last.reason, "quota_raised");
        let state = quota::state(db, a.id, &settings::load(db).await.unwrap(), fx.clock.now())
            .await
            .unwrap();
        assert_eq!(state.limit_bytes, Some(1_000_000_000));
        // 90,000 bytes over the minute since import: the projection is in the cycle.
        let projected = state.projected_exhaustion_at.unwrap();
        assert!(
            projected > fx.clock.now() && projected < state.cycle_end,
            "{state:?}"
        );
        fx.shutdown().await;
        test_db.cleanup().await;
    }
}
