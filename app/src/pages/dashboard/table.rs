//! The dashboard's peer table: tracked peers one server-side page at a time (100 rows), with a
//! debounced search, a status filter and a sort. The controls sit outside the `Transition`, so
//! a refresh never touches what the admin typed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::api::dashboard::{PeerQuery, PeerRows, peer_table};
use crate::components::bytes::Bytes;
use crate::components::card::Card;
use crate::components::shimmer::Shimmer;
use crate::components::status_pill::StatusPill;
use crate::components::usage_bar::UsageBar;
use crate::resource::resource;
use crate::types::{PeerInfo, Status};

/// Typing waits this long for the next key before the table asks the server.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(150);

const CONTROL: &str = "mt-1 block w-full rounded border border-gray-300 bg-white px-3 py-2 text-sm text-gray-900 shadow-sm focus:border-gray-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300";
const LABEL: &str = "block text-xs font-medium text-gray-700";
const PAGER: &str = "rounded border border-gray-300 bg-white px-3 py-1.5 text-sm text-gray-700 shadow-sm transition hover:bg-gray-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 disabled:opacity-50";

/// The sort keys of `GET /api/peers` and their names on the page.
const SORTS: [(&str, &str); 8] = [
    ("total", "Cycle total"),
    ("download", "Download"),
    ("upload", "Upload"),
    ("quota", "Quota used"),
    ("last_seen", "Last seen"),
    ("status", "Status"),
    ("name", "Name"),
    ("id", "Added"),
];

const STATUSES: [(&str, &str); 5] = [
    ("", "All"),
    ("online", "Online"),
    ("offline", "Offline"),
    ("unknown", "No recent data"),
    ("never", "Never connected"),
];

/// The disabled badge's words: why wgmik holds the peer disabled.
pub fn disabled_text(reason: Option<&str>) -> String {
    match reason {
        Some("quota") => "Disabled: over quota".to_owned(),
        Some("manual") => "Disabled by hand".to_owned(),
        Some(other) if !other.is_empty() => format!("Disabled: {other}"),
        _ => "Disabled".to_owned(),
    }
}

/// The StatusPill, with "last seen" only when the peer was ever seen.
pub fn status_pill(
    status: Status,
    last_seen: Option<DateTime<Utc>>,
    now: RwSignal<DateTime<Utc>>,
) -> AnyView {
    match last_seen {
        Some(at) => view! { <StatusPill status=status last_seen=at now=now /> }.into_any(),
        None => view! { <StatusPill status=status now=now /> }.into_any(),
    }
}

