//! Peers as the API and the UI read them (SPEC §8): identity, tracking, router-side state,
//! why wgmik holds them disabled, drift, online status, this cycle's bytes and the quota
//! against them. One builder serves `GET /api/peers`, `GET /api/peers/{id}` and
//! `GET /api/summary/month`, so the dashboard and the API can never disagree.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::accounting::cycle::Cycle;
use crate::accounting::status::{PeerStatus, Status, StatusInput, evaluate};
use crate::db::DbError;
use crate::db::entities::{
    peer, peer_counter, quota as quota_entity, router_health, settings as settings_entity,
    usage_monthly,
};
use crate::enforcement::quota::{Direction, Quota, QuotaMode, over_limit, percent};

/// The quota part of a peer view.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuotaView {
    pub mode: QuotaMode,
    /// Set only for `mode = limit` (the peer's own limit).
    pub limit_bytes: Option<u64>,
    pub direction: Direction,
    /// The limit in force (own or default); `None` = unlimited.
    pub effective_limit_bytes: Option<u64>,
    /// This cycle's bytes in the counted direction.
    pub used_bytes: u64,
    pub remaining_bytes: Option<u64>,
    pub percent: Option<f64>,
    pub over_limit: bool,
}

/// A peer as the API returns it. `cycle_rx` is what the router received (the peer's upload),
/// `cycle_tx` what it sent (the peer's download).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PeerView {
    pub id: i32,
    pub router_id: i32,
    pub interface: String,
    pub public_key: String,
    /// The admin's display name when set, else the name on the router.
    pub name: Option<String>,
    /// RouterOS's own `name` for the peer.
    pub router_name: Option<String>,
    pub comment: Option<String>,
    pub allowed_address: Option<String>,
    pub endpoint_address: Option<String>,
    pub tracked: bool,
    pub dynamic: bool,
    pub disabled: bool,
    pub disabled_reason: Option<String>,
    pub missing_on_router: bool,
    pub drift: Option<String>,
    pub status: Status,
    pub online: Option<bool>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub last_handshake_at: Option<DateTime<Utc>>,
    pub status_as_of: Option<DateTime<Utc>>,
    pub cycle_rx: u64,
    pub cycle_tx: u64,
    /// Panel-side totals since import; they survive router reboots and counter resets.
    pub total_rx: u64,
    pub total_tx: u64,
    pub quota: QuotaView,
    pub first_seen_at: DateTime<Utc>,
}

/// Which peers to build views for.
#[derive(Debug, Clone, Default)]
pub struct PeerFilter {
    pub router_id: Option<i32>,
    pub tracked: Option<bool>,
    pub ids: Option<Vec<i32>>,
}

/// Builds the views of the peers matching `filter`, in id order, as of `now`.
pub async fn views<C: ConnectionTrait>(
    db: &C,
    filter: &PeerFilter,
    settings: &settings_entity::Model,
    cycle: &Cycle,
    now: DateTime<Utc>,
) -> Result<Vec<PeerView>, DbError> {
    let mut query = peer::Entity::find();
    if let Some(router_id) = filter.router_id {
        query = query.filter(peer::Column::RouterId.eq(router_id));
    }
    if let Some(tracked) = filter.tracked {
        query = query.filter(peer::Column::Tracked.eq(tracked));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(peer::Column::Id.is_in(ids.iter().copied()));
    }
    let mut peers = query.all(db).await?;
    peers.sort_by_key(|p| p.id);
    if peers.is_empty() {
        return Ok(Vec::new());
    }
    // One query per table (whole tables for large sets: cheaper than huge IN lists).
    let small = peers.len() <= 500;
    let ids: Vec<i32> = peers.iter().map(|p| p.id).collect();
    let mut counters_q = peer_counter::Entity::find();
    let mut usage_q =
        usage_monthly::Entity::find().filter(usage_monthly::Column::CycleStart.eq(cycle.label));
    let mut quota_q = quota_entity::Entity::find();
    if small {
        counters_q = counters_q.filter(peer_counter::Column::PeerId.is_in(ids.iter().copied()));
        usage_q = usage_q.filter(usage_monthly::Column::PeerId.is_in(ids.iter().copied()));
        quota_q = quota_q.filter(quota_entity::Column::PeerId.is_in(ids.iter().copied()));
    }
    let counters: HashMap<i32, peer_counter::Model> = counters_q
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.peer_id, c))
        .collect();
    let usage: HashMap<i32, (u64, u64)> = usage_q
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.peer_id, (bytes(u.rx), bytes(u.tx))))
        .collect();
    let quotas: HashMap<i32, quota_entity::Model> = quota_q
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.peer_id, q))
        .collect();
    let status_ctx = StatusContext::load(db, settings, now).await?;

    Ok(peers
        .into_iter()
        .map(|p| {
            let counter = counters.get(&p.id);
            let status = status_ctx.evaluate(
                p.router_id,
                counter.and_then(|c| c.last_handshake_at),
                counter.and_then(|c| c.last_rx_moved_at),
            );
            // The closed monthly row plus the open cycle sum when it is this cycle's
            // (`accounting::open_bucket`).
            let (closed_rx, closed_tx) = usage.get(&p.id).copied().unwrap_or((0, 0));
            let (open_rx, open_tx) = counter
                .filter(|c| c.open_cycle == Some(cycle.label))
                .map_or((0, 0), |c| (bytes(c.cycle_rx), bytes(c.cycle_tx)));
            let (cycle_rx, cycle_tx) = (
                closed_rx.saturating_add(open_rx),
                closed_tx.saturating_add(open_tx),
            );
            let quota = quota_view(
                Quota::from_row(quotas.get(&p.id)),
                settings.default_quota_gb,
                cycle_rx,
                cycle_tx,
            );
            view(p, status, counter, cycle_rx, cycle_tx, quota)
        })
        .collect())
}

