//! The classic RouterOS binary API (8728, API-SSL 8729): wire codec, sentences, one multiplexed
//! session, and the client on top.

pub mod client;
pub mod codec;
pub mod conn;
#[cfg(test)]
mod conn_tests;
pub mod sentence;

pub use client::ApiClient;
pub use codec::decode_sentence;
pub use sentence::Sentence;
