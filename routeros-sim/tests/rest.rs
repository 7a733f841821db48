//! REST behaviour against ROUTEROS.md: strings everywhere, omitted keys, proplist, filters,
//! single items, PATCH/POST commands, errors, singletons and version profiles.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use serde_json::Value;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn list_is_all_strings_with_omitted_keys() {
    let sim = start(cfg(40)).await;
    let r = sim.router(0);
    let resp = rest(r, "GET", "/rest/interface/wireguard/peers", None).await;
    assert_eq!(resp.status, 200);
    assert!(
        resp.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/json")
    );
    let peers = resp.json();
    let arr = peers.as_array().unwrap();
    assert_eq!(arr.len(), 40);
    for p in arr {
        for (k, v) in p.as_object().unwrap() {
            assert!(v.is_string(), "{k} is not a string: {v}");
        }
        assert!(p[".id"].as_str().unwrap().starts_with('*'));
        assert_eq!(p["public-key"].as_str().unwrap().len(), 44);
        assert!(
            p.get("last-handshake").is_none(),
            "no handshake before time moves"
        );
        assert_eq!(p["rx"], "0");
        assert!(
            p.get("comment")
                .is_none_or(|c| !c.as_str().unwrap().is_empty())
        );
        assert!(p["name"].is_string(), "7.18 has names");
        assert!(p.get("responder").is_some() && p.get("is-responder").is_none());
    }
    assert!(arr.iter().any(|p| p.get("comment").is_none()));
    assert!(
        arr.iter()
            .any(|p| p["name"].as_str().unwrap().starts_with("peer"))
    );
    sim.advance(Duration::from_secs(300));
    let peers = rest(r, "GET", "/rest/interface/wireguard/peers", None)
        .await
        .json();
    let arr = peers.as_array().unwrap();
    assert!(arr.iter().any(|p| p.get("last-handshake").is_some()));
    assert!(
        arr.iter().any(|p| p.get("last-handshake").is_none()),
        "some never connect"
    );
    assert!(arr.iter().any(|p| p["rx"] != "0"));
    sim.shutdown().await;
}

