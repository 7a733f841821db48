//! Browser sessions: a 256-bit random secret in the `wgmik_session` cookie (HttpOnly,
//! SameSite=Strict, Path=/, Secure behind TLS), stored server-side only as its SHA-256. A
//! session lives 7 days from its last use; use slides the expiry at most once a minute so
//! browsing does not write to the database on every request.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

use super::secret::{random_secret, sha256_hex};
use crate::db::entities::{session, user};

pub const COOKIE_NAME: &str = "wgmik_session";
pub const SESSION_TTL: TimeDelta = TimeDelta::days(7);
/// How stale `last_seen_at` may get before a request slides the expiry.
pub const SLIDE_AFTER: TimeDelta = TimeDelta::minutes(1);
const MAX_USER_AGENT_CHARS: usize = 256;

/// A session just made. `Debug` hides the secret; only [`NewSession::cookie`] reveals it, to
/// put it in the `Set-Cookie` header.
pub struct NewSession {
    secret: String,
    pub row: session::Model,
}

impl NewSession {
    /// The `Set-Cookie` value that hands the session to the browser.
    pub fn cookie(&self, secure: bool) -> String {
        set_cookie(&self.secret, secure)
    }
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("secret", &"<redacted>")
            .field("row", &self.row)
            .finish()
    }
}

/// What is recorded about the client at login.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub source: Option<String>,
}

/// A valid session and its user, after lookup.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub session: session::Model,
    pub user: user::Model,
    /// True when this lookup extended the expiry: the cookie should be re-sent so the
    /// browser's copy lives as long as the server's.
    pub slid: bool,
}

pub async fn create(
    db: &DatabaseConnection,
    user_id: i32,
    client: ClientInfo,
    now: DateTime<Utc>,
) -> Result<NewSession, DbErr> {
    // Expired rows are only ever read as "not found"; dropping them here keeps the table small
    // without a job of its own.
    session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    let secret = random_secret();
    let row = session::ActiveModel {
        id: Set(sha256_hex(&secret)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + SESSION_TTL),
        user_agent: Set(client
            .user_agent
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect())),
        source: Set(client.source),
    }
    .insert(db)
    .await?;
    Ok(NewSession { secret, row })
}

/// The live session for a cookie secret, or `None` when unknown or expired.
pub async fn lookup(
    db: &DatabaseConnection,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<ActiveSession>, DbErr> {
    let id = sha256_hex(secret);
    let Some(session) = session::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if session.expires_at <= now {
        return Ok(None);
    }
    let Some(user) = user::Entity::find_by_id(session.user_id).one(db).await? else {
        return Ok(None);
    };
    if now - session.last_seen_at < SLIDE_AFTER {
        return Ok(Some(ActiveSession {
            session,
            user,
            slid: false,
        }));
    }
    let mut active: session::ActiveModel = session.into();
    active.last_seen_at = Set(now);
    active.expires_at = Set(now + SESSION_TTL);
    let session = active.update(db).await?;
    Ok(Some(ActiveSession {
        session,
        user,
        slid: true,
    }))
}

/// Logout: true when the session existed.
pub async fn delete(db: &DatabaseConnection, secret: &str) -> Result<bool, DbErr> {
    let result = session::Entity::delete_by_id(sha256_hex(secret))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Logout everywhere (e.g. after a password change): the number of sessions ended.
pub async fn delete_all_for_user(db: &DatabaseConnection, user_id: i32) -> Result<u64, DbErr> {
    let result = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// `Set-Cookie` for a session. `Max-Age` matches the server-side lifetime.
pub fn set_cookie(secret: &str, secure: bool) -> String {
    format!(
        "{COOKIE_NAME}={secret}; Max-Age={}; Path=/; HttpOnly; SameSite=Strict{}",
        SESSION_TTL.num_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that makes the browser forget the session.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE_NAME}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session secret from the request's `Cookie` headers. Values that could not be one of
/// ours (wrong length or alphabet) are ignored rather than looked up.
pub fn secret_from_headers(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|value| {
            value.len() == 43
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue, header::COOKIE};

    #[test]
    fn cookie_flags() {
        let plain = set_cookie("abc", false);
        assert!(plain.starts_with("wgmik_session=abc; "), "{plain}");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
            assert!(plain.contains(flag), "{flag} missing from {plain}");
        }
        assert!(!plain.contains("Secure"));
        assert!(set_cookie("abc", true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn secret_is_found_among_other_cookies() {
        let secret = random_secret();
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("theme=dark"));
        headers.append(
            COOKIE,
            HeaderValue::from_str(&format!("a=1; {COOKIE_NAME}={secret}; b=2"))
                .unwrap_or_else(|_| HeaderValue::from_static("unreachable")),
        );
        assert_eq!(secret_from_headers(&headers), Some(secret));
    }

    #[test]
    fn malformed_cookie_values_are_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("wgmik_session=short"));
        assert_eq!(secret_from_headers(&headers), None);
        headers.insert(COOKIE, HeaderValue::from_static("other_session=x"));
        assert_eq!(secret_from_headers(&headers), None);
    }

    #[test]
    fn new_session_debug_hides_the_secret() {
        let now = Utc::now();
        let new = NewSession {
            secret: "s3cr3t-value".to_owned(),
            row: session::Model {
                id: "hash".to_owned(),
                user_id: 1,
                created_at: now,
                last_seen_at: now,
                expires_at: now,
                user_agent: None,
                source: None,
            },
        };
        assert!(!format!("{new:?}").contains("s3cr3t"));
    }
}
