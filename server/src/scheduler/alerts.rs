//! The alert delivery job: drains the `alerts` outbox to the webhook in settings, signed (see
//! `alerts::signature`), retrying with back-off. It runs apart from polling with its own HTTP
//! client, so a slow or dead receiver can delay only alerts, never a poll.
//!
//! Delivery is at least once: an alert whose 2xx answer is lost (or that was in flight at
//! shutdown) is sent again, with the same `X-Wgmik-Delivery` id for the receiver to drop.
//! The webhook URL and secret are read from settings on every pass, so a change applies
//! without a restart. Alerts are only ever sent signed: with a URL but no secret they wait
//! (and back off, visibly) until a secret is set.
//!
//! Several instances may run this job on one database (SPEC §11): each alert is claimed with
//! one conditional UPDATE (push its next attempt [`CLAIM`] into the future, only while it is
//! still due) before it is sent, so only one instance sends it. An instance that dies while
//! sending leaves the claim to lapse, and the alert is sent again after it: at least once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::header::CONTENT_TYPE;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Unchanged,
};

use super::{Shutdown, sleep_or_shutdown};
use crate::alerts::AlertStatus;
use crate::alerts::signature::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign};
use crate::clock::Clock;
use crate::db::entities::alert;
use crate::db::{DbError, settings};

/// Alerts taken per pass; the rest wait for the next pass, five seconds later.
pub const BATCH: u64 = 100;
/// Attempts before an alert is given up as `failed`. With the back-off below that is about
/// five hours of trying.
pub const MAX_ATTEMPTS: i32 = 10;
/// Per request, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
const FIRST_BACKOFF_SECONDS: i64 = 30;
const MAX_BACKOFF_SECONDS: i64 = 3600;
const RUN_EVERY: Duration = Duration::from_secs(5);
/// How long a claimed alert is left to its claimer: far more than one request ([`TIMEOUT`]).
pub const CLAIM: TimeDelta = TimeDelta::seconds(120);

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: u32,
    /// Failed this time, to be tried again later.
    pub retrying: u32,
    /// Failed for the last time ([`MAX_ATTEMPTS`] reached).
    pub failed: u32,
    /// Marked `no_url`: no webhook URL is configured.
    pub no_url: u32,
    /// The last failure of the pass, in plain words.
    pub last_error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the webhook HTTP client: {0}")]
pub struct ClientError(String);

/// The wait before the next attempt after `attempts` failed ones: 30 s, doubling, at most 1 h.
pub fn backoff(attempts: i32) -> TimeDelta {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    TimeDelta::seconds((FIRST_BACKOFF_SECONDS << doublings).min(MAX_BACKOFF_SECONDS))
}

