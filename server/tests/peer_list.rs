//! Peer lists ranked from narrow rows (`service::peer_list`) must be exactly the lists the full
//! views give: same members, same order, same statuses, bytes and quota shares, for every
//! sort key, both orders, searches (Unicode, no match) and filters; and `GET /api/peers` and
//! `GET /api/summary/month` must serve the same slice, count and totals. On SQLite and
//! PostgreSQL, over a fleet built to hit the edge cases: equal sort keys (ties by id), names
//! that differ only in case or are missing, display names over router names, peers without
//! counters or usage rows, usage of another cycle, a router never polled (unknown status),
//! every quota mode and direction against a default quota.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::Value;
use server::auth::AuthState;
use server::clock::{Clock, ManualClock};
use server::db::entities::{peer, peer_counter, quota, router_health, usage_monthly};
use server::db::testing::all_backends;
use server::http::api::{ApiState, routes};
use server::service::peer_list::{self, PeerSort, Ranked};
use server::service::peers::{PeerFilter, PeerView, views};
use tower::ServiceExt;

const SORTS: [PeerSort; 8] = [
    PeerSort::Id,
    PeerSort::Name,
    PeerSort::Total,
    PeerSort::Download,
    PeerSort::Upload,
    PeerSort::LastSeen,
    PeerSort::Quota,
    PeerSort::Status,
];

const NEEDLES: [&str; 16] = [
    "",
    "peer",
    "ÄRGER",
    "wg1",
    "10.0.0.1",
    " Zed ",
    "no such peer",
    "PEER-ALPHA",
    // The Kelvin sign lower-cases to an ASCII `k`: the database's ASCII match must not drop it.
    "kelvin",
    // İ lower-cases to `i` and a combining dot: "TAXİ" holds "taxi", LIKE does not see it.
    "taxi",
    // A comment with a non-ASCII character (·) must still be narrowed by its ASCII part.
    "vienna",
    "%",
    "a_b",
    "_",
    "\\",
    "key00",
];

async fn get(app: &Router, path: &str, token: &str) -> (StatusCode, Option<u64>, Value) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let count = response
        .headers()
        .get("x-total-count")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .unwrap();
    (status, count, serde_json::from_slice(&bytes).unwrap())
}

fn ids(rows: &[impl Ranked]) -> Vec<i32> {
    rows.iter().map(Ranked::id).collect()
}

fn json_ids(rows: &Value) -> Vec<i32> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| i32::try_from(r["id"].as_i64().unwrap()).unwrap())
        .collect()
}

