//! Login throttling, in memory: attempts are counted (and taken back when they succeed) per source address and per
//! username over a sliding window, so neither one address trying many names nor many
//! addresses trying one name get far. A success clears that username's count. Memory is
//! bounded: each key keeps at most `limit` timestamps and each map at most `max_keys` keys,
//! dropping expired keys first and then the least recently failed one.
//!
//! In memory is enough for one process; a restart forgets the counts, which costs an attacker
//! a restart they cannot trigger.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_ip: usize,
    pub per_user: usize,
    pub window: TimeDelta,
    pub max_keys: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_ip: 10,
            per_user: 5,
            window: TimeDelta::minutes(15),
            max_keys: 10_000,
        }
    }
}

/// Too many failures: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: TimeDelta,
}

impl Limited {
    /// For the `Retry-After` header: whole seconds, at least 1.
    pub fn retry_after_secs(&self) -> i64 {
        let ms = self.retry_after.num_milliseconds();
        ((ms + 999) / 1000).max(1)
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    by_ip: Windows,
    by_user: Windows,
}

#[derive(Debug, Default)]
struct Windows(HashMap<String, VecDeque<DateTime<Utc>>>);

impl Windows {
    fn prune(&mut self, key: &str, since: DateTime<Utc>) -> usize {
        let Some(times) = self.0.get_mut(key) else {
            return 0;
        };
        while times.front().is_some_and(|t| *t <= since) {
            times.pop_front();
        }
        if times.is_empty() {
            self.0.remove(key);
            return 0;
        }
        times.len()
    }

    /// `Some(retry_after)` when `key` has `limit` failures inside the window.
    fn blocked(
        &mut self,
        key: &str,
        limit: usize,
        limits: &Limits,
        now: DateTime<Utc>,
    ) -> Option<TimeDelta> {
        if self.prune(key, now - limits.window) < limit {
            return None;
        }
        let oldest = self.0.get(key).and_then(|times| times.front().copied())?;
        Some(oldest + limits.window - now)
    }

    fn record(&mut self, key: &str, limit: usize, limits: &Limits, now: DateTime<Utc>) {
        if !self.0.contains_key(key) && self.0.len() >= limits.max_keys {
            self.make_room(now - limits.window, limits.max_keys);
        }
        let times = self.0.entry(key.to_owned()).or_default();
        times.push_back(now);
        while times.len() > limit {
            times.pop_front();
        }
    }

    fn make_room(&mut self, since: DateTime<Utc>, max_keys: usize) {
        self.0
            .retain(|_, times| times.back().is_some_and(|last| *last > since));
        if self.0.len() >= max_keys {
            // Still full after dropping the expired: forget the key idle the longest.
            let stalest = self
                .0
                .iter()
                .min_by_key(|(_, times)| times.back().copied())
                .map(|(key, _)| key.clone());
            if let Some(key) = stalest {
                self.0.remove(&key);
            }
        }
    }
}

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Admits a login attempt, or says how long to wait. An admitted attempt counts as a
    /// failure at once, so many attempts sent in parallel cannot all slip past the limit
    /// while their passwords are being checked; [`RateLimiter::succeeded`] takes it back.
    pub fn try_attempt(&self, ip: &str, user: &str, now: DateTime<Utc>) -> Result<(), Limited> {
        let limits = self.limits;
        let user = user_key(user);
        let mut state = self.state();
        let by_ip = state.by_ip.blocked(ip, limits.per_ip, &limits, now);
        let by_user = state.by_user.blocked(&user, limits.per_user, &limits, now);
        if let Some(retry_after) = by_ip.into_iter().chain(by_user).max() {
            return Err(Limited { retry_after });
        }
        state.by_ip.record(ip, limits.per_ip, &limits, now);
        state.by_user.record(&user, limits.per_user, &limits, now);
        Ok(())
    }

    /// The attempt admitted at `at` was right: the username's count is cleared and the
    /// address's entry for this attempt withdrawn. The address keeps its other failures: one
    /// right password does not license another round of guessing at other names.
    pub fn succeeded(&self, ip: &str, user: &str, at: DateTime<Utc>) {
        let mut state = self.state();
        state.by_user.0.remove(&user_key(user));
        if let Some(times) = state.by_ip.0.get_mut(ip)
            && let Some(pos) = times.iter().rposition(|t| *t == at)
        {
            times.remove(pos);
        }
    }

