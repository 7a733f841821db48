//! Authentication (issue #6) on both backends, through a real axum router: first-run setup
//! happens once; login sets a strict cookie and fails with one generic message; a protected
//! route (a handler taking `Principal`) refuses anyone without a live session or token;
//! session requests that change state need our Origin; the limiter engages per user and per
//! address; tokens and session ids are stored hashed and passwords as Argon2id; the headless
//! bootstrap names what is missing; nothing secret shows in `Debug`; security headers are on
//! every response.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Extension};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::middleware::from_fn;
use axum::routing::get;
use chrono::{TimeDelta, TimeZone, Utc};
use http_body_util::BodyExt as _;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use serde_json::{Value, json};
use server::auth::secret::sha256_hex;
use server::auth::users::{self, Bootstrap, BootstrapError};
use server::auth::{
    AuthState, CspNonce, Principal, TokenPrincipal, Via, refresh_session_cookie, security_headers,
};
use server::clock::ManualClock;
use server::db::entities::{api_token, session, user};
use server::db::testing::all_backends;
use tower::ServiceExt as _;

const HOST: &str = "panel.test:8000";
const ORIGIN: &str = "http://panel.test:8000";
const PASSWORD: &str = "correct horse battery";

struct Harness {
    app: Router,
    clock: Arc<ManualClock>,
}

fn harness(db: &DatabaseConnection) -> Harness {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap(),
    ));
    let auth = AuthState::new(db.clone(), clock.clone());
    let app = Router::new()
        .route("/protected", get(who).post(who).delete(who))
        .route("/machine", get(|t: TokenPrincipal| async move { t.name }))
        .route(
            "/nonce",
            get(|Extension(nonce): Extension<CspNonce>| async move { nonce.0 }),
        )
        .merge(server::auth::routes())
        .with_state(auth)
        .layer(from_fn(refresh_session_cookie))
        .layer(from_fn(security_headers));
    Harness { app, clock }
}

