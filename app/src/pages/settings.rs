//! Settings page (placeholder until built).

use leptos::prelude::*;

use crate::components::layout::PageHeader;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! { <PageHeader title="Settings" /> }
}
