//! Dashboard page (placeholder until built).

use leptos::prelude::*;

use crate::components::layout::PageHeader;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! { <PageHeader title="Dashboard" /> }
}
