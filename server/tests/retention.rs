//! The retention job on both backends: raw samples older than the retention setting and hourly
//! rollups older than 400 days go, in several bounded batches and across several batches of
//! peers; everything newer, and every daily and monthly row, stays.
#![allow(clippy::unwrap_used)]

use chrono::{TimeDelta, TimeZone, Utc};
use sea_orm::{EntityTrait, PaginatorTrait, Set};
use server::db::entities::{raw_sample, usage_daily, usage_hourly};
use server::db::routers::import_peers;
use server::db::testing::all_backends;
use server::routeros::WgPeer;
use server::scheduler::retention::{BATCH, PEER_BATCH, run_once};

#[tokio::test]
async fn removes_only_what_is_past_retention() {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    for test_db in all_backends("retention").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let mut settings = server::db::settings::load(db).await.unwrap();
        settings.raw_retention_days = 3;
        server::db::settings::save(db, settings, now).await.unwrap();
        let router = server::db::testing::offline_router(db, "r", now)
            .await
            .unwrap();
        // One more peer than a peer batch holds: the first and the last are in different batches.
        let peers: Vec<WgPeer> = (0..=PEER_BATCH)
            .map(|n| WgPeer {
                id: format!("*{n:x}"),
                interface: "wg0".into(),
                public_key: format!("K{n}"),
                name: None,
                comment: None,
                allowed_addresses: vec![],
                endpoint: None,
                current_endpoint: None,
                rx: 0,
                tx: 0,
                last_handshake: None,
                disabled: false,
                dynamic: false,
                responder: None,
                persistent_keepalive: None,
            })
            .collect();
        import_peers(db, router.id, &peers, now).await.unwrap();
        let ids: Vec<i32> = server::db::entities::peer::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        let (peer_id, last_peer) = (*ids.iter().min().unwrap(), *ids.iter().max().unwrap());

        // More old samples than one batch holds, one a second before the cutoff, some newer.
        let old = usize::try_from(BATCH).unwrap() + 1_500;
        let cutoff = now - TimeDelta::days(3);
        let sample_of = server::db::testing::raw_sample_at;
        let sample = |at| sample_of(peer_id, at);
        let mut rows: Vec<_> = (0..old)
            .map(|i| sample(cutoff - TimeDelta::seconds(1 + i64::try_from(i).unwrap())))
            .collect();
        rows.extend((0..10).map(|i| sample(cutoff + TimeDelta::seconds(i))));
        // The last peer, in the second peer batch: 7 old samples and 3 at or after the cutoff.
        rows.extend((1..=7).map(|i| sample_of(last_peer, cutoff - TimeDelta::hours(i))));
        rows.extend((0..3).map(|i| sample_of(last_peer, cutoff + TimeDelta::minutes(i))));
        for chunk in rows.chunks(1000) {
            raw_sample::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await
                .unwrap();
        }
        let hour_of = |peer_id, days: i64, rx: i64| usage_hourly::ActiveModel {
            peer_id: Set(peer_id),
            hour_start: Set(now - TimeDelta::days(days)),
            rx: Set(rx),
            tx: Set(rx),
        };
        let hour = |days, rx| hour_of(peer_id, days, rx);
        usage_hourly::Entity::insert_many([
            hour(401, 1),
            hour(400, 2),
            hour(399, 3),
            hour(1, 4),
            hour_of(last_peer, 500, 5),
            hour_of(last_peer, 2, 6),
        ])
        .exec_without_returning(db)
        .await
        .unwrap();
        usage_daily::Entity::insert(usage_daily::ActiveModel {
            peer_id: Set(peer_id),
            day: Set(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
            rx: Set(5),
            tx: Set(5),
        })
        .exec_without_returning(db)
        .await
        .unwrap();

        let removed = run_once(db, now).await.unwrap();
        assert_eq!(
            removed.raw_samples,
            u64::try_from(old + 7).unwrap(),
            "{b:?}"
        );
        assert_eq!(
            removed.hourly_rows, 2,
            "{b:?}: only the rows older than 400 days"
        );
        let mut kept_samples: Vec<(i32, chrono::DateTime<Utc>)> = raw_sample::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.peer_id, s.at))
            .collect();
        kept_samples.sort_unstable();
        let mut expected: Vec<_> = (0..10)
            .map(|i| (peer_id, cutoff + TimeDelta::seconds(i)))
            .chain((0..3).map(|i| (last_peer, cutoff + TimeDelta::minutes(i))))
            .collect();
        expected.sort_unstable();
        assert_eq!(kept_samples, expected, "{b:?}");
        let mut kept: Vec<i64> = usage_hourly::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.rx)
            .collect();
        kept.sort_unstable();
        assert_eq!(kept, [2, 3, 4, 6], "{b:?}");
        assert_eq!(
            usage_daily::Entity::find().count(db).await.unwrap(),
            1,
            "{b:?}"
        );

        // A second pass finds nothing.
        let again = run_once(db, now).await.unwrap();
        assert_eq!((again.raw_samples, again.hourly_rows), (0, 0), "{b:?}");
        test_db.cleanup().await;
    }
}
