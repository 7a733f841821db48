//! Audit page (SPEC §10): every action wgmik took or recorded — enforcement writes, failures,
//! monitor mode's dry runs, drift observations, manual actions — newest first, filtered by
//! peer and action kind, a page at a time.
//!
//! The filters and the page number live in the URL (`?peer=&action=&page=`), so the filter
//! form is a plain GET form that works with JavaScript off, a reload or a shared link keeps
//! them, and the refresh every 10 s (Transition: the old rows stay while it loads) never
//! loses them.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api::audit::{ActionInfo, ActionsPage, AuditLookups, audit_context, audit_page};
use crate::components::card::Card;
use crate::components::input::{INPUT_CLASS, LABEL_CLASS};
use crate::components::layout::PageHeader;
use crate::components::shimmer::Shimmer;
use crate::format;
use crate::resource::resource;

/// The action kinds the filter offers: (value, words).
const ACTION_KINDS: [(&str, &str); 5] = [
    ("", "All actions"),
    ("disable", "Disable"),
    ("enable", "Enable"),
    ("would_disable", "Would disable (monitor mode)"),
    ("drift", "Drift observed"),
];

const LINK_BUTTON: &str = "rounded px-3 py-1.5 text-sm font-medium ring-1 ring-gray-300 text-gray-800 transition hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300";

/// The page's state as the URL carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub peer: Option<i32>,
    pub action: Option<String>,
    /// 0-based.
    pub page: u64,
}

impl AuditQuery {
    /// Reads the URL's query; values that do not parse are dropped, not errors.
    pub fn from_map(map: &ParamsMap) -> Self {
        Self {
            peer: map.get("peer").and_then(|p| p.trim().parse().ok()),
            action: map
                .get("action")
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty()),
            page: map
                .get("page")
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or(0),
        }
    }

    /// The page's URL for this state (empty parts left out).
    pub fn href(&self) -> String {
        let mut parts = Vec::new();
        if let Some(peer) = self.peer {
            parts.push(format!("peer={peer}"));
        }
        if let Some(action) = &self.action {
            let encoded: String = action
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            parts.push(format!("action={encoded}"));
        }
        if self.page > 0 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            "/audit".to_owned()
        } else {
            format!("/audit?{}", parts.join("&"))
        }
    }

    /// Another page of the same filters.
    pub fn at_page(&self, page: u64) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }
}

/// Plain words for an action kind.
pub fn action_words(action: &str) -> String {
    ACTION_KINDS
        .iter()
        .find(|(value, _)| *value == action && !value.is_empty())
        .map_or_else(
            || action.replace('_', " "),
            |(_, words)| (*words).to_owned(),
        )
}

/// The result's pill classes: green done, red failed, amber dry run, gray observed.
fn result_class(result: &str) -> &'static str {
    match result {
        "ok" => "bg-green-50 text-green-800 ring-green-200",
        "failed" => "bg-red-50 text-red-800 ring-red-200",
        "dry_run" => "bg-amber-50 text-amber-900 ring-amber-200",
        _ => "bg-gray-50 text-gray-700 ring-gray-200",
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(AuditQuery::from_map));
    let tick = RwSignal::new(0_u64);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Ok(handle) = leptos::prelude::set_interval_with_handle(
            move || tick.update(|t| *t = t.wrapping_add(1)),
            std::time::Duration::from_secs(10),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let entries = resource(
        move || (filters.get(), tick.get()),
        |(wanted, _)| audit_page(wanted.peer, wanted.action, wanted.page),
    );
    let context = resource(|| (), |()| audit_context());

    view! {
        <PageHeader
            title="Audit"
            subtitle="Every enforcement action, failure, dry run, drift observation and manual change, newest first."
        />
        <Card>
            <Transition fallback=|| view! { <Shimmer /> }>
                {move || context.get().map(|answer| match answer {
                    Ok(ctx) => view! { <Filters ctx filters /> }.into_any(),
                    Err(err) => view! { <p role="alert" class="text-sm text-red-600">{err.message}</p> }.into_any(),
                })}
            </Transition>
            <Transition fallback=|| view! { <div class="mt-4"><Shimmer /></div> }>
                {move || {
                    let ctx = context.get();
                    let page = entries.get();
                    match (ctx, page) {
                        (Some(Err(err)), _) | (_, Some(Err(err))) => {
                            Some(view! { <p id="audit-error" role="alert" class="mt-4 text-sm text-red-600">{err.message}</p> }.into_any())
                        }
                        (Some(Ok(ctx)), Some(Ok(page))) => {
                            Some(view! { <AuditTable ctx page filters=filters.get() /> }.into_any())
                        }
                        _ => None,
                    }
                }}
            </Transition>
        </Card>
    }
}

