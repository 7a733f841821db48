//! HTTP edges that are not Leptos pages: health probes, the JSON API under `/api`, metrics.

pub mod api;
pub mod error;
pub mod health;

pub use error::ApiError;
