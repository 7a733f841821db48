//! Enforcement after each committed poll of one router (SPEC §5), including the cycle reset:
//! reads the peers the poll just stored, decides each with [`decide`], writes only what
//! differs on the router, and records every write, failure, dry-run entry and drift.
//!
//! It runs in the router's own poll task, right after the commit, so it never overlaps a poll
//! of the same router and acts on the state the router showed a moment ago. A failed write
//! leaves the peer as it was, so the next poll decides the same and retries. The reset is not a
//! separate timer: the poll task wakes at every cycle boundary (see `scheduler::poll`), and
//! after downtime the first successful poll catches up — once, because a re-enabled peer no
//! longer carries the `quota` reason.
//!
//! Alerts (webhooks) are queued here: 80 % and 100 % of a limit once per peer and cycle, and
//! every disable or re-enable. Queuing is a row in the outbox; delivery is another job, so a
//! slow receiver never slows a poll.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
};

use super::actions::{self, NewAction, SYSTEM};
use super::quota::Quota;
use crate::accounting::cycle::Cycle;
use crate::accounting::enforcement::{
    Decision, DisabledReason, Drift, PeerFacts, Policy, RouterSide, decide, drift,
};
use crate::alerts::{self, AlertKind, NewAlert, thresholds_reached};
use crate::db::DbError;
use crate::db::entities::{alert, peer, quota, settings as settings_entity};
use crate::routeros::{RouterError, RouterOs};
use crate::service::settings::EnforcementMode;

/// Peers per `IN (…)` query.
const CHUNK: usize = 1000;

/// What one enforcement pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnforcementReport {
    pub disabled: usize,
    pub enabled: usize,
    pub failed: usize,
    pub would_disable: usize,
    pub drift_found: usize,
    /// Quota alerts (80 % / 100 %) raised by this pass: each once per peer and cycle.
    pub quota_alerts: usize,
}

impl EnforcementReport {
    /// Whether the pass wrote, failed, listed or found anything (thresholds aside).
    pub fn acted(&self) -> bool {
        self.disabled + self.enabled + self.failed + self.would_disable + self.drift_found > 0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EnforcementError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("invalid setting: {0}")]
    Setting(String),
}

