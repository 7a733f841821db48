//! The design system of SPEC §10 as Leptos components.

pub mod button;
pub mod card;
pub mod chart;
