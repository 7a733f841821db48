//! Typed RouterOS records (WireGuard peers and interfaces, system resource, identity) built from
//! the (name, value) pairs that both transports produce: REST JSON members and API `=name=value`
//! attributes carry the same names and the same string values (ROUTEROS.md).
//!
//! Policy, the same for every record: unknown fields are ignored (new releases add some); a field
//! we need that is missing, or a field that is present but not in RouterOS's format, is an error
//! naming the router, the field and the value. Never a silent 0: a counter read as 0 would look
//! like a reset and corrupt the ledger. Flags (`disabled`, `dynamic`, `running`) are omitted by
//! RouterOS when false, so absent means false. `rx`/`tx` are always printed by RouterOS (0 for
//! a peer that never moved a byte), so a missing counter is an error, not a zero.

use std::borrow::Cow;
use std::time::Duration;

use super::duration::parse_duration;
use super::error::RouterError;

/// A field value as read off the wire.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    /// A string, as RouterOS sends every value.
    Text(Cow<'a, str>),
    /// Anything else a JSON reply held (number, bool, null, array, object), rendered for the
    /// error message: RouterOS never sends these, so it is reported if a field we use has one.
    NotText(String),
}

/// A WireGuard peer (`/interface/wireguard/peers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WgPeer {
    /// `.id` (`*3`): only for writes; not stable across reboots (use interface + public key).
    pub id: String,
    pub interface: String,
    pub public_key: String,
    /// `name` (7.15+); unnamed peers read back as `peer1`, `peer2`, …
    pub name: Option<String>,
    pub comment: Option<String>,
    pub allowed_addresses: Vec<String>,
    /// Set for outbound peers (this router dials them): `endpoint-address` non-empty.
    pub endpoint: Option<(String, u16)>,
    /// Where the peer was last seen from (road warriors).
    pub current_endpoint: Option<(String, u16)>,
    /// Bytes the router received from the peer.
    pub rx: u64,
    /// Bytes the router sent to the peer.
    pub tx: u64,
    /// Age of the last handshake; `None` = never (or not since the interface was toggled).
    pub last_handshake: Option<Duration>,
    pub disabled: bool,
    pub dynamic: bool,
    /// `responder` (7.17+) or `is-responder` (7.15–7.16); `None` when the router did not say.
    pub responder: Option<bool>,
    /// `None` when absent or zero (keepalive off).
    pub persistent_keepalive: Option<Duration>,
}

/// A WireGuard interface (`/interface/wireguard`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WgInterface {
    pub id: String,
    pub name: String,
    pub listen_port: u16,
    pub disabled: bool,
    pub running: bool,
    pub public_key: Option<String>,
}

/// `/system/resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemResource {
    /// As printed, e.g. `7.16.2 (stable)`.
    pub version: String,
    pub board_name: String,
    /// Going down between polls marks a reboot.
    pub uptime: Duration,
    pub cpu_load: Option<u8>,
    pub free_memory: Option<u64>,
    pub total_memory: Option<u64>,
    pub architecture: Option<String>,
}

impl SystemResource {
    pub fn ros_version(&self) -> Option<RosVersion> {
        RosVersion::parse(&self.version)
    }
}

/// What a poll needs to know about the router besides its peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterInfo {
    pub identity: String,
    pub version: String,
    pub board_name: String,
    pub uptime: Duration,
}

/// A RouterOS release number, for choosing field names that changed between releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RosVersion {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

impl RosVersion {
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Reads `7.16.2 (stable)`, `7.18beta2`, `7.12`, `6.49.10 (long-term)`.
    pub fn parse(text: &str) -> Option<Self> {
        let head = text.split_whitespace().next()?;
        let mut nums = head.split('.').map(|part| {
            let digits: &str = &part[..part.bytes().take_while(u8::is_ascii_digit).count()];
            digits.parse::<u16>().ok()
        });
        let major = nums.next()??;
        let minor = nums.next().flatten().unwrap_or(0);
        let patch = nums.next().flatten().unwrap_or(0);
        Some(Self {
            major,
            minor,
            patch,
        })
    }
}

