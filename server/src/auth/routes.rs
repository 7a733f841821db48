//! The auth endpoints (SPEC §8): log in and out, first-run setup, API tokens. Open routes are
//! open by choice and say why; the rest take a [`Principal`]. Every error is an [`ApiError`].

use std::net::SocketAddr;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRef, Path, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Map, Value, json};

use super::extract::{AuthState, Principal, Via};
use super::origin::require_same_origin_if_present;
use super::ratelimit::ip_key;
use super::sessions::{self, ClientInfo};
use super::tokens::{self, TokenError};
use super::users::{self, UserError};
use crate::http::ApiError;

/// The auth routes in the OpenAPI document (`/api/openapi.json` merges them in).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    login,
    logout,
    setup_status,
    setup,
    create_token,
    list_tokens,
    revoke_token
))]
pub struct AuthDoc;

/// The auth routes, for any app state that can hand out an [`AuthState`].
pub fn routes<S>() -> Router<S>
where
    AuthState: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(
            "/api/session",
            post(login).delete(logout).fallback(method_not_allowed),
        )
        .route(
            "/api/setup",
            get(setup_status).post(setup).fallback(method_not_allowed),
        )
        .route(
            "/api/tokens",
            get(list_tokens)
                .post(create_token)
                .fallback(method_not_allowed),
        )
        .route(
            "/api/tokens/{id}",
            delete(revoke_token).fallback(method_not_allowed),
        )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this method is not supported on this path",
    )
}

const WRONG_CREDENTIALS: &str = "wrong username or password";

/// `POST /api/session`: open (it is how one gets a session), rate-limited.
#[utoipa::path(post, path = "/api/session", tag = "auth", request_body = Object,
    responses((status = 204, description = "signed in; Set-Cookie: wgmik_session"),
        (status = 400, body = crate::http::error::ErrorBody), (status = 401, body = crate::http::error::ErrorBody), (status = 403, body = crate::http::error::ErrorBody),
        (status = 429, body = crate::http::error::ErrorBody)))]
async fn login(
    State(auth): State<AuthState>,
    uri: Uri,
    headers: HeaderMap,
    extensions: Extensions,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_same_origin_if_present(&headers, &uri, auth.public_origin.as_deref())
        .map_err(ApiError::forbidden)?;
    let body = json_object(&body)?;
    let username = string_field(&body, "username")?;
    let password = string_field(&body, "password")?;
    match sign_in(&auth, &username, password, &uri, &headers, &extensions).await? {
        SignIn::Session(cookie) => Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), &cookie)),
        SignIn::Limited(retry_after) => Ok(rate_limited(retry_after)),
        SignIn::Wrong => Err(ApiError::unauthorized(WRONG_CREDENTIALS)),
    }
}

/// The outcome of a sign-in attempt, for the JSON route and the login form alike.
pub(crate) enum SignIn {
    /// Signed in: the `Set-Cookie` value.
    Session(String),
    /// Too many attempts: retry after this many seconds.
    Limited(i64),
    Wrong,
}

/// Checks the credentials under the login limiter and opens a session.
pub(crate) async fn sign_in(
    auth: &AuthState,
    username: &str,
    password: String,
    uri: &Uri,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Result<SignIn, ApiError> {
    let source = client_ip(extensions);
    let ip = source.clone().unwrap_or_else(|| "unknown".to_owned());
    let now = auth.clock.now();
    if let Err(limited) = auth.limiter.try_attempt(&ip, username, now) {
        tracing::warn!(username = ?username, source = %ip, "login refused: too many attempts");
        return Ok(SignIn::Limited(limited.retry_after_secs()));
    }
    let user = match users::normalize_username(username) {
        Ok(name) => users::find_by_username(&auth.db, &name).await?,
        Err(_) => None,
    };
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    if !super::password::verify_blocking(password, phc).await {
        tracing::warn!(username = ?username, source = %ip, "login failed");
        return Ok(SignIn::Wrong);
    }
    let Some(user) = user else {
        // verify_blocking never accepts without a hash; this is unreachable in practice.
        return Ok(SignIn::Wrong);
    };
    auth.limiter.succeeded(&ip, username, now);
    users::record_login(&auth.db, user.id, now).await?;
    let client = ClientInfo {
        user_agent: header_text(headers, header::USER_AGENT),
        source,
    };
    let session = sessions::create(&auth.db, user.id, client, now).await?;
    tracing::info!(username = %user.username, source = %ip, "logged in");
    Ok(SignIn::Session(
        session.cookie(auth.secure_cookie(headers, uri)),
    ))
}

/// `DELETE /api/session`: ends the session the cookie names.
#[utoipa::path(delete, path = "/api/session", tag = "auth",
    responses((status = 204), (status = 401, body = crate::http::error::ErrorBody)))]
async fn logout(
    State(auth): State<AuthState>,
    principal: Principal,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if principal.via != Via::Session {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "no_session",
            "an API token has no session to end; revoke the token instead",
        ));
    }
    if let Some(secret) = sessions::secret_from_headers(&headers) {
        sessions::delete(&auth.db, &secret).await?;
    }
    tracing::info!(username = %principal.name, "logged out");
    let cookie = sessions::clear_cookie(auth.secure_cookie(&headers, &uri));
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), &cookie))
}