#[component]
pub fn PeerTableSection(tick: ReadSignal<u64>, now: RwSignal<DateTime<Utc>>) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let sort = RwSignal::new("total".to_owned());
    let order = RwSignal::new("desc".to_owned());
    let page = RwSignal::new(1_u64);
    let typed = StoredValue::new(0_u64);

    let table = resource(
        move || {
            (
                tick.get(),
                PeerQuery {
                    q: search.get(),
                    status: status.get(),
                    sort: sort.get(),
                    order: order.get(),
                    page: page.get(),
                },
            )
        },
        |(_, query)| peer_table(query),
    );

    let on_search = move |ev| {
        let value = event_target_value(&ev);
        typed.update_value(|n| *n += 1);
        let mine = typed.get_value();
        set_timeout(
            move || {
                // Only the last keystroke's timer asks the server.
                if typed.try_get_value() == Some(mine) {
                    search.set(value);
                    page.set(1);
                }
            },
            SEARCH_DEBOUNCE,
        );
    };
    let choose = move |target: RwSignal<String>| {
        move |ev| {
            target.set(event_target_value(&ev));
            page.set(1);
        }
    };

    view! {
        <Card>
            <div class="flex flex-wrap items-end gap-3">
                <div class="min-w-0 flex-1 basis-48">
                    <label for="peer-search" class=LABEL>"Search"</label>
                    <input
                        id="peer-search"
                        type="search"
                        placeholder="Name, comment, key, interface, address"
                        autocomplete="off"
                        class=CONTROL
                        on:input=on_search
                    />
                </div>
                <div>
                    <label for="status-filter" class=LABEL>"Status"</label>
                    <select id="status-filter" class=CONTROL on:change=choose(status)>
                        {STATUSES.iter().map(|(value, text)| view! { <option value=*value>{*text}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="sort" class=LABEL>"Sort by"</label>
                    <select id="sort" class=CONTROL on:change=choose(sort)>
                        {SORTS.iter().map(|(value, text)| view! { <option value=*value>{*text}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="order" class=LABEL>"Order"</label>
                    <select id="order" class=CONTROL on:change=choose(order)>
                        <option value="desc">"Descending"</option>
                        <option value="asc">"Ascending"</option>
                    </select>
                </div>
            </div>
            <div class="mt-4">
                <Transition fallback=|| view! { <Shimmer lines=8 /> }>
                    {move || Suspend::new(async move {
                        match table.await {
                            Ok(data) => view! { <TablePage data=data page=page now=now /> }.into_any(),
                            Err(err) => view! {
                                <p id="peer-table-error" role="alert" class="text-sm text-red-600">{err.message}</p>
                            }
                            .into_any(),
                        }
                    })}
                </Transition>
            </div>
        </Card>
    }
}

#[component]
fn TablePage(data: PeerRows, page: RwSignal<u64>, now: RwSignal<DateTime<Utc>>) -> impl IntoView {
    let pages = data.pages();
    let current = data.page;
    let first = (current - 1) * data.per_page + 1;
    let last = first + data.rows.len() as u64 - 1;
    let range = if data.rows.is_empty() {
        String::new()
    } else {
        format!(" · showing {first}–{last}")
    };
    let rows = data
        .rows
        .into_iter()
        .map(|peer| view! { <PeerRow peer=peer now=now /> })
        .collect_view();
    view! {
        <div class="mb-3 flex flex-wrap items-center justify-between gap-3 text-sm text-gray-700">
            <p>
                <span id="peer-count" data-count=data.total.to_string()>
                    {format!("{} {}", data.total, if data.total == 1 { "peer" } else { "peers" })}
                </span>
                {range}
            </p>
            <div class="flex items-center gap-2">
                <button id="page-prev" type="button" class=PAGER disabled={current <= 1} on:click=move |_| page.set(current.saturating_sub(1).max(1))>
                    "Previous"
                </button>
                <span>{format!("Page {current} of {pages}")}</span>
                <button id="page-next" type="button" class=PAGER disabled={current >= pages} on:click=move |_| page.set(current + 1)>
                    "Next"
                </button>
            </div>
        </div>
        <div class="overflow-x-auto">
            <table id="peer-table" class="min-w-full text-left text-sm">
                <thead class="border-b border-gray-200 text-xs font-medium text-gray-500">
                    <tr>
                        <th scope="col" class="py-2 pr-4">"Peer"</th>
                        <th scope="col" class="py-2 pr-4">"Interface"</th>
                        <th scope="col" class="py-2 pr-4">"Status"</th>
                        <th scope="col" class="py-2 pr-4" title="Sent by the router to the peer (tx)">"Download (to peer)"</th>
                        <th scope="col" class="py-2 pr-4" title="Received by the router from the peer (rx)">"Upload (from peer)"</th>
                        <th scope="col" class="min-w-48 py-2 pr-4">"Quota"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-gray-100">{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn PeerRow(peer: PeerInfo, now: RwSignal<DateTime<Utc>>) -> impl IntoView {
    let id = peer.id;
    let label = peer.label();
    let disabled = peer
        .disabled
        .then(|| disabled_text(peer.disabled_reason.as_deref()));
    view! {
        <tr
            data-peer-id=id
            data-cycle-rx=peer.cycle_rx.to_string()
            data-cycle-tx=peer.cycle_tx.to_string()
            class="align-top transition hover:bg-gray-50"
        >
            <td class="py-2 pr-4">
                <a href=format!("/peers/{id}") class="rounded font-medium text-gray-900 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300">
                    {label}
                </a>
                {peer.comment.clone().filter(|c| Some(c) != peer.name.as_ref() && !c.is_empty()).map(|c| view! {
                    <p class="text-xs text-gray-500">{c}</p>
                })}
                {disabled.map(|text| view! {
                    <span data-disabled="true" class="mt-1 inline-block rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-200">{text}</span>
                })}
            </td>
            <td class="whitespace-nowrap py-2 pr-4 text-gray-700">{peer.interface.clone()}</td>
            <td class="py-2 pr-4">
                {status_pill(peer.status, peer.last_seen_at, now)}
            </td>
            <td class="whitespace-nowrap py-2 pr-4"><Bytes value=peer.cycle_tx /></td>
            <td class="whitespace-nowrap py-2 pr-4"><Bytes value=peer.cycle_rx /></td>
            <td class="py-2 pr-4"><UsageBar quota=peer.quota.clone() /></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::disabled_text;

    #[test]
    fn disabled_badge_says_why() {
        assert_eq!(disabled_text(Some("quota")), "Disabled: over quota");
        assert_eq!(disabled_text(Some("manual")), "Disabled by hand");
        assert_eq!(disabled_text(None), "Disabled");
        assert_eq!(disabled_text(Some("")), "Disabled");
    }
}