impl From<sea_orm::DbErr> for EnforcementError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// Enforces quotas on router `router_id` after a committed poll at `now`.
pub async fn after_poll<R: RouterOs>(
    db: &DatabaseConnection,
    router_id: i32,
    client: &R,
    settings: &settings_entity::Model,
    now: DateTime<Utc>,
    write_timeout: Duration,
) -> Result<EnforcementReport, EnforcementError> {
    let calendar =
        crate::service::settings::calendar(settings).map_err(EnforcementError::Setting)?;
    let cycle = calendar
        .cycle_at(now)
        .map_err(|err| EnforcementError::Setting(err.to_string()))?;
    let policy = Policy {
        auto_disable: EnforcementMode::parse(&settings.enforcement_mode)
            == Some(EnforcementMode::AutoDisable),
        reenable_at_reset: settings.reenable_at_reset,
        cycle_start: cycle.start,
    };
    let peers = candidates(db, router_id, settings.default_quota_gb.is_some()).await?;
    let quotas = quotas_of(db, &peers).await?;
    let limits: HashMap<i32, u64> = peers
        .iter()
        .filter_map(|row| {
            let limit =
                Quota::from_row(quotas.get(&row.id)).effective_limit(settings.default_quota_gb)?;
            Some((row.id, limit))
        })
        .collect();
    // Usage, the dry-run list and the raised alerts matter only to a peer with a limit.
    let (usage, dry_run_done, raised) = if limits.is_empty() {
        Default::default()
    } else {
        (
            usage_of(db, router_id, &cycle).await?,
            actions::dry_run_peers(db, router_id, cycle.start).await?,
            quota_alerts_raised(db, router_id, cycle.start).await?,
        )
    };

    let mut report = EnforcementReport::default();
    for row in &peers {
        let quota_value = Quota::from_row(quotas.get(&row.id));
        let limit = limits.get(&row.id).copied();
        let (rx, tx) = usage.get(&row.id).copied().unwrap_or((0, 0));
        let used = quota_value.direction.count(rx, tx);
        if let Some(limit) = limit {
            for percent in thresholds_reached(used, limit) {
                let Some(alert) =
                    NewAlert::quota_threshold(percent, row, cycle.start, used, limit, now)
                else {
                    continue;
                };
                if !raised.contains(&alert.dedupe_key) && alerts::enqueue(db, alert, now).await? {
                    report.quota_alerts += 1;
                }
            }
        }
        let facts = PeerFacts {
            router: if row.missing_on_router {
                RouterSide::Missing
            } else if row.disabled {
                RouterSide::Disabled
            } else {
                RouterSide::Enabled
            },
            reason: row
                .disabled_reason
                .as_deref()
                .and_then(DisabledReason::parse),
            over_limit: super::quota::over_limit(used, limit),
            exempt: row.quota_exempt_until.is_some_and(|until| now < until),
            quota_disabled_cycle: row.quota_disabled_cycle,
        };
        let mut shown_drift = drift(&facts);
        let entry = |action, reason, result, error| NewAction {
            at: now,
            router_id,
            peer_id: Some(row.id),
            action,
            reason,
            actor: SYSTEM,
            result,
            error,
            cycle_start: Some(cycle.start),
        };
        match decide(&facts, &policy) {
            Decision::Nothing => {}
            Decision::WouldDisable => {
                if !dry_run_done.contains(&row.id) {
                    actions::record(db, entry("would_disable", "quota", "dry_run", None)).await?;
                    report.would_disable += 1;
                }
            }
            Decision::Disable { correcting_drift } => {
                let reason = if correcting_drift { "drift" } else { "quota" };
                match write(client, row, true, write_timeout).await {
                    Ok(()) => {
                        actions::record(db, entry("disable", reason, "ok", None)).await?;
                        update_peer(db, row.id, |active| {
                            active.disabled = Set(true);
                            active.disabled_reason = Set(Some("quota".to_owned()));
                            active.quota_disabled_cycle = Set(Some(cycle.start));
                        })
                        .await?;
                        shown_drift = None;
                        report.disabled += 1;
                        let alert = NewAlert::peer_action(false, row, reason, SYSTEM, now);
                        alerts::enqueue(db, alert, now).await?;
                    }
                    Err(err) => {
                        actions::record(db, entry("disable", reason, "failed", Some(err))).await?;
                        report.failed += 1;
                    }
                }
            }
            Decision::Enable(why) => match write(client, row, false, write_timeout).await {
                Ok(()) => {
                    actions::record(db, entry("enable", why.as_str(), "ok", None)).await?;
                    update_peer(db, row.id, |active| {
                        active.disabled = Set(false);
                        active.disabled_reason = Set(None);
                        active.quota_disabled_cycle = Set(None);
                    })
                    .await?;
                    report.enabled += 1;
                    let alert = NewAlert::peer_action(true, row, why.as_str(), SYSTEM, now);
                    alerts::enqueue(db, alert, now).await?;
                }
                Err(err) => {
                    actions::record(db, entry("enable", why.as_str(), "failed", Some(err))).await?;
                    report.failed += 1;
                }
            },
            Decision::ClearReason => {
                update_peer(db, row.id, |active| {
                    active.disabled_reason = Set(None);
                    active.quota_disabled_cycle = Set(None);
                })
                .await?;
            }
        }
        let stored = row.drift.as_deref();
        let now_shown = shown_drift.map(Drift::as_str);
        if stored != now_shown {
            if let Some(kind) = now_shown {
                actions::record(db, entry("drift", kind, "observed", None)).await?;
                report.drift_found += 1;
            }
            update_peer(db, row.id, |active| {
                active.drift = Set(now_shown.map(str::to_owned));
                active.drift_since = Set(now_shown.map(|_| now));
            })
            .await?;
        }
    }
    Ok(report)
}

/// Writes `disabled` for the peer's current RouterOS `.id`; the error in plain words.
async fn write<R: RouterOs>(
    client: &R,
    row: &peer::Model,
    disabled: bool,
    timeout: Duration,
) -> Result<(), String> {
    let Some(id) = row.ros_id.as_deref() else {
        return Err("the router has not reported this peer's .id yet".to_owned());
    };
    match tokio::time::timeout(timeout, client.set_peer_disabled(id, disabled)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err @ RouterError::NoSuchItem { .. })) => Err(format!(
            "{err} (the peer was re-created or the router rebooted; the next poll retries with its new .id)"
        )),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {timeout:?}")),
    }
}

