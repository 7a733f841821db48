//! The page for any path the router does not know.

use leptos::prelude::*;

use crate::components::card::Card;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Card>
            <h1 class="text-lg font-semibold text-gray-900">"Page not found"</h1>
            <p class="mt-2 text-sm text-gray-500">
                <a class="underline hover:text-gray-700" href="/">"Back to wgmik"</a>
            </p>
        </Card>
    }
}
