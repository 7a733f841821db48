//! The `{id}` path extractor: an id that is not a whole number in i32's range is an API error
//! naming `id` (`{"error": "invalid", "field": "id", …}`), not axum's plain-text rejection.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::http::ApiError;

/// A route's `{id}`.
pub struct Id(pub i32);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::invalid("id", rejection.body_text()))?;
        text.parse::<i32>().map(Id).map_err(|_| {
            ApiError::invalid(
                "id",
                format!("{text:?} is not an id: ids are whole numbers up to 2147483647"),
            )
        })
    }
}
