//! HTTP edges that are not Leptos pages: health probes, the JSON API under `/api`, metrics,
//! and the plain form endpoints the pages post to with JavaScript off.

pub mod api;
pub mod error;
pub mod forms;
pub mod health;

pub use error::ApiError;
