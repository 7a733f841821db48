//! The property catalogue of each menu and how each value prints (always a string; absent when
//! RouterOS would omit it), plus `.proplist` masks. REST JSON and API words are both written
//! from here through a `Sink`, so the two protocols cannot disagree about a value.

use std::fmt::Write as _;

use crate::duration::format_secs;
use crate::model::{Interface, Peer, format_id};
use crate::version::RosVersion;

/// Peer properties in print order.
pub const PEER_FIELDS: &[&str] = &[
    ".id",
    "allowed-address",
    "client-address",
    "client-allowed-address",
    "client-dns",
    "client-endpoint",
    "client-keepalive",
    "client-listen-port",
    "comment",
    "current-endpoint-address",
    "current-endpoint-port",
    "disabled",
    "dynamic",
    "endpoint-address",
    "endpoint-port",
    "interface",
    "is-responder",
    "last-handshake",
    "name",
    "persistent-keepalive",
    "preshared-key",
    "private-key",
    "public-key",
    "responder",
    "rx",
    "tx",
];
const P_RX: usize = 24;
const P_TX: usize = 25;

/// WireGuard interface properties in print order.
pub const IFACE_FIELDS: &[&str] = &[
    ".id",
    "comment",
    "disabled",
    "listen-port",
    "mtu",
    "name",
    "private-key",
    "public-key",
    "running",
];

/// Where printed items go: a JSON array/object or API `!re` sentences.
pub trait Sink {
    fn begin_item(&mut self);
    fn field(&mut self, key: &str, value: &str);
    fn end_item(&mut self);
}

/// Whether peer property `i` exists on this version.
pub fn peer_field_exists(i: usize, v: &RosVersion) -> bool {
    match PEER_FIELDS[i] {
        "name" => v.has_name(),
        "private-key" => v.has_peer_private_key(),
        "is-responder" => v.has_is_responder(),
        "responder" => v.has_responder(),
        "client-allowed-address" => v.has_client_allowed_address(),
        f if f.starts_with("client-") => v.has_client_fields(),
        _ => true,
    }
}

/// Index of a property name in a catalogue.
pub fn field_index(fields: &[&str], name: &str) -> Option<usize> {
    fields.iter().position(|f| *f == name)
}

/// Bit mask of the properties to print. `None` = all. `.id` is always included; unknown names
/// are ignored (simply absent), except, when `strict` (REST), a name the version renamed away,
/// which is the error `unknown parameter <name>`.
pub fn proplist_mask<'a>(
    fields: &[&str],
    names: Option<impl Iterator<Item = &'a str>>,
    v: &RosVersion,
    strict: bool,
) -> Result<u64, String> {
    let Some(names) = names else {
        return Ok(u64::MAX);
    };
    // `.id` (always first when the menu has one) is always printed.
    let mut mask = u64::from(fields.first() == Some(&".id"));
    for n in names {
        let n = n.trim();
        if n.is_empty() {
            continue;
        }
        if strict && v.is_renamed_away(n) {
            return Err(format!("unknown parameter {n}"));
        }
        if let Some(i) = field_index(fields, n) {
            mask |= 1 << i;
        }
    }
    Ok(mask)
}

fn push_bool(out: &mut String, b: bool) {
    out.push_str(if b { "true" } else { "false" });
}

fn push_num(out: &mut String, n: impl std::fmt::Display) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{n}");
}

