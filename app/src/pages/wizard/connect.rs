//! Step 1: the connection form, "Test connection", and after a successful test "Save and
//! continue", which stores the router and reads its WireGuard interfaces.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Wizard, error_box};
use crate::api::wizard::{RouterForm, create_router, default_port, router_interfaces, test_router};
use crate::components::button::Button;
use crate::components::card::Card;
use crate::components::input::{INPUT_CLASS, Input, LABEL_CLASS};
use crate::format;

const CHECKBOX: &str = "h-4 w-4 rounded border-gray-300 text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300";

/// Reads the interfaces of a saved router and checks them all; an error stays on the page
/// with a button to try again.
pub(super) fn load_interfaces(wizard: Wizard, router_id: i32) {
    wizard.busy.set(Some("interfaces"));
    wizard.error.set(None);
    spawn_local(async move {
        match router_interfaces(router_id).await {
            Ok(list) => {
                wizard
                    .chosen_interfaces
                    .set(list.iter().map(|i| i.name.clone()).collect());
                wizard.interfaces.set(Some(list));
            }
            Err(err) => wizard.error.set(Some(err)),
        }
        wizard.busy.set(None);
    });
}

/// One text member of the form: its field name (also the element id), words and accessors.
struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    read: fn(&RouterForm) -> String,
    write: fn(&mut RouterForm, String),
    hint: &'static str,
}

/// A text field bound to one member of the form. Editing a connection setting forgets the
/// last test, so the router saved is always the one just tested.
fn text_field(wizard: Wizard, field: Field, placeholder: Option<String>) -> impl IntoView {
    let Field {
        name,
        label,
        kind,
        read,
        write,
        hint,
    } = field;
    let value = Signal::derive(move || wizard.form.with(read));
    let on_input = Callback::new(move |text: String| {
        wizard.form.update(|form| write(form, text));
        if name != "name" {
            wizard.tested.set(None);
        }
    });
    view! {
        <Input
            name=name
            label=label
            kind=kind
            value=value
            on_input=on_input
            error=wizard.field_error(name)
            hint=hint
            placeholder=placeholder.unwrap_or_default()
        />
    }
}

