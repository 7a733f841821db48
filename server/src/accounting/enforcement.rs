//! What enforcement does with one tracked peer after a poll (SPEC §5), as a pure decision over
//! what the router just showed and what wgmik intends. The caller performs the router write
//! and records the action; keeping the rules here makes each case a unit test.
//!
//! Rules, in words:
//! - A peer disabled by hand (`manual`) is never touched; found enabled on the router it is
//!   shown as drift.
//! - Over its limit and enabled on the router: `auto-disable` disables it (reason `quota`);
//!   `monitor` records "would disable" and writes nothing.
//! - Disabled for `quota`: once a later cycle has begun it is re-enabled when "re-enable at
//!   reset" is on; within the same cycle it is re-enabled when it is no longer over its limit
//!   (the admin raised the quota or made it unlimited). Re-enabling only undoes wgmik's own
//!   action, so it happens in `monitor` mode too: switching modes never strands a peer.
//! - Disabled for `quota` but found enabled on the router while still over its limit: drift,
//!   corrected by disabling it again (`auto-disable`) or shown (`monitor`).
//! - A peer the router already shows in the wanted state is never written.

use chrono::{DateTime, Utc};

/// The peer as the router showed it in the poll just committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterSide {
    Enabled,
    Disabled,
    /// Tracked but no longer listed by the router.
    Missing,
}

/// Why wgmik holds a peer disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisabledReason {
    Quota,
    Manual,
}

impl DisabledReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quota => "quota",
            Self::Manual => "manual",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "quota" => Some(Self::Quota),
            "manual" => Some(Self::Manual),
            _ => None,
        }
    }
}

/// Router state that differs from wgmik's intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drift {
    /// Held disabled (quota or manual) but enabled on the router.
    EnabledOnRouter,
    /// Tracked but deleted on the router.
    MissingOnRouter,
}

impl Drift {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EnabledOnRouter => "enabled_on_router",
            Self::MissingOnRouter => "missing_on_router",
        }
    }
}

/// Why a peer is enabled again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnableReason {
    /// A new billing cycle began.
    Reset,
    /// Within the cycle, the peer is no longer over its (raised or removed) limit.
    QuotaRaised,
}

impl EnableReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::QuotaRaised => "quota_raised",
        }
    }
}

/// Everything the decision needs about one peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerFacts {
    pub router: RouterSide,
    pub reason: Option<DisabledReason>,
    /// Cycle usage (in the quota's direction) is above the limit.
    pub over_limit: bool,
    /// An admin enabled it by hand this cycle while over its limit.
    pub exempt: bool,
    /// Start of the cycle in which wgmik disabled it for quota.
    pub quota_disabled_cycle: Option<DateTime<Utc>>,
}

/// The settings and cycle in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub auto_disable: bool,
    pub reenable_at_reset: bool,
    pub cycle_start: DateTime<Utc>,
}

/// What to do with the peer now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Nothing,
    /// Write `disabled=yes`; `correcting_drift` when it was quota-disabled and found enabled.
    Disable {
        correcting_drift: bool,
    },
    /// `monitor` mode: record that it would be disabled (once per cycle).
    WouldDisable,
    /// Write `disabled=no` and forget the quota reason.
    Enable(EnableReason),
    /// The router already shows it enabled and nothing holds it disabled any more: forget
    /// the quota reason without writing.
    ClearReason,
}

pub fn decide(peer: &PeerFacts, policy: &Policy) -> Decision {
    let must_cut = peer.over_limit && !peer.exempt;
    match (peer.router, peer.reason) {
        (RouterSide::Missing, _) | (_, Some(DisabledReason::Manual)) => Decision::Nothing,
        (RouterSide::Disabled, Some(DisabledReason::Quota)) => {
            let new_cycle = peer
                .quota_disabled_cycle
                .is_none_or(|cycle| cycle < policy.cycle_start);
            if must_cut {
                Decision::Nothing
            } else if new_cycle {
                if policy.reenable_at_reset {
                    Decision::Enable(EnableReason::Reset)
                } else {
                    Decision::Nothing
                }
            } else {
                Decision::Enable(EnableReason::QuotaRaised)
            }
        }
        (RouterSide::Enabled, Some(DisabledReason::Quota)) => {
            if !must_cut {
                Decision::ClearReason
            } else if policy.auto_disable {
                Decision::Disable {
                    correcting_drift: true,
                }
            } else {
                Decision::Nothing
            }
        }
        (RouterSide::Enabled, None) if must_cut => {
            if policy.auto_disable {
                Decision::Disable {
                    correcting_drift: false,
                }
            } else {
                Decision::WouldDisable
            }
        }
        (RouterSide::Enabled | RouterSide::Disabled, None) => Decision::Nothing,
    }
}

