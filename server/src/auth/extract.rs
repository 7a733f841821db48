//! Who is asking: the [`Principal`] extractor every protected handler takes. Authentication
//! is decided per handler by the presence of this argument, never by path prefix, so a route
//! without it is open by visible choice and a route with it fails closed.
//!
//! A request is authenticated by `Authorization: Bearer <token>` or, failing that header
//! entirely, by the session cookie. A bad bearer token is a 401 even when a valid cookie rides
//! along: the client said who it is, and that is what is judged. Session requests that change
//! state must also prove their origin (see [`super::origin`]); token requests need not, as a
//! browser never attaches a token on its own.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::{HeaderMap, Uri, header, request::Parts};
use sea_orm::DatabaseConnection;

use super::origin::{is_safe_method, require_same_origin};
use super::ratelimit::RateLimiter;
use super::refresh::CookieRefresh;
use super::{sessions, tokens};
use crate::clock::Clock;
use crate::http::ApiError;

/// Everything authentication needs; build one at start-up and share it (it is cheap to clone).
#[derive(Clone)]
pub struct AuthState {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub limiter: Arc<RateLimiter>,
    /// `WGMIK_COOKIE_SECURE`: always mark the cookie Secure (TLS terminated by a proxy that
    /// does not send `X-Forwarded-Proto`).
    pub cookie_secure: bool,
    /// `WGMIK_PUBLIC_URL`, normalised to `scheme://host[:port]`: the origin browsers use.
    pub public_origin: Option<String>,
}

impl AuthState {
    /// Default limits, cookie security decided per request, origin from `Host`.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            clock,
            limiter: Arc::new(RateLimiter::default()),
            cookie_secure: false,
            public_origin: None,
        }
    }

    /// Whether the session cookie gets `Secure`: when configured, when the public URL is
    /// https, or when the request came over TLS (directly or as a proxy reports it; trusting
    /// the header can only make the cookie stricter).
    pub fn secure_cookie(&self, headers: &HeaderMap, uri: &Uri) -> bool {
        self.cookie_secure
            || self
                .public_origin
                .as_deref()
                .is_some_and(|o| o.starts_with("https://"))
            || uri.scheme_str() == Some("https")
            || headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
    }
}

impl std::fmt::Debug for AuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthState")
            .field("cookie_secure", &self.cookie_secure)
            .field("public_origin", &self.public_origin)
            .finish_non_exhaustive()
    }
}

/// How the request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session,
    Token { token_id: i32 },
}

/// An authenticated caller. `name` is the username for sessions and `token:<name>` for API
/// tokens: what audit records show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Option<i32>,
    pub name: String,
    pub via: Via,
}

impl<S> FromRequestParts<S> for Principal
where
    AuthState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(known) = parts.extensions.get::<Principal>() {
            return Ok(known.clone());
        }
        let auth = AuthState::from_ref(state);
        let principal = match bearer(&parts.headers)? {
            Some(token) => by_token(&auth, &token).await?,
            None => by_session(&auth, parts).await?,
        };
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

/// A caller authenticated by API token only (for `/metrics` and other machine endpoints,
/// where a browser session has no business).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPrincipal {
    pub token_id: i32,
    pub user_id: Option<i32>,
    pub name: String,
}

impl<S> FromRequestParts<S> for TokenPrincipal
where
    AuthState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = AuthState::from_ref(state);
        let Some(token) = bearer(&parts.headers)? else {
            return Err(ApiError::unauthorized(
                "this endpoint needs an API token: send Authorization: Bearer <token>",
            ));
        };
        let principal = by_token(&auth, &token).await?;
        match principal.via {
            Via::Token { token_id } => Ok(Self {
                token_id,
                user_id: principal.user_id,
                name: principal.name,
            }),
            Via::Session => Err(ApiError::unauthorized("an API token is required")),
        }
    }
}

/// The bearer token, if an `Authorization` header is present. Any other scheme is refused
/// rather than ignored, so a misconfigured client hears about it.
fn bearer(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
    match text.trim().split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(ApiError::unauthorized(
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}

async fn by_token(auth: &AuthState, presented: &str) -> Result<Principal, ApiError> {
    let now = auth.clock.now();
    match tokens::lookup(&auth.db, presented, now).await? {
        Some(row) => Ok(Principal {
            user_id: row.user_id,
            name: format!("token:{}", row.name),
            via: Via::Token { token_id: row.id },
        }),
        None => Err(ApiError::unauthorized(
            "the API token is unknown or has been revoked",
        )),
    }
}

async fn by_session(auth: &AuthState, parts: &mut Parts) -> Result<Principal, ApiError> {
    let Some(secret) = sessions::secret_from_headers(&parts.headers) else {
        return Err(ApiError::unauthorized(
            "log in first, or send an API token (Authorization: Bearer <token>)",
        ));
    };
    let now = auth.clock.now();
    let Some(active) = sessions::lookup(&auth.db, &secret, now).await? else {
        return Err(ApiError::unauthorized(
            "the session has expired or was ended; log in again",
        ));
    };
    if !is_safe_method(&parts.method) {
        require_same_origin(&parts.headers, &parts.uri, auth.public_origin.as_deref())
            .map_err(ApiError::forbidden)?;
    }
    if active.slid
        && let Some(refresh) = parts.extensions.get::<CookieRefresh>()
    {
        let secure = auth.secure_cookie(&parts.headers, &parts.uri);
        refresh.set(sessions::set_cookie(&secret, secure));
    }
    Ok(Principal {
        user_id: Some(active.user.id),
        name: active.user.username,
        via: Via::Session,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h).unwrap(), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer wgm_abc"),
        );
        assert_eq!(bearer(&h).unwrap().as_deref(), Some("wgm_abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  wgm_abc "),
        );
        assert_eq!(bearer(&h).unwrap().as_deref(), Some("wgm_abc"));
        for bad in ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer   ", "wgm_abc"] {
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(bad));
            assert!(bearer(&h).is_err(), "{bad}");
        }
    }
}
