//! Keeps the browser's cookie alive as long as the server-side session. The [`Principal`]
//! extractor cannot touch the response, so when it slides a session's expiry it leaves the
//! refreshed `Set-Cookie` in a slot this middleware put in the request, and the middleware
//! adds it to the response. Without the middleware nothing breaks: the cookie simply expires
//! 7 days after login.
//!
//! [`Principal`]: super::extract::Principal

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

#[derive(Clone, Default)]
pub struct CookieRefresh(Arc<Mutex<Option<String>>>);

impl CookieRefresh {
    pub fn set(&self, set_cookie: String) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(set_cookie);
    }

    fn take(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

impl std::fmt::Debug for CookieRefresh {
    // The slot may hold a session secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieRefresh(<redacted>)")
    }
}

/// `axum::middleware::from_fn(refresh_session_cookie)` on the whole app.
pub async fn refresh_session_cookie(mut request: Request, next: Next) -> Response {
    let slot = CookieRefresh::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    // A handler that set a cookie itself (login, logout) knows better.
    if let Some(cookie) = slot.take()
        && !response.headers().contains_key(header::SET_COOKIE)
        && let Ok(value) = HeaderValue::from_str(&cookie)
    {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