async fn update_peer(
    db: &DatabaseConnection,
    peer_id: i32,
    change: impl FnOnce(&mut peer::ActiveModel),
) -> Result<(), DbError> {
    let mut active = peer::ActiveModel {
        id: Set(peer_id),
        ..Default::default()
    };
    change(&mut active);
    peer::Entity::update(active).exec(db).await?;
    Ok(())
}

/// Dedupe keys of the quota alerts already raised for this router's peers this cycle, so a
/// pass tries to insert only the new ones.
async fn quota_alerts_raised(
    db: &DatabaseConnection,
    router_id: i32,
    cycle_start: DateTime<Utc>,
) -> Result<HashSet<String>, DbError> {
    Ok(alert::Entity::find()
        .filter(alert::Column::RouterId.eq(router_id))
        .filter(alert::Column::Kind.is_in([
            AlertKind::QuotaWarning.as_str(),
            AlertKind::QuotaExceeded.as_str(),
        ]))
        .filter(alert::Column::CreatedAt.gte(cycle_start))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.dedupe_key)
        .collect())
}

type Usage = HashMap<i32, (u64, u64)>;

/// The tracked peers of the router that this pass could act on. Without a default quota, a
/// peer with no quota row, no disabled reason, no drift and still listed has no limit, so
/// `decide` says `Nothing`, `drift` says none and no threshold applies: skipping it changes
/// nothing, and in the common fleet (no quotas at all) the pass reads no peer. With a default
/// quota every tracked peer may be limited, so all are read.
async fn candidates(
    db: &DatabaseConnection,
    router_id: i32,
    default_quota: bool,
) -> Result<Vec<peer::Model>, DbError> {
    let mut query = peer::Entity::find()
        .filter(peer::Column::RouterId.eq(router_id))
        .filter(peer::Column::Tracked.eq(true));
    if !default_quota {
        query = query.filter(
            Condition::any()
                .add(peer::Column::DisabledReason.is_not_null())
                .add(peer::Column::MissingOnRouter.eq(true))
                .add(peer::Column::Drift.is_not_null())
                .add(
                    peer::Column::Id.in_subquery(
                        Query::select()
                            .column(quota::Column::PeerId)
                            .from(quota::Entity)
                            .to_owned(),
                    ),
                ),
        );
    }
    Ok(query.all(db).await?)
}

async fn quotas_of(
    db: &DatabaseConnection,
    peers: &[peer::Model],
) -> Result<HashMap<i32, quota::Model>, DbError> {
    let ids: Vec<i32> = peers.iter().map(|p| p.id).collect();
    let mut quotas = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for row in quota::Entity::find()
            .filter(quota::Column::PeerId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            quotas.insert(row.peer_id, row);
        }
    }
    Ok(quotas)
}

/// This cycle's usage of the router's peers (closed monthly row plus open cycle sum). One
/// query walking the router's peers and the two tables' primary keys: an `IN (…)` list of
/// hundreds of ids against `cycle_start` made PostgreSQL scan the whole cycle's rows for each
/// router.
async fn usage_of(
    db: &DatabaseConnection,
    router_id: i32,
    cycle: &Cycle,
) -> Result<Usage, DbError> {
    let filter = crate::service::peers::PeerFilter {
        router_id: Some(router_id),
        ..Default::default()
    };
    let select = crate::service::peer_list::peers_with_cycle_bytes(&filter, cycle);
    let rows = db
        .query_all_raw(db.get_database_backend().build(&select))
        .await?;
    let mut usage = Usage::with_capacity(rows.len());
    for row in rows {
        let rx: i64 = row.try_get_by("m_rx")?;
        let tx: i64 = row.try_get_by("m_tx")?;
        if rx != 0 || tx != 0 {
            usage.insert(
                row.try_get_by("id")?,
                (
                    u64::try_from(rx).unwrap_or(0),
                    u64::try_from(tx).unwrap_or(0),
                ),
            );
        }
    }
    Ok(usage)
}
