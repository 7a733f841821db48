//! Several replicas on one database (issue #8, SPEC §11): this process's instance id, the
//! lease timings derived from the poll interval, and the heartbeat that keeps this instance's
//! leases while it lives. The statements themselves are in `db::leases`.
//!
//! Timing, for a poll interval `I`: a lease lasts `I / 2` and the heartbeat renews it every
//! `I / 8`, so a live holder never lets it lapse even while a router is in back-off. A
//! non-holder looks again when the lease it saw would expire, and at least every `I / 4`, so
//! after the holder dies (SIGKILL: no release) another instance takes the router at most
//! `I / 2` after the holder's last renewal — well within one poll interval — and at once
//! (within `I / 4`) after a graceful shutdown, which releases the leases.

use std::sync::Arc;
use std::time::Duration;

use rand::RngCore as _;
use sea_orm::DatabaseConnection;

use super::{Shutdown, sleep_or_shutdown};
use crate::clock::{Clock as _, SystemClock};
use crate::db::{leases, settings};

/// Below this, timers would spin and a busy database could not keep up.
const MIN_TTL: Duration = Duration::from_secs(2);

/// How long a lease lasts: half the poll interval.
pub fn ttl(interval: Duration) -> Duration {
    (interval / 2).max(MIN_TTL)
}

/// How often the holder renews all its leases.
pub fn heartbeat_every(interval: Duration) -> Duration {
    ttl(interval) / 4
}

/// The longest a non-holder waits before looking at a lease again.
pub fn recheck_every(interval: Duration) -> Duration {
    ttl(interval) / 2
}

/// A fresh id for this `wgmik serve` process: host name, process id and a random suffix (a
/// restarted container may reuse both host name and pid).
pub fn new_instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let mut suffix = [0u8; 4];
    rand::rng().fill_bytes(&mut suffix);
    let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    format!("{host}-{}-{suffix}", std::process::id())
}

/// Renews this instance's leases every [`heartbeat_every`] until shutdown. The poll job
/// releases them after its last poll (see [`release`]).
pub async fn heartbeat(db: DatabaseConnection, instance: Arc<str>, mut shutdown: Shutdown) {
    let mut interval = Duration::from_secs(30);
    loop {
        match settings::load(&db).await {
            Ok(row) => interval = super::poll::poll_interval(&row),
            Err(err) => tracing::warn!(error = %err, "lease heartbeat cannot read settings"),
        }
        if let Err(err) = leases::renew_all(&db, &instance, SystemClock.now(), ttl(interval)).await
        {
            // Nothing else to do: if this lasts past the lease, another instance takes over
            // and this one's commits are refused by the fence.
            tracing::warn!(error = %err, "cannot renew router leases");
        }
        if !sleep_or_shutdown(heartbeat_every(interval), &mut shutdown).await {
            return;
        }
    }
}

/// Releases every lease of `instance` (graceful shutdown, after the poll tasks stopped).
pub async fn release(db: &DatabaseConnection, instance: &str) {
    match leases::release_all(db, instance).await {
        Ok(n) => tracing::info!(instance, released = n, "router leases released"),
        Err(err) => tracing::warn!(
            instance,
            error = %err,
            "cannot release router leases; other instances take over when they expire"
        ),
    }
}