/// `GET /api/setup`: open, so the UI can choose between the setup and login pages. Says
/// only whether an admin exists.
#[utoipa::path(get, path = "/api/setup", tag = "auth", responses((status = 200, body = Object)))]
async fn setup_status(State(auth): State<AuthState>) -> Result<Json<Value>, ApiError> {
    let needed = !users::admin_exists(&auth.db).await?;
    Ok(Json(json!({ "needed": needed })))
}

/// `POST /api/setup`: open only while no admin exists (then 409); creates the first admin
/// and logs them in.
#[utoipa::path(post, path = "/api/setup", tag = "auth", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = crate::http::error::ErrorBody), (status = 409, body = crate::http::error::ErrorBody)))]
async fn setup(
    State(auth): State<AuthState>,
    uri: Uri,
    headers: HeaderMap,
    extensions: Extensions,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_same_origin_if_present(&headers, &uri, auth.public_origin.as_deref())
        .map_err(ApiError::forbidden)?;
    if users::admin_exists(&auth.db).await? {
        return Err(ApiError::conflict(UserError::AdminExists.to_string()));
    }
    let body = json_object(&body)?;
    let username = string_field(&body, "username")?;
    let password = string_field(&body, "password")?;
    let now = auth.clock.now();
    let user = users::create_admin(&auth.db, &username, &password, now)
        .await
        .map_err(|err| match err {
            UserError::InvalidUsername(msg) => ApiError::invalid("username", msg),
            UserError::Password(err) => ApiError::invalid("password", err.to_string()),
            UserError::AdminExists => ApiError::conflict(err.to_string()),
            UserError::Db(err) => ApiError::from(err),
        })?;
    tracing::info!(username = %user.username, "first admin created by setup");
    users::record_login(&auth.db, user.id, now).await?;
    let client = ClientInfo {
        user_agent: header_text(&headers, header::USER_AGENT),
        source: client_ip(&extensions),
    };
    let session = sessions::create(&auth.db, user.id, client, now).await?;
    let cookie = session.cookie(auth.secure_cookie(&headers, &uri));
    let response = (
        StatusCode::CREATED,
        Json(json!({ "username": user.username })),
    )
        .into_response();
    Ok(with_cookie(response, &cookie))
}

/// `POST /api/tokens` `{"name"}`: the token is in this response and nowhere else, ever.
#[utoipa::path(post, path = "/api/tokens", tag = "auth", request_body = Object,
    responses((status = 201, body = Object), (status = 400, body = crate::http::error::ErrorBody), (status = 401, body = crate::http::error::ErrorBody)))]
async fn create_token(
    State(auth): State<AuthState>,
    principal: Principal,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_object(&body)?;
    let name = string_field(&body, "name")?;
    let created = tokens::create(&auth.db, &name, principal.user_id, auth.clock.now())
        .await
        .map_err(|err| match err {
            TokenError::InvalidName(msg) => ApiError::invalid("name", msg),
            TokenError::Db(err) => ApiError::from(err),
        })?;
    tracing::info!(by = %principal.name, token = %created.name, prefix = %created.prefix, "API token created");
    let mut response = (
        StatusCode::CREATED,
        Json(json!({
            "id": created.id,
            "name": created.name,
            "token": created.secret(),
            "prefix": created.prefix,
            "created_at": created.created_at,
        })),
    )
        .into_response();
    no_store(&mut response);
    Ok(response)
}

/// `GET /api/tokens`: names, prefixes and dates; never a token.
#[utoipa::path(get, path = "/api/tokens", tag = "auth",
    responses((status = 200, body = Vec<Object>), (status = 401, body = crate::http::error::ErrorBody)))]
async fn list_tokens(
    State(auth): State<AuthState>,
    _principal: Principal,
) -> Result<Json<Vec<tokens::TokenInfo>>, ApiError> {
    Ok(Json(tokens::list(&auth.db).await?))
}

/// `DELETE /api/tokens/{id}`: 204, or 404 for an unknown id. Revoking twice is fine.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "auth", params(("id" = i32, Path)),
    responses((status = 204), (status = 401, body = crate::http::error::ErrorBody), (status = 404, body = crate::http::error::ErrorBody)))]
async fn revoke_token(
    State(auth): State<AuthState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let not_found = || ApiError::not_found(format!("there is no API token with id {id}"));
    let Ok(token_id) = id.parse::<i32>() else {
        return Err(not_found());
    };
    if !tokens::revoke(&auth.db, token_id, auth.clock.now()).await? {
        return Err(not_found());
    }
    tracing::info!(by = %principal.name, token_id, "API token revoked");
    Ok(StatusCode::NO_CONTENT)
}

fn json_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "the request body must be a JSON object",
        )),
        Err(err) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("the request body is not valid JSON: {err}"),
        )),
    }
}

fn string_field(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        Some(Value::String(value)) => Ok(value.clone()),
        Some(_) => Err(ApiError::invalid(
            field,
            format!("{field} must be a string"),
        )),
        None => Err(ApiError::invalid(field, format!("{field} is required"))),
    }
}

/// The peer address of the connection (the proxy's, behind a reverse proxy).
pub(crate) fn client_ip(extensions: &Extensions) -> Option<String> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| ip_key(addr.ip()))
}

pub(crate) fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn rate_limited(retry_after_secs: i64) -> Response {
    let mut response = ApiError::too_many_requests(format!(
        "too many login attempts; try again in {retry_after_secs} seconds"
    ))
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

pub(crate) fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    no_store(&mut response);
    response
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}
