//! Audit page (placeholder until built).

use leptos::prelude::*;

use crate::components::layout::PageHeader;

#[component]
pub fn AuditPage() -> impl IntoView {
    view! { <PageHeader title="Audit" /> }
}