/// The filter form: a GET form (works with JavaScript off); with it on, a change applies at
/// once without a reload and without scrolling.
#[component]
fn Filters(ctx: AuditLookups, filters: Memo<AuditQuery>) -> impl IntoView {
    let navigate = use_navigate();
    let go = move |wanted: AuditQuery| {
        navigate(
            &wanted.href(),
            leptos_router::NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    };
    let go_peer = go.clone();
    let on_peer = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        go_peer(AuditQuery {
            peer: value.parse().ok(),
            page: 0,
            ..filters.get_untracked()
        });
    };
    let on_action = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        go(AuditQuery {
            action: Some(value).filter(|v| !v.is_empty()),
            page: 0,
            ..filters.get_untracked()
        });
    };
    // A peer id from the URL that is not in the list still shows as chosen.
    let chosen = filters.get_untracked().peer;
    let unlisted = chosen.filter(|id| !ctx.peers.iter().any(|(known, _)| known == id));
    view! {
        <form method="get" action="/audit" class="flex flex-wrap items-end gap-3">
            <div class="min-w-48">
                <label for="audit-filter-peer" class=LABEL_CLASS>"Peer"</label>
                <select id="audit-filter-peer" name="peer" class=INPUT_CLASS on:change=on_peer>
                    <option value="" selected=move || filters.with(|f| f.peer.is_none())>"All peers"</option>
                    {unlisted.map(|id| view! { <option value=id.to_string() selected=true>{format!("Peer #{id}")}</option> })}
                    {ctx.peers.into_iter().map(|(id, label)| view! {
                        <option value=id.to_string() selected=move || filters.with(|f| f.peer == Some(id))>
                            {format!("{label} (#{id})")}
                        </option>
                    }).collect_view()}
                </select>
            </div>
            <div class="min-w-48">
                <label for="audit-filter-action" class=LABEL_CLASS>"Action"</label>
                <select id="audit-filter-action" name="action" class=INPUT_CLASS on:change=on_action>
                    {ACTION_KINDS.map(|(value, words)| view! {
                        <option
                            value=value
                            selected=move || filters.with(|f| f.action.as_deref().unwrap_or("") == value)
                        >
                            {words}
                        </option>
                    })}
                </select>
            </div>
            <button type="submit" class=LINK_BUTTON>"Apply"</button>
        </form>
    }
}

#[component]
fn AuditTable(ctx: AuditLookups, page: ActionsPage, filters: AuditQuery) -> impl IntoView {
    let now = format::now();
    let names: std::collections::HashMap<i32, String> = ctx.peers.into_iter().collect();
    let timezone = ctx.timezone;
    let empty = page.actions.is_empty();
    let rows = page
        .actions
        .into_iter()
        .map(|entry| row(entry, &names, &timezone, now))
        .collect_view();
    let prev = (filters.page > 0).then(|| filters.at_page(filters.page - 1).href());
    let next = page
        .has_more
        .then(|| filters.at_page(filters.page + 1).href());
    view! {
        <div class="mt-4 overflow-x-auto">
            <table id="audit-table" class="min-w-full text-left text-sm">
                <thead class="border-b border-gray-200 text-xs uppercase tracking-wide text-gray-500">
                    <tr>
                        <th scope="col" class="py-2 pr-4">"Time (" {timezone.clone()} ")"</th>
                        <th scope="col" class="py-2 pr-4">"Peer"</th>
                        <th scope="col" class="py-2 pr-4">"Action"</th>
                        <th scope="col" class="py-2 pr-4">"Reason / source"</th>
                        <th scope="col" class="py-2 pr-4">"Actor"</th>
                        <th scope="col" class="py-2 pr-4">"Result"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-gray-100">{rows}</tbody>
            </table>
            {empty.then(|| view! { <p class="py-6 text-center text-sm text-gray-500">"No actions match these filters."</p> })}
        </div>
        <nav class="mt-4 flex flex-wrap items-center gap-2" aria-label="Audit pages">
            {prev.map(|href| view! { <a id="audit-prev" href=href class=LINK_BUTTON>"Newer"</a> })}
            <span class="text-sm text-gray-600">{format!("Page {}", filters.page + 1)}</span>
            {next.map(|href| view! { <a id="audit-next" href=href class=LINK_BUTTON>"Older"</a> })}
        </nav>
    }
}

