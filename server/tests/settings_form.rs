//! The Settings page's plain form (`POST /settings`, JavaScript off) on both backends, through
//! a real axum router: it needs a signed-in session from our own origin; a valid post saves
//! every field and lands on `/settings?saved=1`; an unchecked checkbox (only its hidden
//! `false` posted) turns the setting off; a bad value is refused naming the field, nothing is
//! half-saved, and the way back carries the typed values but never the webhook secret; the
//! secret is kept when left empty and removed only by its own checkbox. The form-to-patch
//! conversion is also tested on its own.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use sea_orm::DatabaseConnection;
use serde_json::json;
use server::auth::sessions::{self, ClientInfo};
use server::auth::{AuthState, users};
use server::clock::{Clock, ManualClock};
use server::db::settings;
use server::db::testing::all_backends;
use server::http::ApiError;
use server::http::api::ApiState;
use server::http::forms::{CLEAR_SECRET, error_location, settings_patch};
use server::service::settings::get;
use tower::ServiceExt as _;

const HOST: &str = "panel.test:8000";
const ORIGIN: &str = "http://panel.test:8000";

fn app_for(db: &DatabaseConnection) -> Router {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
    ));
    let auth = AuthState::new(db.clone(), clock.clone());
    let api = ApiState {
        db: db.clone(),
        clock,
        auth,
    };
    server::http::forms::form_routes(api)
}

/// A signed-in admin's cookie pair (`wgmik_session=…`).
async fn session_cookie(db: &DatabaseConnection) -> String {
    let now = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
    let admin = users::create_admin(db, "admin", "correct horse battery", now)
        .await
        .unwrap();
    let client = ClientInfo {
        user_agent: None,
        source: None,
    };
    let session = sessions::create(db, admin.id, client, now).await.unwrap();
    session.cookie(false).split(';').next().unwrap().to_owned()
}

struct Reply {
    status: StatusCode,
    location: String,
}

