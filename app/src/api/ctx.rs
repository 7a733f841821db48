//! Server side of every server function: who is calling, and a bridge to the JSON API's
//! handlers. Server functions call those handlers themselves (with the caller's principal),
//! so the UI and `/api` share one code path and cannot disagree about a rule or a number.
//! Results cross to the browser's wire types through serde, which also keeps the two shapes
//! honest: a field the UI expects and the API does not send fails loudly here.

use serde::Serialize;
use serde::de::DeserializeOwned;
use server::auth::Principal;
use server::http::api::ApiState;

use crate::error::UiError;

/// The API state the server put into the Leptos context (see `serve.rs`).
pub fn api_state() -> Result<ApiState, UiError> {
    leptos::prelude::use_context::<ApiState>()
        .ok_or_else(|| UiError::new("internal", "the server state is missing"))
}

/// The signed-in caller, checked exactly as an `/api` request is: a live session (or token),
/// and for state-changing calls a same-origin request.
pub async fn caller() -> Result<(ApiState, Principal), UiError> {
    use axum::extract::FromRequestParts as _;

    let api = api_state()?;
    let mut parts = leptos::prelude::use_context::<http::request::Parts>()
        .ok_or_else(|| UiError::new("internal", "the request is missing"))?;
    let principal = Principal::from_request_parts(&mut parts, &api.auth).await?;
    Ok((api, principal))
}

/// Converts an API body into the UI's wire type of the same JSON shape.
pub fn relay<S: Serialize, T: DeserializeOwned>(body: S) -> Result<T, UiError> {
    let value = serde_json::to_value(body)
        .map_err(|err| UiError::new("internal", format!("could not encode the answer: {err}")))?;
    serde_json::from_value(value).map_err(|err| {
        UiError::new(
            "internal",
            format!("the answer does not match the page's expectations: {err}"),
        )
    })
}

/// Unwraps a handler's `Json` answer into the UI's wire type.
pub fn relay_json<S: Serialize, T: DeserializeOwned>(
    answer: Result<axum::Json<S>, server::http::ApiError>,
) -> Result<T, UiError> {
    relay(answer?.0)
}

/// Query parameters for a handler that takes `Query<HashMap<String, String>>`; empty values
/// are left out, as a browser form would leave them.
pub fn params<'a>(
    pairs: impl IntoIterator<Item = (&'a str, Option<String>)>,
) -> axum::extract::Query<std::collections::HashMap<String, String>> {
    axum::extract::Query(
        pairs
            .into_iter()
            .filter_map(|(key, value)| value.filter(|v| !v.is_empty()).map(|v| (key.to_owned(), v)))
            .collect(),
    )
}
