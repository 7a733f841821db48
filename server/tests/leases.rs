//! Router leases (issue #8) on both backends: the one-statement take-or-renew, expiry and
//! takeover, the heartbeat, release, and the fence that makes a poll commit of an instance
//! that lost its lease write nothing, and that deleting a router waits out a poll commit in
//! flight and leaves none of its samples behind.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{TimeDelta, Timelike as _, Utc};
use sea_orm::EntityTrait;
use server::db::entities::{peer_counter, router_health};
use server::db::leases::{self, Fence, LeaseState};
use server::db::poll_commit::{CommitError, PollReading, RollupSettings, commit_poll_fenced};
use server::db::routers::{NewRouter, create, import_peers};
use server::db::testing::all_backends;
use server::routeros::{SystemResource, Transport, WgPeer};

const TTL: Duration = Duration::from_secs(10);

fn wg(rx: u64) -> WgPeer {
    WgPeer {
        id: "*1".to_owned(),
        interface: "wg0".to_owned(),
        public_key: "A".to_owned(),
        name: None,
        comment: None,
        allowed_addresses: vec!["10.0.0.2/32".to_owned()],
        endpoint: None,
        current_endpoint: None,
        rx,
        tx: rx,
        last_handshake: None,
        disabled: false,
        dynamic: false,
        responder: None,
        persistent_keepalive: None,
    }
}

fn reading(at: chrono::DateTime<Utc>, rx: u64) -> PollReading {
    PollReading {
        at,
        identity: "edge".to_owned(),
        resource: SystemResource {
            version: "7.18.2 (stable)".to_owned(),
            board_name: "CHR".to_owned(),
            uptime: Duration::from_secs(1000),
            cpu_load: None,
            free_memory: None,
            total_memory: None,
            architecture: None,
        },
        peers: vec![wg(rx)],
    }
}

