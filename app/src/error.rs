//! The error every server function returns: the JSON API's error shape (SPEC §8) — a stable
//! code, plain words, and the offending field when one is to blame — so a form can show the
//! message next to that field.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiError {
    /// `invalid`, `not_found`, `unauthorized`, `forbidden`, `conflict`, `router_*`, `internal`,
    /// or `transport` when the request never got an answer.
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl UiError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            field: None,
        }
    }

    /// A refused value of `field` (the API's `invalid`). In a server-function call it also
    /// makes the answer a 400, as the API's own validation errors are, instead of Leptos's
    /// blanket 500: the value was wrong, not the server.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        #[cfg(feature = "ssr")]
        answer_with_status(http::StatusCode::BAD_REQUEST);
        Self {
            code: "invalid".to_owned(),
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// The message when `field` is the one to blame, for showing beside that input.
    pub fn for_field(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message.clone())
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UiError {}

impl FromServerFnError for UiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::new(
            "transport",
            format!("the server could not be reached: {value}"),
        )
    }
}

#[cfg(feature = "ssr")]
impl From<server::http::ApiError> for UiError {
    fn from(err: server::http::ApiError) -> Self {
        answer_with_status(err.status);
        Self {
            code: err.code.to_owned(),
            message: err.message,
            field: err.field,
        }
    }
}

/// Gives a server function's HTTP answer the API's status (400, 401, 404, 502 …) instead of
/// Leptos's blanket 500, so logs and clients see what happened. Only when this request *is* a
/// server-function call (`/api/…`): while a page renders on the server, its server functions
/// run in the page's request, and a failed read must not change the page's own status.
#[cfg(feature = "ssr")]
fn answer_with_status(status: http::StatusCode) {
    use leptos::prelude::use_context;
    let is_server_fn_call = use_context::<http::request::Parts>()
        .is_some_and(|parts| parts.uri.path().starts_with("/api/"));
    if is_server_fn_call && let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}
