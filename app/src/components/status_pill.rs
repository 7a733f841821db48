//! StatusPill (SPEC §10): a rounded pill with a dot. Online is green with a CSS pulse;
//! offline is red with "Last seen … ago"; unknown is gray "No recent data"; never is gray
//! "Never connected".

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::format;
use crate::types::Status;

/// The pill's words for a status, given when the peer was last seen and the current instant.
pub fn status_text(status: Status, last_seen: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match status {
        Status::Online => "Online".to_owned(),
        Status::Offline => match last_seen {
            Some(at) => format!(
                "Last seen {}",
                format::ago(format::seconds_between(at, now))
            ),
            None => "Offline".to_owned(),
        },
        Status::Unknown => "No recent data".to_owned(),
        Status::Never => "Never connected".to_owned(),
    }
}

#[component]
pub fn StatusPill(
    status: Status,
    #[prop(optional)] last_seen: Option<DateTime<Utc>>,
    /// The instant "ago" is measured from; a signal so the words age while the page is open.
    #[prop(into)]
    now: Signal<DateTime<Utc>>,
) -> impl IntoView {
    let (pill, dot) = match status {
        Status::Online => (
            "bg-green-50 text-green-800 ring-green-200",
            "bg-green-500 wg-pulse",
        ),
        Status::Offline => ("bg-red-50 text-red-800 ring-red-200", "bg-red-500"),
        Status::Unknown | Status::Never => {
            ("bg-gray-100 text-gray-700 ring-gray-200", "bg-gray-400")
        }
    };
    view! {
        <span
            class=format!("inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 {pill}")
            data-status=status.as_str()
        >
            <span class=format!("h-2 w-2 rounded-full {dot}") aria-hidden="true"></span>
            {move || status_text(status, last_seen, now.get())}
        </span>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn words_per_status() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let seen = now - chrono::Duration::minutes(7);
        assert_eq!(status_text(Status::Online, Some(seen), now), "Online");
        assert_eq!(
            status_text(Status::Offline, Some(seen), now),
            "Last seen 7 min ago"
        );
        assert_eq!(status_text(Status::Offline, None, now), "Offline");
        assert_eq!(
            status_text(Status::Unknown, Some(seen), now),
            "No recent data"
        );
        assert_eq!(status_text(Status::Never, None, now), "Never connected");
    }
}
