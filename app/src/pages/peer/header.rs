//! The peer page's top card: identity, router, status with last seen and last handshake,
//! disabled state and why, and Disable/Enable behind a confirmation step (the router is
//! written at once; its error is shown in words in `#peer-error`).

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::peer::{PeerOverview, enforce_peer};
use crate::components::card::Card;
use crate::format;
use crate::pages::dashboard::table::{disabled_text, status_pill};

const BUTTON: &str = "rounded px-4 py-2 text-sm font-medium shadow-sm transition focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 disabled:opacity-50";

/// `3 min ago (2026-11-30 14:05)`, or `never`.
pub fn when(at: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: &str) -> String {
    match at {
        Some(at) => format!(
            "{} ({})",
            format::ago(format::seconds_between(at, now)),
            format::local_time(at, tz)
        ),
        None => "never".to_owned(),
    }
}

/// The confirmation question for an action on the router.
pub fn confirm_question(action: &str, label: &str, router: &str) -> String {
    if action == "disable" {
        format!(
            "Disable {label} on {router} now? The peer cannot connect until it is enabled again; a cycle reset does not enable a peer disabled by hand."
        )
    } else {
        format!("Enable {label} on {router} now?")
    }
}

#[component]
pub fn PeerHeader(
    data: PeerOverview,
    now: RwSignal<DateTime<Utc>>,
    confirming: RwSignal<Option<&'static str>>,
    error: RwSignal<Option<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let peer = data.peer;
    let id = peer.id;
    let tz = data.settings.timezone.clone();
    let tz2 = tz.clone();
    let label = peer.label();
    let router_name = data.router.name.clone();
    let disabled = peer.disabled;
    let reason = peer.disabled_reason.clone();
    let last_seen = peer.last_seen_at;
    let last_handshake = peer.last_handshake_at;
    let pending = RwSignal::new(false);
    let question = {
        let label = label.clone();
        let router = router_name.clone();
        move || {
            confirming
                .get()
                .map(|action| confirm_question(action, &label, &router))
        }
    };
    let run = move |_| {
        let Some(action) = confirming.get_untracked() else {
            return;
        };
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            match enforce_peer(id, action.to_owned()).await {
                Ok(_) => {
                    confirming.set(None);
                    on_changed.run(());
                }
                Err(err) => {
                    confirming.set(None);
                    error.set(Some(format!(
                        "Could not {action} the peer: {}",
                        err.message
                    )));
                }
            }
            pending.set(false);
        });
    };

    view! {
        <Card>
            <div class="flex flex-wrap items-start justify-between gap-4">
                <div class="min-w-0">
                    <h2 class="text-xl font-semibold text-gray-900">{label.clone()}</h2>
                    <p class="break-all font-mono text-xs text-gray-500">{peer.public_key.clone()}</p>
                    <p class="mt-1 text-sm text-gray-700">
                        {format!("Interface {} on router {}", peer.interface, router_name)}
                        {peer.allowed_address.clone().map(|a| format!(" · {a}"))}
                    </p>
                    {peer.comment.clone().filter(|c| !c.is_empty()).map(|c| view! { <p class="text-sm text-gray-500">{c}</p> })}
                    {(!peer.tracked).then(|| view! {
                        <p class="mt-1 text-sm text-amber-700">"Not tracked: its traffic is not counted."</p>
                    })}
                </div>
                <div id="peer-status" class="space-y-1 text-sm text-gray-700">
                    {status_pill(peer.status, last_seen, now)}
                    <p>"Last seen: " {move || when(last_seen, now.get(), &tz)}</p>
                    <p>"Last handshake: " {move || when(last_handshake, now.get(), &tz2)}</p>
                </div>
            </div>
            <div class="mt-4 flex flex-wrap items-center gap-3 border-t border-gray-200 pt-4">
                <p id="peer-disabled" data-disabled=disabled.to_string() class="text-sm">
                    {if disabled {
                        view! {
                            <span class="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-200">
                                {disabled_text(reason.as_deref())}
                            </span>
                        }
                        .into_any()
                    } else {
                        view! { <span class="text-gray-700">"Enabled on the router"</span> }.into_any()
                    }}
                </p>
                {peer.drift.clone().map(|drift| view! {
                    <span class="text-xs text-red-700">{format!("Drift: {}", drift.replace('_', " "))}</span>
                })}
                {peer.missing_on_router.then(|| view! {
                    <span class="text-xs text-red-700">"Missing on the router"</span>
                })}
                <div class="ml-auto">
                    {if disabled {
                        view! {
                            <button id="peer-enable" type="button" class=format!("{BUTTON} bg-gray-900 text-white hover:bg-gray-700")
                                disabled=move || pending.get()
                                on:click=move |_| confirming.set(Some("enable"))>
                                "Enable"
                            </button>
                        }
                        .into_any()
                    } else {
                        view! {
                            <button id="peer-disable" type="button" class=format!("{BUTTON} bg-white text-red-700 ring-1 ring-red-300 hover:bg-red-50")
                                disabled=move || pending.get()
                                on:click=move |_| confirming.set(Some("disable"))>
                                "Disable"
                            </button>
                        }
                        .into_any()
                    }}
                </div>
            </div>
            {move || question().map(|text| view! {
                <div role="alertdialog" aria-labelledby="confirm-text" class="wg-appear mt-4 rounded-xl bg-gray-50 p-4 ring-1 ring-gray-200">
                    <p id="confirm-text" class="text-sm text-gray-900">{text}</p>
                    <div class="mt-3 flex flex-wrap gap-2">
                        <button id="confirm-action" type="button" class=format!("{BUTTON} bg-gray-900 text-white hover:bg-gray-700")
                            disabled=move || pending.get() on:click=run>
                            {move || if pending.get() { "Working…" } else { "Confirm" }}
                        </button>
                        <button id="cancel-action" type="button" class=format!("{BUTTON} bg-white text-gray-700 ring-1 ring-gray-300 hover:bg-gray-50")
                            on:click=move |_| confirming.set(None)>
                            "Cancel"
                        </button>
                    </div>
                </div>
            })}
        </Card>
    }
}
