//! The RouterOS commands both protocols run: print, set, enable, disable (and add/remove) on
//! `/interface/wireguard`, `/interface/wireguard/peers`, `/system/resource` and
//! `/system/identity`. REST and API only translate their syntax into these calls.

use crate::duration::{format_secs, parse_secs};
use crate::fields::{
    IFACE_FIELDS, PEER_FIELDS, Sink, emit_iface, emit_peer, iface_value, peer_value,
};
use crate::model::{RouterState, parse_id};
use crate::query::Query;
use crate::traffic::TrafficProfile;

/// A RouterOS command failure (REST 400 `detail`, API `!trap =message=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    NoSuchItem,
    UnknownParameter(String),
    InvalidValue(String),
    Other(String),
}

impl OpError {
    pub fn message(&self) -> String {
        match self {
            OpError::NoSuchItem => "no such item".to_owned(),
            OpError::UnknownParameter(p) => format!("unknown parameter {p}"),
            OpError::InvalidValue(m) | OpError::Other(m) => m.clone(),
        }
    }
    /// API `!trap` category: 0 missing item or command, 1 argument value.
    pub fn category(&self) -> Option<u8> {
        match self {
            OpError::NoSuchItem => Some(0),
            OpError::UnknownParameter(_) | OpError::InvalidValue(_) => Some(1),
            OpError::Other(_) => None,
        }
    }
}

/// The menus the simulator implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    Wireguard,
    Peers,
    Resource,
    Identity,
}

impl Menu {
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Menu::Wireguard => IFACE_FIELDS,
            Menu::Peers => PEER_FIELDS,
            Menu::Resource => RESOURCE_FIELDS,
            Menu::Identity => &["name"],
        }
    }
    pub fn path(self) -> &'static str {
        match self {
            Menu::Wireguard => "/interface/wireguard",
            Menu::Peers => "/interface/wireguard/peers",
            Menu::Resource => "/system/resource",
            Menu::Identity => "/system/identity",
        }
    }
    pub fn is_singleton(self) -> bool {
        matches!(self, Menu::Resource | Menu::Identity)
    }
}

/// Resolves menu path segments; `Err(segment)` names the first one that does not exist.
pub fn resolve_menu<'a>(segs: &[&'a str]) -> Result<Menu, &'a str> {
    match segs {
        ["interface", "wireguard"] => Ok(Menu::Wireguard),
        ["interface", "wireguard", "peers"] => Ok(Menu::Peers),
        ["system", "resource"] => Ok(Menu::Resource),
        ["system", "identity"] => Ok(Menu::Identity),
        _ => {
            let known: &[&[&str]] = &[
                &["interface", "wireguard", "peers"],
                &["system", "resource"],
                &["system", "identity"],
            ];
            for (i, s) in segs.iter().enumerate() {
                if !known.iter().any(|k| k.len() > i && k[..=i] == segs[..=i]) {
                    return Err(s);
                }
            }
            Err(segs.last().copied().unwrap_or(""))
        }
    }
}

pub const RESOURCE_FIELDS: &[&str] = &[
    "architecture-name",
    "bad-blocks",
    "board-name",
    "build-time",
    "cpu",
    "cpu-count",
    "cpu-frequency",
    "cpu-load",
    "factory-software",
    "free-hdd-space",
    "free-memory",
    "platform",
    "total-hdd-space",
    "total-memory",
    "uptime",
    "version",
    "write-sect-since-reboot",
    "write-sect-total",
];

/// Prints a menu's items matching `query`, limited to `mask`; returns how many were printed.
pub fn print(
    st: &mut RouterState,
    menu: Menu,
    mask: u64,
    query: &Query,
    only: Option<u32>,
    sink: &mut impl Sink,
) -> usize {
    let mut buf = String::with_capacity(64);
    let mut qbuf = String::with_capacity(64);
    let mut n = 0;
    match menu {
        Menu::Peers => {
            let now_s = st.now_ms / 1000;
            let RouterState { peers, version, .. } = st;
            for p in peers.iter_mut() {
                if only.is_some_and(|id| id != p.id) {
                    continue;
                }
                if !query.matches(|i, b| peer_value(p, i, now_s, version, b), &mut qbuf) {
                    continue;
                }
                emit_peer(p, mask, now_s, version, sink, &mut buf);
                n += 1;
            }
        }
        Menu::Wireguard => {
            for it in &st.interfaces {
                if only.is_some_and(|id| id != it.id)
                    || !query.matches(|i, b| iface_value(it, i, b), &mut qbuf)
                {
                    continue;
                }
                emit_iface(it, mask, sink, &mut buf);
                n += 1;
            }
        }
        Menu::Resource | Menu::Identity => {
            let fields = menu.fields();
            let vals: Vec<(usize, String)> = (0..fields.len())
                .filter(|i| mask & (1 << i) != 0)
                .filter_map(|i| singleton_value(st, menu, i).map(|v| (i, v)))
                .collect();
            sink.begin_item();
            for (i, v) in vals {
                sink.field(fields[i], &v);
            }
            sink.end_item();
            n = 1;
        }
    }
    n
}

