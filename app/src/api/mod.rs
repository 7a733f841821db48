//! Server functions: the browser's door to the `server` crate, one module per page. Each
//! checks the caller (`ctx::caller`) and calls the JSON API's handler for the same thing.

pub mod audit;
#[cfg(feature = "ssr")]
pub mod ctx;
pub mod dashboard;
pub mod health;
pub mod peer;
pub mod settings;
pub mod wizard;
