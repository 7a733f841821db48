//! Button: the one clickable control style (SPEC §10: `rounded`, gray focus ring).

use leptos::prelude::*;

#[component]
pub fn Button(
    #[prop(into)] on_click: Callback<()>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional, into)] id: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            type="button"
            id=id
            class="rounded bg-gray-900 px-4 py-2 text-sm font-medium text-white shadow-sm transition hover:bg-gray-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 disabled:opacity-50"
            disabled=move || disabled.get()
            on:click=move |_| on_click.run(())
        >
            {children()}
        </button>
    }
}