/// Builds the fleet; returns the routers' ids (polled, never polled).
async fn fleet(db: &DatabaseConnection, now: DateTime<Utc>, cycle_label: NaiveDate) -> Vec<i32> {
    let mut routers = Vec::new();
    for name in ["polled", "never-polled"] {
        let router = server::db::testing::offline_router(db, name, now)
            .await
            .unwrap();
        routers.push(router.id);
    }
    router_health::Entity::delete_many().exec(db).await.unwrap();
    router_health::ActiveModel {
        router_id: Set(routers[0]),
        last_attempt_at: Set(Some(now - TimeDelta::seconds(10))),
        last_success_at: Set(Some(now - TimeDelta::seconds(10))),
        consecutive_failures: Set(0),
        down_alerted: Set(false),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();

    let names = [
        Some("peer-alpha"),
        Some("Zed"),
        Some("zed"),
        None,
        Some("ärger"),
        Some("Ärger"),
        Some("éclair"),
        Some("peer-alpha"),
        Some("Bob"),
        Some("\u{212A}elvin link"),
        Some("a_b 50% \\ off"),
        Some("TAXİ 7"),
    ];
    for i in 0..48_i64 {
        let router_id = routers[usize::from(i % 5 == 4)];
        let tracked = i % 7 != 3;
        let dynamic = !tracked && i % 2 == 0;
        let name = names[usize::try_from(i).unwrap() % names.len()].map(str::to_owned);
        let display_name = (i % 11 == 2).then(|| format!("Display {}", i % 3));
        let row = peer::ActiveModel {
            router_id: Set(router_id),
            interface: Set(format!("wg{}", i % 3)),
            public_key: Set(format!("key{i:03}=")),
            ros_id: Set(Some(format!("*{i:X}"))),
            name: Set(name),
            comment: Set((i % 4 == 1).then(|| format!("customer {} · Vienna", 48 - i))),
            allowed_address: Set(Some(format!("10.0.{}.{}/32", i % 2, i))),
            endpoint_address: Set(None),
            tracked: Set(tracked),
            disabled: Set(false),
            dynamic: Set(dynamic),
            missing_on_router: Set(false),
            first_seen_at: Set(now - TimeDelta::days(3)),
            last_listed_at: Set(None),
            display_name: Set(display_name),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        // Counters: a recent handshake (online), an old one (offline), none (never), or no
        // counter row at all.
        if i % 6 != 5 {
            let handshake = match i % 4 {
                0 => None,
                1 => Some(now - TimeDelta::hours(i)),
                _ => Some(now - TimeDelta::seconds(i % 4 * 3)),
            };
            peer_counter::ActiveModel {
                peer_id: Set(row.id),
                rx: Set(i * 10),
                tx: Set(i * 20),
                polled_at: Set(now - TimeDelta::seconds(10)),
                last_handshake_at: Set(handshake),
                last_rx_moved_at: Set((i % 8 == 2).then(|| now - TimeDelta::minutes(i))),
                total_rx: Set(i * 1_000),
                total_tx: Set(i * 2_000),
                // Open cycle sums: this cycle's (added to the closed row), last cycle's (not
                // this cycle's bytes), or none.
                open_cycle: Set(match i % 3 {
                    0 => Some(cycle_label),
                    1 => Some(cycle_label - TimeDelta::days(30)),
                    _ => None,
                }),
                cycle_rx: Set(i * 7_000_001),
                cycle_tx: Set(i * 11),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
        }
        // This cycle's bytes, with repeated values for ties; beyond 2^32 for some.
        if i % 5 != 0 {
            usage_monthly::ActiveModel {
                peer_id: Set(row.id),
                cycle_start: Set(cycle_label),
                rx: Set((i % 4) * 300_000_000),
                tx: Set((i % 3) * 1_700_000_000),
            }
            .insert(db)
            .await
            .unwrap();
        }
        usage_monthly::ActiveModel {
            peer_id: Set(row.id),
            cycle_start: Set(cycle_label - TimeDelta::days(30)),
            rx: Set(9_999_999),
            tx: Set(i),
        }
        .insert(db)
        .await
        .unwrap();
        let quota_row = match i % 6 {
            0 => Some(("limit", Some(2_000_000_000), "total")),
            1 => Some(("limit", Some(1_000_000_000), "download")),
            2 => Some(("limit", Some(500_000_000), "upload")),
            3 => Some(("unlimited", None, "total")),
            4 => Some(("default", None, "download")),
            _ => None,
        };
        if let Some((mode, limit, direction)) = quota_row {
            quota::ActiveModel {
                peer_id: Set(row.id),
                mode: Set(mode.into()),
                limit_bytes: Set(limit),
                direction: Set(direction.into()),
                updated_at: Set(now),
            }
            .insert(db)
            .await
            .unwrap();
        }
    }
    routers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranked_lists_equal_full_view_lists() {
    for test_db in all_backends("peer_list").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let now = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
        let mut settings = server::db::settings::load(db).await.unwrap();
        settings.default_quota_gb = Some(3);
        let settings = server::db::settings::save(db, settings, now).await.unwrap();
        let calendar = server::service::settings::calendar(&settings).unwrap();
        let cycle = calendar.cycle_at(now).unwrap();
        let routers = fleet(db, now, cycle.label).await;

        // A peer's cycle bytes are its closed monthly row plus its open cycle sum when that
        // is this cycle's, whatever the list path.
        let mut expected_bytes: std::collections::HashMap<i32, (u64, u64)> =
            std::collections::HashMap::new();
        for m in usage_monthly::Entity::find().all(db).await.unwrap() {
            if m.cycle_start == cycle.label {
                let e = expected_bytes.entry(m.peer_id).or_default();
                e.0 += u64::try_from(m.rx).unwrap();
                e.1 += u64::try_from(m.tx).unwrap();
            }
        }
        let mut open_counted = 0;
        for c in peer_counter::Entity::find().all(db).await.unwrap() {
            if c.open_cycle == Some(cycle.label) && c.cycle_rx > 0 {
                open_counted += 1;
                let e = expected_bytes.entry(c.peer_id).or_default();
                e.0 += u64::try_from(c.cycle_rx).unwrap();
                e.1 += u64::try_from(c.cycle_tx).unwrap();
            }
        }
        assert!(open_counted > 3, "{b:?}: the fleet has open cycle sums");
        let every = views(db, &PeerFilter::default(), &settings, &cycle, now)
            .await
            .unwrap();
        let every_rank = peer_list::ranks(db, &PeerFilter::default(), &settings, &cycle, now)
            .await
            .unwrap();
        for (view, rank) in every.iter().zip(&every_rank) {
            let want = expected_bytes.get(&view.id).copied().unwrap_or_default();
            assert_eq!(
                (view.cycle_rx, view.cycle_tx),
                want,
                "{b:?}: view {}",
                view.id
            );
            assert_eq!(
                (rank.cycle_rx, rank.cycle_tx),
                want,
                "{b:?}: rank {}",
                rank.id
            );
        }
        let totals = peer_list::db_totals(db, None, &cycle).await.unwrap();
        let tracked_sum = every
            .iter()
            .filter(|v| v.tracked)
            .fold((0u64, 0u64), |(rx, tx), v| {
                (rx + v.cycle_rx, tx + v.cycle_tx)
            });
        assert_eq!(
            (totals.rx, totals.tx),
            tracked_sum,
            "{b:?}: database totals"
        );

        for tracked in [Some(true), None] {
            let filter = PeerFilter {
                tracked,
                ..PeerFilter::default()
            };
            let all_views = views(db, &filter, &settings, &cycle, now).await.unwrap();
            let all_ranks = peer_list::ranks(db, &filter, &settings, &cycle, now)
                .await
                .unwrap();
            assert_eq!(ids(&all_ranks), ids(&all_views), "{b:?}");
            for (rank, view) in all_ranks.iter().zip(&all_views) {
                assert_eq!(
                    (
                        rank.status,
                        rank.last_seen_at,
                        rank.cycle_rx,
                        rank.cycle_tx,
                        rank.quota_percent,
                        rank.tracked,
                        rank.dynamic,
                        rank.search_fields(),
                    ),
                    (
                        view.status,
                        view.last_seen_at,
                        view.cycle_rx,
                        view.cycle_tx,
                        view.quota.percent,
                        view.tracked,
                        view.dynamic,
                        view.search_fields(),
                    ),
                    "{b:?}: peer {}",
                    view.id
                );
            }
            for needle in NEEDLES {
                let found_views = peer_list::search(all_views.clone(), needle);
                let found_ranks = peer_list::search(all_ranks.clone(), needle);
                assert_eq!(ids(&found_ranks), ids(&found_views), "{b:?}: {needle:?}");
                // Narrowed by the database first, decided by `search`: the same rows.
                let matched =
                    peer_list::ranks_matching(db, &filter, needle, &settings, &cycle, now)
                        .await
                        .unwrap();
                assert_eq!(
                    matched, found_ranks,
                    "{b:?}: {needle:?} (database prefilter)"
                );
                for key in SORTS {
                    for descending in [false, true] {
                        let mut v = found_views.clone();
                        let mut r = found_ranks.clone();
                        peer_list::sort(&mut v, key, descending);
                        peer_list::sort(&mut r, key, descending);
                        assert_eq!(
                            ids(&r),
                            ids(&v),
                            "{b:?}: {needle:?} by {key:?}, descending {descending}"
                        );
                    }
                }
            }
            // The byte-ordered fast path serves the same count and page as sorting ranks.
            for key in SORTS {
                for descending in [false, true] {
                    let page =
                        peer_list::byte_ordered_page(db, &filter, key, descending, 3, 7, &cycle)
                            .await
                            .unwrap();
                    let mut sorted = all_ranks.clone();
                    peer_list::sort(&mut sorted, key, descending);
                    let want = (sorted.len(), peer_list::page_ids(&sorted, 3, 7));
                    match key {
                        PeerSort::Id | PeerSort::Total | PeerSort::Download | PeerSort::Upload => {
                            assert_eq!(page, Some(want), "{b:?}: {key:?} {descending}")
                        }
                        _ => assert_eq!(page, None, "{b:?}: {key:?} needs more than bytes"),
                    }
                }
            }
        }
        // The fleet does hit the cases it is built for.
        let tracked_views = views(
            db,
            &PeerFilter {
                tracked: Some(true),
                ..PeerFilter::default()
            },
            &settings,
            &cycle,
            now,
        )
        .await
        .unwrap();
        for status in ["online", "offline", "unknown", "never"] {
            assert!(
                tracked_views.iter().any(|v| v.status.as_str() == status),
                "{b:?}: no {status} peer"
            );
        }
        assert!(tracked_views.iter().any(|v| v.quota.percent.is_none()));
        assert!(tracked_views.iter().any(|v| v.quota.over_limit));
        assert!(peer_list::search(tracked_views.clone(), "ÄRGER").len() >= 2);
        assert!(!peer_list::search(tracked_views.clone(), "kelvin").is_empty());
        assert!(!peer_list::search(tracked_views.clone(), "taxi").is_empty());
        assert!(!peer_list::search(tracked_views.clone(), "a_b").is_empty());
        assert!(peer_list::search(tracked_views.clone(), "%").len() < tracked_views.len());

        // The HTTP lists serve the same slices, counts and totals.
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(now));
        let app = routes(ApiState {
            db: db.clone(),
            clock: clock.clone(),
            auth: AuthState::new(db.clone(), clock),
        });
        let token = server::auth::tokens::create(db, "list", None, now)
            .await
            .unwrap();
        let t = token.secret();
        let expected = |needle: &str, key: PeerSort, descending: bool| -> Vec<PeerView> {
            let mut rows = peer_list::search(tracked_views.clone(), needle);
            peer_list::sort(&mut rows, key, descending);
            rows
        };

        let want = expected("peer", PeerSort::Quota, true);
        let (status, count, body) = get(
            &app,
            "/api/peers?tracked=true&q=peer&sort=quota&order=desc&page=2&per_page=2",
            t,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{b:?}: {body}");
        assert_eq!(count, Some(u64::try_from(want.len()).unwrap()), "{b:?}");
        assert_eq!(json_ids(&body), ids(&want[2..4]), "{b:?}");
        assert_eq!(
            body[0],
            serde_json::to_value(&want[2]).unwrap(),
            "{b:?}: the page's rows are the full views"
        );

        let online: Vec<i32> = tracked_views
            .iter()
            .filter(|v| v.status.as_str() == "online")
            .map(|v| v.id)
            .collect();
        let (_, count, body) = get(&app, "/api/peers?tracked=true&status=online", t).await;
        assert_eq!(count, Some(u64::try_from(online.len()).unwrap()), "{b:?}");
        assert_eq!(json_ids(&body), online, "{b:?}");

        let (_, count, body) = get(&app, "/api/peers?page=99", t).await;
        assert_eq!(count, Some(48), "{b:?}");
        assert_eq!(body, Value::Array(Vec::new()), "{b:?}");

        let want = expected("", PeerSort::Name, true);
        let (status, _, body) = get(&app, "/api/summary/month?sort=name&per_page=5", t).await;
        assert_eq!(status, StatusCode::OK, "{b:?}: {body}");
        assert_eq!(body["total_peers"], want.len(), "{b:?}");
        assert_eq!(
            body["total_rx"],
            want.iter().map(|v| v.cycle_rx).sum::<u64>(),
            "{b:?}"
        );
        assert_eq!(
            body["total_tx"],
            want.iter().map(|v| v.cycle_tx).sum::<u64>(),
            "{b:?}"
        );
        let untracked = views(db, &PeerFilter::default(), &settings, &cycle, now)
            .await
            .unwrap()
            .iter()
            .filter(|v| !v.tracked && !v.dynamic)
            .count();
        assert!(untracked > 0);
        assert_eq!(body["untracked_peers"], untracked, "{b:?}");
        assert_eq!(json_ids(&body["peers"]), ids(&want[..5]), "{b:?}");

        // The database's sums equal the rank rows' (all routers and one), and the totals
        // route says what the summary says.
        let all_ranks = peer_list::ranks(db, &PeerFilter::default(), &settings, &cycle, now)
            .await
            .unwrap();
        for router_id in [
            None,
            Some(routers[0]),
            Some(routers[1]),
            Some(routers[1] + 100),
        ] {
            let of_router: Vec<_> = match router_id {
                None => all_ranks.clone(),
                Some(r) => peer_list::ranks(
                    db,
                    &PeerFilter {
                        router_id: Some(r),
                        ..PeerFilter::default()
                    },
                    &settings,
                    &cycle,
                    now,
                )
                .await
                .unwrap(),
            };
            let tracked: Vec<_> = of_router.iter().filter(|r| r.tracked).cloned().collect();
            let (rx, tx) = peer_list::cycle_totals(&tracked);
            let sums = peer_list::db_totals(db, router_id, &cycle).await.unwrap();
            assert_eq!(
                (sums.tracked_peers, sums.rx, sums.tx, sums.untracked_peers),
                (
                    u64::try_from(tracked.len()).unwrap(),
                    rx,
                    tx,
                    u64::try_from(
                        of_router
                            .iter()
                            .filter(|r| !r.tracked && !r.dynamic)
                            .count()
                    )
                    .unwrap()
                ),
                "{b:?}: router {router_id:?}"
            );
        }
        let (status, _, totals) = get(&app, "/api/summary/totals", t).await;
        assert_eq!(status, StatusCode::OK, "{b:?}: {totals}");
        for field in [
            "total_peers",
            "total_rx",
            "total_tx",
            "untracked_peers",
            "cycle_start",
        ] {
            assert_eq!(totals[field], body[field], "{b:?}: {field}");
        }
        assert!(
            totals["total_rx"].as_u64().unwrap() > u64::from(u32::MAX),
            "{b:?}"
        );

        let (status, _, body) = get(&app, "/api/peers?sort=loudest", t).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b:?}");
        assert_eq!(body["field"], "sort", "{b:?}");
        test_db.cleanup().await;
    }
}