    #[cfg(test)]
    fn keys(&self) -> (usize, usize) {
        let state = self.state();
        (state.by_ip.0.len(), state.by_user.0.len())
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

/// Case and surrounding spaces do not make a new username to guess at.
fn user_key(user: &str) -> String {
    user.trim().to_lowercase()
}

/// The counting key for a client address. An IPv6 client usually holds a whole /64, so that
/// is what is counted; an IPv4-mapped address counts as its IPv4 address.
pub fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    #[test]
    fn per_user_limit_engages_and_slides() {
        let rl = RateLimiter::default();
        let now = t0();
        for i in 0..5 {
            let at = now + TimeDelta::minutes(i);
            assert!(rl.try_attempt(&format!("10.0.0.{i}"), "Admin ", at).is_ok());
        }
        let limited = rl
            .try_attempt("10.9.9.9", "ADMIN", now + TimeDelta::minutes(5))
            .unwrap_err();
        // The first failure leaves the window 15 min after it.
        assert_eq!(limited.retry_after, TimeDelta::minutes(10));
        assert_eq!(limited.retry_after_secs(), 600);
        assert!(
            rl.try_attempt("10.9.9.9", "other", now + TimeDelta::minutes(5))
                .is_ok()
        );
        assert!(
            rl.try_attempt("10.9.9.9", "admin", now + TimeDelta::minutes(15))
                .is_ok()
        );
    }

    #[test]
    fn per_ip_limit_engages_across_usernames() {
        let rl = RateLimiter::default();
        let now = t0();
        for i in 0..10 {
            assert!(
                rl.try_attempt("192.0.2.1", &format!("user{i}"), now)
                    .is_ok()
            );
        }
        assert!(rl.try_attempt("192.0.2.1", "fresh", now).is_err());
        assert!(rl.try_attempt("192.0.2.2", "fresh", now).is_ok());
    }

    #[test]
    fn refused_attempts_do_not_extend_the_wait() {
        let rl = RateLimiter::default();
        let now = t0();
        for _ in 0..5 {
            rl.try_attempt("192.0.2.1", "admin", now).unwrap();
        }
        for s in 1..100 {
            let _ = rl.try_attempt("192.0.2.1", "admin", now + TimeDelta::seconds(s));
        }
        assert!(
            rl.try_attempt("192.0.2.1", "admin", now + TimeDelta::minutes(15))
                .is_ok()
        );
    }

    #[test]
    fn success_clears_the_user_but_not_the_address() {
        let rl = RateLimiter::default();
        let now = t0();
        for _ in 0..4 {
            rl.try_attempt("192.0.2.1", "admin", now).unwrap();
        }
        let at = now + TimeDelta::seconds(1);
        rl.try_attempt("192.0.2.1", "admin", at).unwrap();
        assert!(rl.try_attempt("192.0.2.7", "admin", at).is_err());
        rl.succeeded("192.0.2.1", "admin", at);
        assert!(rl.try_attempt("192.0.2.7", "admin", at).is_ok());
        // 4 failures + (success withdrawn) + 6 more = 10 on the address.
        for i in 0..6 {
            rl.try_attempt("192.0.2.1", &format!("u{i}"), at).unwrap();
        }
        assert!(rl.try_attempt("192.0.2.1", "someone", at).is_err());
    }

    #[test]
    fn memory_is_bounded() {
        let rl = RateLimiter::new(Limits {
            max_keys: 50,
            ..Limits::default()
        });
        let now = t0();
        for i in 0..1000 {
            let _ = rl.try_attempt(&format!("ip{i}"), &format!("user{i}"), now);
            let _ = rl.try_attempt(&format!("ip{i}"), &format!("user{i}"), now);
        }
        let (ips, users) = rl.keys();
        assert!(ips <= 50 && users <= 50, "{ips} {users}");
    }

    #[test]
    fn ipv6_counts_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        let mapped: IpAddr = "::ffff:192.0.2.5".parse().unwrap();
        assert_eq!(ip_key(mapped), "192.0.2.5");
    }
}