/// The HTTP client for webhooks: rustls on ring with the public web roots, the request timeout,
/// and no redirects (a signed alert is not re-sent to wherever a 3xx points; it fails visibly).
pub fn webhook_client() -> Result<reqwest::Client, ClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError(format!("TLS versions: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .connect_timeout(TIMEOUT)
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("wgmik/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ClientError(e.to_string()))
}

/// One delivery pass at `now`: every pending alert that is due, oldest first, up to [`BATCH`].
pub async fn deliver_due(
    db: &DatabaseConnection,
    http: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, DbError> {
    let due = alert::Entity::find()
        .filter(alert::Column::Status.eq(AlertStatus::Pending.as_str()))
        .filter(alert::Column::NextAttemptAt.lte(now))
        .order_by_asc(alert::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut report = DeliveryReport::default();
    if due.is_empty() {
        return Ok(report);
    }
    let row = settings::load(db).await?;
    let Some(url) = row.webhook_url.filter(|url| !url.trim().is_empty()) else {
        let ids: Vec<i64> = due.iter().map(|a| a.id).collect();
        let done = alert::Entity::update_many()
            .col_expr(
                alert::Column::Status,
                Expr::value(AlertStatus::NoUrl.as_str()),
            )
            .col_expr(
                alert::Column::NextAttemptAt,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(alert::Column::Id.is_in(ids))
            .exec(db)
            .await?;
        report.no_url = u32::try_from(done.rows_affected).unwrap_or(u32::MAX);
        return Ok(report);
    };
    // Stored sealed under the master key (plaintext only from before encryption at rest).
    let secret = match row.webhook_secret.filter(|secret| !secret.is_empty()) {
        None => Ok(None),
        Some(stored) => crate::service::secrets::open_webhook_secret(&stored)
            .map(Some)
            .map_err(|err| format!("cannot open webhook_secret: {err}")),
    };
    let target = Target::parse(&url);
    for alert in due {
        if !claim(db, &alert, now).await? {
            // Another instance took it since it was listed.
            continue;
        }
        let outcome = match (&target, &secret) {
            (Err(err), _) => Err(err.clone()),
            (Ok(_), Err(err)) => Err(err.clone()),
            (Ok(_), Ok(None)) => {
                Err("webhook_secret is not set; alerts are only sent signed".into())
            }
            (Ok(target), Ok(Some(secret))) => send(http, target, secret, &alert).await,
        };
        match outcome {
            Ok(()) => {
                mark_delivered(db, &alert, now).await?;
                report.delivered += 1;
            }
            Err(error) => {
                let gave_up = mark_failed(db, &alert, &error, now).await?;
                if gave_up {
                    report.failed += 1;
                } else {
                    report.retrying += 1;
                }
                report.last_error = Some(error);
                // The receiver is unwell: one doomed request per pass is enough. Settings
                // errors cost no request, so those go on to record every due alert.
                if target.is_ok() && matches!(secret, Ok(Some(_))) {
                    break;
                }
            }
        }
    }
    Ok(report)
}

/// Runs a delivery pass every five seconds until shutdown.
pub async fn run(db: DatabaseConnection, clock: Arc<dyn Clock>, mut shutdown: Shutdown) {
    let http = match webhook_client() {
        Ok(http) => http,
        Err(err) => {
            tracing::error!(error = %err, "alert delivery is off: alerts stay pending");
            return;
        }
    };
    loop {
        // An alert cut off here is sent again later: delivery is at least once.
        let pass = tokio::select! {
            pass = deliver_due(&db, &http, clock.now()) => pass,
            _ = shutdown.changed() => return,
        };
        match pass {
            Ok(report) if report.retrying + report.failed > 0 => tracing::warn!(
                delivered = report.delivered,
                retrying = report.retrying,
                failed = report.failed,
                error = report.last_error.as_deref().unwrap_or_default(),
                "alert delivery failed"
            ),
            Ok(report) if report.delivered + report.no_url > 0 => tracing::info!(
                delivered = report.delivered,
                no_url = report.no_url,
                "alerts delivered"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "alert delivery pass failed; retrying"),
        }
        if !sleep_or_shutdown(RUN_EVERY, &mut shutdown).await {
            return;
        }
    }
}

/// The webhook URL, checked once per pass, and the host an error message may name (never the
/// path or query, which may hold a token).
struct Target {
    url: reqwest::Url,
    host: String,
}

impl Target {
    fn parse(text: &str) -> Result<Self, String> {
        let url = reqwest::Url::parse(text.trim())
            .map_err(|e| format!("webhook_url is not a valid URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "webhook_url must start with http:// or https://, not {}://",
                url.scheme()
            ));
        }
        let Some(host) = url.host_str() else {
            return Err("webhook_url has no host".to_owned());
        };
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self { url, host })
    }
}

async fn send(
    http: &reqwest::Client,
    target: &Target,
    secret: &str,
    alert: &alert::Model,
) -> Result<(), String> {
    let body = alert.payload.clone().into_bytes();
    let response = http
        .post(target.url.clone())
        .header(CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, sign(secret.as_bytes(), &body))
        .header(EVENT_HEADER, alert.kind.as_str())
        .header(DELIVERY_HEADER, alert.id.to_string())
        .body(body)
        .send()
        .await
        .map_err(|err| describe(&err, &target.host))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!(
            "the webhook at {} answered HTTP {status}",
            target.host
        ))
    }
}

/// reqwest's own message names the full URL; keep the host and the innermost cause.
fn describe(err: &reqwest::Error, host: &str) -> String {
    if err.is_timeout() {
        return format!(
            "the webhook at {host} did not answer within {} s",
            TIMEOUT.as_secs()
        );
    }
    let mut cause = None;
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        cause = Some(inner.to_string());
        source = inner.source();
    }
    let cause = cause.unwrap_or_else(|| "the request could not be sent".to_owned());
    if err.is_connect() {
        format!("cannot connect to the webhook at {host}: {cause}")
    } else {
        format!("sending to the webhook at {host} failed: {cause}")
    }
}

/// Claims `alert` for this pass: true when it was still pending and due and is now this
/// instance's to send. Due-ness is the guard: the claim moves `next_attempt_at` past `now`,
/// so a second claimer's UPDATE matches no row.
async fn claim(
    db: &DatabaseConnection,
    alert: &alert::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let done = alert::Entity::update_many()
        .col_expr(alert::Column::NextAttemptAt, Expr::value(Some(now + CLAIM)))
        .filter(alert::Column::Id.eq(alert.id))
        .filter(alert::Column::Status.eq(AlertStatus::Pending.as_str()))
        .filter(alert::Column::NextAttemptAt.lte(now))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

async fn mark_delivered(
    db: &DatabaseConnection,
    alert: &alert::Model,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    alert::ActiveModel {
        id: Unchanged(alert.id),
        status: Set(AlertStatus::Delivered.as_str().to_owned()),
        attempts: Set(alert.attempts.saturating_add(1)),
        next_attempt_at: Set(None),
        delivered_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Records a failed attempt; returns whether this was the last one.
async fn mark_failed(
    db: &DatabaseConnection,
    alert: &alert::Model,
    error: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let attempts = alert.attempts.saturating_add(1);
    let gave_up = attempts >= MAX_ATTEMPTS;
    let (status, next) = if gave_up {
        (AlertStatus::Failed, None)
    } else {
        (AlertStatus::Pending, Some(now + backoff(attempts)))
    };
    alert::ActiveModel {
        id: Unchanged(alert.id),
        status: Set(status.as_str().to_owned()),
        attempts: Set(attempts),
        next_attempt_at: Set(next),
        last_error: Set(Some(error.to_owned())),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(gave_up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_30_s_and_caps_at_an_hour() {
        let seconds: Vec<i64> = (1..=10).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(
            seconds,
            [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
        );
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(-5).num_seconds(), 30);
        assert_eq!(backoff(i32::MAX).num_seconds(), 3600);
    }

    #[test]
    fn target_names_only_the_host() {
        let target = Target::parse("https://hooks.example.com:8443/secret-token?x=1");
        assert!(matches!(target, Ok(ref t) if t.host == "hooks.example.com:8443"));
        assert!(Target::parse("ftp://example.com/").is_err());
        assert!(Target::parse("not a url").is_err());
    }
}
