//! `RouterHandle`: what a test holds for one simulated router — its ports and credentials, and
//! methods to fault it, reboot it, operate on peers and read its ledger and write log.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Semaphore, watch};

use crate::faults::{Fault, Faults};
use crate::ledger::LedgerEntry;
use crate::model::{PeerSnapshot, RouterState, WriteRecord};
use crate::traffic::TrafficProfile;
use crate::version::RosVersion;

/// Shared state of one router, used by its servers and its handle.
pub(crate) struct RouterShared {
    state: Mutex<RouterState>,
    pub(crate) faults: watch::Sender<Faults>,
    /// RouterOS answers REST one request at a time per router.
    pub(crate) rest_gate: tokio::sync::Mutex<()>,
    /// Bounds concurrent connections (all services of the router together).
    pub(crate) conn_limit: Arc<Semaphore>,
    pub(crate) tls: Arc<rustls::ServerConfig>,
}

/// Connections one router serves at once; more are closed on accept.
const MAX_CONNECTIONS: usize = 512;

impl RouterShared {
    pub(crate) fn new(state: RouterState, tls: Arc<rustls::ServerConfig>) -> Self {
        Self {
            state: Mutex::new(state),
            faults: watch::Sender::new(Faults::default()),
            rest_gate: tokio::sync::Mutex::new(()),
            conn_limit: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
            tls,
        }
    }

    /// The router state; a panic elsewhere never makes it unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, RouterState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn faults(&self) -> Faults {
        self.faults.borrow().clone()
    }
}

/// One simulated router, as a test sees it. Cheap to clone.
#[derive(Clone)]
pub struct RouterHandle {
    pub index: usize,
    pub identity: String,
    pub rest_http: u16,
    pub rest_https: u16,
    pub api: u16,
    pub api_ssl: u16,
    pub user: String,
    pub password: String,
    /// SHA-256 of the DER certificate served on HTTPS and API-SSL, lowercase hex, no colons.
    pub tls_sha256: String,
    pub cert_der: Vec<u8>,
    /// Address the router's services listen on.
    pub bind: std::net::IpAddr,
    pub(crate) shared: Arc<RouterShared>,
}

impl std::fmt::Debug for RouterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterHandle")
            .field("index", &self.index)
            .field("identity", &self.identity)
            .field("rest_http", &self.rest_http)
            .field("rest_https", &self.rest_https)
            .field("api", &self.api)
            .field("api_ssl", &self.api_ssl)
            .finish_non_exhaustive()
    }
}

impl RouterHandle {
    /// Switches a fault on (faults add up; `clear_faults` removes them all).
    pub fn set_fault(&self, f: Fault) {
        self.shared.faults.send_modify(|fs| fs.set(f));
    }

    pub fn clear_faults(&self) {
        self.shared.faults.send_replace(Faults::default());
    }

    /// The faults currently on.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Reboot: uptime and every counter back to 0, handshakes lost (unread bytes become
    /// unobservable in the ledger).
    pub fn reboot(&self) {
        self.shared.lock().reboot();
    }

    /// Zeroes one peer's counters. `false` when no peer has that key.
    pub fn reset_peer(&self, public_key: &str) -> bool {
        let mut st = self.shared.lock();
        match st.peer_by_key(public_key) {
            Some(i) => {
                st.peers[i].reset_counters();
                true
            }
            None => false,
        }
    }

    /// Deletes the peer (its ledger stays, marked not present).
    pub fn delete_peer(&self, public_key: &str) -> bool {
        let mut st = self.shared.lock();
        match st.peer_by_key(public_key) {
            Some(i) => {
                st.remove_peer(i);
                true
            }
            None => false,
        }
    }

    /// Deletes the peer and creates it again with the same key and settings: a new `.id`,
    /// counters 0, no handshake.
    pub fn recreate_peer(&self, public_key: &str) -> bool {
        let mut st = self.shared.lock();
        match st.peer_by_key(public_key) {
            Some(i) => {
                st.recreate_peer(i);
                true
            }
            None => false,
        }
    }

    /// Adds a peer on `interface` (which must exist); returns its `.id` (`*N`).
    pub fn add_peer(
        &self,
        interface: &str,
        public_key: &str,
        profile: TrafficProfile,
    ) -> Option<String> {
        let mut st = self.shared.lock();
        if !st.interfaces.iter().any(|i| i.name == interface) {
            return None;
        }
        Some(crate::model::format_id(
            st.add_peer(interface, public_key, profile),
        ))
    }

