//! How numbers and instants read on the page: bytes in decimal units (GB = 10^9, as quotas
//! are counted), "time ago", and wall-clock times in the configured IANA timezone. Pure
//! functions, the same on the server and in the browser, so hydration sees the same text.

use chrono::{DateTime, Utc};

/// `1.23 GB` style: decimal units, three significant digits, exact bytes below 1 kB.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = 0;
    value /= 1000.0;
    while value >= 999.995 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {}", UNITS[unit])
}

/// Exact bytes with thousands separators, for the hover title: `1,234,567 bytes`.
pub fn exact_bytes(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 6);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out.push_str(if n == 1 { " byte" } else { " bytes" });
    out
}

/// "just now", "45 s ago", "12 min ago", "3 h ago", "5 d ago" for an instant `seconds` in the
/// past; a future instant (clock skew) reads "just now".
pub fn ago(seconds: i64) -> String {
    match seconds {
        i64::MIN..=4 => "just now".to_owned(),
        5..=59 => format!("{seconds} s ago"),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

/// Seconds from `then` to `now`.
pub fn seconds_between(then: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - then).num_seconds()
}

/// The current instant: the system clock on the server, `Date.now()` in the browser.
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "hydrate")]
    {
        let millis = js_sys::Date::now() as i64;
        DateTime::from_timestamp_millis(millis).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Utc::now()
    }
}

/// `2026-11-30 14:05` in the IANA timezone `tz`; UTC (marked) when the name is unknown.
pub fn local_time(at: DateTime<Utc>, tz: &str) -> String {
    local_parts(at, tz)
        .map(|(date, time)| format!("{date} {time}"))
        .unwrap_or_else(|| format!("{} {} UTC", utc_date(at), utc_minute(at)))
}

/// `2026-11-30` in the IANA timezone `tz`.
pub fn local_date(at: DateTime<Utc>, tz: &str) -> String {
    local_parts(at, tz)
        .map(|(date, _)| date)
        .unwrap_or_else(|| utc_date(at))
}

// The UTC fallbacks are written out rather than through `DateTime::format`, whose pattern
// parser and formatter would otherwise be in the browser's bundle for an error path alone.
fn utc_date(at: DateTime<Utc>) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", at.year(), at.month(), at.day())
}

fn utc_minute(at: DateTime<Utc>) -> String {
    use chrono::Timelike;
    format!("{:02}:{:02}", at.hour(), at.minute())
}

#[cfg(not(feature = "hydrate"))]
fn local_parts(at: DateTime<Utc>, tz: &str) -> Option<(String, String)> {
    let zone: chrono_tz::Tz = tz.parse().ok()?;
    let local = at.with_timezone(&zone);
    Some((
        local.format("%Y-%m-%d").to_string(),
        local.format("%H:%M").to_string(),
    ))
}

/// The browser's own timezone database (Intl), so the bundle carries none.
#[cfg(feature = "hydrate")]
fn local_parts(at: DateTime<Utc>, tz: &str) -> Option<(String, String)> {
    use js_sys::{Array, Intl, Object, Reflect};
    use leptos::wasm_bindgen::JsValue;

    let options = Object::new();
    let set = |key: &str, value: &str| {
        Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value)).is_ok()
    };
    let ok = set("timeZone", tz)
        && set("year", "numeric")
        && set("month", "2-digit")
        && set("day", "2-digit")
        && set("hour", "2-digit")
        && set("minute", "2-digit")
        && set("hourCycle", "h23");
    if !ok {
        return None;
    }
    let locales = Array::of1(&JsValue::from_str("en-US"));
    // The zone name was validated against the IANA database when the setting was saved.
    let format = Intl::DateTimeFormat::new(&locales, &options);
    let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
    let parts = format.format_to_parts(&date);
    let mut found = std::collections::HashMap::new();
    for part in parts.iter() {
        let kind = Reflect::get(&part, &JsValue::from_str("type"))
            .ok()?
            .as_string()?;
        let value = Reflect::get(&part, &JsValue::from_str("value"))
            .ok()?
            .as_string()?;
        found.insert(kind, value);
    }
    let get = |key: &str| found.get(key).cloned();
    Some((
        format!("{}-{}-{}", get("year")?, get("month")?, get("day")?),
        format!("{}:{}", get("hour")?, get("minute")?),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bytes_use_decimal_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1000), "1.00 kB");
        assert_eq!(bytes(1_234_567), "1.23 MB");
        assert_eq!(bytes(999_999_999), "1.00 GB");
        assert_eq!(bytes(10_000_000_000), "10.0 GB");
        assert_eq!(bytes(250_000_000_000), "250 GB");
        assert_eq!(bytes(u64::MAX), "18.4 EB");
    }

    #[test]
    fn exact_bytes_group_thousands() {
        assert_eq!(exact_bytes(1), "1 byte");
        assert_eq!(exact_bytes(999), "999 bytes");
        assert_eq!(exact_bytes(1_000), "1,000 bytes");
        assert_eq!(exact_bytes(1_234_567_890), "1,234,567,890 bytes");
    }

    #[test]
    fn ago_reads_in_the_largest_whole_unit() {
        assert_eq!(ago(-30), "just now");
        assert_eq!(ago(4), "just now");
        assert_eq!(ago(45), "45 s ago");
        assert_eq!(ago(60), "1 min ago");
        assert_eq!(ago(3599), "59 min ago");
        assert_eq!(ago(7200), "2 h ago");
        assert_eq!(ago(86_400 * 3 + 5), "3 d ago");
    }

    #[test]
    fn local_time_follows_the_zone_across_dst() {
        let winter = DateTime::parse_from_rfc3339("2026-01-15T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let summer = DateTime::parse_from_rfc3339("2026-07-15T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_time(winter, "Europe/Berlin"), "2026-01-15 13:00");
        assert_eq!(local_time(summer, "Europe/Berlin"), "2026-07-15 14:00");
        assert_eq!(local_date(winter, "Pacific/Chatham"), "2026-01-16");
        assert_eq!(local_time(winter, "Not/AZone"), "2026-01-15 12:00 UTC");
        let early = DateTime::parse_from_rfc3339("2026-02-05T03:07:09Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_time(early, "Not/AZone"), "2026-02-05 03:07 UTC");
        assert_eq!(local_date(early, "Not/AZone"), "2026-02-05");
    }
}
