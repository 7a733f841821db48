//! Importing peers (`db::routers::import_peers`) on both backends, past the multi-row chunk
//! size: every listed peer becomes tracked with its counters as the baseline; re-importing a
//! tracked peer keeps its baseline; a peer tracked again after a pause gets today's counters;
//! a peer listed twice is imported once, with its last listing.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use server::db::entities::{peer, peer_counter};
use server::db::routers::import_peers;
use server::db::testing::{all_backends, listed_peer};
use server::routeros::WgPeer;

fn wg(i: usize, rx: u64) -> WgPeer {
    let mut peer = listed_peer(&format!("*{i:X}"), &format!("key-{i}"), rx, rx * 2, None);
    peer.name = Some(format!("peer {i}"));
    peer.allowed_addresses = vec![format!("10.1.{}.{}/32", i / 250, i % 250)];
    peer
}

#[tokio::test]
async fn import_tracks_every_peer_with_its_baseline() {
    for test_db in all_backends("import").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let router = server::db::testing::offline_router(db, "edge", now)
            .await
            .unwrap();

        // 1,200 peers: three chunks.
        let first: Vec<WgPeer> = (0..1200).map(|i| wg(i, i as u64 + 1)).collect();
        assert_eq!(
            import_peers(db, router.id, &first, now).await.unwrap(),
            1200,
            "{b:?}"
        );

        // Peer 5 is untracked meanwhile; then everything is imported again with new counters,
        // plus a new peer listed twice.
        let five = peer::Entity::find()
            .filter(peer::Column::PublicKey.eq("key-5"))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let mut untracked = five.into_active_model();
        untracked.tracked = Set(false);
        untracked.update(db).await.unwrap();
        let later = now + chrono::TimeDelta::hours(1);
        let mut second: Vec<WgPeer> = (0..1200).map(|i| wg(i, 10_000 + i as u64)).collect();
        second.push(wg(1200, 7));
        second.push(wg(1200, 9));
        assert_eq!(
            import_peers(db, router.id, &second, later).await.unwrap(),
            1201,
            "{b:?}: the peer listed twice counts once"
        );

        let peers = peer::Entity::find()
            .filter(peer::Column::RouterId.eq(router.id))
            .all(db)
            .await
            .unwrap();
        assert_eq!(peers.len(), 1201, "{b:?}");
        assert!(
            peers.iter().all(|p| p.tracked),
            "{b:?}: every listed peer is tracked"
        );
        let key_of: HashMap<i32, String> =
            peers.iter().map(|p| (p.id, p.public_key.clone())).collect();
        let baselines: HashMap<String, (i64, i64)> = peer_counter::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (key_of[&c.peer_id].clone(), (c.rx, c.tx)))
            .collect();
        assert_eq!(baselines.len(), 1201, "{b:?}");
        // Tracked throughout: the first import's baseline stays.
        assert_eq!(baselines["key-0"], (1, 2), "{b:?}");
        assert_eq!(baselines["key-1199"], (1200, 2400), "{b:?}");
        // Tracked again after a pause: today's counters.
        assert_eq!(baselines["key-5"], (10_005, 20_010), "{b:?}");
        // Listed twice: the last listing.
        assert_eq!(baselines["key-1200"], (9, 18), "{b:?}");
        test_db.cleanup().await;
    }
}
