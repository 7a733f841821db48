//! Every client call, over REST, REST over TLS, API and API-SSL, against every RouterOS version
//! profile of the simulator (7.12, 7.15, 7.16, 7.18+), compared with the simulator's own state.

#![allow(clippy::unwrap_used)]

mod routeros_support;

use std::collections::HashMap;
use std::time::Duration;

use routeros_support::{MODES, Mode, client, sim};
use server::routeros::{RouterError, RouterOs, WgPeer};

const VERSIONS: [&str; 5] = ["7.12", "7.15", "7.16.2", "7.18.2", "7.20"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_every_transport_every_version() {
    for version in VERSIONS {
        let sim = sim(version, 12).await;
        let h = sim.router(0);
        for mode in MODES {
            let c = client(h, mode);
            let ctx = format!("{version} {mode:?}");

            assert_eq!(c.identity().await.unwrap(), h.identity, "{ctx}");
            let res = c.system_resource().await.unwrap();
            assert!(res.version.starts_with(version), "{ctx}: {}", res.version);
            assert!(!res.board_name.is_empty(), "{ctx}");
            assert!(
                res.uptime >= Duration::from_secs(90),
                "{ctx}: {:?}",
                res.uptime
            );
            let info = c.router_info().await.unwrap();
            assert_eq!(info.identity, h.identity, "{ctx}");
            assert_eq!(info.version, res.version, "{ctx}");

            let ifaces = c.list_interfaces().await.unwrap();
            assert_eq!(ifaces.len(), 2, "{ctx}");
            assert!(
                ifaces
                    .iter()
                    .all(|i| i.listen_port != 0 && !i.name.is_empty()),
                "{ctx}"
            );

            let peers = c.list_peers().await.unwrap();
            check_peers_match(&ctx, version, &peers, h);

            // Disable and re-enable one peer by .id; the simulator must see both writes.
            let target = &peers[3];
            c.set_peer_disabled(&target.id, true).await.unwrap();
            let snap = h
                .peers()
                .into_iter()
                .find(|p| p.public_key == target.public_key)
                .unwrap();
            assert!(snap.disabled, "{ctx}");
            let again = c.list_peers().await.unwrap();
            assert!(
                again.iter().find(|p| p.id == target.id).unwrap().disabled,
                "{ctx}"
            );
            c.set_peer_disabled(&target.id, false).await.unwrap();
            let snap = h
                .peers()
                .into_iter()
                .find(|p| p.public_key == target.public_key)
                .unwrap();
            assert!(!snap.disabled, "{ctx}");
        }
        sim.shutdown().await;
    }
}

fn check_peers_match(ctx: &str, version: &str, peers: &[WgPeer], h: &routeros_sim::RouterHandle) {
    let snaps: HashMap<_, _> = h
        .peers()
        .into_iter()
        .map(|p| (p.public_key.clone(), p))
        .collect();
    assert_eq!(peers.len(), snaps.len(), "{ctx}");
    let named = !version.starts_with("7.12");
    for p in peers {
        let s = &snaps[&p.public_key];
        assert_eq!(p.id, s.id, "{ctx}");
        assert_eq!(p.interface, s.interface, "{ctx}");
        assert_eq!((p.rx, p.tx), (s.rx, s.tx), "{ctx} {}", p.public_key);
        assert_eq!(p.disabled, s.disabled, "{ctx}");
        assert_eq!(p.dynamic, s.dynamic, "{ctx}");
        assert_eq!(
            p.last_handshake.map(|d| d.as_secs()),
            s.last_handshake_secs,
            "{ctx}"
        );
        assert_eq!(
            p.allowed_addresses.join(","),
            s.allowed_address.replace(' ', ""),
            "{ctx}"
        );
        assert_eq!(
            p.endpoint.as_ref().map(|e| e.0.as_str()).unwrap_or(""),
            s.endpoint_address
        );
        assert_eq!(p.comment.clone().unwrap_or_default(), s.comment, "{ctx}");
        if named {
            assert_eq!(p.name.as_deref(), Some(s.name.as_str()), "{ctx}");
        } else {
            assert_eq!(p.name, None, "{ctx}: 7.12 has no peer names");
        }
        let has_responder = !version.starts_with("7.12");
        assert_eq!(
            p.responder.is_some(),
            has_responder,
            "{ctx}: responder {:?}",
            p.responder
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_peers_is_an_empty_list_with_and_without_empty_reply() {
    // 7.18+ answers `!empty` before `!done` on the API; 7.16 does not.
    for version in ["7.16.2", "7.18.2"] {
        let sim = sim(version, 0).await;
        for mode in MODES {
            let c = client(sim.router(0), mode);
            assert!(
                c.list_peers().await.unwrap().is_empty(),
                "{version} {mode:?}"
            );
            // The session is still usable after an empty reply.
            assert_eq!(c.identity().await.unwrap(), sim.router(0).identity);
        }
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn singleton_menus_as_arrays() {
    let sim = sim("7.18.2", 3).await;
    let h = sim.router(0);
    h.set_singleton_as_array(true);
    for mode in MODES {
        let c = client(h, mode);
        let info = c.router_info().await.unwrap();
        assert_eq!(info.identity, h.identity, "{mode:?}");
        assert!(info.version.starts_with("7.18.2"));
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_on_a_vanished_id_is_no_such_item() {
    let sim = sim("7.18.2", 5).await;
    let h = sim.router(0);
    for mode in MODES {
        let c = client(h, mode);
        let peers = c.list_peers().await.unwrap();
        let victim = peers
            .iter()
            .find(|p| h.peers().iter().any(|s| s.public_key == p.public_key));
        let victim = victim.unwrap().clone();
        assert!(h.delete_peer(&victim.public_key));
        match c.set_peer_disabled(&victim.id, true).await {
            Err(RouterError::NoSuchItem { id }) => assert_eq!(id, victim.id),
            other => panic!("{mode:?}: expected NoSuchItem, got {other:?}"),
        }
        // The session survives the error.
        assert_eq!(
            c.list_peers().await.unwrap().len(),
            peers.len() - 1,
            "{mode:?}"
        );
    }
    // A malformed id never reaches the router.
    let c = client(h, Mode::Api);
    assert!(matches!(
        c.set_peer_disabled("", true).await,
        Err(RouterError::Config(_))
    ));
    assert!(matches!(
        c.set_peer_disabled("*1/../x", true).await,
        Err(RouterError::Config(_))
    ));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_upgrade_between_polls_and_reboot() {
    let sim = sim("7.16.2", 6).await;
    let h = sim.router(0);
    for mode in MODES {
        sim.advance(Duration::from_secs(60));
        let c = client(h, mode);
        let before = c.list_peers().await.unwrap();
        assert!(before.iter().all(|p| p.responder.is_some()));
        // Upgrade to a release where `is-responder` became `responder`, without the client
        // having re-read /system/resource: the list must still work.
        h.set_ros_version("7.18.2");
        let after = c.list_peers().await.unwrap();
        assert_eq!(after.len(), before.len(), "{mode:?}");
        let info = c.router_info().await.unwrap();
        assert!(info.version.starts_with("7.18.2"));
        assert!(
            c.list_peers()
                .await
                .unwrap()
                .iter()
                .all(|p| p.responder.is_some()),
            "{mode:?}"
        );
        // A reboot: uptime drops and counters reset; the client reconnects by itself.
        let up = info.uptime;
        h.reboot();
        sim.advance(Duration::from_secs(5));
        let rebooted = c.router_info().await.unwrap();
        assert!(
            rebooted.uptime < up,
            "{mode:?}: {:?} !< {:?}",
            rebooted.uptime,
            up
        );
        assert_eq!(c.list_peers().await.unwrap().len(), before.len());
        h.set_ros_version("7.16.2");
        c.router_info().await.unwrap();
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_api_session() {
    let sim = sim("7.18.2", 40).await;
    let h = sim.router(0);
    for mode in [Mode::Api, Mode::ApiSsl, Mode::Rest] {
        let c = std::sync::Arc::new(client(h, mode));
        let mut tasks = Vec::new();
        for i in 0..16 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    c.list_peers().await.map(|p| p.len())
                } else {
                    c.router_info().await.map(|_| 40)
                }
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), 40, "{mode:?}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recreated_peer_gets_a_new_id_and_reset_counters_read_back() {
    let sim = sim("7.18.2", 4).await;
    let h = sim.router(0);
    for mode in MODES {
        sim.advance(Duration::from_secs(60));
        let c = client(h, mode);
        let before = c.list_peers().await.unwrap();
        let key = before[1].public_key.clone();
        let old_id = before[1].id.clone();
        assert!(h.recreate_peer(&key));
        let after = c.list_peers().await.unwrap();
        let fresh = after.iter().find(|p| p.public_key == key).unwrap();
        if fresh.id != old_id {
            // The poller's path: the write fails with NoSuchItem, it re-reads, retries.
            assert!(matches!(
                c.set_peer_disabled(&old_id, true).await,
                Err(RouterError::NoSuchItem { .. })
            ));
        }
        c.set_peer_disabled(&fresh.id, true).await.unwrap();
        c.set_peer_disabled(&fresh.id, false).await.unwrap();
        // A counter reset reads back as a lower value, never as an error.
        let key0 = after[0].public_key.clone();
        let rx0 = after[0].rx;
        assert!(h.reset_peer(&key0));
        let reset = c.list_peers().await.unwrap();
        let p0 = reset.iter().find(|p| p.public_key == key0).unwrap();
        assert!(p0.rx <= rx0, "{mode:?}");
        assert_eq!(
            (p0.rx, p0.tx),
            {
                let s = h
                    .peers()
                    .into_iter()
                    .find(|s| s.public_key == key0)
                    .unwrap();
                (s.rx, s.tx)
            },
            "{mode:?}"
        );
    }
    sim.shutdown().await;
}