/// The `.proplist` for a peer list. Field names differ between releases and asking for one the
/// release does not know is a 400 over REST, so: `name` only from 7.15, `is-responder` on
/// 7.15–7.16, `responder` from 7.17, and neither when the version is unknown. The parser accepts
/// both responder spellings whatever was asked.
pub fn peer_proplist(version: Option<RosVersion>) -> Vec<&'static str> {
    let mut list = vec![
        ".id",
        "interface",
        "public-key",
        "comment",
        "allowed-address",
        "endpoint-address",
        "endpoint-port",
        "current-endpoint-address",
        "current-endpoint-port",
        "rx",
        "tx",
        "last-handshake",
        "disabled",
        "dynamic",
        "persistent-keepalive",
    ];
    if let Some(v) = version {
        if v >= RosVersion::new(7, 15, 0) {
            list.push("name");
        }
        if v >= RosVersion::new(7, 17, 0) {
            list.push("responder");
        } else if v >= RosVersion::new(7, 15, 0) {
            list.push("is-responder");
        }
    }
    list
}

/// The `.proplist` for `/interface/wireguard`.
pub const INTERFACE_PROPLIST: &[&str] = &[
    ".id",
    "name",
    "listen-port",
    "disabled",
    "running",
    "public-key",
];

/// Builds typed values from fields, naming the router in every error.
struct Ctx<'r> {
    router: &'r str,
}

impl Ctx<'_> {
    fn err(&self, field: &str, value: &str, reason: impl Into<String>) -> RouterError {
        RouterError::Parse {
            router: self.router.to_owned(),
            field: field.to_owned(),
            value: value.to_owned(),
            reason: reason.into(),
        }
    }

    fn text<'v>(
        &self,
        field: &str,
        v: Option<Value<'v>>,
    ) -> Result<Option<Cow<'v, str>>, RouterError> {
        match v {
            None => Ok(None),
            Some(Value::Text(t)) => Ok(Some(t)),
            Some(Value::NotText(t)) => Err(self.err(
                field,
                &t,
                "expected a string: RouterOS sends every value as one",
            )),
        }
    }

    fn required<'v>(&self, field: &str, v: Option<Value<'v>>) -> Result<Cow<'v, str>, RouterError> {
        self.text(field, v)?
            .ok_or_else(|| self.err(field, "", "missing from the reply"))
    }

    fn u64(&self, field: &str, v: Option<Value<'_>>) -> Result<Option<u64>, RouterError> {
        let Some(t) = self.text(field, v)? else {
            return Ok(None);
        };
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(field, &t, "expected a whole number"));
        }
        t.parse()
            .map(Some)
            .map_err(|_| self.err(field, &t, "number too large for 64 bits"))
    }

    fn required_u64(&self, field: &str, v: Option<Value<'_>>) -> Result<u64, RouterError> {
        self.u64(field, v)?
            .ok_or_else(|| self.err(field, "", "missing from the reply"))
    }

    fn port(&self, field: &str, v: Option<Value<'_>>) -> Result<Option<u16>, RouterError> {
        let Some(t) = self.text(field, v)? else {
            return Ok(None);
        };
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(field, &t, "expected a port number"));
        }
        t.parse()
            .map(Some)
            .map_err(|_| self.err(field, &t, "port number above 65535"))
    }

    fn flag(&self, field: &str, v: Option<Value<'_>>) -> Result<Option<bool>, RouterError> {
        let Some(t) = self.text(field, v)? else {
            return Ok(None);
        };
        match &*t {
            "true" | "yes" => Ok(Some(true)),
            "false" | "no" => Ok(Some(false)),
            _ => Err(self.err(field, &t, "expected true/false or yes/no")),
        }
    }

    fn duration(&self, field: &str, v: Option<Value<'_>>) -> Result<Option<Duration>, RouterError> {
        let Some(t) = self.text(field, v)? else {
            return Ok(None);
        };
        parse_duration(&t)
            .map(Some)
            .map_err(|e| self.err(field, &t, e.0))
    }
}

