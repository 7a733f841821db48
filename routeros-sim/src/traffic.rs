//! Traffic that looks like WireGuard: per-second bytes by profile, handshakes every 120 s while
//! packets flow (REKEY_AFTER_TIME), 32-byte keepalives, and dead outbound peers that keep sending
//! 148-byte handshake initiations every 5 s and never hear back. Every random draw is a pure hash
//! of (seed, peer, second), so a seeded run is the same however the clock is advanced.

use serde::{Deserialize, Serialize};

use crate::hash::{in_range, mix2, mix3};
use crate::ledger::Counter;

/// Size of a WireGuard handshake initiation and response, and of a keepalive (an empty data
/// message), in bytes.
pub const HANDSHAKE_INIT: u64 = 148;
pub const HANDSHAKE_RESP: u64 = 92;
pub const KEEPALIVE: u64 = 32;
/// REKEY_AFTER_TIME and the retry interval of an unanswered initiation.
pub const REKEY_SECS: u64 = 120;
pub const RETRY_SECS: u64 = 5;
/// Keepalive interval of simulated road-warrior clients that keep their tunnel up.
pub const CLIENT_KEEPALIVE_SECS: u64 = 25;

/// How a peer behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TrafficProfile {
    /// Connected, no data: only the client's 25 s keepalives (and so a handshake every 2 min).
    Idle,
    /// Browsing-like: 30 s windows, active 30 % of the time, kB/s.
    Light,
    /// Streaming/backup-like: active 90 % of seconds, MB/s downloads.
    Heavy,
    /// Mostly quiet, with minute-long bursts of up to ~12 MB/s.
    Bursty,
    /// A road warrior that never connected: no handshake, counters stay 0.
    NeverConnected,
    /// An outbound peer whose far end is dead: tx grows by 148 every 5 s, rx stays 0, no handshake.
    DeadOutbound,
    /// Exactly these bytes each second, no protocol overhead (handshake times still advance):
    /// for tests that want arithmetic they can predict.
    Constant { rx_per_sec: u64, tx_per_sec: u64 },
    /// Carries nothing at all (a connected peer that went away).
    Silent,
}

/// Per-peer protocol state the traffic model needs between seconds.
#[derive(Debug, Clone, Default)]
pub struct TrafficState {
    /// Virtual second of the last completed handshake (`None` = never, or lost).
    pub handshake_s: Option<u64>,
    /// The current session is gone (peer disabled, reboot): the next packet handshakes first.
    pub session_lost: bool,
    pub last_rx_s: Option<u64>,
    pub last_tx_s: Option<u64>,
}

/// What one peer needs to step one second.
pub struct Step<'a> {
    pub seed: u64,
    pub uid: u64,
    pub profile: TrafficProfile,
    /// The router dials this peer (it has an `endpoint-address`): the router initiates handshakes.
    pub outbound: bool,
    /// Router-side `persistent-keepalive`, seconds (0 = off).
    pub keepalive_s: u64,
    pub state: &'a mut TrafficState,
    pub rx: &'a mut Counter,
    pub tx: &'a mut Counter,
}

