//! SeaORM entities, one module per table (the migrations are the schema's source of truth).

pub mod action;
pub mod alert;
pub mod api_token;
pub mod counter_reset;
pub mod peer;
pub mod peer_counter;
pub mod quota;
pub mod raw_sample;
pub mod router;
pub mod router_health;
pub mod session;
pub mod settings;
pub mod usage_daily;
pub mod usage_hourly;
pub mod usage_monthly;
pub mod usage_router_daily;
pub mod user;
pub mod wg_interface;