/// Writes peer property `i` into `out`; `false` when RouterOS would omit it.
pub fn peer_value(p: &Peer, i: usize, now_s: u64, v: &RosVersion, out: &mut String) -> bool {
    if !peer_field_exists(i, v) {
        return false;
    }
    let non_empty = |out: &mut String, s: &str| {
        out.push_str(s);
        !s.is_empty()
    };
    match PEER_FIELDS[i] {
        ".id" => push_num(out, format_id(p.id)),
        "allowed-address" => out.push_str(&p.allowed_address),
        "client-address" => return non_empty(out, &p.client_address),
        "client-allowed-address" => return non_empty(out, &p.client_allowed_address),
        "client-dns" => return non_empty(out, &p.client_dns),
        "client-endpoint" => return non_empty(out, &p.client_endpoint),
        "client-keepalive" => {
            if p.client_keepalive == 0 {
                return false;
            }
            format_secs(p.client_keepalive, out);
        }
        "client-listen-port" => {
            if p.client_listen_port == 0 {
                return false;
            }
            push_num(out, p.client_listen_port);
        }
        "comment" => return non_empty(out, &p.comment),
        "current-endpoint-address" => match &p.current_endpoint {
            Some((a, _)) => out.push_str(a),
            None => return false,
        },
        "current-endpoint-port" => match &p.current_endpoint {
            Some((_, port)) => push_num(out, port),
            None => return false,
        },
        "disabled" => push_bool(out, p.disabled),
        "dynamic" => push_bool(out, p.dynamic),
        "endpoint-address" => out.push_str(&p.endpoint_address),
        "endpoint-port" => push_num(out, p.endpoint_port),
        "interface" => out.push_str(&p.interface),
        "is-responder" | "responder" => push_bool(out, p.responder),
        "last-handshake" => match p.traffic.handshake_s {
            Some(s) => format_secs(now_s.saturating_sub(s), out),
            None => return false,
        },
        "name" => match &p.name {
            Some(n) if !n.is_empty() => out.push_str(n),
            _ => push_num(out, format_args!("peer{}", p.id)),
        },
        "persistent-keepalive" => format_secs(p.persistent_keepalive, out),
        "preshared-key" => return non_empty(out, &p.preshared_key),
        "private-key" => return non_empty(out, &p.private_key),
        "public-key" => out.push_str(&p.public_key),
        "rx" => push_num(out, p.rx.value),
        "tx" => push_num(out, p.tx.value),
        _ => return false,
    }
    true
}

/// Prints one peer, marking its counters as read when they are shown.
pub fn emit_peer(
    p: &mut Peer,
    mask: u64,
    now_s: u64,
    v: &RosVersion,
    sink: &mut impl Sink,
    buf: &mut String,
) {
    sink.begin_item();
    for (i, name) in PEER_FIELDS.iter().enumerate() {
        if mask & (1 << i) == 0 {
            continue;
        }
        buf.clear();
        if peer_value(p, i, now_s, v, buf) {
            sink.field(name, buf);
            if i == P_RX {
                p.rx.read();
            } else if i == P_TX {
                p.tx.read();
            }
        }
    }
    sink.end_item();
}

/// Writes interface property `i`; `false` when omitted.
pub fn iface_value(it: &Interface, i: usize, out: &mut String) -> bool {
    match IFACE_FIELDS[i] {
        ".id" => out.push_str(&format_id(it.id)),
        "comment" => {
            out.push_str(&it.comment);
            return !it.comment.is_empty();
        }
        "disabled" => push_bool(out, it.disabled),
        "listen-port" => push_num(out, it.listen_port),
        "mtu" => push_num(out, it.mtu),
        "name" => out.push_str(&it.name),
        "private-key" => out.push_str(&it.private_key),
        "public-key" => out.push_str(&it.public_key),
        "running" => push_bool(out, !it.disabled),
        _ => return false,
    }
    true
}

pub fn emit_iface(it: &Interface, mask: u64, sink: &mut impl Sink, buf: &mut String) {
    sink.begin_item();
    for (i, name) in IFACE_FIELDS.iter().enumerate() {
        if mask & (1 << i) == 0 {
            continue;
        }
        buf.clear();
        if iface_value(it, i, buf) {
            sink.field(name, buf);
        }
    }
    sink.end_item();
}

/// Appends `s` as a JSON string literal.
pub fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON array of objects (or one bare object).
pub struct JsonSink {
    pub out: String,
    items: usize,
    fields: usize,
}

impl JsonSink {
    pub fn new(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
            items: 0,
            fields: 0,
        }
    }
    pub fn items(&self) -> usize {
        self.items
    }
}

impl Sink for JsonSink {
    fn begin_item(&mut self) {
        if self.items > 0 {
            self.out.push(',');
        }
        self.items += 1;
        self.fields = 0;
        self.out.push('{');
    }
    fn field(&mut self, key: &str, value: &str) {
        if self.fields > 0 {
            self.out.push(',');
        }
        self.fields += 1;
        json_str(&mut self.out, key);
        self.out.push(':');
        json_str(&mut self.out, value);
    }
    fn end_item(&mut self) {
        self.out.push('}');
    }
}
