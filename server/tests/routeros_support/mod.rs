//! Shared set-up for the RouterOS client integration tests: a simulator and endpoints for each
//! of the four ways to reach a router.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use routeros_sim::{RouterHandle, SimConfig, Simulator};
use server::routeros::{RouterClient, RouterEndpoint, Transport};

/// The four transports a router can be reached by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Rest,
    RestTls,
    Api,
    ApiSsl,
}

pub const MODES: [Mode; 4] = [Mode::Rest, Mode::RestTls, Mode::Api, Mode::ApiSsl];

/// Starts a one-router simulator with a virtual clock.
pub async fn sim(version: &str, peers: usize) -> Simulator {
    let cfg = SimConfig {
        routers: 1,
        peers_per_router: peers,
        interfaces_per_router: 2,
        ros_version: version.to_owned(),
        ..SimConfig::default()
    };
    let sim = Simulator::start(cfg).await.unwrap();
    // Let traffic and handshakes happen so counters are not all zero.
    sim.advance(Duration::from_secs(90));
    sim
}

/// An endpoint for `mode`, TLS pinned to the simulator's certificate, 5 s timeout.
pub fn endpoint(h: &RouterHandle, mode: Mode) -> RouterEndpoint {
    let (transport, tls, port) = match mode {
        Mode::Rest => (Transport::Rest, false, h.rest_http),
        Mode::RestTls => (Transport::Rest, true, h.rest_https),
        Mode::Api => (Transport::Api, false, h.api),
        Mode::ApiSsl => (Transport::Api, true, h.api_ssl),
    };
    let mut e = RouterEndpoint::new(h.bind.to_string(), transport, tls, &h.user, &h.password);
    e.port = Some(port);
    if tls {
        e.tls_fingerprint = Some(h.tls_sha256.clone());
    }
    e.timeout = Duration::from_secs(5);
    e
}

pub fn client(h: &RouterHandle, mode: Mode) -> RouterClient {
    RouterClient::new(endpoint(h, mode)).unwrap()
}

/// A port on which nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
