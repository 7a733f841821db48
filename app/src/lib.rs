//! wgmik's user interface: Leptos components rendered on the server and hydrated in the
//! browser. Server functions in `api` are thin: they take the server state from context and
//! call the `server` crate, which never reaches the wasm build.

// The wizard's nested views make deep types; the release wasm build needs more than the default
// 128 levels to compute their layout.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod format;
pub mod pages;
pub mod resource;
pub mod routes;
pub mod types;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};
use routes::*;

/// The HTML document around every page. ECharts loads before the hydration scripts so chart
/// effects find it (TOOLCHAIN.md); it is served from our own site, never a CDN.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <script src="/echarts.min.js"></script>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-gray-50 text-gray-900 antialiased">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/wgmik.css" />
        <Title text="wgmik" />
        <Router>
            <Routes fallback=|| pages::not_found::NotFound>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} />
                <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()} />
                <ParentRoute path=path!("") view=components::layout::AppLayout>
                    <Route path=path!("/") view={Lazy::<DashboardRoute>::new()} />
                    <Route path=path!("/peers/:id") view={Lazy::<PeerRoute>::new()} />
                    <Route path=path!("/wizard") view={Lazy::<WizardRoute>::new()} />
                    // Whole HTML before the first byte (not streamed out of order): with
                    // JavaScript off, streamed content would stay hidden behind its fallback,
                    // and these two pages must work without it.
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/system") view={Lazy::<SystemRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