    /// Changes how a peer's traffic behaves from now on.
    pub fn set_peer_profile(&self, public_key: &str, profile: TrafficProfile) -> bool {
        let mut st = self.shared.lock();
        match st.peer_by_key(public_key) {
            Some(i) => {
                st.peers[i].profile = profile;
                true
            }
            None => false,
        }
    }

    /// Enables or disables a peer as an admin on the router's console would (not logged as a
    /// client write).
    pub fn set_peer_disabled(&self, public_key: &str, disabled: bool) -> bool {
        let mut st = self.shared.lock();
        match st.peer_by_key(public_key) {
            Some(i) => {
                let p = &mut st.peers[i];
                if disabled && !p.disabled {
                    p.traffic.session_lost = true;
                    p.current_endpoint = None;
                }
                p.disabled = disabled;
                true
            }
            None => false,
        }
    }

    /// Disables or enables a WireGuard interface (re-enabling zeroes its peers' counters).
    pub fn set_interface_disabled(&self, name: &str, disabled: bool) -> bool {
        let mut st = self.shared.lock();
        let Some(i) = st.interfaces.iter().position(|it| it.name == name) else {
            return false;
        };
        if st.interfaces[i].disabled && !disabled {
            for p in st.peers.iter_mut().filter(|p| p.interface == name) {
                p.reset_counters();
                p.lose_handshake();
            }
        }
        st.interfaces[i].disabled = disabled;
        true
    }

    /// Wrong credentials from now on for anyone using the old password.
    pub fn set_password(&self, p: &str) {
        self.shared.lock().password = p.to_owned();
    }

    /// The user's group policies: `api` (binary API and REST) and `rest-api` (REST).
    pub fn set_policy(&self, api: bool, rest_api: bool) {
        let mut st = self.shared.lock();
        st.policy_api = api;
        st.policy_rest = rest_api;
    }

    /// Switches the version profile (field set, `!empty`). Panics never: an unparsable version
    /// is ignored and logged.
    pub fn set_ros_version(&self, v: &str) {
        match RosVersion::parse(v) {
            Ok(v) => self.shared.lock().version = v,
            Err(e) => tracing::warn!("set_ros_version: {e}"),
        }
    }

    /// `true`: singleton menus answer a one-element array (RouterOS 7.1 style).
    pub fn set_singleton_as_array(&self, yes: bool) {
        self.shared.lock().singleton_as_array = yes;
    }

    pub fn set_identity(&self, name: &str) {
        self.shared.lock().identity = name.to_owned();
    }

    pub fn peers(&self) -> Vec<PeerSnapshot> {
        self.shared.lock().snapshot()
    }

    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.shared.lock().ledger()
    }

    /// Starts every ledger over from the current counters (carried, observed … back to 0).
    pub fn restart_ledger(&self) {
        self.shared.lock().restart_ledger();
    }

    pub fn writes(&self) -> Vec<WriteRecord> {
        self.shared.lock().writes.clone()
    }

    pub fn write_count(&self) -> usize {
        self.shared.lock().writes.len()
    }

    pub fn uptime(&self) -> Duration {
        Duration::from_millis(self.shared.lock().uptime_ms())
    }

    /// Moves only this router's clock forward.
    pub fn advance(&self, d: Duration) {
        self.shared
            .lock()
            .advance_ms(d.as_millis().min(u64::MAX as u128) as u64);
    }

    /// The JSON line the binary prints for this router (keys in the documented order; the
    /// password is the current one).
    pub fn info_json(&self) -> serde_json::Value {
        serde_json::to_value(self.info()).unwrap_or_default()
    }

    /// The same as a struct; serialises with keys in the documented order.
    pub fn info(&self) -> RouterInfo {
        // One lock for both fields: a std mutex is not re-entrant.
        let (identity, password) = {
            let st = self.shared.lock();
            (st.identity.clone(), st.password.clone())
        };
        RouterInfo {
            router: self.index,
            identity,
            rest_http: self.rest_http,
            rest_https: self.rest_https,
            api: self.api,
            api_ssl: self.api_ssl,
            user: self.user.clone(),
            password,
            tls_sha256: self.tls_sha256.clone(),
        }
    }
}

/// Where and how to reach one router (the binary's start-up line).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouterInfo {
    pub router: usize,
    pub identity: String,
    pub rest_http: u16,
    pub rest_https: u16,
    pub api: u16,
    pub api_ssl: u16,
    pub user: String,
    pub password: String,
    pub tls_sha256: String,
}
