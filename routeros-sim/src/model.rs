//! One simulated router's state: WireGuard interfaces and peers, the virtual clock, credentials,
//! version profile, the write log. Everything a protocol handler reads or changes is here,
//! behind one mutex per router (RouterOS itself serialises REST requests per router).

use std::collections::HashMap;

use base64::Engine as _;
use serde::Serialize;

use crate::hash::{key_bytes, mix2, mix3};
use crate::ledger::{Counter, LedgerEntry};
use crate::traffic::{Step, TrafficProfile, TrafficState, pick_profile};
use crate::version::RosVersion;

/// A WireGuard interface (`/interface/wireguard`).
#[derive(Debug, Clone)]
pub struct Interface {
    pub id: u32,
    pub name: String,
    pub listen_port: u16,
    pub mtu: u32,
    pub private_key: String,
    pub public_key: String,
    pub disabled: bool,
    pub comment: String,
}

/// A WireGuard peer (`/interface/wireguard/peers`).
#[derive(Debug, Clone)]
pub struct Peer {
    pub id: u32,
    /// Stable per simulated identity, feeds the traffic hash.
    pub uid: u64,
    pub interface: String,
    pub public_key: String,
    pub allowed_address: String,
    pub endpoint_address: String,
    pub endpoint_port: u16,
    /// Learned from the last handshake.
    pub current_endpoint: Option<(String, u16)>,
    pub rx: Counter,
    pub tx: Counter,
    pub persistent_keepalive: u64,
    pub preshared_key: String,
    pub private_key: String,
    pub disabled: bool,
    pub dynamic: bool,
    pub comment: String,
    /// `None` reads back as `peer<N>` on 7.15+.
    pub name: Option<String>,
    pub responder: bool,
    pub client_address: String,
    pub client_dns: String,
    pub client_endpoint: String,
    pub client_keepalive: u64,
    pub client_listen_port: u16,
    pub client_allowed_address: String,
    pub profile: TrafficProfile,
    pub traffic: TrafficState,
}

impl Peer {
    /// `peer<N>` for unnamed peers, as RouterOS 7.15+ prints them.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(n) if !n.is_empty() => n.clone(),
            _ => format!("peer{}", self.id),
        }
    }

    /// Loses the counters (and the session), booking the loss in the ledger.
    pub fn reset_counters(&mut self) {
        self.rx.reset();
        self.tx.reset();
    }

    /// Forgets the handshake (reboot, interface toggled).
    pub fn lose_handshake(&mut self) {
        self.traffic = TrafficState::default();
        self.current_endpoint = None;
    }
}

/// A write the router applied, for tests that count writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteRecord {
    /// 1, 2, … per router.
    pub seq: u64,
    /// Router uptime clock (virtual ms since the simulator started) when applied.
    pub at_ms: u64,
    /// `rest` or `api`.
    pub via: String,
    /// `set`, `enable`, `disable`, `patch`, `add`, `remove`.
    pub op: String,
    /// The menu written (`/interface/wireguard/peers`).
    pub menu: String,
    /// `.id` of the item written.
    pub id: String,
    pub public_key: Option<String>,
    /// The properties written, as given.
    pub changes: Vec<(String, String)>,
}

/// A point-in-time copy of one peer for tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerSnapshot {
    pub id: String,
    pub interface: String,
    pub public_key: String,
    pub name: String,
    pub comment: String,
    pub allowed_address: String,
    pub endpoint_address: String,
    pub rx: u64,
    pub tx: u64,
    pub disabled: bool,
    pub dynamic: bool,
    /// Age of the last handshake in seconds; `None` = never.
    pub last_handshake_secs: Option<u64>,
    pub profile: TrafficProfile,
}

/// Formats an item id the RouterOS way: `*1`, `*A`, `*1F`.
pub fn format_id(id: u32) -> String {
    format!("*{id:X}")
}

