//! Counter deltas (SPEC §3): how many bytes a peer carried since the last committed poll, from
//! two readings of RouterOS's cumulative `rx`/`tx` counters.
//!
//! Rules, and why:
//! - **First sight** (no committed counters): baseline only, delta 0. What the counters hold then
//!   was carried before wgmik watched the peer.
//! - **Both counters at or above the old ones, no reboot**: delta = new − old per direction.
//! - **Either counter below its old value**: the peer's counters were reset. RouterOS zeroes rx
//!   and tx together (reboot, interface disabled and enabled, peer re-created), so a drop in
//!   *either* means *both* restarted from 0, and the exact delta is the new value for both. Using
//!   new − old for the direction that did not drop would lose the `old` bytes it carried before
//!   the reset's wipe was refilled: after a reset a counter can only exceed its old value by
//!   carrying more than `old` bytes since the reset, and all of `new` was carried since then.
//! - **Router uptime went down**: the router rebooted, every counter restarted from 0, so every
//!   peer's delta is its new value, even a peer whose counters are higher than before (it carried
//!   more since the reboot than before it).
//! - A reset's cause: `RouterReboot` when uptime went down, else `PeerReset`.
//!
//! What cannot be seen: bytes carried between the last poll and a reset (the counters were wiped
//! before anyone read them), and a peer-level reset whose counters climbed back above both old
//! values before the next poll with uptime not going down (it reads as growth: new − old, an
//! undercount, never an overcount). A counter wrapping past `u64::MAX` reads as a reset.
//!
//! No arithmetic here can overflow or panic: subtraction happens only when new ≥ old.

use std::time::Duration;

/// One reading of a peer's cumulative byte counters, from the router's point of view:
/// `rx` = received from the peer (its upload), `tx` = sent to it (its download).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Counters {
    pub rx: u64,
    pub tx: u64,
}

/// What the router's `/system/resource` `uptime` says about a reboot between two polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reboot {
    /// Uptime went down: the router rebooted and every counter restarted from 0.
    Detected,
    /// Uptime did not go down, or one of the readings is missing (no evidence either way).
    NotDetected,
}

impl Reboot {
    /// Compares the uptime committed with the previous poll to the one read now. Evaluate once
    /// per router poll and pass the result to [`compute_delta`] for every peer.
    ///
    /// Only a decrease counts. A reboot followed by more uptime than the router had at the
    /// previous poll (wgmik down for longer than that) is not seen here; counters that dropped
    /// still reveal it per peer. Comparing boot times (poll time − uptime) would catch it, but
    /// would turn a step of wgmik's own wall clock into a false reboot and an overcount.
    pub fn from_uptimes(previous: Option<Duration>, current: Option<Duration>) -> Self {
        match (previous, current) {
            (Some(previous), Some(current)) if current < previous => Reboot::Detected,
            _ => Reboot::NotDetected,
        }
    }
}

/// The likely cause of a counter reset, recorded with the reset event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetCause {
    /// The router's uptime went down.
    RouterReboot,
    /// A counter went down while the router stayed up: peer re-created, interface toggled, ….
    PeerReset,
}

impl ResetCause {
    /// A stable name for storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ResetCause::RouterReboot => "router_reboot",
            ResetCause::PeerReset => "peer_reset",
        }
    }
}

/// The bytes one peer carried since the last committed poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delta {
    /// Bytes received from the peer since the last committed poll.
    pub rx: u64,
    /// Bytes sent to the peer since the last committed poll.
    pub tx: u64,
    /// Set when the counters were reset since the last committed poll: record an event.
    pub reset: Option<ResetCause>,
    /// Whether rx moved since the previous poll (`rx > 0`), for online status (SPEC §4). False at
    /// first sight: there is no previous poll to compare with.
    pub rx_moved: bool,
}

impl Delta {
    /// No bytes in either direction.
    pub fn is_zero(&self) -> bool {
        self.rx == 0 && self.tx == 0
    }

    /// rx + tx, which may exceed `u64::MAX` with extreme counters, so it is a `u128`.
    pub fn total(&self) -> u128 {
        u128::from(self.rx) + u128::from(self.tx)
    }
}

