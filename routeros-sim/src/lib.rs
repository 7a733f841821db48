//! A simulated MikroTik RouterOS v7 device for wgmik's tests, benchmarks and demo.
//!
//! Each simulated router serves REST (HTTP and HTTPS with a generated self-signed certificate)
//! and the binary API (plain and API-SSL) on its own ports, has WireGuard interfaces and peers
//! whose counters move like real WireGuard traffic, can be faulted at run time, and keeps a
//! ledger of the bytes it really carried (see [`LedgerEntry`]).
//!
//! It implements RouterOS from `ROUTEROS.md` on its own and shares no code with wgmik's client,
//! so a misreading on one side is caught by the other.
//!
//! ```no_run
//! # async fn demo() -> Result<(), routeros_sim::SimError> {
//! use routeros_sim::{SimConfig, Simulator};
//! let sim = Simulator::start(SimConfig::default()).await?;
//! let r = sim.router(0);
//! sim.advance(std::time::Duration::from_secs(60));
//! println!("REST on 127.0.0.1:{} as {}/{}", r.rest_http, r.user, r.password);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod api;
pub mod config;
mod control;
pub mod duration;
pub mod error;
pub mod faults;
pub mod fields;
mod fleet;
mod handle;
pub mod hash;
pub mod ledger;
pub mod model;
mod net;
pub mod ops;
pub mod query;
mod rest;
pub mod tls;
pub mod traffic;
pub mod version;

pub use config::SimConfig;
pub use error::SimError;
pub use faults::{Fault, Faults};
pub use fleet::Simulator;
pub use handle::{RouterHandle, RouterInfo};
pub use ledger::LedgerEntry;
pub use model::{PeerSnapshot, WriteRecord};
pub use traffic::TrafficProfile;
pub use version::RosVersion;
