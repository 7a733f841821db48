//! Record parsing from literal RouterOS replies (REST JSON and API sentences), including the
//! malformed-field errors an admin will read.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use super::api::Sentence;
use super::api::client::parse_peer_sentences;
use super::error::RouterError;
use super::json::{parse_interfaces_json, parse_peers_json, parse_singleton_json};
use super::model::{parse_identity, parse_resource};

const PEERS_7_18: &str = r#"[
 {".id":"*1","allowed-address":"10.0.0.2/32,fd00::2/128","current-endpoint-address":"198.51.100.7",
  "current-endpoint-port":"51820","disabled":"false","dynamic":"false","endpoint-address":"",
  "endpoint-port":"0","interface":"wg0","last-handshake":"1d3h12m46s","name":"peer1",
  "persistent-keepalive":"0s","public-key":"AAAA+/=","responder":"false","rx":"8395000",
  "tx":"18446744073709551615","private-key":"ignored"},
 {".id":"*2","allowed-address":"10.0.0.3/32","interface":"wg0","public-key":"BBBB=",
  "endpoint-address":"vpn.example.net","endpoint-port":"13231","rx":"0","tx":"148",
  "disabled":"true","comment":"site link","persistent-keepalive":"25s","name":"hq"}
]"#;

#[test]
fn rest_peers_with_omitted_keys() {
    let peers = parse_peers_json("r1", PEERS_7_18.as_bytes()).unwrap();
    assert_eq!(peers.len(), 2);
    let p = &peers[0];
    assert_eq!(p.id, "*1");
    assert_eq!(p.interface, "wg0");
    assert_eq!(p.public_key, "AAAA+/=");
    assert_eq!(p.allowed_addresses, ["10.0.0.2/32", "fd00::2/128"]);
    assert_eq!(p.endpoint, None);
    assert_eq!(p.current_endpoint, Some(("198.51.100.7".into(), 51820)));
    assert_eq!(p.rx, 8_395_000);
    assert_eq!(p.tx, u64::MAX);
    assert_eq!(
        p.last_handshake,
        Some(Duration::from_secs(86_400 + 3 * 3600 + 12 * 60 + 46))
    );
    assert_eq!(p.persistent_keepalive, None);
    assert_eq!(p.responder, Some(false));
    assert_eq!(p.name.as_deref(), Some("peer1"));
    assert_eq!(p.comment, None);
    assert!(!p.disabled && !p.dynamic);

    let q = &peers[1];
    assert_eq!(q.endpoint, Some(("vpn.example.net".into(), 13231)));
    assert_eq!(q.current_endpoint, None);
    assert_eq!(q.last_handshake, None, "absent = never");
    assert_eq!(q.responder, None);
    assert_eq!(q.persistent_keepalive, Some(Duration::from_secs(25)));
    assert_eq!(q.comment.as_deref(), Some("site link"));
    assert!(q.disabled);
}

#[test]
fn old_responder_spelling_and_yes_no() {
    let body = br#"[{".id":"*A","interface":"wg1","public-key":"k","rx":"1","tx":"2",
        "is-responder":"yes","disabled":"no","dynamic":"yes"}]"#;
    let p = &parse_peers_json("r1", body).unwrap()[0];
    assert_eq!(p.responder, Some(true));
    assert!(!p.disabled);
    assert!(p.dynamic);
    assert!(parse_peers_json("r1", b"[]").unwrap().is_empty());
}

