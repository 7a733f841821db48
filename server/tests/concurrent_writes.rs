//! Writers that read before they write (peer import, settings, secrets) run side by side on
//! SQLite without "database is locked": their transactions take the write lock at BEGIN and
//! wait their turn (found by the 50,000-peer benchmark, whose setup imports 4 routers at once).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use server::db::routers::{self, NewRouter};
use server::db::testing::all_backends;
use server::routeros::{Transport, WgPeer};

fn peer(router: usize, i: usize) -> WgPeer {
    WgPeer {
        id: format!("*{i:X}"),
        interface: "wg0".to_owned(),
        public_key: format!("router{router}-peer{i:04}-key="),
        name: Some(format!("peer{i}")),
        comment: None,
        allowed_addresses: vec![format!("10.{router}.{}.{}/32", i / 250, i % 250)],
        endpoint: None,
        current_endpoint: None,
        rx: 1_000 * i as u64,
        tx: 2_000 * i as u64,
        last_handshake: Some(Duration::from_secs(5)),
        disabled: false,
        dynamic: false,
        responder: None,
        persistent_keepalive: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_imports_and_settings_writes_all_succeed() {
    for test_db in all_backends("concurrent_writes").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let mut ids = Vec::new();
        for r in 0..8 {
            let row = routers::create(
                db,
                NewRouter {
                    name: format!("r{r}"),
                    host: "192.0.2.1".to_owned(),
                    port: None,
                    transport: Transport::Rest,
                    tls: true,
                    tls_verify: None,
                    tls_fingerprint: None,
                    username: "u".to_owned(),
                    password: "p".to_owned(),
                },
                Utc::now(),
            )
            .await
            .unwrap();
            ids.push(row.id);
        }
        let mut set = tokio::task::JoinSet::new();
        for (r, id) in ids.iter().copied().enumerate() {
            let db = db.clone();
            set.spawn(async move {
                let peers: Vec<WgPeer> = (0..200).map(|i| peer(r, i)).collect();
                routers::import_peers(&db, id, &peers, Utc::now()).await
            });
        }
        for n in 0..4 {
            let db = db.clone();
            set.spawn(async move {
                server::service::settings::update(
                    &db,
                    &json!({"poll_interval_seconds": 30 + n}),
                    Utc::now(),
                )
                .await
                .map(|_| 0)
                .map_err(|err| server::db::DbError::Query(sea_orm::DbErr::Custom(err.to_string())))
            });
        }
        while let Some(result) = set.join_next().await {
            result.unwrap().unwrap_or_else(|err| panic!("{b:?}: {err}"));
        }
        use sea_orm::{EntityTrait, PaginatorTrait};
        let tracked = server::db::entities::peer::Entity::find()
            .count(db)
            .await
            .unwrap();
        assert_eq!(tracked, 8 * 200, "{b:?}");
        test_db.cleanup().await;
    }
}
