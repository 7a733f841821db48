//! The peer page's tables: raw samples of the last 24 hours (newest first, at most 200),
//! counter-reset events with their cause, and this peer's actions from the audit log.
//!
//! Read-only, so rendered on the server only: `peer_detail` sends the HTML, and the page sets
//! it (the browser carries neither this code nor decoders for its rows). "… ago" is as of the
//! page's last refresh (every ten seconds).

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::api::peer::{ActionInfo, ResetInfo, SAMPLE_ROWS, SampleInfo};
use crate::components::bytes::Bytes;
use crate::components::card::Card;
use crate::format;

const TH: &str = "py-2 pr-4 text-xs font-medium text-gray-500";
const TD: &str = "whitespace-nowrap py-1.5 pr-4";

/// A counter reset's cause in words.
pub fn reset_cause(cause: &str) -> String {
    match cause {
        "router_reboot" => "Router rebooted".to_owned(),
        "peer_reset" => {
            "Peer counters reset (re-created, re-enabled or interface toggled)".to_owned()
        }
        other => other.replace('_', " "),
    }
}

/// An action's outcome in words.
pub fn action_result(result: &str) -> &'static str {
    match result {
        "ok" => "done",
        "failed" => "failed",
        "dry_run" => "monitor mode: not done",
        "observed" => "observed",
        _ => "unknown",
    }
}

/// What the tables show.
pub struct HistoryData {
    pub timezone: String,
    pub samples: Vec<SampleInfo>,
    pub resets: Vec<ResetInfo>,
    pub actions: Vec<ActionInfo>,
    /// The instant "… ago" is counted to.
    pub now: DateTime<Utc>,
}

/// The tables as HTML, for the page to set.
pub fn history_html(data: HistoryData) -> String {
    crate::components::server_html::render(move || view! { <PeerHistory data=data /> })
}

