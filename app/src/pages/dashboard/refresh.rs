//! The periodic refresh both the dashboard and the peer page use: a counter that goes up every
//! ten seconds while the page is open in the browser (never on the server), and a handle to
//! bump it at once after the admin changed something. Resources keyed on it refetch; under a
//! `Transition` the old content stays until the new arrives, so nothing jumps.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::format;

/// How often an open page reloads its data.
pub const REFRESH_SECONDS: u64 = 10;

/// The refresh counter and its setter.
pub fn refresh_tick() -> (ReadSignal<u64>, WriteSignal<u64>) {
    let (tick, set_tick) = signal(0_u64);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let every = std::time::Duration::from_secs(REFRESH_SECONDS);
        if let Ok(handle) = set_interval_with_handle(move || set_tick.update(|t| *t += 1), every) {
            // The interval dies with the page, not with the browser tab.
            on_cleanup(move || handle.clear());
        }
    });
    (tick, set_tick)
}

/// "Now" for the "… ago" texts, moved forward at every refresh so they age on screen.
pub fn clock(tick: ReadSignal<u64>) -> RwSignal<DateTime<Utc>> {
    let now = RwSignal::new(format::now());
    Effect::new(move |_| {
        tick.track();
        now.set(format::now());
    });
    now
}