#[tokio::test]
async fn proplist_filters_and_single_items() {
    let sim = start(SimConfig {
        peers_per_router: 10,
        interfaces_per_router: 2,
        ..SimConfig::default()
    })
    .await;
    let r = sim.router(0);
    let v = rest(
        r,
        "GET",
        "/rest/interface/wireguard/peers?.proplist=public-key,rx,nonexistent",
        None,
    )
    .await
    .json();
    for p in v.as_array().unwrap() {
        assert_eq!(
            keys(p),
            [".id", "public-key", "rx"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
    }
    let v = rest(
        r,
        "GET",
        "/rest/interface/wireguard/peers?interface=wg1&.proplist=interface",
        None,
    )
    .await
    .json();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 5);
    assert!(arr.iter().all(|p| p["interface"] == "wg1"));
    let v = rest(
        r,
        "GET",
        "/rest/interface/wireguard/peers?interface=wg9",
        None,
    )
    .await
    .json();
    assert_eq!(v, Value::Array(vec![]));

    let one = rest(r, "GET", "/rest/interface/wireguard/peers/*3", None).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()[".id"], "*3");
    let enc = rest(r, "GET", "/rest/interface/wireguard/peers/%2A3", None).await;
    assert_eq!(enc.json()[".id"], "*3");
    let missing = rest(r, "GET", "/rest/interface/wireguard/peers/*FF", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, r#"{"error":404,"message":"Not Found"}"#);

    let ifaces = rest(r, "GET", "/rest/interface/wireguard", None)
        .await
        .json();
    let arr = ifaces.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["name"], "wg0");
    assert_eq!(arr[0]["running"], "true");
    assert_eq!(arr[0]["listen-port"], "13231");

    let post = rest(
        r,
        "POST",
        "/rest/interface/wireguard/peers/print",
        Some(
            r#"{".proplist":["interface","disabled"],".query":["interface=wg0","disabled=false"]}"#,
        ),
    )
    .await;
    assert_eq!(post.status, 200);
    let arr = post.json();
    assert_eq!(arr.as_array().unwrap().len(), 5);
    assert_eq!(
        keys(&arr[0]),
        [".id", "disabled", "interface"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    let or = rest(
        r,
        "POST",
        "/rest/interface/wireguard/peers/print",
        Some(r##"{".query":[".id=*1",".id=*2","#|"]}"##),
    )
    .await
    .json();
    assert_eq!(or.as_array().unwrap().len(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn patch_and_commands_write() {
    let sim = start(cfg(5)).await;
    let r = sim.router(0);
    let resp = rest(
        r,
        "PATCH",
        "/rest/interface/wireguard/peers/*2",
        Some(r#"{"disabled":"true","comment":"over quota"}"#),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let p = resp.json();
    assert_eq!(p["disabled"], "true");
    assert_eq!(p["comment"], "over quota");
    assert!(
        p.get("public-key").is_some() && p.get("rx").is_some(),
        "the whole object"
    );
    assert_eq!(r.write_count(), 1);
    let p = rest(
        r,
        "PATCH",
        "/rest/interface/wireguard/peers/*2",
        Some(r#"{"disabled":"no"}"#),
    )
    .await
    .json();
    assert_eq!(p["disabled"], "false");

    let bad = rest(
        r,
        "PATCH",
        "/rest/interface/wireguard/peers/*99",
        Some(r#"{"disabled":"yes"}"#),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["detail"], "no such item");
    assert_eq!(bad.json()["error"], 400);
    assert_eq!(bad.json()["message"], "Bad Request");
    let bad = rest(
        r,
        "PATCH",
        "/rest/interface/wireguard/peers/*1",
        Some(r#"{"is-responder":"yes"}"#),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["detail"], "unknown parameter is-responder");
    let bad = rest(
        r,
        "PATCH",
        "/rest/interface/wireguard/peers/*1",
        Some(r#"{"disabled":"maybe"}"#),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(r.write_count(), 2, "failed writes are not applied");

    let ok = rest(
        r,
        "POST",
        "/rest/interface/wireguard/peers/disable",
        Some(r#"{".id":"*3"}"#),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let ok = rest(
        r,
        "POST",
        "/rest/interface/wireguard/peers/disable",
        Some(r#"{"numbers":"*4"}"#),
    )
    .await;
    assert_eq!(ok.status, 200);
    let snap = r.peers();
    assert!(snap[2].disabled && snap[3].disabled && !snap[1].disabled);
    rest(
        r,
        "POST",
        "/rest/interface/wireguard/peers/enable",
        Some(r#"{"numbers":"*3"}"#),
    )
    .await;
    assert!(!r.peers()[2].disabled);
    let writes = r.writes();
    assert_eq!(writes.len(), 5);
    assert_eq!(writes[2].op, "disable");
    assert_eq!(writes[2].id, "*3");
    assert_eq!(writes[2].via, "rest");
    sim.shutdown().await;
}

#[tokio::test]
async fn errors_are_routeros_shaped() {
    let sim = start(cfg(2)).await;
    let r = sim.router(0);
    let no = rest_as(
        r,
        "GET",
        "/rest/system/identity",
        Some(&basic("admin", "wrong")),
        None,
    )
    .await;
    assert_eq!(no.status, 401);
    assert_eq!(no.body, r#"{"error":401,"message":"Unauthorized"}"#);
    let none = rest_as(r, "GET", "/rest/system/identity", None, None).await;
    assert_eq!(none.status, 401);
    let unknown = rest(r, "GET", "/rest/nonexistent", None).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body,
        r#"{"error":400,"message":"Bad Request","detail":"no such command or directory (nonexistent)"}"#
    );
    let unknown = rest(r, "GET", "/rest/interface/wireguard/nope", None).await;
    assert_eq!(
        unknown.json()["detail"],
        "no such command or directory (nope)"
    );

    r.set_policy(true, false);
    let p = rest(r, "GET", "/rest/system/identity", None).await;
    assert_eq!(p.status, 401, "no rest-api policy");
    r.set_policy(true, true);
    r.set_password("changed");
    let p = rest(r, "GET", "/rest/system/identity", None).await;
    assert_eq!(p.status, 401, "old password");
    sim.shutdown().await;
}

#[tokio::test]
async fn singletons_and_uptime() {
    let sim = start(cfg(1)).await;
    let r = sim.router(0);
    let id = rest(r, "GET", "/rest/system/identity", None).await.json();
    assert_eq!(id, serde_json::json!({"name": "sim-router-0"}));
    sim.advance(Duration::from_secs(86_400 + 3 * 3600 + 12 * 60 + 46));
    let res = rest(r, "GET", "/rest/system/resource", None).await.json();
    assert_eq!(res["uptime"], "1d3h12m46s");
    assert_eq!(res["version"], "7.18.2 (stable)");
    assert!(res.as_object().unwrap().values().all(Value::is_string));
    assert!(
        res["board-name"].is_string()
            && res["cpu-load"].is_string()
            && res["free-memory"].is_string()
    );
    r.set_singleton_as_array(true);
    let res = rest(r, "GET", "/rest/system/resource", None).await.json();
    assert_eq!(res.as_array().unwrap().len(), 1);
    assert_eq!(res[0]["uptime"], "1d3h12m46s");
    r.reboot();
    let res = rest(r, "GET", "/rest/system/resource?.proplist=uptime", None)
        .await
        .json();
    assert_eq!(res, serde_json::json!([{"uptime": "0s"}]));
    sim.shutdown().await;
}

#[tokio::test]
async fn version_profiles() {
    let sim = start(SimConfig {
        ros_version: "7.12.1".into(),
        ..cfg(3)
    })
    .await;
    let r = sim.router(0);
    let p = &rest(r, "GET", "/rest/interface/wireguard/peers", None)
        .await
        .json()[0];
    for k in [
        "name",
        "responder",
        "is-responder",
        "client-address",
        "private-key",
    ] {
        assert!(p.get(k).is_none(), "7.12 has no {k}");
    }
    r.set_ros_version("7.16");
    let p = &rest(
        r,
        "GET",
        "/rest/interface/wireguard/peers?.proplist=is-responder,name",
        None,
    )
    .await
    .json()[0];
    assert_eq!(p["is-responder"], "false");
    assert!(p["name"].is_string());
    r.set_ros_version("7.17");
    let bad = rest(
        r,
        "GET",
        "/rest/interface/wireguard/peers?.proplist=is-responder,name",
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["detail"], "unknown parameter is-responder");
    let p = &rest(
        r,
        "GET",
        "/rest/interface/wireguard/peers?.proplist=responder,client-allowed-address",
        None,
    )
    .await
    .json()[0];
    assert_eq!(p["responder"], "false");
    r.set_ros_version("7.21");
    let p = rest(
        r,
        "PATCH",
        "/rest/interface/wireguard/peers/*1",
        Some(r#"{"client-allowed-address":"0.0.0.0/0"}"#),
    )
    .await;
    assert_eq!(p.json()["client-allowed-address"], "0.0.0.0/0");
    sim.shutdown().await;
}

#[tokio::test]
async fn tls_serves_the_reported_certificate() {
    let sim = start(cfg(3)).await;
    let r = sim.router(0);
    let (resp, fp) = rest_tls(r, "GET", "/rest/interface/wireguard/peers").await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json().as_array().unwrap().len(), 3);
    assert_eq!(fp, r.tls_sha256);
    assert_eq!(fp.len(), 64);
    assert!(
        fp.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    );
    let (_, fp2) = tls_connect(r.api_ssl).await;
    assert_eq!(fp2, r.tls_sha256);
    sim.shutdown().await;
}

#[tokio::test]
async fn big_router_lists_fast() {
    let sim = start(cfg(10_000)).await;
    let r = sim.router(0);
    sim.advance(Duration::from_secs(60));
    let t = std::time::Instant::now();
    let resp = rest(r, "GET", "/rest/interface/wireguard/peers?.proplist=interface,public-key,rx,tx,last-handshake,disabled", None).await;
    let took = t.elapsed();
    assert_eq!(resp.json().as_array().unwrap().len(), 10_000);
    // Generous for a debug build on a shared 2-core machine.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    sim.shutdown().await;
}
