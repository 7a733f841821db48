//! Server functions: the browser's door to the `server` crate. One small module each.

pub mod health;
