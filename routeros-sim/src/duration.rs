//! RouterOS duration text (`20s`, `1m28s`, `1h21m`, `1d3h12m46s`, `2w3d`): how `uptime`,
//! `last-handshake` and `persistent-keepalive` are printed, and parsed back for writes.

use std::fmt::Write as _;

/// Formats whole seconds the way RouterOS prints durations: units `w d h m s`, zero units
/// skipped, `0s` for zero.
pub fn format_secs(total: u64, out: &mut String) {
    if total == 0 {
        out.push_str("0s");
        return;
    }
    let units = [
        (604_800u64, 'w'),
        (86_400, 'd'),
        (3_600, 'h'),
        (60, 'm'),
        (1, 's'),
    ];
    let mut rest = total;
    for (size, unit) in units {
        let n = rest / size;
        rest %= size;
        if n > 0 {
            // Writing to a String cannot fail.
            let _ = write!(out, "{n}{unit}");
        }
    }
}

/// Convenience wrapper returning a new `String`.
pub fn format_duration(total_secs: u64) -> String {
    let mut s = String::new();
    format_secs(total_secs, &mut s);
    s
}

/// Parses a RouterOS duration (`1d3h12m46s`, `25s`, `25`, `00:00:25`) into whole seconds.
/// Milliseconds (`500ms`) are accepted and truncated. `None` when the text is not a duration.
pub fn parse_secs(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        if parts.len() != 3 {
            return None;
        }
        let mut total = 0u64;
        for p in parts {
            total = total.checked_mul(60)?.checked_add(p.parse::<u64>().ok()?)?;
        }
        return Some(total);
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    let bytes = t.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return None;
        }
        let n: u64 = t[start..i].parse().ok()?;
        let ustart = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let mult = match &t[ustart..i] {
            "w" => 604_800,
            "d" => 86_400,
            "h" => 3_600,
            "m" => 60,
            "s" => 1,
            "ms" | "us" => 0,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(mult)?)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples_from_routeros() {
        assert_eq!(format_duration(20), "20s");
        assert_eq!(format_duration(88), "1m28s");
        assert_eq!(format_duration(3600 + 21 * 60), "1h21m");
        assert_eq!(
            format_duration(86_400 + 3 * 3600 + 12 * 60 + 46),
            "1d3h12m46s"
        );
        assert_eq!(format_duration(2 * 604_800 + 3 * 86_400), "2w3d");
        assert_eq!(format_duration(0), "0s");
        assert_eq!(parse_secs("00:01:05"), Some(65));
        assert_eq!(parse_secs("25"), Some(25));
        assert_eq!(parse_secs("1x"), None);
        assert_eq!(parse_secs(""), None);
    }

    proptest! {
        #[test]
        fn round_trips(secs in 0u64..10_000_000_000u64) {
            let text = format_duration(secs);
            prop_assert_eq!(parse_secs(&text), Some(secs));
            // Units appear at most once and in order.
            let mut last = 0usize;
            for u in ['w', 'd', 'h', 'm', 's'] {
                if let Some(pos) = text.find(u) {
                    prop_assert!(pos >= last);
                    last = pos;
                }
            }
        }
    }
}