async fn who(p: Principal) -> axum::Json<Value> {
    let via = match p.via {
        Via::Session => "session".to_owned(),
        Via::Token { token_id } => format!("token {token_id}"),
    };
    axum::Json(json!({ "name": p.name, "user_id": p.user_id, "via": via }))
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    fn cookie(&self) -> String {
        self.headers
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The `name=value` part of Set-Cookie, for sending back.
    fn cookie_pair(&self) -> String {
        self.cookie().split(';').next().unwrap().to_owned()
    }
}

struct Req {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    headers: Vec<(header::HeaderName, String)>,
    ip: [u8; 4],
}

fn req(method: Method, path: &'static str) -> Req {
    Req {
        method,
        path,
        body: None,
        headers: vec![(header::HOST, HOST.to_owned())],
        ip: [192, 0, 2, 1],
    }
}

impl Req {
    fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    fn cookie(self, pair: &str) -> Self {
        self.header(header::COOKIE, pair)
    }
    fn origin(self) -> Self {
        self.header(header::ORIGIN, ORIGIN)
    }
    fn bearer(self, token: &str) -> Self {
        self.header(header::AUTHORIZATION, format!("Bearer {token}"))
    }
    fn via_ip(mut self, ip: [u8; 4]) -> Self {
        self.ip = ip;
        self
    }

    async fn send(self, h: &Harness) -> Reply {
        let mut builder = Request::builder().method(self.method).uri(self.path);
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        let body = match self.body {
            Some(body) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let mut request = builder.body(body).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((self.ip, 40000))));
        let response = h.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

fn login(user: &str, password: &str) -> Req {
    req(Method::POST, "/api/session").json(json!({"username": user, "password": password}))
}

async fn setup_admin(h: &Harness) -> Reply {
    let reply = req(Method::POST, "/api/setup")
        .json(json!({"username": "admin", "password": PASSWORD}))
        .send(h)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply
}

#[tokio::test]
async fn setup_login_sessions_and_origin() {
    for test_db in all_backends("auth_sessions").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let h = harness(db);

        let status = req(Method::GET, "/api/setup").send(&h).await;
        assert_eq!(status.json(), json!({"needed": true}), "{b:?}");
        let anon = req(Method::GET, "/protected").send(&h).await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "{b:?}");
        assert_eq!(anon.json()["error"], "unauthorized");
        // No admin yet, so no login either: there are no default credentials.
        for (u, p) in [("admin", "admin"), ("admin", PASSWORD), ("", "")] {
            assert_eq!(login(u, p).send(&h).await.status, StatusCode::UNAUTHORIZED);
        }

        // Setup validates, names the field, and happens once.
        let weak = req(Method::POST, "/api/setup")
            .json(json!({"username": "admin", "password": "short"}))
            .send(&h)
            .await;
        assert_eq!(weak.status, StatusCode::BAD_REQUEST);
        assert_eq!(weak.json()["field"], "password");
        assert!(
            weak.json()["message"]
                .as_str()
                .unwrap()
                .contains("at least 10")
        );
        let missing = req(Method::POST, "/api/setup")
            .json(json!({"password": PASSWORD}))
            .send(&h)
            .await;
        assert_eq!(missing.json()["field"], "username", "{}", missing.text);
        let cross = req(Method::POST, "/api/setup")
            .json(json!({"username": "admin", "password": PASSWORD}))
            .header(header::ORIGIN, "http://evil.test")
            .send(&h)
            .await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN, "login CSRF on setup");
        let first = setup_admin(&h).await;
        assert!(first.cookie().contains("HttpOnly"), "{}", first.cookie());
        let after_setup = req(Method::GET, "/protected")
            .cookie(&first.cookie_pair())
            .send(&h)
            .await;
        assert_eq!(after_setup.status, StatusCode::OK, "setup logs in");
        let again = req(Method::POST, "/api/setup")
            .json(json!({"username": "mallory", "password": PASSWORD}))
            .send(&h)
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{b:?}");
        assert_eq!(again.json()["error"], "conflict");
        assert_eq!(
            req(Method::GET, "/api/setup").send(&h).await.json(),
            json!({"needed": false})
        );

        // Wrong password and unknown user: the same 401 and message.
        let wrong = login("admin", "not the password").send(&h).await;
        let unknown = login("nobody", PASSWORD).send(&h).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.json(), unknown.json());
        assert!(wrong.cookie().is_empty());

        let ok = login(" admin ", PASSWORD).send(&h).await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT, "{b:?}: {}", ok.text);
        let cookie = ok.cookie();
        for flag in [
            "wgmik_session=",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Max-Age=604800",
        ] {
            assert!(cookie.contains(flag), "{flag} missing from {cookie}");
        }
        assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
        let behind_tls = login("admin", PASSWORD)
            .header(
                header::HeaderName::from_static("x-forwarded-proto"),
                "https",
            )
            .send(&h)
            .await;
        assert!(
            behind_tls.cookie().ends_with("; Secure"),
            "{}",
            behind_tls.cookie()
        );
        let pair = ok.cookie_pair();
        let secret = pair.trim_start_matches("wgmik_session=").to_owned();

        let me = req(Method::GET, "/protected").cookie(&pair).send(&h).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["name"], "admin");
        assert_eq!(me.json()["via"], "session");
        let tampered = req(Method::GET, "/protected")
            .cookie(&format!("wgmik_session={}", "A".repeat(43)))
            .send(&h)
            .await;
        assert_eq!(tampered.status, StatusCode::UNAUTHORIZED);

        // State-changing with a session: Origin (or Referer) must be ours.
        let no_origin = req(Method::POST, "/protected").cookie(&pair).send(&h).await;
        assert_eq!(no_origin.status, StatusCode::FORBIDDEN, "{b:?}");
        assert_eq!(no_origin.json()["error"], "forbidden");
        let evil = req(Method::DELETE, "/protected")
            .cookie(&pair)
            .header(header::ORIGIN, "http://panel.test:8000.evil.test")
            .send(&h)
            .await;
        assert_eq!(evil.status, StatusCode::FORBIDDEN);
        let evil = req(Method::POST, "/protected")
            .cookie(&pair)
            .header(header::ORIGIN, "http://evil.test")
            .send(&h)
            .await;
        assert_eq!(evil.status, StatusCode::FORBIDDEN);
        let good = req(Method::POST, "/protected")
            .cookie(&pair)
            .origin()
            .send(&h)
            .await;
        assert_eq!(good.status, StatusCode::OK, "{}", good.text);
        let by_referer = req(Method::POST, "/protected")
            .cookie(&pair)
            .header(header::REFERER, format!("{ORIGIN}/settings"))
            .send(&h)
            .await;
        assert_eq!(by_referer.status, StatusCode::OK);
        let cross_login = login("admin", PASSWORD)
            .header(header::ORIGIN, "http://evil.test")
            .send(&h)
            .await;
        assert_eq!(cross_login.status, StatusCode::FORBIDDEN);

        // Stored: the session id is the secret's SHA-256, never the secret; Argon2id hashes.
        let sessions = session::Entity::find().all(db).await.unwrap();
        assert!(
            sessions.iter().any(|s| s.id == sha256_hex(&secret)),
            "{b:?}"
        );
        assert!(sessions.iter().all(|s| s.id != secret));
        assert!(
            sessions
                .iter()
                .all(|s| s.source.as_deref() == Some("192.0.2.1"))
        );
        let admins = user::Entity::find().all(db).await.unwrap();
        assert_eq!(admins.len(), 1);
        assert!(admins[0].password_hash.starts_with("$argon2id$v=19$"));
        assert!(!admins[0].password_hash.contains(PASSWORD));
        assert!(
            !format!("{:?}", admins[0]).contains("argon2"),
            "Debug hides the hash"
        );
        assert!(admins[0].last_login_at.is_some());

        // Sliding expiry: used after two minutes, the cookie is re-sent; unused for 8 days, gone.
        h.clock.advance(TimeDelta::minutes(2));
        let slid = req(Method::GET, "/protected").cookie(&pair).send(&h).await;
        assert_eq!(slid.status, StatusCode::OK);
        assert_eq!(slid.cookie_pair(), pair, "refreshed cookie, same session");
        let quiet = req(Method::GET, "/protected").cookie(&pair).send(&h).await;
        assert!(quiet.cookie().is_empty(), "at most once a minute");
        h.clock.advance(TimeDelta::days(6));
        assert_eq!(
            req(Method::GET, "/protected")
                .cookie(&pair)
                .send(&h)
                .await
                .status,
            StatusCode::OK,
            "6 days after last use: alive"
        );
        let other = login("admin", PASSWORD).send(&h).await.cookie_pair();
        h.clock.advance(TimeDelta::days(8));
        for c in [&pair, &other] {
            let expired = req(Method::GET, "/protected").cookie(c).send(&h).await;
            assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "{b:?}");
        }

        // Logout needs the session (and our origin), clears the cookie, ends the session.
        let fresh = login("admin", PASSWORD).send(&h).await.cookie_pair();
        let no_origin = req(Method::DELETE, "/api/session")
            .cookie(&fresh)
            .send(&h)
            .await;
        assert_eq!(no_origin.status, StatusCode::FORBIDDEN);
        let out = req(Method::DELETE, "/api/session")
            .cookie(&fresh)
            .origin()
            .send(&h)
            .await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
        assert!(out.cookie().contains("Max-Age=0"));
        let after = req(Method::GET, "/protected").cookie(&fresh).send(&h).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            req(Method::DELETE, "/api/session").send(&h).await.status,
            StatusCode::UNAUTHORIZED
        );

        // Logout everywhere.
        let a = login("admin", PASSWORD).send(&h).await.cookie_pair();
        let b2 = login("admin", PASSWORD).send(&h).await.cookie_pair();
        let ended = server::auth::sessions::delete_all_for_user(db, admins[0].id)
            .await
            .unwrap();
        assert!(ended >= 2);
        for c in [a, b2] {
            let r = req(Method::GET, "/protected").cookie(&c).send(&h).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }

        // Bad bodies are ApiErrors too.
        let not_json = req(Method::POST, "/api/session")
            .header(header::CONTENT_TYPE, "application/json")
            .send(&h)
            .await;
        assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
        assert_eq!(not_json.json()["error"], "invalid");
        let wrong_type = login("admin", PASSWORD)
            .json(json!({"username": "admin", "password": 12}))
            .send(&h)
            .await;
        assert_eq!(wrong_type.json()["field"], "password");
        let put = req(Method::PUT, "/api/session").send(&h).await;
        assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(put.json()["error"], "method_not_allowed");

        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn api_tokens_are_shown_once_stored_hashed_and_revocable() {
    for test_db in all_backends("auth_tokens").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let h = harness(db);
        let pair = setup_admin(&h).await.cookie_pair();

        let no_origin = req(Method::POST, "/api/tokens")
            .cookie(&pair)
            .json(json!({"name": "ci"}))
            .send(&h)
            .await;
        assert_eq!(no_origin.status, StatusCode::FORBIDDEN);
        let anon = req(Method::POST, "/api/tokens")
            .json(json!({"name": "ci"}))
            .send(&h)
            .await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
        let empty = req(Method::POST, "/api/tokens")
            .cookie(&pair)
            .origin()
            .json(json!({"name": "  "}))
            .send(&h)
            .await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        assert_eq!(empty.json()["field"], "name");

        let created = req(Method::POST, "/api/tokens")
            .cookie(&pair)
            .origin()
            .json(json!({"name": "ci"}))
            .send(&h)
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{b:?}: {}",
            created.text
        );
        let body = created.json();
        let token = body["token"].as_str().unwrap().to_owned();
        let id = body["id"].as_i64().unwrap();
        assert!(token.starts_with("wgm_") && token.len() == 47, "{token}");
        assert_eq!(body["prefix"], token[..8]);
        assert_eq!(body["name"], "ci");
        assert_eq!(created.headers[header::CACHE_CONTROL], "no-store");

        // Lists never carry the token.
        let list = req(Method::GET, "/api/tokens")
            .bearer(&token)
            .send(&h)
            .await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(!list.text.contains(&token[8..]), "{}", list.text);
        assert_eq!(list.json()[0]["prefix"], token[..8]);
        assert!(list.json()[0].get("token").is_none());
        assert!(list.json()[0].get("token_hash").is_none());
        assert!(!list.json()[0]["last_used_at"].is_null(), "use is recorded");

        // The database holds only the hash.
        let rows = api_token::Entity::find().all(db).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].token_hash, sha256_hex(&token));
        let dump = dump_table(db, "api_tokens").await;
        assert!(
            !dump.contains(&token[8..]),
            "{b:?}: plaintext token in {dump}"
        );

        // A token authenticates anything a session does, without Origin.
        let me = req(Method::GET, "/protected").bearer(&token).send(&h).await;
        assert_eq!(me.json()["via"], format!("token {id}"));
        assert_eq!(me.json()["name"], "token:ci");
        let post = req(Method::POST, "/protected")
            .bearer(&token)
            .send(&h)
            .await;
        assert_eq!(post.status, StatusCode::OK, "tokens need no Origin");
        let machine = req(Method::GET, "/machine").bearer(&token).send(&h).await;
        assert_eq!(machine.status, StatusCode::OK);
        let machine_by_cookie = req(Method::GET, "/machine").cookie(&pair).send(&h).await;
        assert_eq!(machine_by_cookie.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            req(Method::DELETE, "/api/session")
                .bearer(&token)
                .send(&h)
                .await
                .status,
            StatusCode::BAD_REQUEST,
            "a token has no session"
        );

        // Wrong tokens: 401, even with a valid cookie alongside.
        let forged = format!("wgm_{}", "x".repeat(43));
        for bad in [forged.as_str(), "nonsense", &token[..20]] {
            let r = req(Method::GET, "/protected").bearer(bad).send(&h).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}");
            assert!(!r.text.contains(bad), "the token is not echoed");
        }
        let mixed = req(Method::GET, "/protected")
            .bearer(&forged)
            .cookie(&pair)
            .send(&h)
            .await;
        assert_eq!(mixed.status, StatusCode::UNAUTHORIZED);
        let basic = req(Method::GET, "/protected")
            .header(header::AUTHORIZATION, "Basic YWRtaW46YWRtaW4=")
            .send(&h)
            .await;
        assert_eq!(basic.status, StatusCode::UNAUTHORIZED);

        // Revocation: 204, then the token is dead; unknown ids 404.
        let gone = req(Method::DELETE, "/api/tokens/999999")
            .bearer(&token)
            .send(&h)
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(gone.json()["error"], "not_found");
        let junk = req(Method::DELETE, "/api/tokens/abc")
            .bearer(&token)
            .send(&h)
            .await;
        assert_eq!(junk.status, StatusCode::NOT_FOUND);
        let revoke = req(Method::DELETE, "/api/tokens/1")
            .cookie(&pair)
            .origin()
            .send(&h)
            .await;
        assert_eq!(
            revoke.status,
            StatusCode::NO_CONTENT,
            "{b:?}: {}",
            revoke.text
        );
        let dead = req(Method::GET, "/protected").bearer(&token).send(&h).await;
        assert_eq!(dead.status, StatusCode::UNAUTHORIZED);
        let listed = req(Method::GET, "/api/tokens").cookie(&pair).send(&h).await;
        assert!(!listed.json()[0]["revoked_at"].is_null());

        // The CLI path: a token made without a user works the same.
        let cli = server::auth::tokens::create(db, "cron", None, h.clock.now_for_test())
            .await
            .unwrap();
        assert!(!format!("{cli:?}").contains(cli.secret()));
        let r = req(Method::GET, "/protected")
            .bearer(cli.secret())
            .send(&h)
            .await;
        assert_eq!(r.json()["user_id"], Value::Null);

        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn login_attempts_are_limited_per_user_and_per_address() {
    for test_db in all_backends("auth_ratelimit").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let h = harness(db);
        setup_admin(&h).await;

        // Per user: 5 failures from 5 addresses, then even the right password waits.
        for i in 0..5u8 {
            let r = login("admin", "wrong password!")
                .via_ip([10, 0, 0, i])
                .send(&h)
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b:?} attempt {i}");
        }
        let limited = login("admin", PASSWORD)
            .via_ip([10, 0, 1, 1])
            .send(&h)
            .await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{b:?}");
        assert_eq!(limited.json()["error"], "rate_limited");
        assert_eq!(limited.headers[header::RETRY_AFTER], "900");
        h.clock.advance(TimeDelta::minutes(15));
        let ok = login("admin", PASSWORD)
            .via_ip([10, 0, 1, 1])
            .send(&h)
            .await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT, "window slid past");

        // A success clears the user's count.
        for _ in 0..4 {
            login("admin", "wrong password!")
                .via_ip([10, 0, 2, 1])
                .send(&h)
                .await;
        }
        assert_eq!(
            login("admin", PASSWORD)
                .via_ip([10, 0, 2, 1])
                .send(&h)
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        for _ in 0..4 {
            let r = login("admin", "wrong password!")
                .via_ip([10, 0, 3, 1])
                .send(&h)
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }

        // Per address: 10 failures over many names, then that address waits (others do not).
        h.clock.advance(TimeDelta::minutes(16));
        for i in 0..10 {
            let r = login(&format!("user{i}"), "wrong password!")
                .via_ip([198, 51, 100, 7])
                .send(&h)
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b:?} attempt {i}");
        }
        let blocked = login("admin", PASSWORD)
            .via_ip([198, 51, 100, 7])
            .send(&h)
            .await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(blocked.headers.contains_key(header::RETRY_AFTER));
        let elsewhere = login("admin", PASSWORD)
            .via_ip([198, 51, 100, 8])
            .send(&h)
            .await;
        assert_eq!(elsewhere.status, StatusCode::NO_CONTENT);

        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn headless_bootstrap_and_setup_race() {
    for test_db in all_backends("auth_bootstrap").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();

        assert_eq!(
            users::bootstrap(db, None, None, now).await.unwrap(),
            Bootstrap::NotConfigured
        );
        let err = users::bootstrap(db, Some("root"), None, now)
            .await
            .unwrap_err();
        assert!(matches!(err, BootstrapError::Missing { .. }));
        assert!(
            err.to_string().contains("WGMIK_ADMIN_PASSWORD is not"),
            "{err}"
        );
        let err = users::bootstrap(db, Some(""), Some(PASSWORD), now)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("WGMIK_ADMIN_USER is not"), "{err}");
        let err = users::bootstrap(db, Some("root"), Some("tooshort"), now)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("at least 10"), "{err}");
        assert!(
            !err.to_string().contains("tooshort"),
            "the password is never echoed"
        );
        assert!(!users::admin_exists(db).await.unwrap(), "{b:?}");

        // Two setups at once: exactly one admin.
        let (x, y) = tokio::join!(
            users::create_admin(db, "first", PASSWORD, now),
            users::create_admin(db, "second", PASSWORD, now),
        );
        assert_eq!(
            u8::from(x.is_ok()) + u8::from(y.is_ok()),
            1,
            "{b:?}: {x:?} / {y:?}"
        );
        assert_eq!(user::Entity::find().all(db).await.unwrap().len(), 1);
        assert!(matches!(
            users::create_admin(db, "third", PASSWORD, now).await,
            Err(users::UserError::AdminExists)
        ));
        assert_eq!(
            users::bootstrap(db, Some("root"), Some(PASSWORD), now)
                .await
                .unwrap(),
            Bootstrap::AlreadyExists
        );
        test_db.cleanup().await;
    }

    for test_db in all_backends("auth_bootstrap_login").await {
        let h = harness(&test_db.db);
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        assert_eq!(
            users::bootstrap(&test_db.db, Some("ops"), Some(PASSWORD), now)
                .await
                .unwrap(),
            Bootstrap::Created {
                username: "ops".to_owned()
            }
        );
        let ok = login("ops", PASSWORD).send(&h).await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT);
        let setup = req(Method::POST, "/api/setup")
            .json(json!({"username": "x", "password": PASSWORD}))
            .send(&h)
            .await;
        assert_eq!(setup.status, StatusCode::CONFLICT);
        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    for test_db in all_backends("auth_headers").await {
        let h = harness(&test_db.db);
        let mut nonces = Vec::new();
        for r in [
            req(Method::GET, "/api/setup"),
            req(Method::GET, "/protected"),
            req(Method::GET, "/no/such/path"),
            login("admin", "whatever-password"),
        ] {
            let reply = r.send(&h).await;
            let csp = reply.headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap();
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert!(csp.contains("'wasm-unsafe-eval'"));
            assert!(!csp.contains("script-src 'self' 'unsafe-inline'"));
            assert_eq!(reply.headers[header::X_FRAME_OPTIONS], "DENY");
            assert_eq!(reply.headers[header::REFERRER_POLICY], "same-origin");
            assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            nonces.push(csp.to_owned());
        }
        nonces.dedup();
        assert_eq!(nonces.len(), 4, "a fresh nonce per response");

        // The page renderer sees the nonce the header carries.
        let page = req(Method::GET, "/nonce").send(&h).await;
        let csp = page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains(&format!("'nonce-{}'", page.text)), "{csp}");
        test_db.cleanup().await;
    }
}

#[test]
fn debug_output_carries_no_secrets() {
    let principal = Principal {
        user_id: Some(1),
        name: "admin".to_owned(),
        via: Via::Session,
    };
    assert!(format!("{principal:?}").contains("admin"));
    let refresh = server::auth::refresh::CookieRefresh::default();
    refresh.set("wgmik_session=SECRETSECRET".to_owned());
    assert!(!format!("{refresh:?}").contains("SECRET"));
}

async fn dump_table(db: &DatabaseConnection, table: &str) -> String {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT * FROM {table}"),
        ))
        .await
        .unwrap();
    format!("{rows:?}")
}

trait NowForTest {
    fn now_for_test(&self) -> chrono::DateTime<Utc>;
}

impl NowForTest for Arc<ManualClock> {
    fn now_for_test(&self) -> chrono::DateTime<Utc> {
        use server::clock::Clock as _;
        self.now()
    }
}
