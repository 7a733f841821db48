//! Steps 2 and 3: choose the saved router's WireGuard interfaces, list their peers live with
//! the server's pre-selection (outbound peers unchecked, dynamic peers not offered), import
//! exactly the checked ones, and show the summary.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Wizard, connect::load_interfaces, error_box};
use crate::api::wizard::{
    InterfaceInfo, LivePeerInfo, default_selection, import_peers, router_live_peers, split_peers,
};
use crate::components::button::Button;
use crate::components::bytes::Bytes;
use crate::components::card::Card;
use crate::format;

const CHECKBOX: &str = "h-4 w-4 rounded border-gray-300 text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300";
const TH: &str = "whitespace-nowrap px-3 py-2 text-left text-xs font-medium uppercase tracking-wide text-gray-500";
const TD: &str = "px-3 py-2 align-top text-sm text-gray-700";

/// Adds `key` to the list when `on`, removes it otherwise (keeps the order of the rest).
fn toggle(list: &mut Vec<String>, key: &str, on: bool) {
    list.retain(|k| k != key);
    if on {
        list.push(key.to_owned());
    }
}

/// What to call a peer: name, else comment, else the start of its key.
fn peer_label(peer: &LivePeerInfo) -> String {
    peer.name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| peer.comment.clone().filter(|c| !c.is_empty()))
        .unwrap_or_else(|| peer.public_key.chars().take(12).collect::<String>() + "…")
}

/// The peers to show: importable and dynamic, for the interfaces checked now.
fn visible(wizard: Wizard) -> (Vec<LivePeerInfo>, Vec<LivePeerInfo>) {
    let chosen = wizard.chosen_interfaces.get();
    wizard
        .peers
        .with(|all| split_peers(all.as_deref().unwrap_or_default(), &chosen))
}

/// The checked keys among the peers shown, in the table's order.
fn keys_to_import(wizard: Wizard) -> Vec<String> {
    let (importable, _) = visible(wizard);
    let chosen = wizard.chosen_peers.get();
    importable
        .into_iter()
        .map(|peer| peer.public_key)
        .filter(|key| chosen.contains(key))
        .collect()
}

#[component]
pub(super) fn InterfacesStep(wizard: Wizard) -> impl IntoView {
    let done = move || wizard.imported.with(Option::is_some);
    let router_id = move || wizard.saved.with(|r| r.as_ref().map(|r| r.id));

    let load_peers = move |()| {
        let Some(id) = router_id() else { return };
        wizard.busy.set(Some("peers"));
        wizard.error.set(None);
        spawn_local(async move {
            match router_live_peers(id).await {
                Ok(list) => {
                    let importable: Vec<LivePeerInfo> =
                        list.iter().filter(|p| !p.dynamic).cloned().collect();
                    wizard.chosen_peers.set(default_selection(&importable));
                    wizard.peers.set(Some(list));
                }
                Err(err) => wizard.error.set(Some(err)),
            }
            wizard.busy.set(None);
        });
    };
    let run_import = move |()| {
        let Some(id) = router_id() else { return };
        let keys = keys_to_import(wizard);
        wizard.busy.set(Some("import"));
        wizard.error.set(None);
        spawn_local(async move {
            match import_peers(id, keys).await {
                Ok(summary) => wizard.imported.set(Some(summary)),
                Err(err) => wizard.error.set(Some(err)),
            }
            wizard.busy.set(None);
        });
    };
    let retry_interfaces = move |()| {
        if let Some(id) = router_id() {
            load_interfaces(wizard, id);
        }
    };
    let no_interface = Signal::derive(move || {
        wizard.busy.with(Option::is_some) || wizard.chosen_interfaces.with(Vec::is_empty)
    });
    let nothing_to_import = Signal::derive(move || {
        wizard.busy.with(Option::is_some) || keys_to_import(wizard).is_empty()
    });

    view! {
        <Show when=move || wizard.saved.with(Option::is_some)>
            <Card>
                <h2 class="text-base font-semibold text-gray-900">"2. Interfaces and peers"</h2>
                <p class="mt-1 text-sm text-gray-500">
                    {move || {
                        wizard
                            .saved
                            .with(|r| r.as_ref().map(|r| r.name.clone()))
                            .map(|name| format!("Saved as “{name}”. Choose the WireGuard interfaces to account, then the peers."))
                    }}
                </p>
                {move || match wizard.interfaces.get() {
                    None if wizard.busy.get() == Some("interfaces") => {
                        view! { <p class="mt-4 text-sm text-gray-500" aria-busy="true">"Reading the router's WireGuard interfaces…"</p> }.into_any()
                    }
                    None => view! {
                        <div class="mt-4">
                            <Button id="wizard-reload-interfaces" on_click=retry_interfaces disabled=wizard.is_busy()>
                                "Read interfaces again"
                            </Button>
                        </div>
                    }.into_any(),
                    Some(list) if list.is_empty() => view! {
                        <p id="wizard-no-interfaces" class="mt-4 text-sm text-gray-700">
                            "This router has no WireGuard interfaces. Add one under WireGuard in WinBox or WebFig, then come back."
                        </p>
                    }.into_any(),
                    Some(list) => view! { <InterfaceList wizard=wizard list=list /> }.into_any(),
                }}
                <Show when=move || wizard.interfaces.with(|l| l.as_ref().is_some_and(|l| !l.is_empty())) && !done()>
                    <div class="mt-4">
                        <Button id="wizard-load-peers" on_click=load_peers disabled=no_interface>
                            {move || if wizard.busy.get() == Some("peers") { "Reading peers…" } else { "Show peers" }}
                        </Button>
                    </div>
                </Show>
                <PeerTable wizard=wizard />
                <Show when=move || wizard.peers.with(Option::is_some) && !done()>
                    <div class="mt-4 flex flex-wrap items-center gap-3">
                        <Button id="wizard-import" on_click=run_import disabled=nothing_to_import>
                            {move || if wizard.busy.get() == Some("import") { "Importing…" } else { "Import checked peers" }}
                        </Button>
                        <span class="text-sm text-gray-500">
                            {move || {
                                let count = keys_to_import(wizard).len();
                                format!("{count} checked. Usage counts from the import on: bytes carried before are not counted.")
                            }}
                        </span>
                    </div>
                </Show>
                {error_box(wizard, 2)}
            </Card>
        </Show>
    }
}