/// What a peer's status depends on besides its own counters: each router's last successful
/// poll, the interval and threshold settings, and the instant of evaluation.
pub(crate) struct StatusContext {
    last_poll: HashMap<i32, Option<DateTime<Utc>>>,
    now: DateTime<Utc>,
    poll_interval: Duration,
    online_threshold: Duration,
}

impl StatusContext {
    pub(crate) async fn load<C: ConnectionTrait>(
        db: &C,
        settings: &settings_entity::Model,
        now: DateTime<Utc>,
    ) -> Result<Self, DbError> {
        let last_poll = router_health::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|h| (h.router_id, h.last_success_at))
            .collect();
        Ok(Self {
            last_poll,
            now,
            poll_interval: Duration::from_secs(
                u64::try_from(settings.poll_interval_seconds)
                    .unwrap_or(30)
                    .max(5),
            ),
            online_threshold: Duration::from_secs(
                u64::try_from(settings.online_threshold_seconds).unwrap_or(15),
            ),
        })
    }

    pub(crate) fn evaluate(
        &self,
        router_id: i32,
        last_handshake_at: Option<DateTime<Utc>>,
        last_rx_moved_at: Option<DateTime<Utc>>,
    ) -> PeerStatus {
        evaluate(&StatusInput {
            last_poll_at: self.last_poll.get(&router_id).copied().flatten(),
            now: self.now,
            poll_interval: self.poll_interval,
            online_threshold: self.online_threshold,
            last_handshake_at,
            last_rx_moved_at,
        })
    }
}

fn view(
    p: peer::Model,
    status: PeerStatus,
    counter: Option<&peer_counter::Model>,
    cycle_rx: u64,
    cycle_tx: u64,
    quota: QuotaView,
) -> PeerView {
    PeerView {
        id: p.id,
        router_id: p.router_id,
        interface: p.interface,
        public_key: p.public_key,
        name: p.display_name.or_else(|| p.name.clone()),
        router_name: p.name,
        comment: p.comment,
        allowed_address: p.allowed_address,
        endpoint_address: p.endpoint_address,
        tracked: p.tracked,
        dynamic: p.dynamic,
        disabled: p.disabled,
        disabled_reason: p.disabled_reason,
        missing_on_router: p.missing_on_router,
        drift: p.drift,
        status: status.status,
        online: status.online,
        last_seen_at: status.last_seen_at,
        last_handshake_at: status.last_handshake_at,
        status_as_of: status.status_as_of,
        cycle_rx,
        cycle_tx,
        total_rx: counter.map_or(0, |c| bytes(c.total_rx)),
        total_tx: counter.map_or(0, |c| bytes(c.total_tx)),
        quota,
        first_seen_at: p.first_seen_at,
    }
}

/// The quota part of a view, from the configured quota and this cycle's bytes.
pub fn quota_view(
    quota_value: Quota,
    default_quota_gb: Option<i64>,
    cycle_rx: u64,
    cycle_tx: u64,
) -> QuotaView {
    let limit = quota_value.effective_limit(default_quota_gb);
    let used = quota_value.direction.count(cycle_rx, cycle_tx);
    QuotaView {
        mode: quota_value.mode,
        limit_bytes: quota_value.limit_bytes,
        direction: quota_value.direction,
        effective_limit_bytes: limit,
        used_bytes: used,
        remaining_bytes: limit.map(|l| l.saturating_sub(used)),
        percent: limit.map(|l| percent(used, l)),
        over_limit: over_limit(used, limit),
    }
}

fn bytes(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
