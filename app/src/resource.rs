//! The pages' resources, whose loaded values the server writes into the HTML for hydration.
//!
//! Leptos's default resource codec decodes that JSON with `serde_json::from_str`, while server
//! functions decode their JSON replies with `serde_json::from_slice`: two readers, so the wasm
//! carried two copies of every wire type's deserializer. [`resource`] decodes with
//! `from_slice` too, and the bundle keeps one copy (issue #7's size budget).

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON, encoded as Leptos's default codec does, decoded through `serde_json::from_slice`.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// `Resource::new` with the [`Json`] codec.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_like_the_default_codec() {
        let value = vec![(String::from("a\"b"), 18_446_744_073_709_551_615_u64)];
        let text = <Json as Encoder<_>>::encode(&value).expect("encodes");
        assert_eq!(text, serde_json::to_string(&value).expect("encodes"));
        let back: Vec<(String, u64)> = <Json as Decoder<_>>::decode(&text).expect("decodes");
        assert_eq!(back, value);
    }
}
