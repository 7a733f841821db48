//! The ledger against what clients actually saw: for every peer, the growth a reader observed
//! between reads equals `carried − unobservable − before_first_read − pending`, across reboots,
//! peer resets and re-creations, whichever transport read the counters.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;

/// Reads every peer's counters over REST: key → (rx, tx).
async fn read_rest(r: &RouterHandle) -> HashMap<String, (u64, u64)> {
    let v = rest(
        r,
        "GET",
        "/rest/interface/wireguard/peers?.proplist=public-key,rx,tx",
        None,
    )
    .await
    .json();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let n = |k: &str| p[k].as_str().unwrap().parse::<u64>().unwrap();
            (
                p["public-key"].as_str().unwrap().to_owned(),
                (n("rx"), n("tx")),
            )
        })
        .collect()
}

async fn read_api(r: &RouterHandle) -> HashMap<String, (u64, u64)> {
    let mut a = api_login(r).await;
    let rep = a
        .cmd(&[
            "/interface/wireguard/peers/print",
            "=.proplist=public-key,rx,tx",
        ])
        .await;
    items(&rep)
        .iter()
        .map(|s| {
            let n = |k: &str| attr(s, k).unwrap().parse::<u64>().unwrap();
            (
                attr(s, "public-key").unwrap().to_owned(),
                (n("rx"), n("tx")),
            )
        })
        .collect()
}

#[tokio::test]
async fn conservation_across_resets() {
    let sim = start(SimConfig {
        peers_per_router: 30,
        seed: 42,
        ..SimConfig::default()
    })
    .await;
    let r = sim.router(0);
    sim.advance(Duration::from_secs(50)); // some bytes before the first read
    // Our own observation: sum of growth between consecutive reads, knowing when resets happened
    // (the simulator tells tests; an accounting engine would infer it).
    let mut last: HashMap<String, (u64, u64)> = HashMap::new();
    let mut seen: HashMap<String, (u64, u64)> = HashMap::new();
    let mut observe = |now: HashMap<String, (u64, u64)>, last: &mut HashMap<String, (u64, u64)>| {
        for (k, (rx, tx)) in now {
            let (prx, ptx) = last.get(&k).copied().unwrap_or((u64::MAX, u64::MAX));
            let e = seen.entry(k.clone()).or_default();
            if prx != u64::MAX {
                e.0 += rx - prx;
                e.1 += tx - ptx;
            }
            last.insert(k, (rx, tx));
        }
    };
    observe(read_rest(r).await, &mut last);
    let keys: Vec<String> = r.peers().iter().map(|p| p.public_key.clone()).collect();
    for round in 0..12u64 {
        sim.advance(Duration::from_secs(37 + round * 11));
        let now = if round % 2 == 0 {
            read_rest(r).await
        } else {
            read_api(r).await
        };
        observe(now, &mut last);
        sim.advance(Duration::from_secs(13));
        // A reset after unread traffic: the bytes since the last read become unobservable.
        match round % 4 {
            0 => r.reboot(),
            1 => {
                r.reset_peer(&keys[round as usize]);
            }
            2 => {
                r.recreate_peer(&keys[round as usize]);
            }
            _ => {}
        }
        // The counter base is now 0 for whoever was reset.
        let snap = r.peers();
        for p in snap {
            if let Some(l) = last.get_mut(&p.public_key)
                && (p.rx < l.0 || p.tx < l.1)
            {
                *l = (0, 0);
            }
        }
    }
    sim.advance(Duration::from_secs(5));
    observe(read_rest(r).await, &mut last);
    let ledger = r.ledger();
    assert_eq!(ledger.len(), 30);
    let mut unobservable = 0;
    for e in &ledger {
        let s = seen.get(&e.public_key).copied().unwrap_or_default();
        assert_eq!(e.observed_rx, s.0, "rx of {}", e.public_key);
        assert_eq!(e.observed_tx, s.1, "tx of {}", e.public_key);
        assert_eq!((e.pending_rx, e.pending_tx), (0, 0), "just read");
        assert_eq!(
            e.carried_rx,
            e.before_first_read_rx + e.observed_rx + e.unobservable_rx
        );
        assert_eq!(
            e.carried_tx,
            e.before_first_read_tx + e.observed_tx + e.unobservable_tx
        );
        unobservable += e.unobservable_rx + e.unobservable_tx;
    }
    assert!(unobservable > 0, "the resets lost some unread bytes");
    assert!(ledger.iter().any(|e| e.before_first_read_tx > 0));
    sim.shutdown().await;
}

