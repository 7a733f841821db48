//! Authentication for the pages (SPEC §9): a gate on every page route, and the plain HTML form
//! endpoints behind the login, setup and sign-out forms, so they work with JavaScript off.
//!
//! The gate is a route layer on the Leptos router: it runs for each matched page route (and
//! server function), never for static files, and lets through exactly two routes by their
//! matched path — `/login` and `/setup`. Everything else needs a live session: pages redirect
//! to the login page (or to setup while no admin exists), other requests get a 401.

use axum::Form;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Extensions, HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::AuthState;
use super::origin::require_same_origin_if_present;
use super::routes::{SignIn, client_ip, header_text, sign_in, with_cookie};
use super::sessions::{self, ClientInfo};
use super::users::{self, UserError};
use crate::http::ApiError;

pub const LOGIN_PATH: &str = "/login";
pub const SETUP_PATH: &str = "/setup";
/// Where the forms post (apart from the pages' own paths, which Leptos serves).
pub const LOGIN_FORM: &str = "/auth/login";
pub const SETUP_FORM: &str = "/auth/setup";
pub const LOGOUT_FORM: &str = "/auth/logout";

/// A 303 to `location` (after a form POST the browser GETs it).
fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response()
}

/// Only same-site paths may be a post-login destination (no `//host`, no scheme).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The route layer every page goes through.
pub async fn page_gate(
    State(auth): State<AuthState>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let route = matched.as_ref().map(MatchedPath::as_str).unwrap_or("");
    let open = route == LOGIN_PATH || route == SETUP_PATH;
    let is_page = matches!(*request.method(), Method::GET | Method::HEAD);
    if open {
        if !is_page {
            return next.run(request).await;
        }
        // The setup page exists only until the first admin does; login only after.
        return match (route, needs_setup(&auth).await) {
            (_, Err(response)) => response,
            (LOGIN_PATH, Ok(true)) => see_other(SETUP_PATH),
            (SETUP_PATH, Ok(false)) => see_other(LOGIN_PATH),
            _ => next.run(request).await,
        };
    }
    // A signed-in request (the common case) costs one session lookup, nothing more.
    let signed_in = match sessions::secret_from_headers(request.headers()) {
        Some(secret) => match sessions::lookup(&auth.db, &secret, auth.clock.now()).await {
            Ok(found) => found.is_some(),
            Err(err) => return ApiError::internal(err).into_response(),
        },
        None => false,
    };
    if signed_in {
        return next.run(request).await;
    }
    if !is_page {
        return ApiError::unauthorized("sign in first").into_response();
    }
    match needs_setup(&auth).await {
        Err(response) => return response,
        Ok(true) => return see_other(SETUP_PATH),
        Ok(false) => {}
    }
    let wanted = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    see_other(&format!("{LOGIN_PATH}?next={}", encode(&wanted)))
}

/// Whether no admin exists yet (so pages lead to setup), or the error response.
async fn needs_setup(auth: &AuthState) -> Result<bool, Response> {
    users::admin_exists(&auth.db)
        .await
        .map(|exists| !exists)
        .map_err(|err| ApiError::internal(err).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// `POST /auth/login` (form): signs in and goes to `next`, or back to the form with an error code.
pub async fn login_form(
    State(auth): State<AuthState>,
    uri: Uri,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<LoginForm>,
) -> Response {
    if let Err(reason) =
        require_same_origin_if_present(&headers, &uri, auth.public_origin.as_deref())
    {
        return ApiError::forbidden(reason).into_response();
    }
    let next = safe_next(form.next.as_deref());
    let back = |error: &str| {
        see_other(&format!(
            "{LOGIN_PATH}?error={error}&next={}",
            encode(&next)
        ))
    };
    if form.username.trim().is_empty() || form.password.is_empty() {
        return back("missing");
    }
    match sign_in(
        &auth,
        &form.username,
        form.password,
        &uri,
        &headers,
        &extensions,
    )
    .await
    {
        Ok(SignIn::Session(cookie)) => with_cookie(see_other(&next), &cookie),
        Ok(SignIn::Limited(_)) => back("limited"),
        Ok(SignIn::Wrong) => back("credentials"),
        Err(err) => err.into_response(),
    }
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /auth/setup` (form): creates the first admin, signs them in, goes to the dashboard.
pub async fn setup_form(
    State(auth): State<AuthState>,
    uri: Uri,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<SetupForm>,
) -> Response {
    if let Err(reason) =
        require_same_origin_if_present(&headers, &uri, auth.public_origin.as_deref())
    {
        return ApiError::forbidden(reason).into_response();
    }
    if form.password != form.confirm {
        return see_other(&format!("{SETUP_PATH}?error=confirm"));
    }
    let now = auth.clock.now();
    let user = match users::create_admin(&auth.db, &form.username, &form.password, now).await {
        Ok(user) => user,
        Err(UserError::InvalidUsername(_)) => {
            return see_other(&format!("{SETUP_PATH}?error=username"));
        }
        Err(UserError::Password(_)) => return see_other(&format!("{SETUP_PATH}?error=password")),
        Err(UserError::AdminExists) => return see_other(LOGIN_PATH),
        Err(UserError::Db(err)) => return ApiError::internal(err).into_response(),
    };
    tracing::info!(username = %user.username, "first admin created by the setup page");
    let client = ClientInfo {
        user_agent: header_text(&headers, header::USER_AGENT),
        source: client_ip(&extensions),
    };
    match sessions::create(&auth.db, user.id, client, now).await {
        Ok(session) => with_cookie(
            see_other("/"),
            &session.cookie(auth.secure_cookie(&headers, &uri)),
        ),
        Err(err) => ApiError::internal(err).into_response(),
    }
}

/// `POST /auth/logout` (form): ends the session and returns to the login page.
pub async fn logout_form(State(auth): State<AuthState>, uri: Uri, headers: HeaderMap) -> Response {
    if let Err(reason) =
        require_same_origin_if_present(&headers, &uri, auth.public_origin.as_deref())
    {
        return ApiError::forbidden(reason).into_response();
    }
    if let Some(secret) = sessions::secret_from_headers(&headers)
        && let Err(err) = sessions::delete(&auth.db, &secret).await
    {
        return ApiError::internal(err).into_response();
    }
    with_cookie(
        see_other(LOGIN_PATH),
        &sessions::clear_cookie(auth.secure_cookie(&headers, &uri)),
    )
}

/// The form endpoints, for `wgmik serve` to mount beside the pages.
pub fn form_routes<S>() -> axum::Router<S>
where
    AuthState: axum::extract::FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    axum::Router::new()
        .route(LOGIN_FORM, axum::routing::post(login_form))
        .route(SETUP_FORM, axum::routing::post(setup_form))
        .route(LOGOUT_FORM, axum::routing::post(logout_form))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/peers/3?x=1")), "/peers/3?x=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
