//! Server functions of the Audit page: one page of the audit log (`GET /api/actions`, newest
//! first, filtered by peer and action kind), and what the filters and columns need around it
//! (the peers' names, the configured timezone). Each calls the JSON API's own handler.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::UiError;

/// Entries per page.
pub const PAGE_SIZE: u64 = 50;

/// One audit entry (the API's `ActionView`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionInfo {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub router_id: i32,
    pub peer_id: Option<i32>,
    /// `disable`, `enable`, `would_disable` (monitor mode's dry run), `drift`.
    pub action: String,
    /// `quota`, `manual`, `reset`, `quota_raised`, `drift`, or the drift kind.
    pub reason: String,
    /// `system` or the admin's user name.
    pub actor: String,
    /// `ok`, `failed`, `dry_run`, `observed`.
    pub result: String,
    pub error: Option<String>,
    pub cycle_start: Option<DateTime<Utc>>,
}

/// One page of entries, and whether an older page exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionsPage {
    pub actions: Vec<ActionInfo>,
    pub has_more: bool,
}

/// What the page needs besides the entries: peer names for the filter and the links, and the
/// timezone times are shown in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLookups {
    /// (id, label), by label.
    pub peers: Vec<(i32, String)>,
    pub timezone: String,
}

/// Page `page` (0-based) of the entries for `peer_id` and `action` (`None` = all).
#[server]
pub async fn audit_page(
    peer_id: Option<i32>,
    action: Option<String>,
    page: u64,
) -> Result<ActionsPage, UiError> {
    use axum::extract::State;
    use server::http::api::actions;

    let (api, principal) = crate::api::ctx::caller().await?;
    // One more than a page tells whether an older page exists.
    let offset = page.saturating_mul(PAGE_SIZE);
    let query = crate::api::ctx::params([
        ("peer_id", peer_id.map(|id| id.to_string())),
        ("action", action),
        ("limit", Some((PAGE_SIZE + 1).to_string())),
        ("offset", Some(offset.to_string())),
    ]);
    let mut actions: Vec<ActionInfo> =
        crate::api::ctx::relay_json(actions::list(principal, State(api), query).await)?;
    let has_more = actions.len() as u64 > PAGE_SIZE;
    actions.truncate(PAGE_SIZE as usize);
    Ok(ActionsPage { actions, has_more })
}

#[server]
pub async fn audit_context() -> Result<AuditLookups, UiError> {
    use axum::extract::State;
    use server::http::api::{peers, settings};

    let (api, principal) = crate::api::ctx::caller().await?;
    let timezone: crate::api::settings::SettingsInfo =
        crate::api::ctx::relay_json(settings::get(principal.clone(), State(api.clone())).await)?;
    let query = crate::api::ctx::params([("per_page", Some("1000".to_owned()))]);
    let (_, listed) = peers::list(principal, State(api), query).await?;
    let listed: Vec<crate::types::PeerInfo> = crate::api::ctx::relay(listed.0)?;
    let mut peers: Vec<(i32, String)> = listed.iter().map(|p| (p.id, p.label())).collect();
    peers.sort_by(|a, b| {
        a.1.to_lowercase()
            .cmp(&b.1.to_lowercase())
            .then(a.0.cmp(&b.0))
    });
    Ok(AuditLookups {
        peers,
        timezone: timezone.timezone,
    })
}
