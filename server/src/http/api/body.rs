//! A JSON body extractor whose errors are API errors naming the field serde complained about
//! (`missing field `host``, `unknown field `hots``, a wrong type), not axum's plain text.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::http::ApiError;

pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(from_rejection(&rejection)),
        }
    }
}

fn from_rejection(rejection: &JsonRejection) -> ApiError {
    let text = rejection.body_text();
    let field = field_path(&text)
        .or_else(|| backticked(&text))
        .unwrap_or("body");
    ApiError::invalid(field, text.clone())
}

/// The field path axum's JSON extractor puts before a type error
/// (`…target type: port: invalid type: string "80", expected u16 …`).
fn field_path(text: &str) -> Option<&str> {
    let rest = text.split_once("target type: ")?.1;
    let (path, _) = rest.split_once(": ")?;
    let plain = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'));
    plain.then_some(path)
}

/// The first `name` in backticks in a serde message (`missing field `host``).
fn backticked(text: &str) -> Option<&str> {
    let start = text.find('`')? + 1;
    let len = text[start..].find('`')?;
    Some(&text[start..start + len])
}