#[component]
fn InterfaceList(wizard: Wizard, list: Vec<InterfaceInfo>) -> impl IntoView {
    let locked = move || wizard.imported.with(Option::is_some);
    view! {
        <fieldset class="mt-4" disabled=locked>
            <legend class="text-sm font-medium text-gray-700">"WireGuard interfaces"</legend>
            <ul id="wizard-interfaces" class="mt-2 space-y-2">
                {list
                    .into_iter()
                    .map(|interface| {
                        let name = interface.name.clone();
                        let checked_name = name.clone();
                        let id = format!("interface-{name}");
                        let label_for = id.clone();
                        let state = match (interface.disabled, interface.running) {
                            (true, _) => "disabled",
                            (false, true) => "running",
                            (false, false) => "not running",
                        };
                        let peers = match interface.peers {
                            1 => "1 peer".to_owned(),
                            n => format!("{n} peers"),
                        };
                        view! {
                            <li>
                                <label for=label_for class="flex flex-wrap items-center gap-2 text-sm text-gray-700">
                                    <input
                                        type="checkbox"
                                        id=id
                                        name="interface"
                                        value=name.clone()
                                        class=CHECKBOX
                                        prop:checked=move || wizard.chosen_interfaces.with(|c| c.contains(&checked_name))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            wizard.chosen_interfaces.update(|c| toggle(c, &name, on));
                                        }
                                    />
                                    <span class="font-medium text-gray-900">{interface.name.clone()}</span>
                                    <span class="text-gray-500">
                                        {format!("port {} · {peers} · {state}", interface.listen_port)}
                                    </span>
                                </label>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </fieldset>
    }
}

#[component]
fn PeerTable(wizard: Wizard) -> impl IntoView {
    let locked = move || wizard.imported.with(Option::is_some);
    move || {
        wizard.peers.with(Option::is_some).then(|| {
            let (importable, dynamic) = visible(wizard);
            let rows = importable
                .into_iter()
                .map(|peer| peer_row(wizard, peer))
                .collect_view();
            let dynamic_note = (!dynamic.is_empty()).then(|| {
                view! {
                    <div id="wizard-dynamic-peers" class="mt-3 text-sm text-gray-500">
                        <p>{format!("{} dynamic peer(s) skipped: dynamic, not importable.", dynamic.len())}</p>
                        <ul class="mt-1 list-inside list-disc">
                            {dynamic
                                .iter()
                                .map(|peer| view! {
                                    <li data-dynamic-key=peer.public_key.clone()>
                                        {format!("{} on {}", peer_label(peer), peer.interface)}
                                    </li>
                                })
                                .collect_view()}
                        </ul>
                    </div>
                }
            });
            view! {
                <fieldset class="mt-6" disabled=locked>
                    <legend class="text-sm font-medium text-gray-700">"Peers to import"</legend>
                    <p class="mt-1 text-xs text-gray-500">
                        "Outbound peers (this router dials them) start unchecked. Upload is what the router received from the peer, download what it sent to the peer."
                    </p>
                    <div class="mt-2 overflow-x-auto rounded ring-1 ring-gray-200">
                        <table id="wizard-peers" class="min-w-full divide-y divide-gray-200">
                            <thead class="bg-gray-50">
                                <tr>
                                    <th class=TH><span class="sr-only">"Import"</span></th>
                                    <th class=TH>"Peer"</th>
                                    <th class=TH>"Interface"</th>
                                    <th class=TH>"Allowed address"</th>
                                    <th class=TH>"Endpoint"</th>
                                    <th class=TH>"Last handshake"</th>
                                    <th class=TH>"Upload (from peer)"</th>
                                    <th class=TH>"Download (to peer)"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-gray-100 bg-white">{rows}</tbody>
                        </table>
                    </div>
                    {dynamic_note}
                </fieldset>
            }
        })
    }
}

fn peer_row(wizard: Wizard, peer: LivePeerInfo) -> impl IntoView {
    let key = peer.public_key.clone();
    let checked_key = key.clone();
    let checkbox_id = format!("peer-{}", peer.public_key);
    let label = peer_label(&peer);
    let outbound = peer.outbound();
    let comment = peer
        .comment
        .clone()
        .filter(|c| !c.is_empty() && peer.name.as_deref().is_some_and(|n| !n.is_empty()));
    let endpoint = peer.endpoint_address.clone().unwrap_or_default();
    let handshake = peer
        .last_handshake_seconds
        .map(|s| format::ago(i64::try_from(s).unwrap_or(i64::MAX)))
        .unwrap_or_else(|| "never".to_owned());
    let notes = [
        outbound.then_some("outbound"),
        peer.tracked.then_some("already tracked"),
        peer.disabled.then_some("disabled"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <tr
            data-public-key=peer.public_key.clone()
            data-outbound=outbound.to_string()
            class="transition hover:bg-gray-50"
        >
            <td class=TD>
                <input
                    type="checkbox"
                    id=checkbox_id.clone()
                    name="peer"
                    value=peer.public_key.clone()
                    class=CHECKBOX
                    aria-label=format!("Import {label}")
                    prop:checked=move || wizard.chosen_peers.with(|c| c.contains(&checked_key))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        wizard.chosen_peers.update(|c| toggle(c, &key, on));
                    }
                />
            </td>
            <td class=TD>
                <label for=checkbox_id class="font-medium text-gray-900">{label}</label>
                {comment.map(|c| view! { <div class="text-xs text-gray-500">{c}</div> })}
                <div class="max-w-[12rem] truncate font-mono text-xs text-gray-500" title=peer.public_key.clone()>
                    {peer.public_key.clone()}
                </div>
                {(!notes.is_empty()).then(|| view! { <div class="text-xs text-amber-700">{notes}</div> })}
            </td>
            <td class=TD>{peer.interface.clone()}</td>
            <td class=TD>{peer.allowed_address.join(", ")}</td>
            <td class=TD>{endpoint}</td>
            <td class=TD>{handshake}</td>
            <td class=TD><Bytes value=peer.rx /></td>
            <td class=TD><Bytes value=peer.tx /></td>
        </tr>
    }
}

#[component]
pub(super) fn DoneStep(wizard: Wizard) -> impl IntoView {
    move || {
        wizard.imported.get().map(|summary| {
            let router = wizard
                .saved
                .with(|r| r.as_ref().map(|r| r.name.clone()))
                .unwrap_or_default();
            let peers = match summary.imported {
                1 => "1 peer".to_owned(),
                n => format!("{n} peers"),
            };
            view! {
                <Card>
                    <div id="wizard-done" data-imported=summary.imported.to_string()>
                        <h2 class="text-base font-semibold text-gray-900">"3. Done"</h2>
                        <p class="mt-2 text-sm text-gray-700">
                            {format!("Imported {peers} from “{router}”. wgmik recorded their counters now as the baseline and polls the router from here on.")}
                        </p>
                        <a
                            href="/"
                            id="wizard-dashboard"
                            class="mt-4 inline-block rounded bg-gray-900 px-4 py-2 text-sm font-medium text-white shadow-sm transition hover:bg-gray-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300"
                        >
                            "Go to the dashboard"
                        </a>
                    </div>
                </Card>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::toggle;

    #[test]
    fn toggling_keeps_one_entry() {
        let mut list = vec!["a".to_owned()];
        toggle(&mut list, "b", true);
        toggle(&mut list, "b", true);
        assert_eq!(list, ["a", "b"]);
        toggle(&mut list, "a", false);
        assert_eq!(list, ["b"]);
    }
}