fn parse_err(body: &str) -> (String, String, String) {
    match parse_peers_json("router-7", body.as_bytes()) {
        Err(RouterError::Parse {
            router,
            field,
            value,
            ..
        }) => (router, field, value),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

fn peer_with(extra: &str) -> String {
    format!(r#"[{{".id":"*1","interface":"wg0","public-key":"k","rx":"1","tx":"2"{extra}}}]"#)
}

#[test]
fn malformed_fields_name_router_field_value() {
    let (router, field, value) =
        parse_err(&peer_with(r#","rx":"12a""#).replace(r#""rx":"1","#, ""));
    assert_eq!(
        (router.as_str(), field.as_str(), value.as_str()),
        ("router-7", "rx", "12a")
    );
    let (_, field, value) = parse_err(&peer_with(r#","last-handshake":"5x""#));
    assert_eq!((field.as_str(), value.as_str()), ("last-handshake", "5x"));
    let (_, field, value) = parse_err(&peer_with(r#","disabled":"maybe""#));
    assert_eq!((field.as_str(), value.as_str()), ("disabled", "maybe"));
    let (_, field, value) = parse_err(&peer_with(
        r#","endpoint-address":"a","endpoint-port":"70000""#,
    ));
    assert_eq!((field.as_str(), value.as_str()), ("endpoint-port", "70000"));
    let (_, field, _) =
        parse_err(&peer_with("").replace(r#""tx":"2""#, r#""tx":"99999999999999999999""#));
    assert_eq!(field, "tx");
    // A JSON number where RouterOS sends a string is reported, not coerced.
    let (_, field, value) =
        parse_err(r#"[{".id":"*1","interface":"wg0","public-key":"k","rx":5,"tx":"2"}]"#);
    assert_eq!((field.as_str(), value.as_str()), ("rx", "5"));
    let err = parse_peers_json("router-7", peer_with(r#","rx":"-1""#).as_bytes()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("router-7") && text.contains("rx") && text.contains("-1"),
        "{text}"
    );
}

#[test]
fn missing_required_fields_are_errors() {
    for field in [".id", "interface", "public-key", "rx", "tx"] {
        let body = peer_with("").replace(&format!(r#""{field}":"#), r#""x-removed":"#);
        let (_, got, _) = parse_err(&body);
        assert_eq!(got, field);
    }
}

#[test]
fn not_json_is_a_protocol_error() {
    assert!(matches!(
        parse_peers_json("r", b"<html>"),
        Err(RouterError::Protocol(_))
    ));
    assert!(matches!(
        parse_peers_json("r", b"[1,2]"),
        Err(RouterError::Protocol(_))
    ));
}

#[test]
fn singletons_object_or_one_element_array() {
    let resource = r#"{"uptime":"2w3d4h","version":"7.16.2 (stable)","board-name":"CHR",
        "cpu-load":"3","free-memory":"1000","total-memory":"2000","architecture-name":"x86_64",
        "build-time":"2024-11-26 12:00:00"}"#;
    let a = parse_singleton_json("r", resource.as_bytes(), |r, o| parse_resource(r, o)).unwrap();
    let b = parse_singleton_json("r", format!("[{resource}]").as_bytes(), |r, o| {
        parse_resource(r, o)
    })
    .unwrap();
    assert_eq!(a, b);
    assert_eq!(a.uptime, Duration::from_secs(17 * 86_400 + 4 * 3600));
    assert_eq!(a.board_name, "CHR");
    assert_eq!(a.cpu_load, Some(3));
    assert_eq!(
        a.ros_version().map(|v| (v.major, v.minor, v.patch)),
        Some((7, 16, 2))
    );
    let id = parse_singleton_json("r", br#"[{"name":"core-1"}]"#, |r, o| parse_identity(r, o));
    assert_eq!(id.unwrap(), "core-1");
    assert!(parse_singleton_json("r", b"[]", |r, o| parse_identity(r, o)).is_err());
    assert!(
        parse_singleton_json("r", br#"[{"name":"a"},{"name":"b"}]"#, |r, o| {
            parse_identity(r, o)
        })
        .is_err()
    );
}

#[test]
fn interfaces() {
    let body = br#"[{".id":"*5","name":"wg0","listen-port":"13231","mtu":"1420",
        "public-key":"PUB=","running":"true"},{".id":"*6","name":"wg1","listen-port":"51820",
        "disabled":"true"}]"#;
    let list = parse_interfaces_json("r", body).unwrap();
    assert_eq!(list[0].listen_port, 13231);
    assert!(list[0].running && !list[0].disabled);
    assert_eq!(list[0].public_key.as_deref(), Some("PUB="));
    assert!(!list[1].running && list[1].disabled);
    assert_eq!(list[1].public_key, None);
}

#[test]
fn api_sentences() {
    let re = [
        Sentence::from_words([
            "!re",
            ".tag=3",
            "=.id=*1F",
            "=interface=wg0",
            "=public-key=abc=",
            "=allowed-address=10.1.0.2/32",
            "=endpoint-address=",
            "=endpoint-port=0",
            "=rx=100",
            "=tx=200",
            "=last-handshake=00:01:05",
            "=disabled=false",
            "=comment=caf\u{e9}=x",
        ]),
        Sentence::from_words([
            "!re",
            "=.id=*20",
            "=interface=wg0",
            "=public-key=k2",
            "=rx=1",
        ]),
    ];
    let ok = parse_peer_sentences("api-r", &re[..1]).unwrap();
    assert_eq!(ok[0].id, "*1F");
    assert_eq!(ok[0].public_key, "abc=");
    assert_eq!(ok[0].last_handshake, Some(Duration::from_secs(65)));
    assert_eq!(ok[0].comment.as_deref(), Some("caf\u{e9}=x"));
    assert_eq!(ok[0].endpoint, None);
    let err = parse_peer_sentences("api-r", &re).unwrap_err();
    assert!(
        matches!(err, RouterError::Parse { ref field, .. } if field == "tx"),
        "{err:?}"
    );
    // Bytes that are not UTF-8 (a cp1251 comment) do not fail the poll.
    let mut s = Sentence::from_words(["!re", "=.id=*1", "=interface=wg0", "=public-key=k"]);
    s.push(b"=rx=1");
    s.push(b"=tx=1");
    s.push(b"=comment=\xcf\xf0\xe8");
    assert!(
        parse_peer_sentences("api-r", &[s]).unwrap()[0]
            .comment
            .is_some()
    );
}
