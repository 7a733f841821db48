//! The Add a router wizard (SPEC §7): connect and test → save → choose WireGuard interfaces →
//! choose peers → import. It needs JavaScript (each step asks the router live). Typed values
//! are kept in signals that no failure resets, so a failed step never clears the form; errors
//! with a field go beside that field, the rest into `#wizard-error` with their code.

mod connect;
mod peers;

use leptos::prelude::*;

use crate::api::wizard::{
    ImportSummary, InterfaceInfo, LivePeerInfo, RouterForm, RouterTestInfo, fingerprint_in,
    is_field_error,
};
use crate::components::layout::PageHeader;
use crate::error::UiError;
use crate::types::RouterInfo;

/// Everything the steps share; signals are `Copy`, so each step gets its own copy.
#[derive(Clone, Copy)]
struct Wizard {
    form: RwSignal<RouterForm>,
    /// The last successful test of the current settings; cleared when a connection field
    /// changes, so "Save" always follows a test of what is typed.
    tested: RwSignal<Option<RouterTestInfo>>,
    saved: RwSignal<Option<RouterInfo>>,
    interfaces: RwSignal<Option<Vec<InterfaceInfo>>>,
    chosen_interfaces: RwSignal<Vec<String>>,
    /// Every live peer of the router (all interfaces); the page filters by the chosen ones.
    peers: RwSignal<Option<Vec<LivePeerInfo>>>,
    chosen_peers: RwSignal<Vec<String>>,
    imported: RwSignal<Option<ImportSummary>>,
    error: RwSignal<Option<UiError>>,
    /// The action in flight, for the button's words; every action button waits for it.
    busy: RwSignal<Option<&'static str>>,
}

impl Wizard {
    fn new() -> Self {
        Self {
            form: RwSignal::new(RouterForm::new()),
            tested: RwSignal::new(None),
            saved: RwSignal::new(None),
            interfaces: RwSignal::new(None),
            chosen_interfaces: RwSignal::new(Vec::new()),
            peers: RwSignal::new(None),
            chosen_peers: RwSignal::new(Vec::new()),
            imported: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(None),
        }
    }

    fn is_busy(self) -> Signal<bool> {
        Signal::derive(move || self.busy.get().is_some())
    }

    /// The message for one form field, when the last error blames it.
    fn field_error(self, field: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.error
                .with(|e| e.as_ref().and_then(|e| e.for_field(field)))
        })
    }
}

#[component]
pub fn WizardPage() -> impl IntoView {
    let wizard = Wizard::new();
    view! {
        <PageHeader
            title="Add a router"
            subtitle="Connect to a MikroTik router, pick its WireGuard interfaces and peers, and start counting."
        />
        <Steps wizard=wizard />
        <div class="space-y-6">
            <connect::ConnectStep wizard=wizard />
            <peers::InterfacesStep wizard=wizard />
            <peers::DoneStep wizard=wizard />
        </div>
    }
}

/// Where the admin is: 1 connect, 2 interfaces and peers, 3 done.
fn current_step(wizard: Wizard) -> u8 {
    if wizard.imported.with(Option::is_some) {
        3
    } else if wizard.saved.with(Option::is_some) {
        2
    } else {
        1
    }
}

#[component]
fn Steps(wizard: Wizard) -> impl IntoView {
    let item = move |number: u8, label: &'static str| {
        let class = move || {
            let step = current_step(wizard);
            if step == number {
                "rounded-full bg-gray-900 px-3 py-1 text-white"
            } else if step > number {
                "rounded-full bg-gray-100 px-3 py-1 text-gray-700"
            } else {
                "rounded-full px-3 py-1 text-gray-500 ring-1 ring-gray-200"
            }
        };
        let current = move || (current_step(wizard) == number).then_some("step");
        view! { <li class=class aria-current=current>{format!("{number}. {label}")}</li> }
    };
    view! {
        <ol class="mb-6 flex flex-wrap gap-2 text-sm" aria-label="Wizard steps">
            {item(1, "Connect")}
            {item(2, "Interfaces and peers")}
            {item(3, "Done")}
        </ol>
    }
}

