//! RouterOS durations (`last-handshake`, `uptime`, `persistent-keepalive`).
//!
//! RouterOS prints `20s`, `1m28s`, `1h21m`, `1d3h12m46s`, `2w3d`, `150ms`, `10us`; very old
//! releases print `HH:MM:SS`, optionally after a day part (`1d 02:03:04`, `3d02:03:04`). Go's
//! `time.ParseDuration` has no `d`/`w`, which is how other tools show a peer idle for a day as
//! "never"; this parser knows every unit and checks for overflow instead of wrapping.

use std::time::Duration;

const NS_PER_US: u64 = 1_000;
const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;

/// Why a duration did not parse (the caller adds router and field names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError(pub &'static str);

/// Parses a RouterOS duration. Empty input and bare numbers without a unit are errors:
/// RouterOS always prints a unit (or the clock form).
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DurationError("empty duration"));
    }
    let nanos = match text.find(':') {
        None => parse_units(text)?,
        Some(_) => {
            // The clock part starts after the last unit letter or space (`1d 02:03:04`).
            let start = text
                .rfind(|c: char| c.is_ascii_alphabetic() || c == ' ')
                .map_or(0, |i| i + 1);
            let (prefix, clock) = text.split_at(start);
            let prefix = prefix.trim();
            let days = if prefix.is_empty() {
                0
            } else {
                parse_units(prefix)?
            };
            days.checked_add(parse_clock(clock)?)
                .ok_or(DurationError("duration too large"))?
        }
    };
    Ok(Duration::from_nanos(nanos))
}

/// `1w2d3h4m5s6ms7us8ns`, each part at most once is not enforced (RouterOS never repeats one).
fn parse_units(text: &str) -> Result<u64, DurationError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    while i < bytes.len() {
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return Err(DurationError("expected a number"));
        }
        let number = parse_u64(&text[digits_start..i])?;
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let scale = match &text[unit_start..i] {
            "w" => 7 * 86_400 * NS_PER_S,
            "d" => 86_400 * NS_PER_S,
            "h" => 3_600 * NS_PER_S,
            "m" => 60 * NS_PER_S,
            "s" => NS_PER_S,
            "ms" => NS_PER_MS,
            "us" => NS_PER_US,
            "ns" => 1,
            "" => return Err(DurationError("number without a unit")),
            _ => return Err(DurationError("unknown unit")),
        };
        let part = number
            .checked_mul(scale)
            .ok_or(DurationError("duration too large"))?;
        total = total
            .checked_add(part)
            .ok_or(DurationError("duration too large"))?;
    }
    Ok(total)
}

/// `HH:MM:SS` or `HH:MM:SS.fff` (hours may exceed 23).
fn parse_clock(text: &str) -> Result<u64, DurationError> {
    let mut parts = text.split(':');
    let (Some(h), Some(m), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(DurationError("expected HH:MM:SS"));
    };
    let (s, frac) = s.split_once('.').unwrap_or((s, ""));
    let (h, m, s) = (parse_u64(h)?, parse_u64(m)?, parse_u64(s)?);
    if m >= 60 || s >= 60 {
        return Err(DurationError("minutes and seconds must be below 60"));
    }
    let mut frac_ns = 0u64;
    if !frac.is_empty() {
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DurationError("bad fraction of a second"));
        }
        frac_ns = parse_u64(frac)? * 10u64.pow(9 - frac.len() as u32);
    }
    h.checked_mul(3_600)
        .and_then(|x| x.checked_add(m * 60 + s))
        .and_then(|x| x.checked_mul(NS_PER_S))
        .and_then(|x| x.checked_add(frac_ns))
        .ok_or(DurationError("duration too large"))
}

fn parse_u64(digits: &str) -> Result<u64, DurationError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DurationError("expected a number"));
    }
    digits
        .parse()
        .map_err(|_| DurationError("number too large"))
}

/// Formats like RouterOS does (`1d3h12m46s`, `150ms`, `0s`); used by tests and log lines.
pub fn format_duration(d: Duration) -> String {
    let mut ns = d.as_nanos();
    if ns == 0 {
        return "0s".to_owned();
    }
    let units: [(&str, u128); 8] = [
        ("w", 604_800 * NS_PER_S as u128),
        ("d", 86_400 * NS_PER_S as u128),
        ("h", 3_600 * NS_PER_S as u128),
        ("m", 60 * NS_PER_S as u128),
        ("s", NS_PER_S as u128),
        ("ms", NS_PER_MS as u128),
        ("us", NS_PER_US as u128),
        ("ns", 1),
    ];
    let mut out = String::new();
    for (name, scale) in units {
        if ns >= scale {
            out.push_str(&(ns / scale).to_string());
            out.push_str(name);
            ns %= scale;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn routeros_examples() {
        assert_eq!(parse_duration("20s").unwrap(), secs(20));
        assert_eq!(parse_duration("1m28s").unwrap(), secs(88));
        assert_eq!(parse_duration("1h21m").unwrap(), secs(4860));
        assert_eq!(
            parse_duration("1d3h12m46s").unwrap(),
            secs(86_400 + 3 * 3600 + 12 * 60 + 46)
        );
        assert_eq!(parse_duration("2w3d").unwrap(), secs(17 * 86_400));
        assert_eq!(parse_duration("150ms").unwrap(), Duration::from_millis(150));
        assert_eq!(
            parse_duration("1s10us").unwrap(),
            Duration::from_micros(1_000_010)
        );
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn clock_forms() {
        assert_eq!(parse_duration("00:00:25").unwrap(), secs(25));
        assert_eq!(
            parse_duration("02:03:04").unwrap(),
            secs(2 * 3600 + 3 * 60 + 4)
        );
        assert_eq!(parse_duration("1d 02:03:04").unwrap(), secs(86_400 + 7384));
        assert_eq!(
            parse_duration("3d02:03:04").unwrap(),
            secs(3 * 86_400 + 7384)
        );
        assert_eq!(
            parse_duration("2w3d 00:00:01").unwrap(),
            secs(17 * 86_400 + 1)
        );
        assert_eq!(
            parse_duration("00:00:01.5").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_duration("100:00:00").unwrap(), secs(360_000));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            " ",
            "5x",
            "12",
            "s",
            "1h2",
            "-5s",
            "1.5s",
            "00:61:00",
            "1:2",
            "1:2:3:4",
            "ab:cd:ef",
            "1d x 00:00:01",
            "never",
            "99999999999999999999s",
            "999999999999w",
            "00:00:01.1234567890",
            "1d:",
            "5s 1d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    proptest! {
        #[test]
        fn round_trip(ns in 0u64..u64::MAX / 2) {
            let d = Duration::from_nanos(ns);
            prop_assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }

        #[test]
        fn whole_seconds_round_trip(s in 0u64..10_000_000_000) {
            let d = Duration::from_secs(s);
            prop_assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }

        #[test]
        fn never_panics(text in ".{0,40}") {
            let _ = parse_duration(&text);
        }

        #[test]
        fn never_panics_on_duration_alphabet(text in "[0-9wdhmsun: .]{0,30}") {
            let _ = parse_duration(&text);
        }
    }
}
