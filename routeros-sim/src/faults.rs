//! Faults a test (or the control API) switches on at run time: connection refusal, hangs, slow
//! answers, malformed replies. Credentials, policies, reboots and peer surgery are operations on
//! the router state instead (see `handle.rs`).

use std::time::Duration;

use serde::Serialize;

/// A transport-level misbehaviour of one router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Accept connections and close them at once.
    RefuseConnections,
    /// Accept connections and never answer (not even the TLS handshake).
    Hang,
    /// Answer every REST request and API command after this delay.
    Slow(Duration),
    /// REST answers carry a truncated JSON body (with a matching Content-Length).
    MalformedRest,
    /// API replies start with a reserved length byte (0xF8), then the router closes.
    MalformedApi,
    /// Close the listening sockets: connecting gets "connection refused" until cleared.
    StopListening,
}

/// The faults currently on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Faults {
    pub refuse: bool,
    pub hang: bool,
    pub slow_ms: Option<u64>,
    pub malformed_rest: bool,
    pub malformed_api: bool,
    pub stop_listening: bool,
}

impl Faults {
    pub fn set(&mut self, f: Fault) {
        match f {
            Fault::RefuseConnections => self.refuse = true,
            Fault::Hang => self.hang = true,
            Fault::Slow(d) => self.slow_ms = Some(d.as_millis().min(u64::MAX as u128) as u64),
            Fault::MalformedRest => self.malformed_rest = true,
            Fault::MalformedApi => self.malformed_api = true,
            Fault::StopListening => self.stop_listening = true,
        }
    }

    pub fn slow(&self) -> Option<Duration> {
        self.slow_ms.filter(|ms| *ms > 0).map(Duration::from_millis)
    }

    /// Parses the control API's names: `refuse`, `hang`, `slow` (with `delay_ms`),
    /// `malformed_rest`, `malformed_api`, `stop_listening`.
    pub fn parse(name: &str, delay_ms: Option<u64>) -> Option<Fault> {
        Some(match name {
            "refuse" | "refuse_connections" => Fault::RefuseConnections,
            "hang" => Fault::Hang,
            "slow" => Fault::Slow(Duration::from_millis(delay_ms.unwrap_or(1000))),
            "malformed_rest" => Fault::MalformedRest,
            "malformed_api" => Fault::MalformedApi,
            "stop_listening" => Fault::StopListening,
            _ => return None,
        })
    }
}