/// The error box of the step the admin is on (`#wizard-error`, `data-code` = the server's
/// code). A TLS error that names the certificate's fingerprint offers to pin it.
fn error_box(wizard: Wizard, step: u8) -> impl IntoView {
    move || {
        if current_step(wizard) != step {
            return None;
        }
        let err = wizard.error.get().filter(|e| !is_field_error(e))?;
        let pin = fingerprint_in(&err.message)
            .filter(|_| err.code == "router_tls" && step == 1)
            .map(|fingerprint| {
                let shown = fingerprint.clone();
                let on_pin = move |_| {
                    let fingerprint = fingerprint.clone();
                    wizard.form.update(|f| f.tls_fingerprint = fingerprint);
                    wizard.error.set(None);
                };
                view! {
                    <p class="mt-2 text-gray-700">
                        "If this is your router's certificate (compare with "
                        <code>"/certificate print detail"</code>
                        " on the router), pin it and test again."
                    </p>
                    <button
                        type="button"
                        id="wizard-pin-fingerprint"
                        class="mt-2 rounded bg-white px-3 py-1.5 text-sm font-medium text-gray-900 ring-1 ring-gray-300 transition hover:bg-gray-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300"
                        title=shown
                        on:click=on_pin
                    >
                        "Pin this certificate"
                    </button>
                }
            });
        Some(view! {
            <div
                id="wizard-error"
                data-code=err.code.clone()
                role="alert"
                class="wg-appear mt-4 rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800"
            >
                <p class="font-medium">{headline(&err.code)}</p>
                <p class="mt-1 break-words">{err.message.clone()}</p>
                {pin}
            </div>
        })
    }
}

/// A short headline per error code; the server's message below it has the details.
fn headline(code: &str) -> &'static str {
    match code {
        "router_auth" => "Wrong user name or password",
        "router_unreachable" => "The router cannot be reached",
        "router_tls" => "The secure connection failed",
        "router_policy" => "The router user lacks a permission",
        "router_timeout" => "The router did not answer in time",
        "router_no_such_item" => "The router no longer has that item",
        "conflict" => "Already exists",
        "invalid" => "Check the form",
        "unauthorized" => "Your session has ended: sign in again",
        "transport" => "wgmik could not be reached",
        code if code.starts_with("router") => "The router answered with an error",
        _ => "Something went wrong",
    }
}

#[cfg(test)]
mod tests {
    use super::headline;

    /// The server-rendered first step carries the DOM contract's ids, a password input and
    /// the HTTPS default port as the placeholder.
    #[cfg(feature = "ssr")]
    #[test]
    fn first_step_renders_the_contract() {
        use leptos::prelude::*;

        let html = Owner::new().with(|| view! { <super::WizardPage /> }.to_html());
        for id in [
            "id=\"name\"",
            "id=\"host\"",
            "id=\"port\"",
            "id=\"transport\"",
            "id=\"tls\"",
            "id=\"tls_verify\"",
            "id=\"tls_fingerprint\"",
            "id=\"username\"",
            "id=\"password\"",
            "id=\"wizard-test\"",
        ] {
            assert!(html.contains(id), "{id} missing");
        }
        assert!(html.contains("type=\"password\""));
        assert!(html.contains("placeholder=\"443\""));
        // Checked before hydration too (TLS and verification are on by default).
        assert_eq!(html.matches(" checked").count(), 2);
        assert!(
            !html.contains("wizard-save"),
            "save appears only after a test"
        );
    }

    #[test]
    fn headlines_name_the_router_failures() {
        assert_eq!(headline("router_auth"), "Wrong user name or password");
        assert_eq!(headline("router_tls"), "The secure connection failed");
        assert_eq!(
            headline("router_error"),
            "The router answered with an error"
        );
        assert_eq!(headline("internal"), "Something went wrong");
    }
}