fn non_empty(s: Option<Cow<'_, str>>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(Cow::into_owned)
}

/// One peer from its fields (REST object members or API `!re` attributes).
pub fn parse_peer<'a, K: AsRef<str>>(
    router: &str,
    fields: impl IntoIterator<Item = (K, Value<'a>)>,
) -> Result<WgPeer, RouterError> {
    let mut slots = PeerSlots::default();
    for (key, value) in fields {
        if let Some(slot) = slots.slot(key.as_ref()) {
            *slot = Some(value);
        }
    }
    slots.finish(router)
}

/// A peer's fields, gathered before they are checked. The JSON reader fills it straight from
/// the reply (no per-peer list of pairs), the API reader through [`parse_peer`].
#[derive(Default)]
pub struct PeerSlots<'a> {
    id: Option<Value<'a>>,
    interface: Option<Value<'a>>,
    public_key: Option<Value<'a>>,
    name: Option<Value<'a>>,
    comment: Option<Value<'a>>,
    allowed: Option<Value<'a>>,
    ep_addr: Option<Value<'a>>,
    ep_port: Option<Value<'a>>,
    cur_addr: Option<Value<'a>>,
    cur_port: Option<Value<'a>>,
    rx: Option<Value<'a>>,
    tx: Option<Value<'a>>,
    handshake: Option<Value<'a>>,
    disabled: Option<Value<'a>>,
    dynamic: Option<Value<'a>>,
    responder: Option<Value<'a>>,
    is_responder: Option<Value<'a>>,
    keepalive: Option<Value<'a>>,
}