fn singleton_value(st: &RouterState, menu: Menu, i: usize) -> Option<String> {
    if menu == Menu::Identity {
        return Some(st.identity.clone());
    }
    let uptime_s = st.uptime_ms() / 1000;
    // Deterministic, plausible numbers that move a little over time.
    let wobble = crate::hash::mix2(st.seed, st.now_ms / 5000);
    Some(match RESOURCE_FIELDS[i] {
        "architecture-name" => "arm64".to_owned(),
        "bad-blocks" => "0".to_owned(),
        "board-name" => "CCR2004-16G-2S+".to_owned(),
        "build-time" => "2025-03-10 09:00:00".to_owned(),
        "cpu" => "ARM64".to_owned(),
        "cpu-count" => "4".to_owned(),
        "cpu-frequency" => "1700".to_owned(),
        "cpu-load" => (wobble % 30).to_string(),
        "factory-software" => "7.1".to_owned(),
        "free-hdd-space" => "96862208".to_owned(),
        "free-memory" => (3_500_000_000u64 - (wobble % 50_000_000)).to_string(),
        "platform" => "MikroTik".to_owned(),
        "total-hdd-space" => "134217728".to_owned(),
        "total-memory" => "4294967296".to_owned(),
        "uptime" => {
            let mut s = String::new();
            format_secs(uptime_s, &mut s);
            s
        }
        "version" => st.version.display(),
        "write-sect-since-reboot" => (uptime_s / 60).to_string(),
        "write-sect-total" => (100_000 + st.now_ms / 60_000).to_string(),
        _ => return None,
    })
}

/// Parses `numbers`/`.id` (comma-separated ids); `NoSuchItem` for anything that is not an id.
pub fn parse_numbers(text: &str) -> Result<Vec<u32>, OpError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_id(s).ok_or(OpError::NoSuchItem))
        .collect()
}

fn parse_bool(key: &str, v: &str) -> Result<bool, OpError> {
    match v {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        _ => Err(OpError::InvalidValue(format!(
            "value of {key} must be yes or no"
        ))),
    }
}

fn parse_dur(key: &str, v: &str) -> Result<u64, OpError> {
    parse_secs(v).ok_or_else(|| {
        OpError::InvalidValue(format!("value of {key} is not a valid time interval"))
    })
}

fn parse_port(key: &str, v: &str) -> Result<u16, OpError> {
    v.parse()
        .map_err(|_| OpError::InvalidValue(format!("value of {key} out of range (0..65535)")))
}

/// Applies `set` properties to items `ids` of `menu`: all or nothing. Logs one write per item.
pub fn set(
    st: &mut RouterState,
    menu: Menu,
    ids: &[u32],
    params: &[(String, String)],
    via: &str,
    op: &str,
) -> Result<(), OpError> {
    match menu {
        Menu::Peers => set_peers(st, ids, params, via, op),
        Menu::Wireguard => set_ifaces(st, ids, params, via, op),
        Menu::Identity => {
            for (k, v) in params {
                if k != "name" {
                    return Err(OpError::UnknownParameter(k.clone()));
                }
                st.identity = v.clone();
            }
            Ok(())
        }
        Menu::Resource => Err(OpError::Other("no such command".to_owned())),
    }
}

fn set_peers(
    st: &mut RouterState,
    ids: &[u32],
    params: &[(String, String)],
    via: &str,
    op: &str,
) -> Result<(), OpError> {
    let idxs: Vec<usize> = ids
        .iter()
        .map(|id| st.peer_index(*id).ok_or(OpError::NoSuchItem))
        .collect::<Result<_, _>>()?;
    let v = st.version.clone();
    let mut updated = Vec::with_capacity(idxs.len());
    for &i in &idxs {
        let mut p = st.peers[i].clone();
        for (k, val) in params {
            let exists = |f: &str| {
                crate::fields::field_index(PEER_FIELDS, f)
                    .is_some_and(|i| crate::fields::peer_field_exists(i, &v))
            };
            if !exists(k) {
                return Err(OpError::UnknownParameter(k.clone()));
            }
            match k.as_str() {
                "disabled" => p.disabled = parse_bool(k, val)?,
                "comment" => p.comment = val.clone(),
                "name" => p.name = Some(val.clone()).filter(|n| !n.is_empty()),
                "allowed-address" => p.allowed_address = val.clone(),
                "endpoint-address" => p.endpoint_address = val.clone(),
                "endpoint-port" => p.endpoint_port = parse_port(k, val)?,
                "persistent-keepalive" => p.persistent_keepalive = parse_dur(k, val)?,
                "preshared-key" => p.preshared_key = val.clone(),
                "private-key" => p.private_key = val.clone(),
                "responder" | "is-responder" => p.responder = parse_bool(k, val)?,
                "client-address" => p.client_address = val.clone(),
                "client-allowed-address" => p.client_allowed_address = val.clone(),
                "client-dns" => p.client_dns = val.clone(),
                "client-endpoint" => p.client_endpoint = val.clone(),
                "client-keepalive" => p.client_keepalive = parse_dur(k, val)?,
                "client-listen-port" => p.client_listen_port = parse_port(k, val)?,
                _ => return Err(OpError::Other(format!("cannot set {k}"))),
            }
        }
        updated.push(p);
    }
    for (i, mut p) in idxs.into_iter().zip(updated) {
        if p.disabled && !st.peers[i].disabled {
            // A disabled peer loses its session; its next packet handshakes anew.
            p.traffic.session_lost = true;
            p.current_endpoint = None;
        }
        let (id, key) = (p.id, p.public_key.clone());
        st.peers[i] = p;
        st.log_write(via, op, Menu::Peers.path(), id, Some(key), params.to_vec());
    }
    Ok(())
}