fn row(
    entry: ActionInfo,
    names: &std::collections::HashMap<i32, String>,
    timezone: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView + use<> {
    let peer = match entry.peer_id {
        Some(id) => {
            let label = names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("Peer #{id}"));
            view! { <a href=format!("/peers/{id}") class="text-gray-900 underline decoration-gray-300 hover:decoration-gray-600 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 rounded">{label}</a> }.into_any()
        }
        None => {
            view! { <span class="text-gray-500">{format!("Router #{}", entry.router_id)}</span> }
                .into_any()
        }
    };
    let cycle = entry
        .cycle_start
        .map(|start| format!("cycle from {}", format::local_date(start, timezone)));
    view! {
        <tr data-action-id=entry.id.to_string() data-action=entry.action.clone() class="align-top">
            <td class="whitespace-nowrap py-2 pr-4">
                <span title=entry.at.to_rfc3339()>{format::local_time(entry.at, timezone)}</span>
                <span class="block text-xs text-gray-500">
                    {format::ago(format::seconds_between(entry.at, now))}
                </span>
            </td>
            <td class="py-2 pr-4">{peer}</td>
            <td class="whitespace-nowrap py-2 pr-4">{action_words(&entry.action)}</td>
            <td class="py-2 pr-4">
                {entry.reason.replace('_', " ")}
                {cycle.map(|c| view! { <span class="block text-xs text-gray-500">{c}</span> })}
            </td>
            <td class="py-2 pr-4">{entry.actor}</td>
            <td class="py-2 pr-4">
                <span class=format!("inline-block rounded-full px-2 py-0.5 text-xs ring-1 {}", result_class(&entry.result))>
                    {entry.result.replace('_', " ")}
                </span>
                {entry.error.map(|e| view! { <span class="mt-1 block text-xs text-red-700">{e}</span> })}
            </td>
        </tr>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (k, v) in pairs {
            map.insert((*k).to_owned(), (*v).to_owned());
        }
        map
    }

    #[test]
    fn the_url_round_trips_the_filters() {
        let q = AuditQuery::from_map(&map(&[
            ("peer", "7"),
            ("action", "would_disable"),
            ("page", "2"),
        ]));
        assert_eq!(q.peer, Some(7));
        assert_eq!(q.action.as_deref(), Some("would_disable"));
        assert_eq!(q.href(), "/audit?peer=7&action=would_disable&page=2");
        assert_eq!(q.at_page(0).href(), "/audit?peer=7&action=would_disable");
        assert_eq!(AuditQuery::default().href(), "/audit");
    }

    #[test]
    fn junk_in_the_url_is_dropped() {
        let q = AuditQuery::from_map(&map(&[("peer", "x"), ("action", " "), ("page", "-1")]));
        assert_eq!(q, AuditQuery::default());
        let odd = AuditQuery {
            action: Some("a&b=c".to_owned()),
            ..AuditQuery::default()
        };
        assert_eq!(odd.href(), "/audit?action=abc");
    }

    #[test]
    fn actions_read_in_words() {
        assert_eq!(
            action_words("would_disable"),
            "Would disable (monitor mode)"
        );
        assert_eq!(action_words("some_new_kind"), "some new kind");
        assert_eq!(action_words(""), "");
    }
}
