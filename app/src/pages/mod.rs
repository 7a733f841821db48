//! One module per page (SPEC §10).

pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod home;
pub mod not_found;
pub mod peer;
pub mod settings;
pub mod wizard;
