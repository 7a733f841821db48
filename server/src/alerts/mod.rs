//! Alerts (issue #5): webhook notifications when a peer crosses 80 % or 100 % of its quota,
//! is disabled or re-enabled, and when a router goes down or comes back.
//!
//! Whoever detects an event calls [`enqueue`] (inside its own transaction if it has one); the
//! row lands in the `alerts` outbox and `scheduler::alerts` delivers it later, signed with
//! [`signature`]. Detection never waits on a webhook receiver, so alerts never slow polling,
//! and an alert is not lost when the receiver is down: it is retried with back-off.

pub mod new_alert;
pub mod outbox;
pub mod router_state;
pub mod signature;

pub use new_alert::{NewAlert, QUOTA_THRESHOLDS, thresholds_reached};
pub use outbox::{enqueue, recent};

/// What happened. The names are part of the webhook contract: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertKind {
    /// The peer's cycle usage reached 80 % of its quota.
    QuotaWarning,
    /// The peer's cycle usage reached 100 % of its quota.
    QuotaExceeded,
    PeerDisabled,
    PeerEnabled,
    /// The router failed [`router_state::DOWN_AFTER_FAILURES`] polls in a row.
    RouterDown,
    /// The first successful poll of a router that was declared down.
    RouterUp,
}

impl AlertKind {
    pub const ALL: [Self; 6] = [
        Self::QuotaWarning,
        Self::QuotaExceeded,
        Self::PeerDisabled,
        Self::PeerEnabled,
        Self::RouterDown,
        Self::RouterUp,
    ];

    /// The stable event name: the payload's `event`, the `X-Wgmik-Event` header, the `kind`
    /// column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::QuotaWarning => "quota_80",
            Self::QuotaExceeded => "quota_100",
            Self::PeerDisabled => "peer_disabled",
            Self::PeerEnabled => "peer_enabled",
            Self::RouterDown => "router_down",
            Self::RouterUp => "router_up",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl std::fmt::Display for AlertKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an alert's delivery stands (the `status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertStatus {
    /// Waiting for its first or next attempt (`next_attempt_at`).
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt failed; kept so the failure stays visible.
    Failed,
    /// No webhook URL was configured when it was due: kept as a record, never sent.
    NoUrl,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::NoUrl => "no_url",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed, Self::NoUrl]
            .into_iter()
            .find(|status| status.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in AlertKind::ALL {
            assert_eq!(AlertKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AlertKind::parse("quota_50"), None);
        assert_eq!(AlertStatus::parse("no_url"), Some(AlertStatus::NoUrl));
    }
}
