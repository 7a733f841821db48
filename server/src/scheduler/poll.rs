//! The poll job (SPEC §3): every router polled concurrently under a bound, each by its own
//! task — so never two polls of one router at once — with a per-router timeout and
//! exponential back-off while it fails (capped at 5 minutes). A task sleeps until its next
//! slot after each poll, so a pause never turns into a burst of catch-up polls.
//!
//! With several instances on one database (SPEC §11) every instance runs a task per router,
//! but a task polls only while its instance holds the router's lease (see `scheduler::lease`
//! and `db::leases`); the others wait and take over when the lease expires. The commit is
//! fenced by the lease, and enforcement and the cycle reset run after a commit in the same
//! task, so they too happen on the holder only.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use super::{Shutdown, sleep_or_shutdown};
use crate::alerts;
use crate::clock::Clock;
use crate::clock::SystemClock;
use crate::db::entities::{router, settings as settings_entity};
use crate::db::leases::{self, Fence, LeaseState};
use crate::db::poll_commit::{
    CommitError, PollReading, PollSummary, RollupSettings, commit_poll_fenced, record_failure,
};
use crate::db::{DbError, routers, settings};
use crate::enforcement;
use crate::routeros::{RouterClient, RouterError, RouterOs};

/// How many routers are polled at the same moment.
pub const MAX_CONCURRENT_POLLS: usize = 32;
/// Per-router time limit for the router calls of one poll (SPEC §3 default).
pub const ROUTER_TIMEOUT: Duration = Duration::from_secs(10);
/// Back-off ceiling while a router keeps failing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// How often the supervisor looks for added, removed or disabled routers.
const RECONCILE_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Router(#[from] RouterError),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error(transparent)]
    Commit(#[from] CommitError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("invalid setting: {0}")]
    Setting(String),
}

/// The delay before the next attempt after `failures` consecutive failures.
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.min(16));
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF)
        .max(interval)
}

/// Rollup settings from the settings row; an invalid stored value is an error, never a guess.
pub fn rollup_settings(row: &settings_entity::Model) -> Result<RollupSettings, PollError> {
    let calendar = crate::service::settings::calendar(row).map_err(PollError::Setting)?;
    Ok(RollupSettings { calendar })
}

pub fn poll_interval(row: &settings_entity::Model) -> Duration {
    Duration::from_secs(
        u64::try_from(row.poll_interval_seconds)
            .unwrap_or(30)
            .max(5),
    )
}

/// One poll of one router: resource (for reboot detection) and ONE peer list call, then one
/// transaction. On failure the router's health records the error and no counter moves.
pub async fn poll_once(
    db: &DatabaseConnection,
    router_id: i32,
    client: &RouterClient,
    identity: &str,
    settings: RollupSettings,
    clock: &dyn Clock,
    timeout: Duration,
) -> Result<PollSummary, PollError> {
    poll_once_fenced(
        db, router_id, client, identity, settings, clock, timeout, None,
    )
    .await
}

/// [`poll_once`] under a lease: the commit is refused when `fence.holder` no longer holds the
/// router's lease, and then nothing is recorded (no failure, no down alert): the router is
/// another instance's now.
#[allow(clippy::too_many_arguments)]
pub async fn poll_once_fenced(
    db: &DatabaseConnection,
    router_id: i32,
    client: &RouterClient,
    identity: &str,
    settings: RollupSettings,
    clock: &dyn Clock,
    timeout: Duration,
    fence: Option<Fence<'_>>,
) -> Result<PollSummary, PollError> {
    let started = Instant::now();
    let at = clock.now();
    let read = async {
        let resource = client.system_resource().await?;
        let peers = client.list_peers().await?;
        Ok::<_, RouterError>((resource, peers))
    };
    let outcome = match tokio::time::timeout(timeout, read).await {
        Ok(Ok((resource, peers))) => {
            let reading = PollReading {
                at,
                identity: identity.to_owned(),
                resource,
                peers,
            };
            commit_poll_fenced(db, router_id, &reading, settings, started.elapsed(), fence)
                .await
                .map_err(PollError::from)
        }
        Ok(Err(err)) => Err(PollError::Router(err)),
        Err(_) => Err(PollError::Timeout(timeout)),
    };
    if matches!(
        outcome,
        Err(PollError::Commit(CommitError::LeaseLost { .. }))
    ) {
        return outcome;
    }
    let error = outcome.as_ref().err().map(ToString::to_string);
    if let Some(error) = &error {
        record_failure(db, router_id, at, started.elapsed(), error).await?;
    }
    // Router down/up alerts, with hysteresis; an alert problem never fails the poll.
    if let Err(err) =
        alerts::router_state::after_poll(db, router_id, error.is_none(), error.as_deref(), at).await
    {
        tracing::warn!(router_id, error = %err, "cannot record router down/up alert");
    }
    outcome
}