/// Parses `*1F` (also `%2A1F`, already URL-decoded by callers, and bare hex).
pub fn parse_id(text: &str) -> Option<u32> {
    let t = text.trim();
    let hex = t.strip_prefix('*').unwrap_or(t);
    if hex.is_empty() || hex.len() > 8 {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

/// Everything about one router.
#[derive(Debug)]
pub struct RouterState {
    pub index: usize,
    pub identity: String,
    pub user: String,
    pub password: String,
    pub policy_api: bool,
    pub policy_rest: bool,
    pub version: RosVersion,
    pub singleton_as_array: bool,
    pub seed: u64,
    /// Virtual time since the simulator started, ms.
    pub now_ms: u64,
    /// `now_ms` at the last (re)boot: uptime = now − boot.
    pub boot_ms: u64,
    pub interfaces: Vec<Interface>,
    /// Sorted by id (ids only grow).
    pub peers: Vec<Peer>,
    /// Ledgers of peers no longer on the router, by (interface, public-key).
    pub retired: HashMap<(String, String), (Counter, Counter)>,
    pub next_peer_id: u32,
    pub next_uid: u64,
    pub writes: Vec<WriteRecord>,
}

impl RouterState {
    /// Generates router `index` deterministically from the seed.
    pub fn generate(
        index: usize,
        peers: usize,
        interfaces: usize,
        seed: u64,
        user: &str,
        password: &str,
        version: RosVersion,
    ) -> Self {
        let rseed = mix2(seed, index as u64);
        let interfaces = interfaces.max(1);
        let ifaces = (0..interfaces)
            .map(|k| {
                let priv_key = key_bytes(mix3(rseed, 0x1F, k as u64));
                Interface {
                    id: k as u32 + 1,
                    name: format!("wg{k}"),
                    listen_port: 13231 + k as u16,
                    mtu: 1420,
                    private_key: b64(&priv_key),
                    public_key: b64(&key_bytes(mix3(rseed, 0x2F, k as u64))),
                    disabled: false,
                    comment: String::new(),
                }
            })
            .collect();
        let mut st = Self {
            index,
            identity: format!("sim-router-{index}"),
            user: user.to_owned(),
            password: password.to_owned(),
            policy_api: true,
            policy_rest: true,
            version,
            singleton_as_array: false,
            seed: rseed,
            now_ms: 0,
            boot_ms: 0,
            interfaces: ifaces,
            peers: Vec::with_capacity(peers),
            retired: HashMap::new(),
            next_peer_id: 1,
            next_uid: 1,
            writes: Vec::new(),
        };
        for j in 0..peers {
            let h = mix3(rseed, 0x3F, j as u64);
            let iface = format!("wg{}", j % interfaces);
            let key = b64(&key_bytes(mix3(rseed, 0x4F, j as u64)));
            let profile = pick_profile(h);
            st.add_peer(&iface, &key, profile);
            if let Some(p) = st.peers.last_mut() {
                decorate(p, j, h);
            }
        }
        st
    }

    /// Adds a peer with defaults; returns its id. Reuses the ledger of an earlier peer with the
    /// same identity (so a re-created peer keeps its history, with counters from 0).
    pub fn add_peer(&mut self, interface: &str, public_key: &str, profile: TrafficProfile) -> u32 {
        let id = self.next_peer_id;
        self.next_peer_id += 1;
        let uid = mix2(self.seed, self.next_uid);
        self.next_uid += 1;
        let n = self.peers.len() as u32;
        let (rx, tx) = self
            .retired
            .remove(&(interface.to_owned(), public_key.to_owned()))
            .unwrap_or_default();
        let outbound = profile == TrafficProfile::DeadOutbound;
        self.peers.push(Peer {
            id,
            uid,
            interface: interface.to_owned(),
            public_key: public_key.to_owned(),
            allowed_address: format!(
                "10.{}.{}.{}/32",
                100 + self.index % 100,
                (n + 2) / 250,
                (n + 2) % 250
            ),
            endpoint_address: if outbound {
                format!("198.51.100.{}", 1 + n % 250)
            } else {
                String::new()
            },
            endpoint_port: if outbound { 51820 } else { 0 },
            current_endpoint: None,
            rx,
            tx,
            persistent_keepalive: if outbound { 25 } else { 0 },
            preshared_key: String::new(),
            private_key: String::new(),
            disabled: false,
            dynamic: false,
            comment: String::new(),
            name: None,
            responder: false,
            client_address: String::new(),
            client_dns: String::new(),
            client_endpoint: String::new(),
            client_keepalive: 0,
            client_listen_port: 0,
            client_allowed_address: String::new(),
            profile,
            traffic: TrafficState::default(),
        });
        id
    }

    pub fn uptime_ms(&self) -> u64 {
        self.now_ms - self.boot_ms
    }

    /// Index of the peer with this id.
    pub fn peer_index(&self, id: u32) -> Option<usize> {
        self.peers.binary_search_by_key(&id, |p| p.id).ok()
    }

    /// Index of the first peer with this public key.
    pub fn peer_by_key(&self, public_key: &str) -> Option<usize> {
        self.peers.iter().position(|p| p.public_key == public_key)
    }

    /// Moves the virtual clock forward, stepping the traffic of every whole second crossed.
    pub fn advance_ms(&mut self, ms: u64) {
        let from_s = self.now_ms / 1000;
        self.now_ms = self.now_ms.saturating_add(ms);
        let to_s = self.now_ms / 1000;
        if to_s == from_s {
            return;
        }
        let disabled_ifaces: Vec<&str> = self
            .interfaces
            .iter()
            .filter(|i| i.disabled)
            .map(|i| i.name.as_str())
            .collect();
        let seed = self.seed;
        for p in &mut self.peers {
            if p.disabled || disabled_ifaces.contains(&p.interface.as_str()) {
                continue;
            }
            let outbound = !p.endpoint_address.is_empty();
            let handshook = Step {
                seed,
                uid: p.uid,
                profile: p.profile,
                outbound,
                keepalive_s: p.persistent_keepalive,
                state: &mut p.traffic,
                rx: &mut p.rx,
                tx: &mut p.tx,
            }
            .span(from_s, to_s);
            if handshook && p.current_endpoint.is_none() {
                p.current_endpoint = Some(if outbound {
                    (p.endpoint_address.clone(), p.endpoint_port)
                } else {
                    let h = mix2(p.uid, 0xE);
                    (
                        format!("203.0.113.{}", 1 + h % 250),
                        1024 + (h >> 16) as u16 % 60000,
                    )
                });
            }
        }
    }

    /// Age of the peer's last handshake in whole seconds.
    pub fn handshake_age(&self, p: &Peer) -> Option<u64> {
        p.traffic
            .handshake_s
            .map(|s| (self.now_ms / 1000).saturating_sub(s))
    }

    /// Reboot: uptime and every counter to 0, handshakes lost.
    pub fn reboot(&mut self) {
        self.boot_ms = self.now_ms;
        for p in &mut self.peers {
            p.reset_counters();
            p.lose_handshake();
        }
    }

    /// Removes the peer at `idx`, keeping its ledger (with the unread bytes booked as lost).
    pub fn remove_peer(&mut self, idx: usize) -> Peer {
        let mut p = self.peers.remove(idx);
        p.reset_counters();
        self.retired.insert(
            (p.interface.clone(), p.public_key.clone()),
            (p.rx.clone(), p.tx.clone()),
        );
        p
    }

    /// Deletes the peer and adds it back with the same key and settings, a new `.id` and
    /// zeroed counters.
    pub fn recreate_peer(&mut self, idx: usize) -> u32 {
        let old = self.remove_peer(idx);
        let id = self.add_peer(&old.interface, &old.public_key, old.profile);
        if let Some(p) = self.peers.last_mut() {
            *p = Peer {
                id: p.id,
                uid: old.uid,
                rx: std::mem::take(&mut p.rx),
                tx: std::mem::take(&mut p.tx),
                traffic: TrafficState::default(),
                current_endpoint: None,
                ..old
            };
        }
        id
    }

    pub fn snapshot(&self) -> Vec<PeerSnapshot> {
        self.peers
            .iter()
            .map(|p| PeerSnapshot {
                id: format_id(p.id),
                interface: p.interface.clone(),
                public_key: p.public_key.clone(),
                name: p.display_name(),
                comment: p.comment.clone(),
                allowed_address: p.allowed_address.clone(),
                endpoint_address: p.endpoint_address.clone(),
                rx: p.rx.value,
                tx: p.tx.value,
                disabled: p.disabled,
                dynamic: p.dynamic,
                last_handshake_secs: self.handshake_age(p),
                profile: p.profile,
            })
            .collect()
    }

    pub fn ledger(&self) -> Vec<LedgerEntry> {
        let mut out: Vec<LedgerEntry> = self
            .peers
            .iter()
            .map(|p| LedgerEntry::from_counters(&p.interface, &p.public_key, &p.rx, &p.tx, true))
            .collect();
        for ((iface, key), (rx, tx)) in &self.retired {
            out.push(LedgerEntry::from_counters(iface, key, rx, tx, false));
        }
        out.sort_by(|a, b| (&a.interface, &a.public_key).cmp(&(&b.interface, &b.public_key)));
        out
    }

    /// Starts every ledger over (counters stay): for tests that baseline after setup.
    pub fn restart_ledger(&mut self) {
        for p in &mut self.peers {
            p.rx.restart_ledger();
            p.tx.restart_ledger();
        }
        self.retired.clear();
    }

    pub fn log_write(
        &mut self,
        via: &str,
        op: &str,
        menu: &str,
        id: u32,
        public_key: Option<String>,
        changes: Vec<(String, String)>,
    ) {
        let seq = self.writes.len() as u64 + 1;
        self.writes.push(WriteRecord {
            seq,
            at_ms: self.now_ms,
            via: via.to_owned(),
            op: op.to_owned(),
            menu: menu.to_owned(),
            id: format_id(id),
            public_key,
            changes,
        });
    }
}

/// Names, comments and other variety for generated peers.
fn decorate(p: &mut Peer, j: usize, h: u64) {
    const PEOPLE: [&str; 8] = [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
    ];
    const DEVICES: [&str; 4] = ["laptop", "phone", "tablet", "desktop"];
    // Two peers in three have a name; the rest read back as `peer<N>` (7.15+).
    if !(h >> 8).is_multiple_of(3) {
        p.name = Some(format!(
            "{}-{}-{j}",
            PEOPLE[((h >> 12) % 8) as usize],
            DEVICES[((h >> 16) % 4) as usize]
        ));
    }
    if (h >> 20).is_multiple_of(2) {
        p.comment = format!("customer {}", 1000 + j);
    }
    if p.endpoint_address.is_empty() {
        p.client_address = p.allowed_address.clone();
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
