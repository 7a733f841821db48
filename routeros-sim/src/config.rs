//! Simulator configuration: how many routers, peers and interfaces, the credentials, the seed and
//! the RouterOS version every router starts with. Shared by the library API and the binary.

use std::net::{IpAddr, Ipv4Addr};

/// What to simulate. `Default` is one small router on ephemeral loopback ports with a virtual
/// clock, which is what most tests want.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Number of routers; router `i` gets its own four ports.
    pub routers: usize,
    /// WireGuard peers per router, spread over its interfaces.
    pub peers_per_router: usize,
    /// WireGuard interfaces per router (`wg0`, `wg1`, …).
    pub interfaces_per_router: usize,
    /// The RouterOS user every router accepts.
    pub user: String,
    /// That user's password.
    pub password: String,
    /// Seed of every deterministic choice (keys, names, traffic).
    pub seed: u64,
    /// RouterOS version, e.g. `7.18.2`; decides the field set and `!empty`.
    pub ros_version: String,
    /// `true`: time moves only through `Simulator::advance`. `false`: a background task moves it
    /// with the wall clock, once a second.
    pub virtual_clock: bool,
    /// Address every listener binds.
    pub bind: IpAddr,
    /// 0 = ephemeral ports; otherwise router `i` uses `base_port + 4i .. base_port + 4i + 3` for
    /// REST over HTTP, REST over HTTPS, API and API-SSL.
    pub base_port: u16,
    /// Port of the control HTTP API (`Some(0)` = ephemeral); `None` = no control API.
    pub control_port: Option<u16>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            routers: 1,
            peers_per_router: 10,
            interfaces_per_router: 1,
            user: "admin".to_owned(),
            password: "secret".to_owned(),
            seed: 1,
            ros_version: "7.18.2".to_owned(),
            virtual_clock: true,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            base_port: 0,
            control_port: None,
        }
    }
}
