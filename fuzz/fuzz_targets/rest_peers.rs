//! Arbitrary bytes as a REST reply: the peer, interface and resource parsers must answer a
//! value or a typed error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::routeros::json::{parse_interfaces_json, parse_singleton_json};
use server::routeros::model::parse_resource;
use server::routeros::{parse_duration, parse_peers_json};

fuzz_target!(|data: &[u8]| {
    let _ = parse_peers_json("fuzz", data);
    let _ = parse_interfaces_json("fuzz", data);
    let _ = parse_singleton_json("fuzz", data, |r, o| parse_resource(r, o));
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_duration(text);
    }
});
