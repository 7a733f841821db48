//! The RouterOS binary API (8728/8729): word codec, sentences, the connection loop and the
//! command dispatcher.

pub mod codec;
pub mod commands;
pub mod sentence;
pub mod server;
