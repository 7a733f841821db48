//! The browser entry point: hydrates the server-rendered page (built with feature `hydrate`).

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // What `leptos::mount::hydrate_lazy` does (lazy routes, app::routes, fetch their page's
    // wasm chunk before hydrating it), then `<body data-hydrated>` once the whole page,
    // its lazy route included, has hydrated: the browser tests (end2end/lib.mjs
    // `gotoHydrated`) wait for it before typing, because text typed earlier is replaced by
    // the hydrated field's own value. An effect of `App` set it before: effects run at the
    // first await of the hydration, which can be before the route's chunk has arrived.
    let Some(body) = leptos::prelude::document().body() else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        let _ = body.set_attribute("data-hydrated", "");
    });
}