fn set_ifaces(
    st: &mut RouterState,
    ids: &[u32],
    params: &[(String, String)],
    via: &str,
    op: &str,
) -> Result<(), OpError> {
    let idxs: Vec<usize> = ids
        .iter()
        .map(|id| {
            st.interfaces
                .iter()
                .position(|i| i.id == *id)
                .ok_or(OpError::NoSuchItem)
        })
        .collect::<Result<_, _>>()?;
    let mut new_vals = Vec::new();
    for &i in &idxs {
        let mut it = st.interfaces[i].clone();
        for (k, val) in params {
            match k.as_str() {
                "disabled" => it.disabled = parse_bool(k, val)?,
                "comment" => it.comment = val.clone(),
                "mtu" => {
                    it.mtu = val
                        .parse()
                        .map_err(|_| OpError::InvalidValue(format!("value of {k} out of range")))?
                }
                "listen-port" => it.listen_port = parse_port(k, val)?,
                _ => return Err(OpError::UnknownParameter(k.clone())),
            }
        }
        new_vals.push(it);
    }
    for (i, it) in idxs.into_iter().zip(new_vals) {
        let was_disabled = st.interfaces[i].disabled;
        if was_disabled && !it.disabled {
            // Re-enabling a WireGuard interface zeroes its peers' counters and handshakes.
            for p in st.peers.iter_mut().filter(|p| p.interface == it.name) {
                p.reset_counters();
                p.lose_handshake();
            }
        }
        let id = it.id;
        st.interfaces[i] = it;
        st.log_write(via, op, Menu::Wireguard.path(), id, None, params.to_vec());
    }
    Ok(())
}

/// `add` on peers: needs `interface` and `public-key`. Returns the new id.
pub fn add_peer(
    st: &mut RouterState,
    params: &[(String, String)],
    via: &str,
) -> Result<u32, OpError> {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let iface =
        get("interface").ok_or_else(|| OpError::Other("missing value of interface".to_owned()))?;
    let key = get("public-key")
        .ok_or_else(|| OpError::Other("missing value of public-key".to_owned()))?;
    if !st.interfaces.iter().any(|i| i.name == iface) {
        return Err(OpError::InvalidValue(format!(
            "input does not match any value of interface ({iface})"
        )));
    }
    if st
        .peers
        .iter()
        .any(|p| p.interface == iface && p.public_key == key)
    {
        return Err(OpError::Other(
            "peer with the same public-key already exists".to_owned(),
        ));
    }
    let id = st.add_peer(&iface, &key, TrafficProfile::Idle);
    let rest: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "interface" && k != "public-key")
        .cloned()
        .collect();
    let before = st.writes.len();
    if let Err(e) = set_peers(st, &[id], &rest, via, "add") {
        if let Some(i) = st.peer_index(id) {
            st.remove_peer(i);
        }
        return Err(e);
    }
    st.writes.truncate(before);
    st.log_write(
        via,
        "add",
        Menu::Peers.path(),
        id,
        Some(key),
        params.to_vec(),
    );
    Ok(id)
}

/// `remove` on peers.
pub fn remove_peers(st: &mut RouterState, ids: &[u32], via: &str) -> Result<(), OpError> {
    for id in ids {
        st.peer_index(*id).ok_or(OpError::NoSuchItem)?;
    }
    for id in ids {
        if let Some(i) = st.peer_index(*id) {
            let p = st.remove_peer(i);
            st.log_write(
                via,
                "remove",
                Menu::Peers.path(),
                *id,
                Some(p.public_key),
                Vec::new(),
            );
        }
    }
    Ok(())
}
