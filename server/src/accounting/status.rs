//! Online status (SPEC §4), judged as of the router's last successful poll, never as of "now":
//! a peer is only as online as the last thing the router told us.
//!
//! - `last_seen_at` = the later of the last handshake and the last poll at which rx moved. A
//!   peer moving traffic is seen at every poll even though WireGuard re-handshakes only every
//!   120 s, so its status does not flap between handshakes (the old rule, "handshake younger than
//!   15 s", flipped such a peer offline for most of every two minutes).
//! - Precedence: `Unknown` (the router's last successful poll is older than three poll
//!   intervals, or it was never polled: we do not guess) before `Never` (no handshake and no
//!   rx movement on record) before `Online`/`Offline`.
//! - "Older than" is strict: exactly three intervals old is still fresh. A last poll in the future
//!   of `now` (a clock step) is fresh.
//! - `Online` when `poll_time − last_seen_at <= threshold` (inclusive). A `last_seen_at` after the
//!   poll time (which the inputs should not produce) counts as online.

use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

/// A poll older than this many poll intervals makes status unknown.
pub const STALE_AFTER_INTERVALS: u32 = 3;

/// A peer's status, as the API spells it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Online,
    Offline,
    /// The router has not been polled successfully recently enough to tell.
    Unknown,
    /// Never handshaked and never moved traffic (as far as wgmik has seen).
    Never,
}

impl Status {
    /// The API name: `online`, `offline`, `unknown`, `never`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Online => "online",
            Status::Offline => "offline",
            Status::Unknown => "unknown",
            Status::Never => "never",
        }
    }
}

/// Everything status depends on; all instants are UTC and come from the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusInput {
    /// The router's last successful poll: the instant status is evaluated at.
    pub last_poll_at: Option<DateTime<Utc>>,
    /// The wall clock now, only to judge whether that poll is stale.
    pub now: DateTime<Utc>,
    /// The poll interval setting.
    pub poll_interval: Duration,
    /// The online threshold setting (default 15 s).
    pub online_threshold: Duration,
    /// The peer's last handshake as an absolute instant ([`handshake_at`]); `None` = never.
    pub last_handshake_at: Option<DateTime<Utc>>,
    /// The last poll at which the peer's rx moved; `None` = never seen moving.
    pub last_rx_moved_at: Option<DateTime<Utc>>,
}

/// The status fields the API returns for a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PeerStatus {
    pub status: Status,
    /// `None` when the status is unknown; `Some(false)` for offline and never.
    pub online: Option<bool>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub last_handshake_at: Option<DateTime<Utc>>,
    /// The router's last successful poll time.
    pub status_as_of: Option<DateTime<Utc>>,
}

/// The absolute time of the last handshake, from the age RouterOS reports at `poll_time`
/// (`None` = never). An age reaching before the earliest representable instant saturates
/// there: "longer ago than anything" is still offline, never "never".
pub fn handshake_at(poll_time: DateTime<Utc>, age: Option<Duration>) -> Option<DateTime<Utc>> {
    let age = age?;
    let at = TimeDelta::from_std(age)
        .ok()
        .and_then(|age| poll_time.checked_sub_signed(age));
    Some(at.unwrap_or(DateTime::<Utc>::MIN_UTC))
}

/// The later of two optional instants.
pub fn last_seen_at(
    last_handshake_at: Option<DateTime<Utc>>,
    last_rx_moved_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    last_handshake_at.max(last_rx_moved_at)
}

/// Whether a router's last successful poll is too old to judge status by (strictly more than
/// [`STALE_AFTER_INTERVALS`] intervals before `now`), or missing.
pub fn is_stale(
    last_poll_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    poll_interval: Duration,
) -> bool {
    let Some(last_poll_at) = last_poll_at else {
        return true;
    };
    // Negative age (a clock step backwards) fails `to_std` and counts as fresh; an interval so
    // large that three of them overflow means nothing is ever stale.
    match (
        now.signed_duration_since(last_poll_at).to_std(),
        poll_interval.checked_mul(STALE_AFTER_INTERVALS),
    ) {
        (Ok(age), Some(limit)) => age > limit,
        _ => false,
    }
}

