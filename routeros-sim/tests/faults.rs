//! Faults switched at run time: refuse, hang, slow, malformed REST and API, stop listening,
//! reboot, peer reset/delete/re-create; and the control API that switches them from outside.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn refuse_hang_slow_stop() {
    let sim = start(cfg(2)).await;
    let r = sim.router(0);

    r.set_fault(Fault::RefuseConnections);
    for port in [r.rest_http, r.api, r.rest_https, r.api_ssl] {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let _ = s.write_all(b"GET / HTTP/1.1\r\n\r\n").await;
        let mut buf = [0u8; 8];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .unwrap();
        assert!(matches!(n, Ok(0) | Err(_)), "closed at once");
    }
    r.clear_faults();

    r.set_fault(Fault::Hang);
    let mut s = TcpStream::connect(("127.0.0.1", r.rest_http))
        .await
        .unwrap();
    s.write_all(b"GET /rest/system/identity HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 8];
    assert!(
        tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf))
            .await
            .is_err(),
        "no answer"
    );
    r.clear_faults();
    assert_eq!(
        rest(r, "GET", "/rest/system/identity", None).await.status,
        200
    );

    r.set_fault(Fault::Slow(Duration::from_millis(400)));
    let t = Instant::now();
    assert_eq!(
        rest(r, "GET", "/rest/system/identity", None).await.status,
        200
    );
    let mut a = Api::connect(r.api).await;
    a.login("admin", "secret").await;
    assert!(t.elapsed() >= Duration::from_millis(800));
    r.clear_faults();

    r.set_fault(Fault::StopListening);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        TcpStream::connect(("127.0.0.1", r.rest_http))
            .await
            .is_err(),
        "connection refused"
    );
    r.clear_faults();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        rest(r, "GET", "/rest/system/identity", None).await.status,
        200
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_replies() {
    let sim = start(cfg(2)).await;
    let r = sim.router(0);
    r.set_fault(Fault::MalformedRest);
    let resp = rest(r, "GET", "/rest/interface/wireguard/peers", None).await;
    assert_eq!(resp.status, 200);
    assert!(!resp.body.is_empty());
    assert!(serde_json::from_str::<serde_json::Value>(&resp.body).is_err());
    r.clear_faults();
    r.set_fault(Fault::MalformedApi);
    let mut a = Api::connect(r.api).await;
    a.send(&["/login", "=name=admin", "=password=secret"]).await;
    let first = a.s.read_u8().await.unwrap();
    assert!(first >= 0xF8);
    sim.shutdown().await;
}

#[tokio::test]
async fn reboot_and_peer_surgery() {
    let sim = start(cfg(5)).await;
    let r = sim.router(0);
    let key = r.peers()[0].public_key.clone();
    r.set_peer_profile(
        &key,
        routeros_sim::TrafficProfile::Constant {
            rx_per_sec: 100,
            tx_per_sec: 1000,
        },
    );
    sim.advance(Duration::from_secs(100));
    assert_eq!(r.uptime(), Duration::from_secs(100));
    assert_eq!(r.peers()[0].rx, 10_000);
    assert_eq!(
        r.peers()[0].last_handshake_secs,
        Some(99),
        "handshake at second 1"
    );
    r.reboot();
    assert_eq!(r.uptime(), Duration::ZERO);
    assert!(
        r.peers()
            .iter()
            .all(|p| p.rx == 0 && p.tx == 0 && p.last_handshake_secs.is_none())
    );
    sim.advance(Duration::from_secs(10));
    assert!(r.reset_peer(&key));
    assert_eq!(r.peers()[0].rx, 0);
    let old_id = r.peers()[0].id.clone();
    sim.advance(Duration::from_secs(10));
    assert!(r.recreate_peer(&key));
    let p = r.peers().into_iter().find(|p| p.public_key == key).unwrap();
    assert_ne!(p.id, old_id);
    assert_eq!(p.rx, 0);
    let gone = rest(
        r,
        "GET",
        &format!("/rest/interface/wireguard/peers/{old_id}"),
        None,
    )
    .await;
    assert_eq!(gone.status, 404);
    assert!(r.delete_peer(&key));
    assert!(!r.delete_peer(&key));
    assert_eq!(r.peers().len(), 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn control_api() {
    let sim = start(SimConfig {
        control_port: Some(0),
        ..cfg(3)
    })
    .await;
    let ctl = sim.control_addr().unwrap();
    let r = sim.router(0);
    let call = |method: &'static str, path: String, body: Option<String>| async move {
        let mut s = TcpStream::connect(ctl).await.unwrap();
        let b = body.unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: c\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        parse_http(&raw)
    };
    let list = call("GET", "/routers".into(), None).await.json();
    assert_eq!(list[0]["api"], r.api);
    assert_eq!(list[0]["tls_sha256"], r.tls_sha256.as_str());
    assert_eq!(
        call(
            "POST",
            "/advance".into(),
            Some(r#"{"seconds":3600}"#.into())
        )
        .await
        .status,
        200
    );
    assert_eq!(r.uptime(), Duration::from_secs(3600));
    let f = call(
        "POST",
        "/routers/0/faults".into(),
        Some(r#"{"fault":"slow","delay_ms":50}"#.into()),
    )
    .await
    .json();
    assert_eq!(f["slow_ms"], 50);
    assert_eq!(
        call("DELETE", "/routers/0/faults".into(), None)
            .await
            .status,
        200
    );
    assert_eq!(r.faults(), routeros_sim::Faults::default());
    assert_eq!(
        call("POST", "/routers/0/reboot".into(), None).await.status,
        200
    );
    assert_eq!(r.uptime(), Duration::ZERO);
    rest(
        r,
        "PATCH",
        "/rest/interface/wireguard/peers/*1",
        Some(r#"{"disabled":"yes"}"#),
    )
    .await;
    let w = call("GET", "/routers/0/writes".into(), None).await.json();
    assert_eq!(w["count"], 1);
    let l = call("GET", "/routers/0/ledger".into(), None).await.json();
    assert_eq!(l.as_array().unwrap().len(), 3);
    let key = r.peers()[1].public_key.clone();
    let body = serde_json::json!({"public_key": key}).to_string();
    assert_eq!(
        call(
            "POST",
            "/routers/0/peers/recreate".into(),
            Some(body.clone())
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            "POST",
            "/routers/0/password".into(),
            Some(r#"{"password":"x"}"#.into())
        )
        .await
        .status,
        200
    );
    assert_eq!(
        rest(r, "GET", "/rest/system/identity", None).await.status,
        401
    );
    assert_eq!(call("GET", "/routers/9".into(), None).await.status, 404);
    sim.shutdown().await;
}
