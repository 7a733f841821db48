//! A byte count in decimal units (GB = 10^9) with the exact number of bytes on hover.

use leptos::prelude::*;

use crate::format;

#[component]
pub fn Bytes(#[prop(into)] value: Signal<u64>) -> impl IntoView {
    view! {
        <span class="tabular-nums" title=move || format::exact_bytes(value.get())>
            {move || format::bytes(value.get())}
        </span>
    }
}
