//! Open rollup buckets through the real poll commit, on both backends: bytes of the open hour,
//! day and cycle live in the peer's counters row until a later bucket's first bytes close them
//! into the rollup tables; bytes measured in an earlier bucket than the open one (the clock
//! went back) go straight to the table; and every reader — usage series, the whole rollups,
//! quota state — adds closed rows and open sums.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::accounting::cycle::ResetDay;
use server::db::entities::{peer, peer_counter, usage_daily, usage_hourly, usage_monthly};
use server::db::poll_commit::{PollReading, RollupSettings, commit_poll};
use server::db::testing::{all_backends, listed_peer, poll_reading};
use server::db::usage::{Window, all_daily, all_hourly, all_monthly, peer_usage};

fn reading(at: DateTime<Utc>, uptime_s: u64, rx: u64, tx: u64) -> PollReading {
    let peer = listed_peer("*1", "K", rx, tx, Some(Duration::from_secs(5)));
    poll_reading(at, uptime_s, vec![peer])
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

#[tokio::test]
async fn open_buckets_close_forward_and_take_late_bytes_into_the_table() {
    let settings = RollupSettings::fixed(chrono_tz::UTC, ResetDay::new(1).unwrap());
    for test_db in all_backends("open_buckets").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let t0 = Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap();
        let router = server::db::testing::offline_router(db, "edge", t0)
            .await
            .unwrap();
        server::db::routers::import_peers(db, router.id, &reading(t0, 100, 0, 0).peers, t0)
            .await
            .unwrap();
        let peer_id = peer::Entity::find()
            .filter(peer::Column::RouterId.eq(router.id))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let poll = |at: DateTime<Utc>, uptime: u64, rx: u64, tx: u64| async move {
            commit_poll(
                db,
                router.id,
                &reading(at, uptime, rx, tx),
                settings,
                Duration::from_millis(5),
            )
            .await
            .unwrap()
        };
        let counters = || async {
            peer_counter::Entity::find_by_id(peer_id)
                .one(db)
                .await
                .unwrap()
                .unwrap()
        };
        let table_rows = || async {
            (
                usage_hourly::Entity::find().all(db).await.unwrap().len(),
                usage_daily::Entity::find().all(db).await.unwrap().len(),
                usage_monthly::Entity::find().all(db).await.unwrap().len(),
            )
        };

        // Two polls in the same hour: both add to the open buckets, no rollup row is written.
        poll(t0 + TimeDelta::minutes(10), 700, 100, 10).await;
        poll(t0 + TimeDelta::minutes(20), 1300, 250, 30).await;
        let c = counters().await;
        assert_eq!(
            (c.open_hour, c.hour_rx, c.hour_tx),
            (Some(t0), 250, 30),
            "{b:?}"
        );
        assert_eq!(
            (c.open_day, c.day_rx, c.open_cycle, c.cycle_rx),
            (Some(day(2)), 250, Some(day(1)), 250),
            "{b:?}"
        );
        assert_eq!(table_rows().await, (0, 0, 0), "{b:?}: nothing closed yet");

        // A poll in the next hour closes 10:00 into usage_hourly; the day and cycle stay open.
        let t1 = t0 + TimeDelta::hours(1);
        poll(t1 + TimeDelta::minutes(5), 4000, 300, 40).await;
        assert_eq!(table_rows().await, (1, 0, 0), "{b:?}");
        let c = counters().await;
        assert_eq!(
            (c.open_hour, c.hour_rx, c.day_rx),
            (Some(t1), 50, 300),
            "{b:?}"
        );

        // The clock goes back a day: bytes measured "on 1 November at 10:00" are earlier than
        // every open bucket, so they go straight to the tables and the open buckets stay.
        let back = Utc.with_ymd_and_hms(2026, 11, 1, 10, 30, 0).unwrap();
        poll(back, 5000, 307, 41).await;
        let c = counters().await;
        assert_eq!(
            (c.open_hour, c.hour_rx, c.open_day, c.day_rx, c.cycle_rx),
            (Some(t1), 50, Some(day(2)), 300, 307),
            "{b:?}: a late delta for an earlier day leaves the open day alone"
        );
        let closed_days: Vec<_> = usage_daily::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.day, d.rx, d.tx))
            .collect();
        assert_eq!(closed_days, [(day(1), 7, 1)], "{b:?}");

        // The readers: whole rollups and series add closed rows and open sums.
        let hours: Vec<_> = all_hourly(db)
            .await
            .unwrap()
            .into_iter()
            .map(|h| (h.hour_start, h.rx, h.tx))
            .collect();
        assert_eq!(
            hours,
            [
                (Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap(), 7, 1),
                (t0, 250, 30),
                (t1, 50, 10)
            ],
            "{b:?}"
        );
        let days: Vec<_> = all_daily(db)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.day, d.rx))
            .collect();
        assert_eq!(days, [(day(1), 7), (day(2), 300)], "{b:?}");
        let cycles: Vec<_> = all_monthly(db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.cycle_start, m.rx, m.tx))
            .collect();
        assert_eq!(cycles, [(day(1), 307, 41)], "{b:?}");
        let series = peer_usage(
            db,
            peer_id,
            t0,
            t1 + TimeDelta::hours(1),
            Window::Hourly,
            chrono_tz::UTC,
        )
        .await
        .unwrap();
        assert_eq!(
            series
                .iter()
                .map(|p| (p.at.unwrap(), p.rx))
                .collect::<Vec<_>>(),
            [(t0, 250), (t1, 50)],
            "{b:?}: closed 10:00, open 11:00"
        );
        let series = peer_usage(
            db,
            peer_id,
            t0 - TimeDelta::days(5),
            t1,
            Window::Monthly,
            chrono_tz::UTC,
        )
        .await
        .unwrap();
        assert_eq!(
            series
                .iter()
                .map(|p| (p.date.unwrap(), p.rx, p.tx))
                .collect::<Vec<_>>(),
            [(day(1), 307, 41)],
            "{b:?}: the cycle is still open"
        );

        // Quota state counts the open cycle and the open hour in its pace.
        let row = server::db::settings::load(db).await.unwrap();
        let state =
            server::enforcement::quota::state(db, peer_id, &row, t1 + TimeDelta::minutes(6))
                .await
                .unwrap();
        assert_eq!(
            state.used_bytes,
            307 + 41,
            "{b:?}: quota counts both directions by default"
        );
        test_db.cleanup().await;
    }
}