impl Reply {
    /// The redirect's query, decoded into pairs.
    fn query(&self) -> Vec<(String, String)> {
        let query = self.location.split_once('?').map_or("", |(_, q)| q);
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    fn param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

async fn post(app: &Router, cookie: Option<&str>, origin: Option<&str>, body: &str) -> Reply {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/settings")
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    Reply {
        status: response.status(),
        location: response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default(),
    }
}

/// The whole form as the page posts it: a hidden `false` before each checkbox.
fn full_form(reenable_checked: bool, tls_verify_checked: bool, extra: &str) -> String {
    let mut body = String::from(
        "poll_interval_seconds=60&online_threshold_seconds=20&reset_day=15\
         &timezone=Europe%2FBerlin&default_quota_gb=100&enforcement_mode=auto-disable\
         &reenable_at_reset=false",
    );
    if reenable_checked {
        body.push_str("&reenable_at_reset=true");
    }
    body.push_str("&router_tls_verify=false");
    if tls_verify_checked {
        body.push_str("&router_tls_verify=true");
    }
    body.push_str("&raw_retention_days=30&webhook_url=https%3A%2F%2Fhooks.example.net%2Fwgmik");
    body.push_str(extra);
    body
}

#[tokio::test]
async fn the_settings_form_saves_refuses_and_keeps_what_was_typed() {
    for test_db in all_backends("settings_form").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let app = app_for(db);
        let before = settings::load(db).await.unwrap();

        // Not signed in: to the login page, which comes back here; nothing saved.
        let anonymous = post(&app, None, Some(ORIGIN), &full_form(true, true, "")).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{b:?}");
        assert_eq!(anonymous.location, "/login?next=%2Fsettings", "{b:?}");
        assert_eq!(settings::load(db).await.unwrap(), before, "{b:?}");

        let cookie = session_cookie(db).await;
        // A session post from another site is refused outright (CSRF).
        let forged = post(
            &app,
            Some(&cookie),
            Some("http://evil.example"),
            &full_form(true, true, ""),
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{b:?}");
        assert_eq!(settings::load(db).await.unwrap(), before, "{b:?}");

        // Every field saved; `reenable_at_reset` ticked, `router_tls_verify` left unticked.
        let saved = post(
            &app,
            Some(&cookie),
            Some(ORIGIN),
            &full_form(true, false, "&webhook_secret=hunter2-hunter2"),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{b:?}");
        assert_eq!(saved.location, "/settings?saved=1", "{b:?}");
        let view = get(db).await.unwrap();
        assert_eq!(view.poll_interval_seconds, 60, "{b:?}");
        assert_eq!(view.online_threshold_seconds, 20, "{b:?}");
        assert_eq!(view.reset_day, 15, "{b:?}");
        assert_eq!(view.timezone, "Europe/Berlin", "{b:?}");
        assert_eq!(view.default_quota_gb, Some(100), "{b:?}");
        assert_eq!(view.enforcement_mode, "auto-disable", "{b:?}");
        assert!(view.reenable_at_reset, "{b:?}");
        assert!(!view.router_tls_verify, "{b:?}: unchecked box means off");
        assert_eq!(view.raw_retention_days, 30, "{b:?}");
        assert_eq!(
            view.webhook_url.as_deref(),
            Some("https://hooks.example.net/wgmik")
        );
        assert!(view.webhook_secret_set, "{b:?}");
        // The calendar change waits for the running cycle's end.
        assert!(view.calendar_change_at.is_some(), "{b:?}");

        // A bad value beside good ones: refused naming the field, nothing half-saved, the
        // typed values come back, the typed secret does not.
        let stored = settings::load(db).await.unwrap();
        let body = full_form(false, true, "&webhook_secret=new-secret-value")
            .replace("reset_day=15", "reset_day=31")
            .replace("poll_interval_seconds=60", "poll_interval_seconds=90");
        let refused = post(&app, Some(&cookie), Some(ORIGIN), &body).await;
        assert_eq!(refused.status, StatusCode::SEE_OTHER, "{b:?}");
        assert!(refused.location.starts_with("/settings?"), "{b:?}");
        assert_eq!(refused.param("error").as_deref(), Some("invalid"));
        assert_eq!(refused.param("field").as_deref(), Some("reset_day"));
        assert!(
            refused.param("message").unwrap().contains("1 to 28"),
            "{:?}",
            refused.param("message")
        );
        assert_eq!(refused.param("reset_day").as_deref(), Some("31"));
        assert_eq!(
            refused.param("poll_interval_seconds").as_deref(),
            Some("90")
        );
        assert_eq!(refused.param("reenable_at_reset").as_deref(), Some("false"));
        assert_eq!(refused.param("router_tls_verify").as_deref(), Some("true"));
        assert!(!refused.location.contains("new-secret-value"), "{b:?}");
        assert_eq!(settings::load(db).await.unwrap(), stored, "{b:?}");

        // Text where a number belongs: the service's message, naming the field.
        let text = post(
            &app,
            Some(&cookie),
            Some(ORIGIN),
            "poll_interval_seconds=often",
        )
        .await;
        assert_eq!(
            text.param("field").as_deref(),
            Some("poll_interval_seconds")
        );
        assert_eq!(settings::load(db).await.unwrap(), stored, "{b:?}");

        // An empty secret keeps the stored one; empty quota and URL mean none.
        let keep = post(
            &app,
            Some(&cookie),
            Some(ORIGIN),
            "webhook_secret=&default_quota_gb=&webhook_url=",
        )
        .await;
        assert_eq!(keep.location, "/settings?saved=1", "{b:?}");
        let view = get(db).await.unwrap();
        assert!(view.webhook_secret_set, "{b:?}: empty keeps the secret");
        assert_eq!(view.default_quota_gb, None, "{b:?}");
        assert_eq!(view.webhook_url, None, "{b:?}");

        // Typing a secret and ticking "remove" together is refused; ticking alone removes it.
        let both = post(
            &app,
            Some(&cookie),
            Some(ORIGIN),
            "webhook_secret=abc&clear_webhook_secret=false&clear_webhook_secret=true",
        )
        .await;
        assert_eq!(both.param("field").as_deref(), Some("webhook_secret"));
        assert!(get(db).await.unwrap().webhook_secret_set, "{b:?}");
        let clear = post(
            &app,
            Some(&cookie),
            Some(ORIGIN),
            "webhook_secret=&clear_webhook_secret=false&clear_webhook_secret=true",
        )
        .await;
        assert_eq!(clear.location, "/settings?saved=1", "{b:?}");
        assert!(!get(db).await.unwrap().webhook_secret_set, "{b:?}");

        test_db.cleanup().await;
    }
}

// The form-to-patch conversion on its own (pure).

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn form_text_becomes_the_typed_patch() {
    let patch = settings_patch(&pairs(&[
        ("poll_interval_seconds", " 60 "),
        ("reset_day", "15"),
        ("timezone", "Europe/Berlin "),
        ("default_quota_gb", ""),
        ("enforcement_mode", "auto-disable"),
        ("reenable_at_reset", "false"),
        ("reenable_at_reset", "true"),
        ("router_tls_verify", "false"),
        ("webhook_url", ""),
        ("webhook_secret", ""),
    ]))
    .unwrap();
    assert_eq!(
        patch,
        json!({
            "poll_interval_seconds": 60,
            "reset_day": 15,
            "timezone": "Europe/Berlin",
            "default_quota_gb": null,
            "enforcement_mode": "auto-disable",
            "reenable_at_reset": true,
            "router_tls_verify": false,
            "webhook_url": null,
        })
    );
}

#[test]
fn not_numbers_stay_text_for_the_service_to_refuse() {
    let patch = settings_patch(&pairs(&[
        ("reset_day", "soon"),
        ("default_quota_gb", "5.5"),
    ]))
    .unwrap();
    assert_eq!(
        patch,
        json!({"reset_day": "soon", "default_quota_gb": "5.5"})
    );
}

#[test]
fn the_secret_is_kept_replaced_or_cleared() {
    let keep = settings_patch(&pairs(&[("webhook_secret", "")])).unwrap();
    assert_eq!(keep, json!({}));
    let replace = settings_patch(&pairs(&[("webhook_secret", " s3cret ")])).unwrap();
    assert_eq!(replace, json!({"webhook_secret": " s3cret "}));
    let clear = settings_patch(&pairs(&[
        ("webhook_secret", ""),
        (CLEAR_SECRET, "false"),
        (CLEAR_SECRET, "true"),
    ]))
    .unwrap();
    assert_eq!(clear, json!({"webhook_secret": null}));
    let both =
        settings_patch(&pairs(&[("webhook_secret", "x"), (CLEAR_SECRET, "true")])).unwrap_err();
    assert_eq!(both.field.as_deref(), Some("webhook_secret"));
}

#[test]
fn unknown_fields_are_named() {
    let err = settings_patch(&pairs(&[("polling", "5")])).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("polling"));
}

#[test]
fn the_way_back_keeps_what_was_typed_but_never_the_secret() {
    let err = ApiError::invalid("timezone", "\"Mars/Base\" is not an IANA timezone name");
    let location = error_location(
        &err,
        &pairs(&[
            ("timezone", "Mars/Base"),
            ("webhook_secret", "hunter2"),
            ("router_tls_verify", "false"),
            ("router_tls_verify", "true"),
            ("evil", "x"),
        ]),
    );
    assert!(location.starts_with("/settings?error=invalid&message="));
    assert!(location.contains("&field=timezone"));
    assert!(location.contains("&timezone=Mars%2FBase"));
    assert!(location.contains("&router_tls_verify=true"));
    assert!(!location.contains("hunter2"));
    assert!(!location.contains("evil"));
}
