//! Security headers on every response, pages and API alike.
//!
//! The Content-Security-Policy allows scripts only from our own origin plus inline scripts
//! carrying this response's nonce. Leptos renders its hydration bootstrap (and, when
//! streaming, its resource scripts) inline with `leptos::nonce::use_nonce()`; the page
//! renderer is given the nonce this middleware generates (see [`CspNonce`]) so the header and
//! the markup agree. `'wasm-unsafe-eval'` lets the browser compile our WebAssembly and
//! nothing else (it does not allow `eval`). Styles allow `'unsafe-inline'` because ECharts
//! and Leptos set `style` attributes; inline CSS cannot run script, and with `img-src`,
//! `font-src` and `connect-src` limited to our origin it cannot send anything out.
//! `frame-ancestors 'none'` and `X-Frame-Options: DENY` stop clickjacking.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

/// This response's CSP nonce, put in the request's extensions for the page renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CspNonce(pub String);

impl CspNonce {
    /// 128 random bits, base64url (a valid CSP `base64-value`).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }
}

pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; \
         font-src 'self'; \
         connect-src 'self'; \
         object-src 'none'; \
         base-uri 'self'; \
         form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// `axum::middleware::from_fn(security_headers)` as the outermost layer of the app.
pub async fn security_headers(mut request: Request, next: Next) -> Response {
    let nonce = CspNonce::generate();
    let csp = content_security_policy(&nonce.0);
    request.extensions_mut().insert(nonce);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        // `same-origin`, not `no-referrer`: under `no-referrer` browsers send `Origin: null` with
        // form POSTs, and the origin check would refuse the login form.
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_has_the_nonce_and_no_inline_script() {
        let nonce = CspNonce::generate();
        assert_eq!(nonce.0.len(), 22);
        let csp = content_security_policy(&nonce.0);
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or_default();
        assert!(script.contains(&format!("'nonce-{}'", nonce.0)));
        assert!(!script.contains("unsafe-inline") && !script.contains("'unsafe-eval'"));
        for directive in [
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'self'",
        ] {
            assert!(csp.contains(directive), "{directive}");
        }
        assert_ne!(nonce, CspNonce::generate());
    }
}
