//! The poll commit and the query layer on both backends, driven by hand-made readings so each
//! rule is checked by name: baseline at import, increase, router reboot (uptime down), a peer
//! re-created with a new `.id`, raw samples only on movement, new and missing peers, rollups
//! in a non-UTC timezone, cycle totals with status, sorting and pagination.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::db::entities::{
    counter_reset, peer, peer_counter, raw_sample, router_health, usage_daily, usage_monthly,
};
use server::db::poll_commit::{RollupSettings, commit_poll, record_failure};
use server::db::routers::{NewRouter, create, import_peers};
use server::db::testing::{all_backends, listed_peer, poll_reading as reading};
use server::db::usage::{Window, peer_usage};
use server::routeros::{Transport, WgPeer};
use server::service::peer_list::{PeerSort, sort};
use server::service::peers::{PeerFilter, views};

fn wg(id: &str, key: &str, rx: u64, tx: u64, handshake_age: Option<u64>) -> WgPeer {
    let mut peer = listed_peer(id, key, rx, tx, handshake_age.map(Duration::from_secs));
    peer.name = Some(format!("peer-{key}"));
    peer
}

#[tokio::test]
async fn poll_commit_and_queries() {
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let settings = RollupSettings::fixed(tz, server::accounting::cycle::ResetDay::new(1).unwrap());
    for test_db in all_backends("accounting_db").await {
        let db = &test_db.db;
        let b = test_db.backend;
        // 22:50 UTC on 31 Oct = 23:50 in Berlin (CET): the next polls cross local midnight,
        // which is also the start of the November cycle.
        let t0 = Utc.with_ymd_and_hms(2026, 10, 31, 22, 50, 0).unwrap();
        let router = create(
            db,
            NewRouter {
                name: "edge-1".into(),
                host: "192.0.2.1".into(),
                port: None,
                transport: Transport::Rest,
                tls: true,
                tls_verify: None,
                tls_fingerprint: None,
                username: "wgmik".into(),
                password: "pw".into(),
            },
            t0,
        )
        .await
        .unwrap();
        let a0 = wg("*1", "A", 1_000, 5_000, Some(10));
        let b0 = wg("*2", "B", 70, 80, None);
        import_peers(db, router.id, &[a0.clone(), b0.clone()], t0)
            .await
            .unwrap();
        let peer_a = peer::Entity::find()
            .filter(peer::Column::PublicKey.eq("A"))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let peer_b = peer::Entity::find()
            .filter(peer::Column::PublicKey.eq("B"))
            .one(db)
            .await
            .unwrap()
            .unwrap();

        // Poll 1 (23:55 local, 31 Oct): A grew by 500/700, B unchanged; C is new (untracked).
        let t1 = t0 + chrono::TimeDelta::minutes(5);
        let s1 = commit_poll(
            db,
            router.id,
            &reading(
                t1,
                1000,
                vec![
                    wg("*1", "A", 1_500, 5_700, Some(3)),
                    b0.clone(),
                    wg("*3", "C", 9, 9, None),
                ],
            ),
            settings,
            Duration::from_millis(12),
        )
        .await
        .unwrap();
        assert_eq!(
            (s1.bytes_rx, s1.bytes_tx, s1.new_peers, s1.raw_samples),
            (500, 700, 1, 1),
            "{b:?}"
        );

        // Poll 2 (00:05 local, 1 Nov): the router rebooted (uptime down); A shows 300/400, B 10/20.
        let t2 = t1 + chrono::TimeDelta::minutes(10);
        let s2 = commit_poll(
            db,
            router.id,
            &reading(
                t2,
                60,
                vec![
                    wg("*1", "A", 300, 400, Some(1)),
                    wg("*2", "B", 10, 20, Some(2)),
                ],
            ),
            settings,
            Duration::from_millis(12),
        )
        .await
        .unwrap();
        assert_eq!(
            (s2.bytes_rx, s2.bytes_tx, s2.resets, s2.missing_peers),
            (310, 420, 2, 1),
            "{b:?}"
        );

        // Poll 3: A re-created with a new .id and counters already above the old ones.
        let t3 = t2 + chrono::TimeDelta::minutes(1);
        let s3 = commit_poll(
            db,
            router.id,
            &reading(
                t3,
                120,
                vec![
                    wg("*9", "A", 800, 900, Some(1)),
                    wg("*2", "B", 10, 20, Some(62)),
                ],
            ),
            settings,
            Duration::from_millis(12),
        )
        .await
        .unwrap();
        assert_eq!(
            (s3.bytes_rx, s3.bytes_tx, s3.resets),
            (800, 900, 1),
            "{b:?}: re-created peer"
        );
        // B did not move and its handshake is the same one (age grew with the clock): no sample.
        assert_eq!(s3.raw_samples, 1, "{b:?}");

        let resets = counter_reset::Entity::find().all(db).await.unwrap();
        let mut causes: Vec<_> = resets.iter().map(|r| r.cause.as_str()).collect();
        causes.sort_unstable();
        assert_eq!(
            causes,
            ["peer_reset", "router_reboot", "router_reboot"],
            "{b:?}"
        );

        // Rollups: A's October day and cycle hold poll 1; November holds polls 2 and 3.
        // October's buckets closed when November's first bytes came, so the tables hold
        // them; November's are still open, in A's counters row (`accounting::open_bucket`).
        let closed_days: Vec<_> = usage_daily::Entity::find()
            .filter(usage_daily::Column::PeerId.eq(peer_a.id))
            .all(db)
            .await
            .unwrap()
            .iter()
            .map(|d| (d.day.to_string(), d.rx, d.tx))
            .collect();
        assert_eq!(closed_days, [("2026-10-31".into(), 500, 700)], "{b:?}");
        let closed_cycles: Vec<_> = usage_monthly::Entity::find()
            .filter(usage_monthly::Column::PeerId.eq(peer_a.id))
            .all(db)
            .await
            .unwrap()
            .iter()
            .map(|m| (m.cycle_start.to_string(), m.rx))
            .collect();
        assert_eq!(closed_cycles, [("2026-10-01".into(), 500)], "{b:?}");
        let open = peer_counter::Entity::find_by_id(peer_a.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                open.open_day.map(|d| d.to_string()),
                open.day_rx,
                open.day_tx,
                open.open_cycle.map(|d| d.to_string()),
                open.cycle_rx,
                open.cycle_tx,
            ),
            (
                Some("2026-11-01".into()),
                1_100,
                1_300,
                Some("2026-11-01".into()),
                1_100,
                1_300
            ),
            "{b:?}: open buckets"
        );
        // As readers see them: closed rows plus open sums.
        let days: Vec<_> = server::db::usage::all_daily(db)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.peer_id == peer_a.id)
            .map(|d| (d.day.to_string(), d.rx, d.tx))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-10-31".into(), 500, 700),
                ("2026-11-01".into(), 1_100, 1_300)
            ],
            "{b:?}"
        );
        let cycles: Vec<_> = server::db::usage::all_monthly(db)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.peer_id == peer_a.id)
            .map(|m| (m.cycle_start.to_string(), m.rx))
            .collect();
        assert_eq!(
            cycles,
            [("2026-10-01".into(), 500), ("2026-11-01".into(), 1_100)],
            "{b:?}"
        );
        let raw: i64 = raw_sample::Entity::find()
            .filter(raw_sample::Column::PeerId.eq(peer_a.id))
            .all(db)
            .await
            .unwrap()
            .iter()
            .map(|r| r.delta_rx)
            .sum();
        assert_eq!(raw, 1_600, "{b:?}: raw sum = daily sum = monthly sum");

        // The query layer.
        let day_series = peer_usage(
            db,
            peer_a.id,
            t0 - chrono::TimeDelta::days(1),
            t3 + chrono::TimeDelta::days(1),
            Window::Daily,
            tz,
        )
        .await
        .unwrap();
        assert_eq!(day_series.iter().map(|p| p.rx).sum::<u64>(), 1_600, "{b:?}");
        let raw_series = peer_usage(
            db,
            peer_a.id,
            t0,
            t3 + chrono::TimeDelta::seconds(1),
            Window::Raw,
            tz,
        )
        .await
        .unwrap();
        assert_eq!(raw_series.len(), 3, "{b:?}");
        let hourly = peer_usage(
            db,
            peer_a.id,
            t0 - chrono::TimeDelta::hours(1),
            t3 + chrono::TimeDelta::hours(1),
            Window::Hourly,
            tz,
        )
        .await
        .unwrap();
        assert_eq!(
            hourly.iter().map(|p| p.tx).sum::<u64>(),
            700 + 400 + 900,
            "{b:?}"
        );
        // The daily series: October's closed row, then November's open sum.
        let daily_points = |series: &[server::db::usage::UsagePoint]| -> Vec<(String, u64)> {
            series
                .iter()
                .map(|p| (p.date.unwrap().to_string(), p.rx))
                .collect()
        };
        assert_eq!(
            daily_points(&day_series),
            [("2026-10-31".into(), 500), ("2026-11-01".into(), 1_100)],
            "{b:?}"
        );
        // A database upgraded to open buckets (migration 000011) can hold a closed row for
        // the open day: the series adds both into one point.
        usage_daily::Entity::insert(usage_daily::ActiveModel {
            peer_id: sea_orm::Set(peer_a.id),
            day: sea_orm::Set(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()),
            rx: sea_orm::Set(5),
            tx: sea_orm::Set(6),
        })
        .exec(db)
        .await
        .unwrap();
        let upgraded = peer_usage(
            db,
            peer_a.id,
            t0 - chrono::TimeDelta::days(1),
            t3 + chrono::TimeDelta::days(1),
            Window::Daily,
            tz,
        )
        .await
        .unwrap();
        assert_eq!(
            daily_points(&upgraded),
            [("2026-10-31".into(), 500), ("2026-11-01".into(), 1_105)],
            "{b:?}: closed row and open sum of one day"
        );
        usage_daily::Entity::delete_by_id((
            peer_a.id,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        ))
        .exec(db)
        .await
        .unwrap();

        // The dashboard's and the API's view of the cycle (service::peers), under the same
        // calendar the polls were committed with.
        let mut row = server::db::settings::load(db).await.unwrap();
        row.timezone = "Europe/Berlin".to_owned();
        let row = server::db::settings::save(db, row, t3).await.unwrap();
        let now = t3 + chrono::TimeDelta::seconds(5);
        let summary = |now: chrono::DateTime<Utc>| {
            let row = row.clone();
            async move {
                let cycle = settings.calendar.cycle_at(now).unwrap();
                let filter = PeerFilter {
                    tracked: Some(true),
                    ..PeerFilter::default()
                };
                let mut rows = views(db, &filter, &row, &cycle, now).await.unwrap();
                sort(&mut rows, PeerSort::Total, true);
                rows
            }
        };
        let rows = summary(now).await;
        assert_eq!(rows.len(), 2, "{b:?}: C is not tracked");
        assert_eq!(
            (
                rows.iter().map(|r| r.cycle_rx).sum::<u64>(),
                rows.iter().map(|r| r.cycle_tx).sum::<u64>()
            ),
            (1_100 + 10, 1_300 + 20),
            "{b:?}"
        );
        assert_eq!(rows[0].id, peer_a.id, "{b:?}: A used most");
        assert_eq!(rows[0].status.as_str(), "online", "{b:?}");
        assert_eq!(rows[1].id, peer_b.id, "{b:?}");
        // B's handshake was 62 s before t3 and its rx did not move at t3: offline.
        assert_eq!(rows[1].status.as_str(), "offline", "{b:?}");
        // Three intervals without a successful poll: unknown, never a guess.
        let stale = summary(t3 + chrono::TimeDelta::seconds(91)).await;
        assert!(stale.iter().all(|r| r.online.is_none()), "{b:?}");

        // A failed poll records the error and leaves the counters alone.
        let failures = record_failure(
            db,
            router.id,
            t3,
            Duration::from_secs(10),
            "no answer within 10s",
        )
        .await
        .unwrap();
        assert_eq!(failures, 1, "{b:?}");
        let health = router_health::Entity::find_by_id(router.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(health.last_success_at, Some(t3), "{b:?}");
        assert_eq!(
            health.last_error.as_deref(),
            Some("no answer within 10s"),
            "{b:?}"
        );
        test_db.cleanup().await;
    }
}
