//! The browser entry point: hydrates the server-rendered page (built with feature `hydrate`).

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes (app::routes) fetch their page's wasm chunk before hydrating it.
    leptos::mount::hydrate_lazy(app::App);
}