impl Step<'_> {
    /// Moves the traffic of second `s` (the interval `(s-1, s]`). The caller skips disabled peers.
    /// Returns whether a handshake completed (so the peer's endpoint becomes known).
    pub fn second(self, s: u64) -> bool {
        let h = mix3(self.seed, self.uid, s);
        let (mut rx, mut tx) = match self.profile {
            TrafficProfile::NeverConnected | TrafficProfile::Silent => return false,
            TrafficProfile::DeadOutbound => {
                if (s + self.uid % RETRY_SECS).is_multiple_of(RETRY_SECS) {
                    self.tx.carry(HANDSHAKE_INIT);
                }
                return false;
            }
            TrafficProfile::Constant {
                rx_per_sec,
                tx_per_sec,
            } => {
                self.rx.carry(rx_per_sec);
                self.tx.carry(tx_per_sec);
                if rx_per_sec + tx_per_sec > 0 && self.needs_handshake(s) {
                    self.state.handshake_s = Some(s);
                    self.state.session_lost = false;
                    return true;
                }
                return false;
            }
            TrafficProfile::Idle => (0, 0),
            TrafficProfile::Light => {
                if mix2(self.uid ^ self.seed, s / 30) % 100 < 30 {
                    (in_range(h, 200, 8_000), in_range(h >> 20, 1_000, 60_000))
                } else {
                    (0, 0)
                }
            }
            TrafficProfile::Heavy => {
                if h % 100 < 90 {
                    (
                        in_range(h >> 8, 20_000, 300_000),
                        in_range(h >> 24, 200_000, 3_000_000),
                    )
                } else {
                    (0, 0)
                }
            }
            TrafficProfile::Bursty => {
                if mix2(self.uid ^ self.seed, s / 60) % 100 < 10 {
                    (
                        in_range(h >> 8, 20_000, 1_000_000),
                        in_range(h >> 24, 500_000, 12_000_000),
                    )
                } else {
                    (0, 0)
                }
            }
        };
        // The client keeps its tunnel alive when it has nothing else to send.
        if rx == 0 && since(self.state.last_rx_s, s) >= CLIENT_KEEPALIVE_SECS {
            rx = KEEPALIVE;
        }
        if tx == 0 && self.keepalive_s > 0 && since(self.state.last_tx_s, s) >= self.keepalive_s {
            tx = KEEPALIVE;
        }
        let mut handshook = false;
        if (rx > 0 || tx > 0) && self.needs_handshake(s) {
            let (init_rx, init_tx) = if self.outbound {
                (HANDSHAKE_RESP, HANDSHAKE_INIT)
            } else {
                (HANDSHAKE_INIT, HANDSHAKE_RESP)
            };
            rx += init_rx;
            tx += init_tx;
            self.state.handshake_s = Some(s);
            self.state.session_lost = false;
            handshook = true;
        }
        if rx > 0 {
            self.rx.carry(rx);
            self.state.last_rx_s = Some(s);
        }
        if tx > 0 {
            self.tx.carry(tx);
            self.state.last_tx_s = Some(s);
        }
        handshook
    }

    /// Moves the seconds `from_s + 1 ..= to_s`; returns whether any handshake completed.
    /// Profiles with a closed form (silent, never connected, dead outbound, constant) cost
    /// O(1) however long the span, so tests can jump months; the others step each second.
    pub fn span(self, from_s: u64, to_s: u64) -> bool {
        if to_s <= from_s {
            return false;
        }
        match self.profile {
            TrafficProfile::NeverConnected | TrafficProfile::Silent => false,
            TrafficProfile::DeadOutbound => {
                let u = self.uid % RETRY_SECS;
                // Seconds s in (from, to] with (s + u) divisible by RETRY_SECS.
                let n = (to_s + u) / RETRY_SECS - (from_s + u) / RETRY_SECS;
                self.tx.carry(n * HANDSHAKE_INIT);
                false
            }
            TrafficProfile::Constant {
                rx_per_sec,
                tx_per_sec,
            } => {
                let n = to_s - from_s;
                self.rx.carry(rx_per_sec.saturating_mul(n));
                self.tx.carry(tx_per_sec.saturating_mul(n));
                if rx_per_sec + tx_per_sec == 0 {
                    return false;
                }
                let first = from_s + 1;
                let mut handshook = false;
                let mut hs = match self.state.handshake_s {
                    Some(hs) if !self.needs_handshake(first) => hs,
                    _ => {
                        handshook = true;
                        first
                    }
                };
                let more = (to_s - hs) / REKEY_SECS;
                handshook |= more > 0;
                hs += more * REKEY_SECS;
                self.state.handshake_s = Some(hs);
                self.state.session_lost = false;
                handshook
            }
            _ => {
                let Step {
                    seed,
                    uid,
                    profile,
                    outbound,
                    keepalive_s,
                    state,
                    rx,
                    tx,
                } = self;
                let mut handshook = false;
                for s in from_s + 1..=to_s {
                    handshook |= Step {
                        seed,
                        uid,
                        profile,
                        outbound,
                        keepalive_s,
                        state: &mut *state,
                        rx: &mut *rx,
                        tx: &mut *tx,
                    }
                    .second(s);
                }
                handshook
            }
        }
    }

    fn needs_handshake(&self, s: u64) -> bool {
        self.state.session_lost
            || self
                .state
                .handshake_s
                .is_none_or(|hs| s.saturating_sub(hs) >= REKEY_SECS)
    }
}

