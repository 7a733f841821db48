//! Background jobs, one module each. Every job has a timeout, backs off while failing, logs,
//! keeps going after an error, and stops when the shutdown signal flips.

pub mod alerts;
pub mod lease;
pub mod poll;
pub mod retention;

use tokio::sync::watch;

/// Flipped to `true` once, at shutdown; every job watches it.
pub type Shutdown = watch::Receiver<bool>;

/// Sleeps for `delay`, returning `false` early if shutdown was signalled.
pub(crate) async fn sleep_or_shutdown(delay: std::time::Duration, shutdown: &mut Shutdown) -> bool {
    if *shutdown.borrow() {
        return false;
    }
    tokio::select! {
        () = tokio::time::sleep(delay) => true,
        _ = shutdown.changed() => false,
    }
}