#[component]
pub(super) fn ConnectStep(wizard: Wizard) -> impl IntoView {
    let form = wizard.form;
    let locked = move || wizard.saved.with(Option::is_some);
    let tls_on = move || form.with(|f| f.tls);

    let run_test = move |()| {
        wizard.busy.set(Some("test"));
        wizard.error.set(None);
        wizard.tested.set(None);
        let typed = form.get_untracked();
        spawn_local(async move {
            match test_router(typed).await {
                Ok(info) => wizard.tested.set(Some(info)),
                Err(err) => wizard.error.set(Some(err)),
            }
            wizard.busy.set(None);
        });
    };
    let run_save = move |()| {
        let identity = wizard
            .tested
            .with_untracked(|t| t.as_ref().map(|t| t.identity.clone()))
            .unwrap_or_default();
        wizard.busy.set(Some("save"));
        wizard.error.set(None);
        let typed = form.get_untracked();
        spawn_local(async move {
            match create_router(typed, identity).await {
                Ok(router) => {
                    let id = router.id;
                    wizard.saved.set(Some(router));
                    load_interfaces(wizard, id);
                }
                Err(err) => {
                    wizard.error.set(Some(err));
                    wizard.busy.set(None);
                }
            }
        });
    };

    // The default port follows transport and TLS; re-rendering the field on those changes
    // keeps its typed value (it lives in the form signal).
    // Memos, not the form itself: re-rendering a field on every keystroke anywhere in the
    // form would take the focus from the field being typed in.
    let port_placeholder = Memo::new(move |_| form.with(|f| default_port(&f.transport, f.tls)));
    let port_field = move || {
        let placeholder = port_placeholder.get();
        text_field(
            wizard,
            Field {
                name: "port",
                label: "Port",
                kind: "text",
                read: |f| f.port.clone(),
                write: |f, v| f.port = v,
                hint: "Leave empty for the default port shown.",
            },
            Some(placeholder.to_string()),
        )
    };
    let name_placeholder = Memo::new(move |_| {
        wizard
            .tested
            .with(|t| t.as_ref().map(|t| t.identity.clone()))
            .unwrap_or_else(|| "the router's identity".to_owned())
    });
    let name_field = move || {
        text_field(
            wizard,
            Field {
                name: "name",
                label: "Name in wgmik (optional)",
                kind: "text",
                read: |f| f.name.clone(),
                write: |f, v| f.name = v,
                hint: "Empty: the router's identity.",
            },
            Some(name_placeholder.get()),
        )
    };

    view! {
            <Card>
                <h2 class="text-base font-semibold text-gray-900">"1. Connect to the router"</h2>
                <p class="mt-1 text-sm text-gray-500">
                    "wgmik reads WireGuard peers over RouterOS's REST API (www / www-ssl service) or its classic API (api / api-ssl). The user needs the read policy, plus rest-api or api."
                </p>
                <fieldset class="mt-4 grid grid-cols-1 gap-4 sm:grid-cols-2" disabled=locked>
                    <legend class="sr-only">"Connection"</legend>
                    <Input
                        name="host"
                        label="Host or IP address"
                        value=Signal::derive(move || form.with(|f| f.host.clone()))
                        on_input=Callback::new(move |v: String| {
                            form.update(|f| f.host = v);
                            wizard.tested.set(None);
                        })
                        error=wizard.field_error("host")
                        placeholder="192.0.2.1"
                        required=true
                    />
                    <div>
                        <label for="transport" class=LABEL_CLASS>"Transport"</label>
                        <select
                            id="transport"
                            name="transport"
                            class=INPUT_CLASS
                            prop:value=move || form.with(|f| f.transport.clone())
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                form.update(|f| f.transport = value);
                                wizard.tested.set(None);
                            }
                        >
                            <option value="rest" selected=move || form.with(|f| f.transport == "rest")>
                                "REST (RouterOS 7.1+)"
                            </option>
                            <option value="api" selected=move || form.with(|f| f.transport == "api")>
                                "API (classic binary API)"
                            </option>
                        </select>
                        <p class="mt-1 text-sm text-red-600" role="alert">
                            {move || wizard.field_error("transport").get()}
                        </p>
                    </div>
                    {port_field}
                    <div class="space-y-3 sm:pt-6">
                        <label class="flex items-center gap-2 text-sm text-gray-700">
                            <input
                                type="checkbox"
                                id="tls"
                                name="tls"
                                class=CHECKBOX
                                prop:checked=tls_on
                                checked=tls_on
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    form.update(|f| f.tls = on);
                                    wizard.tested.set(None);
                                }
                            />
                            "Use TLS (www-ssl / api-ssl)"
                        </label>
                        <label class="flex items-center gap-2 text-sm text-gray-700">
                            <input
                                type="checkbox"
                                id="tls_verify"
                                name="tls_verify"
                                class=CHECKBOX
                                prop:checked=move || form.with(|f| f.tls_verify)
                                checked=move || form.with(|f| f.tls_verify)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    form.update(|f| f.tls_verify = on);
                                    wizard.tested.set(None);
                                }
                            />
                            "Verify the router's certificate"
                        </label>
                    </div>
                    <div class="sm:col-span-2">
                        {text_field(
    wizard,
    Field {
    name: "tls_fingerprint",
    label: "Pinned certificate SHA-256 fingerprint (optional)",
    kind: "text",
    read: |f| f.tls_fingerprint.clone(),
    write: |f, v| f.tls_fingerprint = v,
    hint: "64 hex digits, colons allowed. When set, wgmik accepts exactly this certificate (verification is then not needed). Used only with TLS.",
    },
    Some("e.g. 3f:a1:…".to_owned()),
    )}
                    </div>
                    <TlsWarning wizard=wizard />
                    {text_field(
    wizard,
    Field {
    name: "username",
    label: "RouterOS user",
    kind: "text",
    read: |f| f.username.clone(),
    write: |f, v| f.username = v,
    hint: "A RouterOS user with the read policy, plus rest-api (REST) or api (API).",
    },
    None,
    )}
                    {text_field(
    wizard,
    Field {
    name: "password",
    label: "Password",
    kind: "password",
    read: |f| f.password.clone(),
    write: |f, v| f.password = v,
    hint: "Stored encrypted.",
    },
    None,
    )}
                    <div class="sm:col-span-2">{name_field}</div>
                </fieldset>
                <div class="mt-6 flex flex-wrap items-center gap-3">
                    <Show when=move || !locked()>
                        <Button id="wizard-test" on_click=run_test disabled=wizard.is_busy()>
                            {move || {
                                if wizard.busy.get() == Some("test") {
                                    "Testing…"
                                } else {
                                    "Test connection"
                                }
                            }}
                        </Button>
                    </Show>
                    <Show when=move || wizard.tested.with(Option::is_some) && !locked()>
                        <Button id="wizard-save" on_click=run_save disabled=wizard.is_busy()>
                            {move || {
                                if wizard.busy.get() == Some("save") {
                                    "Saving…"
                                } else {
                                    "Save and continue"
                                }
                            }}
                        </Button>
                    </Show>
                </div>
                <TestResult wizard=wizard />
                {error_box(wizard, 1)}
            </Card>
        }
}

