//! Binary API behaviour: login outcomes, print with proplist and queries, set/enable/disable,
//! traps, tags on concurrent commands, `!empty` by version, protocol errors.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn login_outcomes() {
    let sim = start(cfg(2)).await;
    let r = sim.router(0);
    let mut a = Api::connect(r.api).await;
    let rep = a.login("admin", "nope").await;
    assert_eq!(
        rep[0],
        vec!["!trap", "=message=invalid user name or password (6)"]
    );
    assert_eq!(rep[1], vec!["!done"]);
    let rep = a.cmd(&["/system/identity/print"]).await;
    assert_eq!(rep[0][0], "!trap", "not logged in yet");
    let rep = a.login("admin", "secret").await;
    assert_eq!(rep, vec![vec!["!done"]]);
    r.set_policy(false, true);
    let mut b = Api::connect(r.api).await;
    let rep = b.login("admin", "secret").await;
    assert_eq!(rep[0], vec!["!trap", "=message=not allowed (9)"]);
    assert_eq!(rep[1], vec!["!done"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn print_proplist_queries() {
    let sim = start(SimConfig {
        interfaces_per_router: 2,
        ..cfg(10)
    })
    .await;
    let r = sim.router(0);
    let mut a = api_login(r).await;
    let rep = a
        .cmd(&[
            "/interface/wireguard/peers/print",
            "=.proplist=.id,public-key,rx,tx",
        ])
        .await;
    let it = items(&rep);
    assert_eq!(it.len(), 10);
    for s in &it {
        assert_eq!(s.len(), 5, "{s:?}");
        assert!(attr(s, ".id").unwrap().starts_with('*'));
        assert_eq!(attr(s, "rx"), Some("0"));
    }
    let rep = a
        .cmd(&[
            "/interface/wireguard/peers/print",
            "?interface=wg1",
            "=.proplist=interface",
        ])
        .await;
    assert_eq!(items(&rep).len(), 5);
    assert!(
        items(&rep)
            .iter()
            .all(|s| attr(s, "interface") == Some("wg1"))
    );
    let rep = a
        .cmd(&[
            "/interface/wireguard/peers/print",
            "?.id=*1",
            "?.id=*2",
            "?#|",
        ])
        .await;
    assert_eq!(items(&rep).len(), 2);
    let rep = a
        .cmd(&["/interface/wireguard/peers/print", "?-last-handshake"])
        .await;
    assert_eq!(items(&rep).len(), 10);
    let rep = a.cmd(&["/interface/wireguard/print"]).await;
    assert_eq!(items(&rep).len(), 2);
    assert_eq!(attr(items(&rep)[0], "running"), Some("true"));
    let rep = a.cmd(&["/system/resource/print"]).await;
    assert_eq!(attr(items(&rep)[0], "version"), Some("7.18.2 (stable)"));
    let rep = a.cmd(&["/system/identity/print"]).await;
    assert_eq!(attr(items(&rep)[0], "name"), Some("sim-router-0"));
    let rep = a
        .cmd(&["/interface/wireguard/peers/print", "=count-only="])
        .await;
    assert_eq!(rep, vec![vec!["!done", "=ret=10"]]);
    sim.shutdown().await;
}

#[tokio::test]
async fn writes_and_traps() {
    let sim = start(cfg(4)).await;
    let r = sim.router(0);
    let mut a = api_login(r).await;
    assert_eq!(
        a.cmd(&["/interface/wireguard/peers/set", "=.id=*3", "=disabled=yes"])
            .await,
        vec![vec!["!done"]]
    );
    let rep = a
        .cmd(&[
            "/interface/wireguard/peers/print",
            "?.id=*3",
            "=.proplist=disabled",
        ])
        .await;
    assert_eq!(attr(items(&rep)[0], "disabled"), Some("true"));
    assert_eq!(
        a.cmd(&["/interface/wireguard/peers/set", "=disabled=yes"])
            .await,
        vec![vec!["!done"]]
    );
    assert_eq!(r.write_count(), 1, "set without .id does nothing");
    let rep = a
        .cmd(&[
            "/interface/wireguard/peers/set",
            "=.id=*77",
            "=disabled=yes",
        ])
        .await;
    assert_eq!(rep[0][0], "!trap");
    assert_eq!(attr(&rep[0], "message"), Some("no such item"));
    assert_eq!(rep[1], vec!["!done"]);
    assert_eq!(
        a.cmd(&["/interface/wireguard/peers/enable", "=.id=*3"])
            .await,
        vec![vec!["!done"]]
    );
    assert_eq!(
        a.cmd(&["/interface/wireguard/peers/disable", "=numbers=*1,*2"])
            .await,
        vec![vec!["!done"]]
    );
    let snap = r.peers();
    assert!(snap[0].disabled && snap[1].disabled && !snap[2].disabled);
    assert_eq!(r.write_count(), 4);
    let rep = a
        .cmd(&["/interface/wireguard/peers/set", "=.id=*1", "=bogus=1"])
        .await;
    assert_eq!(attr(&rep[0], "message"), Some("unknown parameter bogus"));
    let rep = a.cmd(&["/no/such/thing/print"]).await;
    assert_eq!(attr(&rep[0], "message"), Some("no such command prefix"));
    assert_eq!(rep[1], vec!["!done"]);
    let w = r.writes();
    assert_eq!(
        (w[0].via.as_str(), w[0].op.as_str(), w[0].id.as_str()),
        ("api", "set", "*3")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn tags_on_concurrent_commands() {
    let sim = start(cfg(3)).await;
    let r = sim.router(0);
    let mut a = api_login(r).await;
    a.send(&["/interface/wireguard/peers/print", ".tag=a"])
        .await;
    a.send(&["/system/identity/print", ".tag=b"]).await;
    a.send(&[
        "/interface/wireguard/peers/set",
        "=.id=*99",
        "=disabled=yes",
        ".tag=c",
    ])
    .await;
    let mut done = Vec::new();
    let mut re_a = 0;
    while done.len() < 3 {
        let s = a.read_sentence().await.unwrap();
        let tag = s
            .iter()
            .find_map(|w| w.strip_prefix(".tag="))
            .unwrap()
            .to_owned();
        if s[0] == "!re" && tag == "a" {
            re_a += 1;
        }
        if s[0] == "!done" {
            done.push(tag);
        }
    }
    assert_eq!(re_a, 3);
    done.sort();
    assert_eq!(done, ["a", "b", "c"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn empty_by_version() {
    let sim = start(cfg(2)).await;
    let r = sim.router(0);
    let mut a = api_login(r).await;
    let rep = a
        .cmd(&["/interface/wireguard/peers/print", "?interface=nothing"])
        .await;
    assert_eq!(rep, vec![vec!["!empty"], vec!["!done"]]);
    r.set_ros_version("7.16.2");
    let rep = a
        .cmd(&[
            "/interface/wireguard/peers/print",
            "?interface=nothing",
            ".tag=9",
        ])
        .await;
    assert_eq!(rep, vec![vec!["!done", ".tag=9"]]);
    sim.shutdown().await;
}

#[tokio::test]
async fn protocol_errors_close() {
    let sim = start(cfg(1)).await;
    let r = sim.router(0);
    for bad in [vec![0xF8u8], vec![0xFF], vec![0xF0, 0x01, 0x00, 0x00, 0x01]] {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", r.api))
            .await
            .unwrap();
        s.write_all(&bad).await.unwrap();
        let mut buf = [0u8; 16];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .unwrap();
        assert!(matches!(n, Ok(0) | Err(_)), "closed after {bad:x?}");
    }
    // A word of exactly 16 MiB is still read (and the sentence answered).
    let mut a = Api::connect(r.api).await;
    let big = format!("=password={}", "x".repeat(16 * 1024 * 1024 - 10));
    a.send(&["/login", "=name=admin", &big]).await;
    let rep = a.until_done().await;
    assert_eq!(
        attr(&rep[0], "message"),
        Some("invalid user name or password (6)")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn api_ssl_works() {
    let sim = start(cfg(2)).await;
    let r = sim.router(0);
    let (s, fp) = tls_connect(r.api_ssl).await;
    assert_eq!(fp, r.tls_sha256);
    let mut a = Api { s };
    assert_eq!(a.login("admin", "secret").await, vec![vec!["!done"]]);
    assert_eq!(
        items(&a.cmd(&["/interface/wireguard/peers/print"]).await).len(),
        2
    );
    sim.shutdown().await;
}
