//! wgmik's server-only core: configuration, database, RouterOS clients and the HTTP edges.
//! Nothing here depends on Leptos, so it never reaches the browser build.

pub mod accounting;
pub mod alerts;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod enforcement;
pub mod http;
pub mod logging;
pub mod routeros;
pub mod scheduler;
pub mod service;
pub mod state;