/// A warning while TLS is on but the certificate goes unchecked; plain-text connections get
/// a milder note.
#[component]
fn TlsWarning(wizard: Wizard) -> impl IntoView {
    let state = Memo::new(move |_| {
        wizard
            .form
            .with(|f| (f.tls, f.tls_verify, !f.tls_fingerprint.trim().is_empty()))
    });
    move || {
        let (tls, verify, pinned) = state.get();
        if tls && !verify {
            let text = if pinned {
                "Certificate verification is off. The pinned fingerprint still makes wgmik accept only that one certificate."
            } else {
                "Certificate verification is off: wgmik will accept any certificate, so a machine between wgmik and the router could read the router password. Pin the certificate's fingerprint instead if you can."
            };
            Some(view! {
                <p
                    id="wizard-tls-warning"
                    role="status"
                    class="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 sm:col-span-2"
                >
                    {text}
                </p>
            }.into_any())
        } else if !tls {
            Some(view! {
                <p id="wizard-plaintext-note" class="text-sm text-gray-500 sm:col-span-2">
                    "Without TLS the router password crosses the network unencrypted; use it only on a trusted network."
                </p>
            }.into_any())
        } else {
            None
        }
    }
}

/// What the router said about itself after a successful test.
#[component]
fn TestResult(wizard: Wizard) -> impl IntoView {
    move || {
        wizard.tested.get().map(|info| {
            view! {
                <div
                    id="wizard-test-result"
                    role="status"
                    class="wg-appear mt-4 rounded border border-green-200 bg-green-50 p-3 text-sm text-green-900"
                >
                    <p class="font-medium">"Connected."</p>
                    <dl class="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
                        <dt class="text-green-800">"Identity"</dt>
                        <dd data-field="identity">{info.identity.clone()}</dd>
                        <dt class="text-green-800">"RouterOS"</dt>
                        <dd data-field="version">{info.version.clone()}</dd>
                        <dt class="text-green-800">"Board"</dt>
                        <dd data-field="board">{info.board.clone()}</dd>
                        <dt class="text-green-800">"Up since"</dt>
                        <dd>{format::ago(i64::try_from(info.uptime_seconds).unwrap_or(i64::MAX))}</dd>
                    </dl>
                </div>
            }
        })
    }
}