#[component]
fn PeerHistory(data: HistoryData) -> impl IntoView {
    let now = data.now;
    let tz = data.timezone.clone();
    let time = {
        let tz = tz.clone();
        move |at: DateTime<Utc>| format::local_time(at, &tz)
    };
    let samples = data.samples.len();
    let sample_rows = data
        .samples
        .into_iter()
        .map(|s| {
            let handshake = s.last_handshake_at.map(|at| format::local_time(at, &tz));
            view! {
                <tr>
                    <td class=TD>{time(s.at)}</td>
                    <td class=TD><Bytes value=s.delta_tx /></td>
                    <td class=TD><Bytes value=s.delta_rx /></td>
                    <td class=format!("{TD} tabular-nums text-gray-500")>{s.tx_counter.to_string()}</td>
                    <td class=format!("{TD} tabular-nums text-gray-500")>{s.rx_counter.to_string()}</td>
                    <td class=format!("{TD} text-gray-500")>{handshake.unwrap_or_else(|| "—".to_owned())}</td>
                </tr>
            }
        })
        .collect_view();
    let reset_rows = data
        .resets
        .iter()
        .map(|r| {
            let at = r.at;
            view! {
                <li data-reset-id=r.id.to_string() class="py-2 text-sm">
                    <span class="font-medium text-gray-900">{reset_cause(&r.cause)}</span>
                    <span class="text-gray-500">
                        {format!(" · {} · ", time(at))}
                        {format::ago(format::seconds_between(at, now))}
                    </span>
                </li>
            }
        })
        .collect_view();
    let action_rows = data
        .actions
        .iter()
        .map(|a| {
            view! {
                <tr data-action-id=a.id.to_string()>
                    <td class=TD>{time(a.at)}</td>
                    <td class=TD>{a.action.replace('_', " ")}</td>
                    <td class=TD>{a.reason.replace('_', " ")}</td>
                    <td class=TD>{a.actor.clone()}</td>
                    <td class=TD>{action_result(&a.result)}</td>
                    <td class="py-1.5 pr-4 text-red-700">{a.error.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let no_resets = data.resets.is_empty();
    let no_actions = data.actions.is_empty();
    view! {
        <div class="grid grid-cols-1 gap-6 lg:grid-cols-2">
            <Card>
                <h2 class="text-base font-semibold text-gray-900">"Counter resets"</h2>
                <p class="text-sm text-gray-500">"When the router's counters went down; the bytes counted since are kept."</p>
                <ul id="reset-events" class="mt-2 divide-y divide-gray-100">{reset_rows}</ul>
                {no_resets.then(|| view! { <p class="mt-2 text-sm text-gray-500">"No counter reset seen."</p> })}
            </Card>
            <Card>
                <h2 class="text-base font-semibold text-gray-900">"Actions"</h2>
                <div class="mt-2 overflow-x-auto">
                    <table id="peer-actions" class="min-w-full text-left text-sm">
                        <thead class="border-b border-gray-200">
                            <tr>
                                <th scope="col" class=TH>"Time"</th>
                                <th scope="col" class=TH>"Action"</th>
                                <th scope="col" class=TH>"Reason"</th>
                                <th scope="col" class=TH>"By"</th>
                                <th scope="col" class=TH>"Result"</th>
                                <th scope="col" class=TH>"Error"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-gray-100">{action_rows}</tbody>
                    </table>
                </div>
                {no_actions.then(|| view! { <p class="mt-2 text-sm text-gray-500">"No action recorded."</p> })}
            </Card>
        </div>
        <Card>
            <h2 class="text-base font-semibold text-gray-900">"Raw samples, last 24 hours"</h2>
            <p class="text-sm text-gray-500">
                {format!(
                    "Newest first, at most {SAMPLE_ROWS}; {samples} shown. A sample is written when a counter or the handshake moved."
                )}
            </p>
            <div class="mt-2 max-h-96 overflow-auto">
                <table id="raw-samples" class="min-w-full text-left text-sm">
                    <thead class="sticky top-0 border-b border-gray-200 bg-white">
                        <tr>
                            <th scope="col" class=TH>"Time"</th>
                            <th scope="col" class=TH>"Download (to peer)"</th>
                            <th scope="col" class=TH>"Upload (from peer)"</th>
                            <th scope="col" class=TH title="The router's tx counter">"Counter tx"</th>
                            <th scope="col" class=TH title="The router's rx counter">"Counter rx"</th>
                            <th scope="col" class=TH>"Last handshake"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-gray-100">{sample_rows}</tbody>
                </table>
            </div>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_and_results_read_in_words() {
        assert_eq!(reset_cause("router_reboot"), "Router rebooted");
        assert!(reset_cause("peer_reset").starts_with("Peer counters reset"));
        assert_eq!(reset_cause("odd_thing"), "odd thing");
        assert_eq!(action_result("dry_run"), "monitor mode: not done");
        assert_eq!(action_result("ok"), "done");
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    /// The page sets this HTML as `inner_html`: what a router or an actor name says must
    /// arrive as text, never as markup.
    #[test]
    fn history_html_shows_rows_and_escapes_their_text() {
        let html = history_html(HistoryData {
            timezone: "Europe/Berlin".into(),
            samples: vec![SampleInfo {
                at: at("2026-11-30T13:05:00Z"),
                rx_counter: 10,
                tx_counter: 20,
                delta_rx: 1_500,
                delta_tx: 2_000_000,
                last_handshake_at: None,
            }],
            resets: vec![],
            actions: vec![ActionInfo {
                id: 7,
                at: at("2026-11-30T12:00:00Z"),
                action: "disable".into(),
                reason: "manual".into(),
                actor: "<script>alert(1)</script>".into(),
                result: "failed".into(),
                error: Some("router said \"no\" & <b>bye</b>".into()),
            }],
            now: at("2026-11-30T14:00:00Z"),
        });
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("&amp; &lt;b&gt;bye&lt;/b&gt;"), "{html}");
        assert!(html.contains(r#"data-action-id="7""#), "{html}");
        // Local time in the configured zone, the sample's bytes, and the empty resets list.
        assert!(html.contains("2026-11-30 14:05"), "{html}");
        assert!(html.contains("2.00 MB"), "{html}");
        assert!(html.contains("No counter reset seen."), "{html}");
        assert!(html.contains(">failed<"), "{html}");
    }
}