/// Runs the poll job until shutdown: a supervisor that keeps one task per pollable router,
/// and the heartbeat of this instance's (`instance`) router leases, released at the end.
pub async fn run(
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    instance: Arc<str>,
    mut shutdown: Shutdown,
) {
    let heartbeat = tokio::spawn(super::lease::heartbeat(
        db.clone(),
        instance.clone(),
        shutdown.clone(),
    ));
    let permits = Arc::new(Semaphore::new(MAX_CONCURRENT_POLLS));
    let mut tasks: HashMap<i32, JoinHandle<()>> = HashMap::new();
    loop {
        match routers::pollable(&db).await {
            Ok(rows) => {
                let wanted: Vec<i32> = rows.iter().map(|r| r.id).collect();
                tasks.retain(|id, task| {
                    let keep = wanted.contains(id) && !task.is_finished();
                    if !keep {
                        task.abort();
                    }
                    keep
                });
                for row in rows {
                    tasks.entry(row.id).or_insert_with(|| {
                        tokio::spawn(router_task(
                            db.clone(),
                            row.id,
                            clock.clone(),
                            instance.clone(),
                            permits.clone(),
                            shutdown.clone(),
                        ))
                    });
                }
            }
            Err(err) => tracing::warn!(error = %err, "poll supervisor cannot list routers"),
        }
        if !sleep_or_shutdown(RECONCILE_EVERY, &mut shutdown).await {
            break;
        }
    }
    for (_, task) in tasks {
        // Tasks see the same shutdown signal; wait so no transaction is cut mid-way.
        let _ = task.await;
    }
    let _ = heartbeat.await;
    // Only now, with no poll left in flight: a rival may take the routers at once.
    super::lease::release(&db, &instance).await;
}

/// What a router task does this round, given the router's lease.
enum Turn {
    /// The lease is ours: poll.
    Poll,
    /// Another instance holds it: look again after this long.
    Wait(Duration),
    /// The router is gone.
    Stop,
}

/// Takes or renews `router_id`'s lease, logging hand-overs; `held` tracks what this task
/// believed last round.
async fn take_turn(
    db: &DatabaseConnection,
    router_id: i32,
    instance: &str,
    interval: Duration,
    held: &mut bool,
) -> Turn {
    let now = SystemClock.now();
    match leases::acquire(db, router_id, instance, now, super::lease::ttl(interval)).await {
        Ok(LeaseState::Ours { .. }) => {
            if !*held {
                tracing::info!(router_id, instance, "took the router's lease: polling it");
                *held = true;
            }
            Turn::Poll
        }
        Ok(LeaseState::Held { holder, expires_at }) => {
            if *held {
                tracing::warn!(
                    router_id,
                    holder,
                    "another instance took the router's lease"
                );
                *held = false;
            }
            // Look again just after it would expire (a live holder will have renewed it),
            // and never later than the recheck period, so a released lease is taken soon.
            let until_expiry = (expires_at - now)
                .to_std()
                .unwrap_or_default()
                .saturating_add(Duration::from_millis(50));
            Turn::Wait(until_expiry.min(super::lease::recheck_every(interval)))
        }
        Ok(LeaseState::Gone) => Turn::Stop,
        Err(err) => {
            tracing::warn!(router_id, error = %err, "cannot take the router's lease");
            *held = false;
            Turn::Wait(super::lease::recheck_every(interval))
        }
    }
}