#[tokio::test]
async fn leases_take_renew_expire_fence_and_release() {
    for test_db in all_backends("leases").await {
        let db = &test_db.db;
        let b = test_db.backend;
        // The fence reads the wall clock, so the test's instants are real ones (whole seconds,
        // which both backends store exactly).
        let t0 = Utc::now().with_nanosecond(0).unwrap();
        let router = create(
            db,
            NewRouter {
                name: "edge".into(),
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
        let r = router.id;
        import_peers(db, r, &[wg(0)], t0).await.unwrap();

        // Free: A takes it. Held: B does not. A renews it.
        let a = leases::acquire(db, r, "A", t0, TTL).await.unwrap();
        assert!(matches!(a, LeaseState::Ours { .. }), "{b:?}: {a:?}");
        let t1 = t0 + TimeDelta::seconds(5);
        let held = leases::acquire(db, r, "B", t1, TTL).await.unwrap();
        assert_eq!(
            held,
            LeaseState::Held {
                holder: "A".into(),
                expires_at: t0 + TimeDelta::seconds(10)
            },
            "{b:?}"
        );
        let renewed = leases::acquire(db, r, "A", t1, TTL).await.unwrap();
        assert_eq!(
            renewed,
            LeaseState::Ours {
                expires_at: t1 + TimeDelta::seconds(10)
            },
            "{b:?}"
        );
        // The heartbeat extends A's leases, and not B's (it has none).
        let t2 = t0 + TimeDelta::seconds(9);
        assert_eq!(leases::renew_all(db, "A", t2, TTL).await.unwrap(), 1);
        assert_eq!(leases::renew_all(db, "B", t2, TTL).await.unwrap(), 0);

        // A's poll commit is fenced by its own lease: it commits.
        let settings = RollupSettings::fixed(
            chrono_tz::UTC,
            server::accounting::cycle::ResetDay::new(1).unwrap(),
        );
        let fence_a = Fence {
            holder: "A",
            ttl: Duration::from_secs(3600),
        };
        commit_poll_fenced(
            db,
            r,
            &reading(t1, 100),
            settings,
            Duration::ZERO,
            Some(fence_a),
        )
        .await
        .unwrap();

        // A dies: its lease (extended to now + 1 h by the commit) expires; B takes it.
        let later = Utc::now() + TimeDelta::hours(2);
        let taken = leases::acquire(db, r, "B", later, TTL).await.unwrap();
        assert!(matches!(taken, LeaseState::Ours { .. }), "{b:?}: {taken:?}");
        // A, slow rather than dead, now tries to commit a stale reading: refused, nothing moves.
        let stale = commit_poll_fenced(
            db,
            r,
            &reading(t1 + TimeDelta::seconds(30), 5_000),
            settings,
            Duration::ZERO,
            Some(fence_a),
        )
        .await;
        assert!(
            matches!(stale, Err(CommitError::LeaseLost { router_id }) if router_id == r),
            "{b:?}: {stale:?}"
        );
        let counters = peer_counter::Entity::find().all(db).await.unwrap();
        assert_eq!(counters.len(), 1, "{b:?}");
        assert_eq!(counters[0].rx, 100, "{b:?}: the stale poll moved a counter");
        let health = router_health::Entity::find_by_id(r).one(db).await.unwrap();
        assert_eq!(
            health.and_then(|h| h.last_success_at),
            Some(t1),
            "{b:?}: the stale poll touched the router's health"
        );
        // A's heartbeat no longer finds a lease of its own.
        assert_eq!(leases::renew_all(db, "A", later, TTL).await.unwrap(), 0);

        // Release: B's leases go, and A takes the router at once.
        assert_eq!(leases::release_all(db, "B").await.unwrap(), 1);
        let back = leases::acquire(db, r, "A", later, TTL).await.unwrap();
        assert!(matches!(back, LeaseState::Ours { .. }), "{b:?}: {back:?}");

        // A lease for a router that no longer exists is no lease, not an error.
        let gone = leases::acquire(db, r + 1000, "A", later, TTL)
            .await
            .unwrap();
        assert_eq!(gone, LeaseState::Gone, "{b:?}");
        test_db.cleanup().await;
    }
}

/// A router deleted while one of its poll commits is in flight: the delete waits for the
/// commit (the fence holds the lease row) and then removes the samples it wrote, and a poll
/// after the delete writes nothing. On PostgreSQL no foreign key removes samples (migration
/// 000009), so this is what keeps them from outliving their peers.
#[tokio::test]
async fn deleting_a_router_waits_for_a_poll_in_flight() {
    use sea_orm::{PaginatorTrait, TransactionTrait};
    use server::db::entities::raw_sample;
    for test_db in all_backends("leases_delete").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let t0 = Utc::now().with_nanosecond(0).unwrap();
        let router = server::db::testing::offline_router(db, "edge", t0)
            .await
            .unwrap();
        let r = router.id;
        import_peers(db, r, &[wg(0)], t0).await.unwrap();
        let peer_id = server::db::entities::peer::Entity::find()
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let lease = leases::acquire(db, r, "A", t0, TTL).await.unwrap();
        assert!(matches!(lease, LeaseState::Ours { .. }), "{b:?}: {lease:?}");
        let fence_a = Fence {
            holder: "A",
            ttl: TTL,
        };

        // A poll commit in flight: fenced, one sample written, not committed yet.
        let poll = db.begin().await.unwrap();
        assert!(leases::fence(&poll, r, fence_a, Utc::now()).await.unwrap());
        raw_sample::Entity::insert(server::db::testing::raw_sample_at(peer_id, t0))
            .exec_without_returning(&poll)
            .await
            .unwrap();
        let deleting = tokio::spawn({
            let db = db.clone();
            async move { server::service::routers::delete(&db, r).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !deleting.is_finished(),
            "{b:?}: the delete did not wait for the poll in flight"
        );
        poll.commit().await.unwrap();
        assert!(deleting.await.unwrap().unwrap(), "{b:?}");

        assert_eq!(
            raw_sample::Entity::find().count(db).await.unwrap(),
            0,
            "{b:?}: a sample outlived its router"
        );
        // A poll of the deleted router finds no lease: nothing written.
        let late = commit_poll_fenced(
            db,
            r,
            &reading(t0 + TimeDelta::seconds(30), 100),
            RollupSettings::fixed(
                chrono_tz::UTC,
                server::accounting::cycle::ResetDay::new(1).unwrap(),
            ),
            Duration::ZERO,
            Some(fence_a),
        )
        .await;
        assert!(
            matches!(late, Err(CommitError::LeaseLost { router_id }) if router_id == r),
            "{b:?}: {late:?}"
        );
        assert_eq!(
            raw_sample::Entity::find().count(db).await.unwrap(),
            0,
            "{b:?}"
        );
        test_db.cleanup().await;
    }
}
