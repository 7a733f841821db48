//! Server-rendered fragments: a read-only part of a page that the server renders to HTML with
//! the same components as the rest of the page, and that the page sets as `inner_html`. Used
//! where nothing in the part is interactive, so the browser needs no code for it (issue #7's
//! bundle budget). Text and attributes are escaped by the renderer, as on any server-rendered
//! page.

use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

/// The HTML of `view`, rendered under an owner of its own (a server function has none).
pub fn render<V: IntoView + 'static>(view: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    owner.with(|| view().into_view().to_html())
}