async fn router_task(
    db: DatabaseConnection,
    router_id: i32,
    clock: Arc<dyn Clock>,
    instance: Arc<str>,
    permits: Arc<Semaphore>,
    mut shutdown: Shutdown,
) {
    let mut client: Option<(chrono::DateTime<chrono::Utc>, RouterClient, String)> = None;
    let mut failures: u32 = 0;
    let mut held = false;
    loop {
        let cycle_start = Instant::now();
        let (interval, cycle_boundary, result) = match load(&db, router_id).await {
            Ok(Some((row, settings_row))) => {
                let interval = poll_interval(&settings_row);
                match take_turn(&db, router_id, &instance, interval, &mut held).await {
                    Turn::Poll => {}
                    Turn::Wait(delay) => {
                        // Whoever polls next starts from a fresh session.
                        client = None;
                        failures = 0;
                        if !sleep_or_shutdown(delay, &mut shutdown).await {
                            return;
                        }
                        continue;
                    }
                    Turn::Stop => return,
                }
                let fence = Fence {
                    holder: &instance,
                    ttl: super::lease::ttl(interval),
                };
                let result = async {
                    let rollup = rollup_settings(&settings_row)?;
                    let _permit = permits.acquire().await.map_err(|_| {
                        PollError::Setting("the poll job is shutting down".to_owned())
                    })?;
                    if client
                        .as_ref()
                        .is_none_or(|(stamp, _, _)| *stamp != row.updated_at)
                    {
                        let endpoint = routers::endpoint(
                            &row,
                            settings_row.router_tls_verify,
                            ROUTER_TIMEOUT,
                        )?;
                        let fresh = RouterClient::new(endpoint)?;
                        let identity = tokio::time::timeout(ROUTER_TIMEOUT, fresh.identity())
                            .await
                            .map_err(|_| PollError::Timeout(ROUTER_TIMEOUT))??;
                        client = Some((row.updated_at, fresh, identity));
                    }
                    let Some((_, active, identity)) = client.as_ref() else {
                        return Err(PollError::Setting("no client".to_owned()));
                    };
                    let summary = poll_once_fenced(
                        &db,
                        router_id,
                        active,
                        identity,
                        rollup,
                        clock.as_ref(),
                        ROUTER_TIMEOUT,
                        Some(fence),
                    )
                    .await?;
                    // Enforcement acts on what this poll just committed; its failures are
                    // recorded per peer and retried next poll, so they never fail the poll.
                    match enforcement::after_poll(
                        &db,
                        router_id,
                        active,
                        &settings_row,
                        clock.now(),
                        ROUTER_TIMEOUT,
                    )
                    .await
                    {
                        Ok(report) if report.acted() => {
                            tracing::info!(router_id, ?report, "enforcement");
                        }
                        Ok(_) => {}
                        Err(err) => tracing::warn!(router_id, error = %err, "enforcement failed"),
                    }
                    Ok(summary)
                }
                .await;
                let wake = until_next_cycle(&settings_row, clock.now());
                (interval, wake, result)
            }
            Ok(None) => return,
            Err(err) => (Duration::from_secs(30), None, Err(PollError::Db(err))),
        };
        let delay = match result {
            Ok(summary) => {
                failures = 0;
                tracing::debug!(router_id, ?summary, "poll committed");
                interval.saturating_sub(cycle_start.elapsed())
            }
            Err(PollError::Commit(err @ CommitError::LeaseLost { .. })) => {
                // Not a router failure: no back-off; the next round finds the new holder.
                tracing::warn!(router_id, error = %err, "poll not committed");
                held = false;
                client = None;
                Duration::ZERO
            }
            Err(err) => {
                failures = failures.saturating_add(1);
                if matches!(err, PollError::Router(_) | PollError::Timeout(_)) {
                    // The session may be stale or the router rebooted: the next try (already
                    // backed off) starts with a fresh connection and login.
                    client = None;
                }
                let delay = backoff(interval, failures - 1);
                tracing::warn!(router_id, error = %err, failures, retry_in = ?delay, "poll failed");
                delay
            }
        };
        // Wake at the cycle boundary too, so the reset re-enables peers at 00:00 local on the
        // reset day rather than up to a poll interval (or a back-off) later.
        let delay = cycle_boundary.map_or(delay, |wake| delay.min(wake));
        if !sleep_or_shutdown(delay, &mut shutdown).await {
            return;
        }
    }
}

/// Time from `now` to the next billing-cycle boundary (plus a second, to land inside the new
/// cycle), or `None` when the stored calendar is unusable.
pub fn until_next_cycle(
    settings_row: &settings_entity::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Duration> {
    let calendar = crate::service::settings::calendar(settings_row).ok()?;
    let end = calendar.cycle_at(now).ok()?.end;
    (end - now)
        .to_std()
        .ok()
        .map(|d| d + Duration::from_secs(1))
}

/// The router row (None when deleted or no longer polled) and the settings in force.
async fn load(
    db: &DatabaseConnection,
    router_id: i32,
) -> Result<Option<(router::Model, settings_entity::Model)>, DbError> {
    let Some(row) = router::Entity::find_by_id(router_id).one(db).await? else {
        return Ok(None);
    };
    if !row.poll_enabled {
        return Ok(None);
    }
    Ok(Some((row, settings::load(db).await?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let interval = Duration::from_secs(30);
        assert_eq!(backoff(interval, 0), interval);
        assert_eq!(backoff(interval, 1), Duration::from_secs(60));
        assert_eq!(backoff(interval, 3), Duration::from_secs(240));
        assert_eq!(backoff(interval, 4), MAX_BACKOFF);
        assert_eq!(backoff(interval, u32::MAX), MAX_BACKOFF);
        // An interval above the cap is never shortened by back-off.
        assert_eq!(
            backoff(Duration::from_secs(600), 2),
            Duration::from_secs(600)
        );
    }
}
