//! Card: the white, rounded surface every panel sits on (SPEC §10 tokens).

use leptos::prelude::*;

#[component]
pub fn Card(
    /// Lift on hover; for cards that are links or buttons.
    #[prop(optional)]
    interactive: bool,
    children: Children,
) -> impl IntoView {
    let hover = if interactive {
        " transition hover:shadow-md hover:-translate-y-[1px]"
    } else {
        ""
    };
    view! {
        <section class=format!(
            "wg-appear rounded-xl bg-white p-6 shadow-sm ring-1 ring-gray-200{hover}",
        )>{children()}</section>
    }
}
