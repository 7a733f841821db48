//! Building an alert: its kind, the rows it concerns, the key that makes it fire once, and the
//! JSON body a receiver gets. Payloads carry names and numbers only, never a secret: the
//! router's password and the webhook secret have no field here to leak through.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::AlertKind;
use crate::db::entities::{peer, router};

/// The quota thresholds that raise an alert, in percent of the limit.
pub const QUOTA_THRESHOLDS: [u8; 2] = [80, 100];

/// An alert ready for [`super::enqueue`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub kind: AlertKind,
    pub router_id: Option<i32>,
    pub peer_id: Option<i32>,
    /// Alerts with the same key are stored once (see the `alerts` migration).
    pub dedupe_key: String,
    /// The webhook body; stored and sent exactly as serialised at enqueue time.
    pub payload: Value,
}

impl NewAlert {
    /// A peer's cycle usage reached `percent` (80 or 100) of its quota. The key holds the peer
    /// and the cycle start, so each threshold fires once per peer and cycle however often the
    /// enforcement pass sees it. Any other `percent` gives `None`: there is no such alert.
    pub fn quota_threshold(
        percent: u8,
        peer: &peer::Model,
        cycle_start: DateTime<Utc>,
        used: u64,
        limit: u64,
        at: DateTime<Utc>,
    ) -> Option<Self> {
        let kind = match percent {
            80 => AlertKind::QuotaWarning,
            100 => AlertKind::QuotaExceeded,
            _ => return None,
        };
        let cycle = rfc3339(cycle_start);
        let mut payload = base(kind, at);
        payload["peer"] = peer_json(peer);
        payload["percent"] = json!(percent);
        payload["used_bytes"] = json!(used);
        payload["limit_bytes"] = json!(limit);
        payload["cycle_start"] = json!(cycle);
        Some(Self {
            kind,
            router_id: Some(peer.router_id),
            peer_id: Some(peer.id),
            dedupe_key: format!("{kind}:{}:{cycle}", peer.id),
            payload,
        })
    }

    /// A peer was disabled (`enabled == false`) or enabled on its router. `reason` is why
    /// (`quota`, `manual`, `reset`, …) and `actor` who (`system` or the admin's name).
    pub fn peer_action(
        enabled: bool,
        peer: &peer::Model,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Self {
        let kind = if enabled {
            AlertKind::PeerEnabled
        } else {
            AlertKind::PeerDisabled
        };
        let mut payload = base(kind, at);
        payload["peer"] = peer_json(peer);
        payload["reason"] = json!(reason);
        payload["actor"] = json!(actor);
        Self {
            kind,
            router_id: Some(peer.router_id),
            peer_id: Some(peer.id),
            dedupe_key: event_key(kind, peer.id, at),
            payload,
        }
    }

    /// A router was declared down after `failures` failed polls in a row; `error` is the last
    /// poll error as shown to admins (already free of secrets).
    pub fn router_down(
        router: &router::Model,
        failures: i32,
        error: Option<&str>,
        last_success_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Self {
        let kind = AlertKind::RouterDown;
        let mut payload = base(kind, at);
        payload["router"] = router_json(router);
        payload["consecutive_failures"] = json!(failures);
        payload["error"] = json!(error);
        payload["last_success_at"] = json!(last_success_at.map(rfc3339));
        Self {
            kind,
            router_id: Some(router.id),
            peer_id: None,
            dedupe_key: event_key(kind, router.id, at),
            payload,
        }
    }

    /// A router that was declared down answered a poll again.
    pub fn router_up(router: &router::Model, at: DateTime<Utc>) -> Self {
        let kind = AlertKind::RouterUp;
        let mut payload = base(kind, at);
        payload["router"] = router_json(router);
        Self {
            kind,
            router_id: Some(router.id),
            peer_id: None,
            dedupe_key: event_key(kind, router.id, at),
            payload,
        }
    }
}

/// The thresholds of [`QUOTA_THRESHOLDS`] that `used` has reached against `limit`: a
/// threshold counts as reached at exactly that share (`used * 100 >= limit * percent`).
/// Computed in u128 so no byte count can overflow. A zero limit is reached by any usage.
pub fn thresholds_reached(used: u64, limit: u64) -> impl Iterator<Item = u8> {
    QUOTA_THRESHOLDS
        .into_iter()
        .filter(move |&percent| u128::from(used) * 100 >= u128::from(limit) * u128::from(percent))
}

fn base(kind: AlertKind, at: DateTime<Utc>) -> Value {
    json!({ "event": kind.as_str(), "at": rfc3339(at) })
}

fn peer_json(peer: &peer::Model) -> Value {
    json!({
        "id": peer.id,
        "router_id": peer.router_id,
        "interface": peer.interface,
        "public_key": peer.public_key,
        "name": peer.name,
    })
}

fn router_json(router: &router::Model) -> Value {
    json!({ "id": router.id, "name": router.name })
}

/// Events that may legitimately repeat (a peer disabled twice, a router down twice) are keyed
/// by their instant to the nanosecond, so only a true duplicate of the same event collides.
fn event_key(kind: AlertKind, id: i32, at: DateTime<Utc>) -> String {
    format!(
        "{kind}:{id}:{}",
        at.to_rfc3339_opts(SecondsFormat::Nanos, true)
    )
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::TimeZone;

    use super::*;

    fn peer() -> peer::Model {
        peer::Model {
            id: 7,
            router_id: 2,
            interface: "wg0".into(),
            public_key: "PUBKEY=".into(),
            ros_id: Some("*7".into()),
            name: Some("laptop".into()),
            comment: None,
            allowed_address: None,
            endpoint_address: None,
            tracked: true,
            disabled: false,
            dynamic: false,
            missing_on_router: false,
            first_seen_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            last_listed_at: None,
            display_name: None,
            disabled_reason: None,
            quota_disabled_cycle: None,
            quota_exempt_until: None,
            drift: None,
            drift_since: None,
        }
    }

    #[test]
    fn quota_alert_keys_by_peer_and_cycle() {
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let at = start + chrono::TimeDelta::days(3);
        let a = NewAlert::quota_threshold(80, &peer(), start, 800, 1000, at).unwrap();
        assert_eq!(a.kind, AlertKind::QuotaWarning);
        assert_eq!(a.dedupe_key, "quota_80:7:2026-11-01T00:00:00Z");
        assert_eq!(a.payload["event"], "quota_80");
        assert_eq!(a.payload["peer"]["public_key"], "PUBKEY=");
        assert_eq!(a.payload["used_bytes"], 800);
        let later = NewAlert::quota_threshold(
            80,
            &peer(),
            start,
            900,
            1000,
            at + chrono::TimeDelta::hours(1),
        )
        .unwrap();
        assert_eq!(a.dedupe_key, later.dedupe_key);
        assert!(NewAlert::quota_threshold(50, &peer(), start, 1, 2, at).is_none());
    }

    #[test]
    fn thresholds() {
        assert_eq!(thresholds_reached(799, 1000).count(), 0);
        assert_eq!(thresholds_reached(800, 1000).collect::<Vec<_>>(), [80]);
        assert_eq!(
            thresholds_reached(1000, 1000).collect::<Vec<_>>(),
            [80, 100]
        );
        assert_eq!(thresholds_reached(u64::MAX, u64::MAX).count(), 2);
    }
}
