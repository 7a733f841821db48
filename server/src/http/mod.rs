//! HTTP edges that are not Leptos pages: health probes now; the JSON API and metrics later.

pub mod health;