impl<'a> PeerSlots<'a> {
    /// Where the field named `key` goes; `None` for fields we do not use.
    pub fn slot(&mut self, key: &str) -> Option<&mut Option<Value<'a>>> {
        Some(match key {
            ".id" => &mut self.id,
            "interface" => &mut self.interface,
            "public-key" => &mut self.public_key,
            "name" => &mut self.name,
            "comment" => &mut self.comment,
            "allowed-address" => &mut self.allowed,
            "endpoint-address" => &mut self.ep_addr,
            "endpoint-port" => &mut self.ep_port,
            "current-endpoint-address" => &mut self.cur_addr,
            "current-endpoint-port" => &mut self.cur_port,
            "rx" => &mut self.rx,
            "tx" => &mut self.tx,
            "last-handshake" => &mut self.handshake,
            "disabled" => &mut self.disabled,
            "dynamic" => &mut self.dynamic,
            "responder" => &mut self.responder,
            "is-responder" => &mut self.is_responder,
            "persistent-keepalive" => &mut self.keepalive,
            _ => return None,
        })
    }

    /// Checks and converts the gathered fields.
    pub fn finish(self, router: &str) -> Result<WgPeer, RouterError> {
        let s = self;
        let c = Ctx { router };
        let endpoint = match non_empty(c.text("endpoint-address", s.ep_addr)?) {
            Some(addr) => Some((addr, c.port("endpoint-port", s.ep_port)?.unwrap_or(0))),
            None => None,
        };
        let current_endpoint = match non_empty(c.text("current-endpoint-address", s.cur_addr)?) {
            Some(addr) => Some((
                addr,
                c.port("current-endpoint-port", s.cur_port)?.unwrap_or(0),
            )),
            None => None,
        };
        let responder = match s.responder {
            Some(v) => c.flag("responder", Some(v))?,
            None => c.flag("is-responder", s.is_responder)?,
        };
        let allowed_addresses = c
            .text("allowed-address", s.allowed)?
            .map(|a| {
                a.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(WgPeer {
            id: c.required(".id", s.id)?.into_owned(),
            interface: c.required("interface", s.interface)?.into_owned(),
            public_key: c.required("public-key", s.public_key)?.into_owned(),
            name: non_empty(c.text("name", s.name)?),
            comment: non_empty(c.text("comment", s.comment)?),
            allowed_addresses,
            endpoint,
            current_endpoint,
            rx: c.required_u64("rx", s.rx)?,
            tx: c.required_u64("tx", s.tx)?,
            last_handshake: c.duration("last-handshake", s.handshake)?,
            disabled: c.flag("disabled", s.disabled)?.unwrap_or(false),
            dynamic: c.flag("dynamic", s.dynamic)?.unwrap_or(false),
            responder,
            persistent_keepalive: c
                .duration("persistent-keepalive", s.keepalive)?
                .filter(|d| !d.is_zero()),
        })
    }
}

/// One WireGuard interface from its fields.
pub fn parse_interface<'a, K: AsRef<str>>(
    router: &str,
    fields: impl IntoIterator<Item = (K, Value<'a>)>,
) -> Result<WgInterface, RouterError> {
    let (mut id, mut name, mut port, mut disabled, mut running, mut key) =
        (None, None, None, None, None, None);
    for (k, v) in fields {
        match k.as_ref() {
            ".id" => id = Some(v),
            "name" => name = Some(v),
            "listen-port" => port = Some(v),
            "disabled" => disabled = Some(v),
            "running" => running = Some(v),
            "public-key" => key = Some(v),
            _ => {}
        }
    }
    let c = Ctx { router };
    Ok(WgInterface {
        id: c.required(".id", id)?.into_owned(),
        name: c.required("name", name)?.into_owned(),
        listen_port: c
            .port("listen-port", port)?
            .ok_or_else(|| c.err("listen-port", "", "missing from the reply"))?,
        disabled: c.flag("disabled", disabled)?.unwrap_or(false),
        running: c.flag("running", running)?.unwrap_or(false),
        public_key: non_empty(c.text("public-key", key)?),
    })
}

/// `/system/resource` from its fields.
pub fn parse_resource<'a, K: AsRef<str>>(
    router: &str,
    fields: impl IntoIterator<Item = (K, Value<'a>)>,
) -> Result<SystemResource, RouterError> {
    let (mut version, mut board, mut uptime, mut cpu, mut free, mut total, mut arch) =
        (None, None, None, None, None, None, None);
    for (k, v) in fields {
        match k.as_ref() {
            "version" => version = Some(v),
            "board-name" => board = Some(v),
            "uptime" => uptime = Some(v),
            "cpu-load" => cpu = Some(v),
            "free-memory" => free = Some(v),
            "total-memory" => total = Some(v),
            "architecture-name" => arch = Some(v),
            _ => {}
        }
    }
    let c = Ctx { router };
    let cpu_load = match c.u64("cpu-load", cpu)? {
        Some(n) => Some(
            u8::try_from(n)
                .map_err(|_| c.err("cpu-load", &n.to_string(), "a percentage above 255"))?,
        ),
        None => None,
    };
    Ok(SystemResource {
        version: c.required("version", version)?.into_owned(),
        board_name: c.required("board-name", board)?.into_owned(),
        uptime: c
            .duration("uptime", uptime)?
            .ok_or_else(|| c.err("uptime", "", "missing from the reply"))?,
        cpu_load,
        free_memory: c.u64("free-memory", free)?,
        total_memory: c.u64("total-memory", total)?,
        architecture: non_empty(c.text("architecture-name", arch)?),
    })
}

/// `/system/identity` from its fields: the `name`.
pub fn parse_identity<'a, K: AsRef<str>>(
    router: &str,
    fields: impl IntoIterator<Item = (K, Value<'a>)>,
) -> Result<String, RouterError> {
    let name = fields
        .into_iter()
        .find(|(k, _)| k.as_ref() == "name")
        .map(|(_, v)| v);
    Ok(Ctx { router }.required("name", name)?.into_owned())
}
