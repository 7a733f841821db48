//! Zero-copy reading of RouterOS REST JSON: an array of flat objects (or one bare object, as
//! singleton menus answer on recent releases) whose values are all strings.
//!
//! We keep each object as its list of (key, value) pairs borrowed from the reply buffer instead
//! of building a map per peer: with 10,000 peers that is the difference between a few hundred
//! thousand allocations and almost none. A value that is not a JSON string is kept as its
//! rendered text so the model can report it by field name instead of failing the whole reply.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::RouterError;
use super::model::{PeerSlots, Value, WgInterface, WgPeer, parse_interface};

/// One JSON object's members, in reply order.
pub type RawObject<'a> = Vec<(Cow<'a, str>, Value<'a>)>;

/// Parses a REST reply that is either an array of objects or one object.
pub fn parse_objects(body: &[u8]) -> Result<Vec<RawObject<'_>>, serde_json::Error> {
    let OneOrMany(objects) = serde_json::from_slice(body)?;
    Ok(objects)
}

struct OneOrMany<'a>(Vec<RawObject<'a>>);
struct Object<'a>(RawObject<'a>);
struct Key<'a>(Cow<'a, str>);
struct Val<'a>(Value<'a>);

impl<'de> Deserialize<'de> for OneOrMany<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON array of objects or a JSON object")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(Object(o)) = seq.next_element()? {
                    out.push(o);
                }
                Ok(OneOrMany(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(OneOrMany(vec![object_from_map(map)?]))
            }
        }
        d.deserialize_any(V)
    }
}

fn object_from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<RawObject<'de>, A::Error> {
    let mut out = Vec::with_capacity(map.size_hint().unwrap_or(20));
    while let Some((Key(k), Val(v))) = map.next_entry()? {
        out.push((k, v));
    }
    Ok(out)
}

impl<'de> Deserialize<'de> for Object<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Object<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(Object(object_from_map(map)?))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Val<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Val<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Val(Value::Text(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Val(Value::Text(Cow::Owned(v.to_owned()))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Val(Value::NotText(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Val(Value::NotText(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Val(Value::NotText(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Val(Value::NotText(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Val(Value::NotText("null".to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Val(Value::NotText("[array]".to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Val(Value::NotText("{object}".to_owned())))
            }
        }
        d.deserialize_any(V)
    }
}

/// The body of a RouterOS REST error: `{"error":404,"message":"Not Found","detail":"…"}`.
#[derive(Debug, serde::Deserialize)]
pub struct ErrorBody {
    pub error: Option<u16>,
    pub message: Option<String>,
    pub detail: Option<String>,
}

/// Parses a REST peer list (`GET /rest/interface/wireguard/peers`). Public for the fuzz target.
pub fn parse_peers_json(router: &str, body: &[u8]) -> Result<Vec<WgPeer>, RouterError> {
    // The hot path of a REST poll: fields go straight into their slots, unused ones are
    // skipped without allocating.
    let PeerList(peers) = serde_json::from_slice(body).map_err(not_json)?;
    peers.into_iter().map(|p| p.finish(router)).collect()
}

struct PeerList<'a>(Vec<PeerSlots<'a>>);
struct PeerObject<'a>(PeerSlots<'a>);

impl<'de> Deserialize<'de> for PeerList<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PeerList<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON array of peer objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(PeerObject(p)) = seq.next_element()? {
                    out.push(p);
                }
                Ok(PeerList(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(PeerList(vec![peer_from_map(map)?]))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for PeerObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PeerObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a peer object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(PeerObject(peer_from_map(map)?))
            }
        }
        d.deserialize_map(V)
    }
}

fn peer_from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<PeerSlots<'de>, A::Error> {
    let mut slots = PeerSlots::default();
    while let Some(Key(key)) = map.next_key()? {
        match slots.slot(&key) {
            Some(slot) => *slot = Some(map.next_value::<Val>()?.0),
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(slots)
}

/// Parses a REST interface list (`GET /rest/interface/wireguard`).
pub fn parse_interfaces_json(router: &str, body: &[u8]) -> Result<Vec<WgInterface>, RouterError> {
    let objects = parse_objects(body).map_err(not_json)?;
    objects
        .into_iter()
        .map(|o| parse_interface(router, o))
        .collect()
}

/// Parses a singleton menu (`/system/resource`, `/system/identity`): a bare object on recent
/// releases, a one-element array in MikroTik's 7.1 example; both are accepted.
pub fn parse_singleton_json<T>(
    router: &str,
    body: &[u8],
    parse: impl FnOnce(&str, RawObject<'_>) -> Result<T, RouterError>,
) -> Result<T, RouterError> {
    let mut objects = parse_objects(body).map_err(not_json)?;
    if objects.len() != 1 {
        return Err(RouterError::Protocol(format!(
            "expected one object, the router sent {} of them",
            objects.len()
        )));
    }
    let object = objects.swap_remove(0);
    parse(router, object)
}

fn not_json(e: serde_json::Error) -> RouterError {
    RouterError::Protocol(format!("the reply is not the JSON RouterOS sends: {e}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn array_object_and_escapes() {
        let objs = parse_objects(br#"[{"a":"1","b":"x\"y"},{}]"#).unwrap();
        assert_eq!(objs.len(), 2);
        assert!(matches!(objs[0][0].1, Value::Text(Cow::Borrowed("1"))));
        assert!(matches!(&objs[0][1].1, Value::Text(t) if t == "x\"y"));
        let one = parse_objects(br#"{"name":"r1"}"#).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(parse_objects(b"[]").unwrap().len(), 0);
    }

    #[test]
    fn non_strings_are_kept_for_reporting() {
        let objs = parse_objects(br#"[{"rx":12,"d":true,"n":null,"l":[1],"o":{"a":1}}]"#).unwrap();
        let rendered: Vec<_> = objs[0]
            .iter()
            .map(|(_, v)| match v {
                Value::NotText(t) => t.clone(),
                Value::Text(_) => String::new(),
            })
            .collect();
        assert_eq!(rendered, ["12", "true", "null", "[array]", "{object}"]);
    }

    #[test]
    fn rejects_non_objects() {
        assert!(parse_objects(b"\"x\"").is_err());
        assert!(parse_objects(b"[1]").is_err());
        assert!(parse_objects(b"[{]").is_err());
        assert!(parse_objects(b"").is_err());
    }
}
