//! Webhook signatures. Each delivery carries
//! `X-Wgmik-Signature: sha256=<hex>`, the HMAC-SHA256 of the exact request body under the
//! webhook secret, in lowercase hex.
//!
//! A receiver checks it by computing the same HMAC over the raw body bytes (before any JSON
//! parsing) and comparing in constant time, as [`verify`] does. `X-Wgmik-Delivery` (the alert
//! id) is the same on every retry of one alert, so a receiver can drop repeats; the body's `at`
//! lets it refuse stale replays.

use ring::hmac;

/// The header holding the signature.
pub const SIGNATURE_HEADER: &str = "X-Wgmik-Signature";
/// The header holding the event name (`quota_80`, `router_down`, …).
pub const EVENT_HEADER: &str = "X-Wgmik-Event";
/// The header holding the alert id: stable across retries of one alert.
pub const DELIVERY_HEADER: &str = "X-Wgmik-Delivery";

const PREFIX: &str = "sha256=";

/// The `X-Wgmik-Signature` value for `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let tag = hmac::sign(&key, body);
    let mut out = String::with_capacity(PREFIX.len() + 64);
    out.push_str(PREFIX);
    out.push_str(&to_hex(tag.as_ref()));
    out
}

/// Whether `header` is a valid signature of `body` under `secret`. Malformed headers are
/// simply not valid. The comparison is ring's, in constant time.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(tag) = header.trim().strip_prefix(PREFIX).and_then(from_hex) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    hmac::verify(&key, body, &tag).is_ok()
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xf)]])
        .map(char::from)
        .collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known answer computed independently:
    // python3 -c 'import hmac,hashlib; print(hmac.new(b"secret", b"body", hashlib.sha256).hexdigest())'
    const SECRET_BODY: &str =
        "sha256=dc46983557fea127b43af721467eb9b3fde2338fe3e14f51952aa8478c13d355";

    #[test]
    fn known_answer() {
        assert_eq!(sign(b"secret", b"body"), SECRET_BODY);
        assert!(verify(b"secret", b"body", SECRET_BODY));
    }

    #[test]
    fn rejects_wrong_secret_body_and_malformed_headers() {
        let good = sign(b"secret", b"body");
        assert!(!verify(b"other", b"body", &good));
        assert!(!verify(b"secret", b"body ", &good));
        assert!(!verify(
            b"secret",
            b"body",
            good.trim_start_matches("sha256=")
        ));
        assert!(!verify(b"secret", b"body", "sha256=zz"));
        assert!(!verify(b"secret", b"body", "sha256=abc"));
        assert!(!verify(b"secret", b"body", ""));
        assert!(verify(
            b"secret",
            b"body",
            &good.to_uppercase().replace("SHA256=", "sha256=")
        ));
    }
}
