//! The pure core of the accounting engine (SPEC §3 and §4): counter deltas, rollup bucketing
//! (UTC hours, local days, billing cycles) and online status.
//!
//! Everything here is a pure function over plain values. Time is an input (`now`, poll instants),
//! never read from the clock; there is no database code. The poller reads counters and calls
//! [`compute_delta`]; the DB writer buckets each delta with [`rollup::buckets_in`], keeps each
//! peer's open buckets with [`open_bucket::advance`] and upserts the closed ones in the poll's
//! transaction ([`aggregate`] sums a batch of deltas per bucket: the reference the property
//! tests hold the bucketing to); quotas and the cycle-reset job call [`cycle_for`] and
//! [`cycles_between`]; the API calls [`evaluate`] for status. No input makes these functions
//! panic: out-of-range instants and overflowing sums are typed errors.

pub mod bucket;
pub mod calendar;
pub mod cycle;
pub mod delta;
pub mod enforcement;
pub mod open_bucket;
pub mod rollup;
pub mod status;

pub use bucket::{
    BucketError, SUPPORTED_YEARS, hour_bucket, local_date, local_day_end, local_day_start,
    local_hour_label, local_wall_time,
};
pub use cycle::{
    Cycle, ResetDay, cycle_containing, cycle_for, cycle_for_date, cycle_label, cycles_between,
    next_cycle_start,
};
pub use delta::{Counters, Delta, Reboot, ResetCause, compute_delta};
pub use rollup::{
    Buckets, Increment, Level, RollupError, RollupIncrements, Usage, aggregate, buckets_for,
};
pub use status::{
    PeerStatus, STALE_AFTER_INTERVALS, Status, StatusInput, evaluate, handshake_at, is_stale,
    last_seen_at,
};