/// The delta between the last committed counters of a peer (`None` = first sight) and a new
/// reading, given what uptime says about a reboot. Pure and total: any input gives an answer.
pub fn compute_delta(last: Option<Counters>, current: Counters, reboot: Reboot) -> Delta {
    let Some(last) = last else {
        return Delta {
            rx: 0,
            tx: 0,
            reset: None,
            rx_moved: false,
        };
    };
    let reset = if reboot == Reboot::Detected {
        Some(ResetCause::RouterReboot)
    } else if current.rx < last.rx || current.tx < last.tx {
        Some(ResetCause::PeerReset)
    } else {
        None
    };
    let (rx, tx) = match reset {
        Some(_) => (current.rx, current.tx),
        // No reset: neither counter went down, so the subtraction cannot fail; saturating keeps
        // that true even if this code is ever rearranged.
        None => (
            current.rx.saturating_sub(last.rx),
            current.tx.saturating_sub(last.tx),
        ),
    };
    Delta {
        rx,
        tx,
        reset,
        rx_moved: rx > 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: u64 = u64::MAX;

    fn c(rx: u64, tx: u64) -> Counters {
        Counters { rx, tx }
    }
    fn secs(s: u64) -> Option<Duration> {
        Some(Duration::from_secs(s))
    }
    fn d(rx: u64, tx: u64, reset: Option<ResetCause>) -> Delta {
        Delta {
            rx,
            tx,
            reset,
            rx_moved: rx > 0,
        }
    }

    #[test]
    fn first_sight_is_a_baseline() {
        for reboot in [Reboot::Detected, Reboot::NotDetected] {
            let delta = compute_delta(None, c(MAX, 12_345), reboot);
            assert_eq!(
                delta,
                Delta {
                    rx: 0,
                    tx: 0,
                    reset: None,
                    rx_moved: false
                }
            );
        }
    }

    #[test]
    fn growth_is_new_minus_old() {
        let none = Reboot::NotDetected;
        assert_eq!(
            compute_delta(Some(c(100, 1000)), c(150, 1000), none),
            d(50, 0, None)
        );
        assert_eq!(
            compute_delta(Some(c(100, 1000)), c(100, 4000), none),
            d(0, 3000, None)
        );
        assert!(!compute_delta(Some(c(100, 1000)), c(100, 4000), none).rx_moved);
        assert_eq!(
            compute_delta(Some(c(0, 0)), c(MAX, MAX), none),
            d(MAX, MAX, None)
        );
        assert_eq!(
            compute_delta(Some(c(MAX, MAX)), c(MAX, MAX), none),
            d(0, 0, None)
        );
        assert_eq!(
            compute_delta(Some(c(MAX - 1, 7)), c(MAX, 9), none),
            d(1, 2, None)
        );
    }

    #[test]
    fn a_drop_in_either_direction_resets_both() {
        let none = Reboot::NotDetected;
        let peer = Some(ResetCause::PeerReset);
        // rx dropped, tx grew past its old value: tx also restarted from 0, so its delta is new.
        assert_eq!(
            compute_delta(Some(c(500, 100)), c(20, 300), none),
            d(20, 300, peer)
        );
        // tx dropped, rx grew.
        assert_eq!(
            compute_delta(Some(c(100, 500)), c(300, 20), none),
            d(300, 20, peer)
        );
        // Both dropped, to zero.
        assert_eq!(
            compute_delta(Some(c(MAX, MAX)), c(0, 0), none),
            d(0, 0, peer)
        );
        // A wrap at u64::MAX reads as a reset.
        assert_eq!(compute_delta(Some(c(MAX, 5)), c(3, 5), none), d(3, 5, peer));
    }

    #[test]
    fn a_reboot_counts_new_values_even_when_counters_are_higher() {
        let reboot = Reboot::from_uptimes(secs(86_400), secs(30));
        assert_eq!(reboot, Reboot::Detected);
        let cause = Some(ResetCause::RouterReboot);
        // The peer carried more since the reboot than it had before it.
        assert_eq!(
            compute_delta(Some(c(100, 200)), c(1_000, 2_000), reboot),
            d(1_000, 2_000, cause)
        );
        // Counters unchanged across a reboot: the same numbers again, all new bytes.
        assert_eq!(
            compute_delta(Some(c(100, 200)), c(100, 200), reboot),
            d(100, 200, cause)
        );
        // A reboot with lower counters is a reboot, not a peer reset.
        assert_eq!(
            compute_delta(Some(c(MAX, MAX)), c(1, 0), reboot),
            d(1, 0, cause)
        );
    }

    #[test]
    fn reboot_evidence_needs_both_uptimes_and_a_decrease() {
        assert_eq!(Reboot::from_uptimes(secs(100), secs(99)), Reboot::Detected);
        assert_eq!(
            Reboot::from_uptimes(secs(100), secs(100)),
            Reboot::NotDetected
        );
        assert_eq!(
            Reboot::from_uptimes(secs(100), secs(130)),
            Reboot::NotDetected
        );
        assert_eq!(Reboot::from_uptimes(None, secs(1)), Reboot::NotDetected);
        assert_eq!(Reboot::from_uptimes(secs(100), None), Reboot::NotDetected);
        let max = Some(Duration::MAX);
        assert_eq!(Reboot::from_uptimes(max, secs(0)), Reboot::Detected);
    }

    #[test]
    fn totals_do_not_overflow() {
        assert_eq!(d(MAX, MAX, None).total(), 2 * u128::from(MAX));
        assert!(d(0, 0, None).is_zero());
        assert!(!d(0, 1, None).is_zero());
        assert_eq!(ResetCause::RouterReboot.as_str(), "router_reboot");
        assert_eq!(ResetCause::PeerReset.as_str(), "peer_reset");
    }
}