/// Classifies a peer (see the module header for the rules and their order).
pub fn evaluate(input: &StatusInput) -> PeerStatus {
    let last_seen = last_seen_at(input.last_handshake_at, input.last_rx_moved_at);
    let status = match (input.last_poll_at, last_seen) {
        (None, _) => Status::Unknown,
        (Some(_), _) if is_stale(input.last_poll_at, input.now, input.poll_interval) => {
            Status::Unknown
        }
        (Some(_), None) => Status::Never,
        (Some(poll), Some(seen)) => match poll.signed_duration_since(seen).to_std() {
            Ok(since) if since > input.online_threshold => Status::Offline,
            _ => Status::Online,
        },
    };
    PeerStatus {
        status,
        online: match status {
            Status::Unknown => None,
            Status::Online => Some(true),
            Status::Offline | Status::Never => Some(false),
        },
        last_seen_at: last_seen,
        last_handshake_at: input.last_handshake_at,
        status_as_of: input.last_poll_at,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }
    fn at(offset_secs: i64) -> DateTime<Utc> {
        t0() + TimeDelta::seconds(offset_secs)
    }
    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// Defaults: 30 s polls, 15 s threshold; polled at t0, looked at 5 s later.
    fn input(handshake: Option<i64>, rx_moved: Option<i64>) -> StatusInput {
        StatusInput {
            last_poll_at: Some(t0()),
            now: at(5),
            poll_interval: secs(30),
            online_threshold: secs(15),
            last_handshake_at: handshake.map(at),
            last_rx_moved_at: rx_moved.map(at),
        }
    }

    #[test]
    fn table() {
        use Status::*;
        let stale = |mut i: StatusInput| {
            i.now = at(91);
            i
        };
        let exactly_three_intervals = |mut i: StatusInput| {
            i.now = at(90);
            i
        };
        let never_polled = |mut i: StatusInput| {
            i.last_poll_at = None;
            i
        };
        // (name, input, status, online, last seen in seconds after t0)
        type Case = (&'static str, StatusInput, Status, Option<bool>, Option<i64>);
        let cases: Vec<Case> = vec![
            (
                "fresh handshake",
                input(Some(-10), None),
                Online,
                Some(true),
                Some(-10),
            ),
            (
                "threshold is inclusive",
                input(Some(-15), None),
                Online,
                Some(true),
                Some(-15),
            ),
            (
                "one second past the threshold",
                input(Some(-16), None),
                Offline,
                Some(false),
                Some(-16),
            ),
            (
                "rx moved at this poll",
                input(Some(-90), Some(0)),
                Online,
                Some(true),
                Some(0),
            ),
            (
                "rx moved a poll ago",
                input(Some(-90), Some(-30)),
                Offline,
                Some(false),
                Some(-30),
            ),
            (
                "moved but never handshaked",
                input(None, Some(0)),
                Online,
                Some(true),
                Some(0),
            ),
            ("never", input(None, None), Never, Some(false), None),
            (
                "stale beats online",
                stale(input(Some(0), Some(0))),
                Unknown,
                None,
                Some(0),
            ),
            (
                "stale beats never",
                stale(input(None, None)),
                Unknown,
                None,
                None,
            ),
            (
                "exactly 3 intervals is fresh",
                exactly_three_intervals(input(Some(0), None)),
                Online,
                Some(true),
                Some(0),
            ),
            (
                "never polled",
                never_polled(input(Some(0), None)),
                Unknown,
                None,
                Some(0),
            ),
            (
                "seen after the poll (skew)",
                input(Some(3), None),
                Online,
                Some(true),
                Some(3),
            ),
        ];
        for (name, input, status, online, seen) in cases {
            let got = evaluate(&input);
            assert_eq!(got.status, status, "{name}");
            assert_eq!(got.online, online, "{name}");
            assert_eq!(got.last_seen_at, seen.map(at), "{name}");
            assert_eq!(got.last_handshake_at, input.last_handshake_at, "{name}");
            assert_eq!(got.status_as_of, input.last_poll_at, "{name}");
        }
    }

    #[test]
    fn staleness_boundary_and_clock_steps() {
        let interval = secs(30);
        assert!(is_stale(None, t0(), interval));
        assert!(!is_stale(Some(t0()), at(90), interval));
        assert!(is_stale(
            Some(t0()),
            at(90) + TimeDelta::nanoseconds(1),
            interval
        ));
        assert!(
            !is_stale(Some(at(60)), t0(), interval),
            "a poll in the future is fresh"
        );
        assert!(!is_stale(
            Some(DateTime::<Utc>::MIN_UTC),
            DateTime::<Utc>::MAX_UTC,
            Duration::MAX
        ));
        assert!(is_stale(
            Some(DateTime::<Utc>::MIN_UTC),
            DateTime::<Utc>::MAX_UTC,
            interval
        ));
    }

    #[test]
    fn handshake_at_is_poll_time_minus_age() {
        assert_eq!(handshake_at(t0(), None), None);
        assert_eq!(handshake_at(t0(), Some(secs(88))), Some(at(-88)));
        assert_eq!(
            handshake_at(t0(), Some(Duration::MAX)),
            Some(DateTime::<Utc>::MIN_UTC)
        );
        let min = DateTime::<Utc>::MIN_UTC;
        assert_eq!(handshake_at(min, Some(secs(1))), Some(min));
    }

    /// The flapping the old 15-second handshake rule had: a peer moving traffic all the time,
    /// re-handshaking every 120 s, polled every 30 s, must be online at every poll.
    #[test]
    fn busy_peer_between_handshakes_does_not_flap() {
        let mut last_handshake = None;
        for poll in 0..40_i64 {
            let poll_time = at(poll * 30);
            // Handshakes at 0, 120, 240, … s; RouterOS reports their age at each poll.
            let latest = (poll * 30) / 120 * 120;
            let age = secs(u64::try_from(poll * 30 - latest).unwrap());
            last_handshake = handshake_at(poll_time, Some(age)).max(last_handshake);
            let got = evaluate(&StatusInput {
                last_poll_at: Some(poll_time),
                now: poll_time + TimeDelta::seconds(29),
                poll_interval: secs(30),
                online_threshold: secs(15),
                last_handshake_at: last_handshake,
                last_rx_moved_at: Some(poll_time),
            });
            assert_eq!(
                got.status,
                Status::Online,
                "poll {poll}, handshake {age:?} old"
            );
        }
        // And the same peer with a 90 s old handshake and no rx movement is offline.
        assert_eq!(evaluate(&input(Some(-90), None)).status, Status::Offline);
    }

    #[test]
    fn serialises_as_the_api_spells_it() {
        for s in [
            Status::Online,
            Status::Offline,
            Status::Unknown,
            Status::Never,
        ] {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }
}