#[tokio::test]
async fn dead_outbound_and_never_connected() {
    let sim = start(cfg(200)).await;
    let r = sim.router(0);
    sim.advance(Duration::from_secs(600));
    let snap = r.peers();
    let dead: Vec<_> = snap
        .iter()
        .filter(|p| p.profile == routeros_sim::TrafficProfile::DeadOutbound)
        .collect();
    assert!(!dead.is_empty());
    for p in dead {
        assert_eq!(p.rx, 0);
        assert_eq!(p.tx, 120 * 148, "an initiation every 5 s");
        assert!(p.last_handshake_secs.is_none());
        assert!(!p.endpoint_address.is_empty());
    }
    let never: Vec<_> = snap
        .iter()
        .filter(|p| p.profile == routeros_sim::TrafficProfile::NeverConnected)
        .collect();
    assert!(!never.is_empty());
    assert!(
        never
            .iter()
            .all(|p| p.rx == 0 && p.tx == 0 && p.last_handshake_secs.is_none())
    );
    let live = snap.iter().filter(|p| p.last_handshake_secs.is_some());
    assert!(
        live.clone().all(|p| p.last_handshake_secs.unwrap() < 180),
        "rekeyed within 2 minutes while flowing"
    );
    // Disabled peers carry nothing.
    let k = snap
        .iter()
        .find(|p| p.profile == routeros_sim::TrafficProfile::Heavy)
        .unwrap()
        .public_key
        .clone();
    r.set_peer_disabled(&k, true);
    let before = r.peers().into_iter().find(|p| p.public_key == k).unwrap();
    sim.advance(Duration::from_secs(60));
    let after = r.peers().into_iter().find(|p| p.public_key == k).unwrap();
    assert_eq!((before.rx, before.tx), (after.rx, after.tx));
    sim.shutdown().await;
}

#[tokio::test]
async fn seeded_runs_repeat_however_time_is_sliced() {
    let a = start(SimConfig { seed: 7, ..cfg(50) }).await;
    let b = start(SimConfig { seed: 7, ..cfg(50) }).await;
    a.advance(Duration::from_secs(1000));
    for _ in 0..100 {
        b.advance(Duration::from_millis(10_000));
    }
    assert_eq!(a.router(0).peers(), b.router(0).peers());
    a.shutdown().await;
    b.shutdown().await;
}

/// A reply the client cannot use (cut-off JSON, a reserved length byte) books no read: the
/// bytes stay pending, so a later reset makes them unobservable, as they truly are.
#[tokio::test]
async fn malformed_replies_book_no_read() {
    let sim = start(cfg(4)).await;
    let r = sim.router(0).clone();
    read_rest(&r).await;
    sim.advance(Duration::from_secs(60));
    let pending = |r: &RouterHandle| -> u64 {
        r.ledger()
            .iter()
            .map(|e| e.carried_rx - e.before_first_read_rx - e.observed_rx - e.unobservable_rx)
            .sum()
    };
    let before = pending(&r);
    assert!(before > 0, "traffic moved");

    r.set_fault(Fault::MalformedRest);
    let http = rest(&r, "GET", "/rest/interface/wireguard/peers", None).await;
    assert_eq!(http.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&http.body).is_err());
    let mut api = api_login(&r).await;
    r.set_fault(Fault::MalformedApi);
    api.send(&["/interface/wireguard/peers/print"]).await;
    // The server answers garbage and hangs up; give it the time to do so before clearing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    r.clear_faults();
    assert_eq!(pending(&r), before, "a malformed reply booked a read");

    // The next good read sees all of it.
    read_rest(&r).await;
    assert_eq!(pending(&r), 0);
    sim.shutdown().await;
}
