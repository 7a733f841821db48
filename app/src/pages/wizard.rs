//! Add a router page (placeholder until built).

use leptos::prelude::*;

use crate::components::layout::PageHeader;

#[component]
pub fn WizardPage() -> impl IntoView {
    view! { <PageHeader title="Add a router" /> }
}
