//! Shimmer: the skeleton shown while data loads, sized like what will replace it.

use leptos::prelude::*;

#[component]
pub fn Shimmer(
    /// How many gray lines to draw.
    #[prop(default = 3)]
    lines: usize,
) -> impl IntoView {
    view! {
        <div class="space-y-3" aria-busy="true" aria-label="Loading">
            {(0..lines)
                .map(|i| {
                    let width = ["w-full", "w-5/6", "w-2/3", "w-3/4"][i % 4];
                    view! { <div class=format!("wg-shimmer h-4 rounded {width}")></div> }
                })
                .collect_view()}
        </div>
    }
}
