//! Labelled form controls: Input and AutoTextarea (grows with its content), each with its
//! error shown right below it and tied to it for screen readers. Both are plain form fields
//! (they carry a `name`), so a form built from them also posts with JavaScript off.

use leptos::prelude::*;

pub const INPUT_CLASS: &str = "mt-1 block w-full rounded border border-gray-300 bg-white px-3 py-2 text-sm text-gray-900 shadow-sm transition focus:border-gray-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300 aria-[invalid=true]:border-red-400";
pub const LABEL_CLASS: &str = "block text-sm font-medium text-gray-700";

#[component]
pub fn Input(
    /// The form field name; also the element id unless `id` is given.
    #[prop(into)]
    name: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] id: Option<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: Signal<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
    /// Called with the new text on every keystroke.
    #[prop(optional, into)]
    on_input: Option<Callback<String>>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| name.clone());
    let error_id = format!("{id}-error");
    let hint_view = hint.map(|h| view! { <p class="mt-1 text-xs text-gray-500">{h}</p> });
    view! {
        <div>
            <label for=id.clone() class=LABEL_CLASS>{label}</label>
            <input
                id=id
                name=name
                type=kind
                class=INPUT_CLASS
                prop:value=move || value.get()
                // The attribute gives a no-JS form its value; never for a password.
                value=move || (kind != "password").then(|| value.get())
                placeholder=placeholder
                required=required
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
                on:input=move |ev| {
                    if let Some(callback) = on_input {
                        callback.run(event_target_value(&ev));
                    }
                }
            />
            {hint_view}
            <p id=error_id class="mt-1 text-sm text-red-600" role="alert">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A textarea that grows with its content (CSS `field-sizing: content`, with a row count from
/// the text as the fallback for browsers without it).
#[component]
pub fn AutoTextarea(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] value: Signal<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional, into)] on_input: Option<Callback<String>>,
) -> impl IntoView {
    let text = RwSignal::new(value.get_untracked());
    Effect::new(move |_| text.set(value.get()));
    let rows = move || text.with(|t| t.lines().count().clamp(2, 20));
    let error_id = format!("{name}-error");
    view! {
        <div>
            <label for=name.clone() class=LABEL_CLASS>{label}</label>
            <textarea
                id=name.clone()
                name=name
                rows=rows
                class=format!("{INPUT_CLASS} resize-none [field-sizing:content]")
                prop:value=move || text.get()
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    text.set(value.clone());
                    if let Some(callback) = on_input {
                        callback.run(value);
                    }
                }
            >
                {value.get_untracked()}
            </textarea>
            <p id=error_id class="mt-1 text-sm text-red-600" role="alert">{move || error.get()}</p>
        </div>
    }
}
