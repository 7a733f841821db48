//! TEMPORARY stand-in until the authentication core lands: every request is refused.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::http::ApiError;

#[derive(Clone, Default)]
pub struct AuthState;

#[derive(Debug, Clone)]
pub struct Principal {
    pub name: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;
    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Err(ApiError::unauthorized("sign in first"))
    }
}

#[derive(Debug, Clone)]
pub struct TokenPrincipal {
    pub name: String,
}

impl<S: Send + Sync> FromRequestParts<S> for TokenPrincipal {
    type Rejection = ApiError;
    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Err(ApiError::unauthorized("a bearer token is required"))
    }
}
