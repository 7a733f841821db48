//! The frame around every signed-in page: the top bar with the page links and sign-out, then
//! the page. Plain links, so navigation works with JavaScript off; the current page is marked
//! with `aria-current` (the router's `A` sets it).

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use crate::pages::auth::SignOut;

const LINK: &str = "rounded px-3 py-1.5 text-sm text-gray-700 transition hover:bg-gray-100 hover:text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 aria-[current=page]:bg-gray-100 aria-[current=page]:font-medium aria-[current=page]:text-gray-900";

#[component]
pub fn AppLayout() -> impl IntoView {
    view! {
        <header class="border-b border-gray-200 bg-white">
            <nav class="mx-auto flex max-w-6xl flex-wrap items-center gap-1 px-4 py-2" aria-label="Main">
                <a href="/" class="mr-3 text-base font-semibold text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 rounded">"wgmik"</a>
                <A href="/" exact=true attr:class=LINK>"Dashboard"</A>
                <A href="/wizard" attr:class=LINK>"Add router"</A>
                <A href="/settings" attr:class=LINK>"Settings"</A>
                <A href="/audit" attr:class=LINK>"Audit"</A>
                <div class="ml-auto">
                    <SignOut />
                </div>
            </nav>
        </header>
        <main class="mx-auto max-w-6xl px-4 py-6">
            <Outlet />
        </main>
    }
}

/// A page's title row: heading, optional line below, and room for actions on the right.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-wrap items-end justify-between gap-3">
            <div>
                <h1 class="text-2xl font-semibold text-gray-900">{title}</h1>
                {subtitle.map(|s| view! { <p class="mt-1 text-sm text-gray-500">{s}</p> })}
            </div>
            {children.map(|c| c())}
        </div>
    }
}
