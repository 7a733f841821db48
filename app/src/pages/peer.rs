//! Peer page (placeholder until built).

use leptos::prelude::*;

use crate::components::layout::PageHeader;

#[component]
pub fn PeerPage() -> impl IntoView {
    view! { <PageHeader title="Peer" /> }
}