/// The drift to show on the peer after this poll, before any correction.
pub fn drift(peer: &PeerFacts) -> Option<Drift> {
    match (peer.router, peer.reason) {
        (RouterSide::Missing, _) => Some(Drift::MissingOnRouter),
        (RouterSide::Enabled, Some(DisabledReason::Manual)) => Some(Drift::EnabledOnRouter),
        (RouterSide::Enabled, Some(DisabledReason::Quota)) if peer.over_limit && !peer.exempt => {
            Some(Drift::EnabledOnRouter)
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cycle(month: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, 1, 0, 0, 0).unwrap()
    }

    fn policy(auto_disable: bool) -> Policy {
        Policy {
            auto_disable,
            reenable_at_reset: true,
            cycle_start: cycle(11),
        }
    }

    fn peer(router: RouterSide, reason: Option<DisabledReason>, over_limit: bool) -> PeerFacts {
        PeerFacts {
            router,
            reason,
            over_limit,
            exempt: false,
            quota_disabled_cycle: reason
                .filter(|r| *r == DisabledReason::Quota)
                .map(|_| cycle(11)),
        }
    }

    use DisabledReason::{Manual, Quota};
    use RouterSide::{Disabled, Enabled, Missing};

    #[test]
    fn over_limit_and_enabled_is_disabled_once() {
        let p = peer(Enabled, None, true);
        assert_eq!(
            decide(&p, &policy(true)),
            Decision::Disable {
                correcting_drift: false
            }
        );
        // Afterwards the router shows it disabled for quota: nothing more is written.
        assert_eq!(
            decide(&peer(Disabled, Some(Quota), true), &policy(true)),
            Decision::Nothing
        );
    }

    #[test]
    fn monitor_mode_only_records() {
        assert_eq!(
            decide(&peer(Enabled, None, true), &policy(false)),
            Decision::WouldDisable
        );
        assert_eq!(
            decide(&peer(Enabled, None, false), &policy(false)),
            Decision::Nothing
        );
    }

    #[test]
    fn under_limit_or_already_disabled_is_left_alone() {
        for p in [
            peer(Enabled, None, false),
            peer(Disabled, None, true),
            peer(Disabled, None, false),
        ] {
            assert_eq!(decide(&p, &policy(true)), Decision::Nothing, "{p:?}");
        }
    }

    #[test]
    fn manual_disables_are_never_touched() {
        for over in [false, true] {
            for side in [Enabled, Disabled, Missing] {
                let p = peer(side, Some(Manual), over);
                assert_eq!(decide(&p, &policy(true)), Decision::Nothing);
            }
        }
        assert_eq!(
            drift(&peer(Enabled, Some(Manual), false)),
            Some(Drift::EnabledOnRouter)
        );
    }

    #[test]
    fn a_new_cycle_re_enables_quota_disabled_peers() {
        let mut p = peer(Disabled, Some(Quota), false);
        p.quota_disabled_cycle = Some(cycle(10));
        assert_eq!(
            decide(&p, &policy(true)),
            Decision::Enable(EnableReason::Reset)
        );
        // Also in monitor mode: it undoes wgmik's own action.
        assert_eq!(
            decide(&p, &policy(false)),
            Decision::Enable(EnableReason::Reset)
        );
        let keep = Policy {
            reenable_at_reset: false,
            ..policy(true)
        };
        assert_eq!(decide(&p, &keep), Decision::Nothing);
    }

    #[test]
    fn a_raised_quota_re_enables_within_the_cycle() {
        let p = peer(Disabled, Some(Quota), false);
        assert_eq!(
            decide(&p, &policy(true)),
            Decision::Enable(EnableReason::QuotaRaised)
        );
    }

    #[test]
    fn quota_drift_is_corrected_in_auto_mode_and_shown_in_monitor() {
        let p = peer(Enabled, Some(Quota), true);
        assert_eq!(drift(&p), Some(Drift::EnabledOnRouter));
        assert_eq!(
            decide(&p, &policy(true)),
            Decision::Disable {
                correcting_drift: true
            }
        );
        assert_eq!(decide(&p, &policy(false)), Decision::Nothing);
        // Enabled on the router after the reset: nothing holds it any more.
        let mut later = peer(Enabled, Some(Quota), false);
        later.quota_disabled_cycle = Some(cycle(10));
        assert_eq!(decide(&later, &policy(true)), Decision::ClearReason);
        assert_eq!(drift(&later), None);
    }

    #[test]
    fn a_manual_enable_exempts_the_peer_for_the_cycle() {
        let mut p = peer(Enabled, None, true);
        p.exempt = true;
        assert_eq!(decide(&p, &policy(true)), Decision::Nothing);
    }

    #[test]
    fn missing_peers_are_drift_and_never_written() {
        let p = peer(Missing, Some(Quota), true);
        assert_eq!(decide(&p, &policy(true)), Decision::Nothing);
        assert_eq!(drift(&p), Some(Drift::MissingOnRouter));
    }
}
