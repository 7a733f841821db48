//! The design system of SPEC §10 as Leptos components.

pub mod button;
pub mod bytes;
pub mod card;
pub mod chart;
pub mod input;
pub mod layout;
#[cfg(feature = "ssr")]
pub mod server_html;
pub mod shimmer;
pub mod status_pill;
pub mod usage_bar;