/// Seconds since `t` (huge when never).
fn since(t: Option<u64>, s: u64) -> u64 {
    t.map_or(u64::MAX, |t| s.saturating_sub(t))
}

/// The profile mix of a generated router: mostly idle/light road warriors, some heavy and bursty
/// users, some that never connected, and a few dead outbound links.
pub fn pick_profile(h: u64) -> TrafficProfile {
    match h % 100 {
        0..10 => TrafficProfile::NeverConnected,
        10..15 => TrafficProfile::DeadOutbound,
        15..45 => TrafficProfile::Idle,
        45..78 => TrafficProfile::Light,
        78..90 => TrafficProfile::Heavy,
        _ => TrafficProfile::Bursty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(profile: TrafficProfile, outbound: bool, secs: u64) -> (Counter, Counter, TrafficState) {
        let (mut rx, mut tx, mut st) = (
            Counter::default(),
            Counter::default(),
            TrafficState::default(),
        );
        for s in 1..=secs {
            Step {
                seed: 1,
                uid: 7,
                profile,
                outbound,
                keepalive_s: 0,
                state: &mut st,
                rx: &mut rx,
                tx: &mut tx,
            }
            .second(s);
        }
        (rx, tx, st)
    }

    #[test]
    fn dead_outbound_only_sends_initiations() {
        let (rx, tx, st) = run(TrafficProfile::DeadOutbound, true, 60);
        assert_eq!(rx.value, 0);
        assert_eq!(tx.value, 12 * HANDSHAKE_INIT);
        assert!(st.handshake_s.is_none());
    }

    #[test]
    fn idle_keeps_alive_and_rehandshakes() {
        let (rx, tx, st) = run(TrafficProfile::Idle, false, 250);
        assert!(rx.value > 0 && tx.value > 0);
        // Keepalives at 1, 26, 51, …; handshakes at 1, 126, 251 → last at 126 within 250 s.
        assert_eq!(st.handshake_s, Some(126));
    }

    #[test]
    fn never_connected_is_silent() {
        let (rx, tx, st) = run(TrafficProfile::NeverConnected, false, 1000);
        assert_eq!((rx.value, tx.value), (0, 0));
        assert!(st.handshake_s.is_none());
    }

    /// The closed forms agree with stepping second by second.
    #[test]
    fn spans_match_seconds() {
        for profile in [
            TrafficProfile::DeadOutbound,
            TrafficProfile::Constant {
                rx_per_sec: 7,
                tx_per_sec: 0,
            },
            TrafficProfile::Silent,
            TrafficProfile::Light,
        ] {
            for uid in [0u64, 3, u64::MAX] {
                let (mut rx, mut tx, mut st) = (
                    Counter::default(),
                    Counter::default(),
                    TrafficState::default(),
                );
                let (mut rx2, mut tx2, mut st2) = (
                    Counter::default(),
                    Counter::default(),
                    TrafficState::default(),
                );
                let mut t = 0;
                for chunk in [1u64, 4, 119, 120, 121, 500, 3] {
                    Step {
                        seed: 1,
                        uid,
                        profile,
                        outbound: true,
                        keepalive_s: 0,
                        state: &mut st,
                        rx: &mut rx,
                        tx: &mut tx,
                    }
                    .span(t, t + chunk);
                    for s in t + 1..=t + chunk {
                        Step {
                            seed: 1,
                            uid,
                            profile,
                            outbound: true,
                            keepalive_s: 0,
                            state: &mut st2,
                            rx: &mut rx2,
                            tx: &mut tx2,
                        }
                        .second(s);
                    }
                    t += chunk;
                    assert_eq!(
                        (rx.value, tx.value),
                        (rx2.value, tx2.value),
                        "{profile:?} uid {uid} at {t}"
                    );
                    assert_eq!(st.handshake_s, st2.handshake_s, "{profile:?} at {t}");
                }
            }
        }
    }

    #[test]
    fn constant_is_exact() {
        let (rx, tx, _) = run(
            TrafficProfile::Constant {
                rx_per_sec: 10,
                tx_per_sec: 3,
            },
            false,
            100,
        );
        assert_eq!((rx.value, tx.value), (1000, 300));
    }
}
