//! The pages as lazy routes: each page's code is split out of the main wasm module
//! (`cargo leptos build --split`) and fetched when the page is first shown, so a visit loads
//! the shell plus the one page it opens instead of every page (issue #7's bundle budget).
//!
//! On the server a lazy route renders like any other; in the browser the router fetches the
//! page's chunk before it hydrates (`leptos::mount::hydrate_lazy`), and the server lists that
//! chunk in a `<link rel="preload">` so it downloads alongside the main module.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// One lazy route per page component. `lazy_route` names each split point after the type, so
/// every page gets its own chunk.
macro_rules! lazy_pages {
    ($($route:ident => $page:path),* $(,)?) => {$(
        #[doc = concat!("The lazily loaded route of `", stringify!($page), "`.")]
        #[derive(Debug)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_route: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_pages! {
    LoginRoute => crate::pages::auth::LoginPage,
    SetupRoute => crate::pages::auth::SetupPage,
    DashboardRoute => crate::pages::dashboard::DashboardPage,
    PeerRoute => crate::pages::peer::PeerPage,
    WizardRoute => crate::pages::wizard::WizardPage,
    SettingsRoute => crate::pages::settings::SettingsPage,
    AuditRoute => crate::pages::audit::AuditPage,
    SystemRoute => crate::pages::home::HomePage,
}
