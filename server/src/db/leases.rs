//! Router leases (issue #8, SPEC §11): with several `wgmik serve` processes on one PostgreSQL,
//! only the instance holding a router's lease polls it, enforces its quotas and runs its cycle
//! reset. Every operation is one statement that works the same on SQLite and PostgreSQL.
//!
//! - [`acquire`] takes the lease when it is free, expired or already ours (one conditional
//!   upsert) and reads back who holds it;
//! - [`renew_all`] is the holder's heartbeat, so a router in back-off keeps its holder;
//! - [`fence`] runs inside the poll commit's transaction: it extends the lease only while it is
//!   still ours and unexpired, and the commit aborts otherwise, so a holder that was too slow
//!   and lost its lease never commits a stale delta. On PostgreSQL that UPDATE also locks the
//!   lease row until the commit ends, so a rival's [`acquire`] waits and then sees the
//!   extended lease: two commits for one router can never interleave;
//! - [`release_all`] at graceful shutdown, so a rolling restart hands over at once.
//!
//! Lease times are wall-clock instants of the instance that writes them; replicas need
//! roughly synchronised clocks (NTP). Skew can only move a takeover earlier or later; the
//! fence compares holders, so it never lets two instances commit for one router.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// Who holds a router's lease, as read back after an attempt to take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseState {
    /// This instance holds it until `expires_at`.
    Ours { expires_at: DateTime<Utc> },
    /// Another instance holds it until `expires_at` (unless it renews).
    Held {
        holder: String,
        expires_at: DateTime<Utc>,
    },
    /// No lease row: the router was deleted meanwhile.
    Gone,
}

/// A lease to verify inside the poll commit: this instance's id, and how far to extend it.
#[derive(Debug, Clone, Copy)]
pub struct Fence<'a> {
    pub holder: &'a str,
    pub ttl: Duration,
}

/// Placeholder `n` (1-based) in the backend's syntax. SQLite takes numbered `?N`.
fn p(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    }
}

fn until(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    now + TimeDelta::from_std(ttl).unwrap_or(TimeDelta::MAX)
}

/// Takes or renews router `router_id`'s lease for `holder` when it is free, expired or
/// already `holder`'s, then reads back who holds it.
pub async fn acquire<C: ConnectionTrait>(
    db: &C,
    router_id: i32,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<LeaseState, DbErr> {
    let b = db.get_database_backend();
    // `acquired_at` keeps its value across our own renewals and restarts at a takeover.
    let sql = format!(
        "INSERT INTO router_leases (router_id, holder, expires_at, acquired_at) \
         VALUES ({r}, {h}, {e}, {n}) \
         ON CONFLICT (router_id) DO UPDATE SET \
           holder = excluded.holder, expires_at = excluded.expires_at, \
           acquired_at = CASE WHEN router_leases.holder = excluded.holder \
             THEN router_leases.acquired_at ELSE excluded.acquired_at END \
         WHERE router_leases.holder = excluded.holder OR router_leases.expires_at < {n}",
        r = p(b, 1),
        h = p(b, 2),
        e = p(b, 3),
        n = p(b, 4),
    );
    let values: [Value; 4] = [
        router_id.into(),
        holder.into(),
        until(now, ttl).into(),
        now.into(),
    ];
    match db
        .execute_raw(Statement::from_sql_and_values(b, sql, values))
        .await
    {
        Ok(_) => {}
        // The router was deleted between the supervisor's listing and now.
        Err(err) if is_foreign_key_violation(&err) => return Ok(LeaseState::Gone),
        Err(err) => return Err(err),
    }
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            b,
            format!(
                "SELECT holder, expires_at FROM router_leases WHERE router_id = {}",
                p(b, 1)
            ),
            [router_id.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(LeaseState::Gone);
    };
    let current: String = row.try_get_by_index(0)?;
    let expires_at: DateTime<Utc> = row.try_get_by_index(1)?;
    Ok(if current == holder && expires_at >= now {
        LeaseState::Ours { expires_at }
    } else {
        LeaseState::Held {
            holder: current,
            expires_at,
        }
    })
}

fn is_foreign_key_violation(err: &DbErr) -> bool {
    let text = err.to_string();
    text.contains("FOREIGN KEY constraint failed") || text.contains("violates foreign key")
}

/// The holder's heartbeat: extends every unexpired lease of `holder`; returns how many.
pub async fn renew_all<C: ConnectionTrait>(
    db: &C,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<u64, DbErr> {
    let b = db.get_database_backend();
    let sql = format!(
        "UPDATE router_leases SET expires_at = {} WHERE holder = {} AND expires_at >= {}",
        p(b, 1),
        p(b, 2),
        p(b, 3)
    );
    let values: [Value; 3] = [until(now, ttl).into(), holder.into(), now.into()];
    let done = db
        .execute_raw(Statement::from_sql_and_values(b, sql, values))
        .await?;
    Ok(done.rows_affected())
}

/// Inside the poll commit's transaction: extends router `router_id`'s lease if `fence.holder`
/// still holds it unexpired. `false` means the lease is lost and the commit must abort.
pub async fn fence<C: ConnectionTrait>(
    txn: &C,
    router_id: i32,
    fence: Fence<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let b = txn.get_database_backend();
    let sql = format!(
        "UPDATE router_leases SET expires_at = {} \
         WHERE router_id = {} AND holder = {} AND expires_at >= {}",
        p(b, 1),
        p(b, 2),
        p(b, 3),
        p(b, 4)
    );
    let values: [Value; 4] = [
        until(now, fence.ttl).into(),
        router_id.into(),
        fence.holder.into(),
        now.into(),
    ];
    let done = txn
        .execute_raw(Statement::from_sql_and_values(b, sql, values))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Drops router `router_id`'s lease, whoever holds it, waiting for a poll commit of that
/// router in flight (its fence holds the row locked until COMMIT).
pub async fn release<C: ConnectionTrait>(db: &C, router_id: i32) -> Result<u64, DbErr> {
    delete_where(db, "router_id", router_id.into()).await
}

/// Drops every lease of `holder` (graceful shutdown); returns how many.
pub async fn release_all<C: ConnectionTrait>(db: &C, holder: &str) -> Result<u64, DbErr> {
    delete_where(db, "holder", holder.into()).await
}

/// `DELETE FROM router_leases WHERE <column> = value`; `column` is one of ours, never input.
async fn delete_where<C: ConnectionTrait>(
    db: &C,
    column: &'static str,
    value: Value,
) -> Result<u64, DbErr> {
    let b = db.get_database_backend();
    let sql = format!("DELETE FROM router_leases WHERE {column} = {}", p(b, 1));
    let done = db
        .execute_raw(Statement::from_sql_and_values(b, sql, [value]))
        .await?;
    Ok(done.rows_affected())
}

/// Drops every lease, whoever holds it. Only for SQLite at start-up: the data-directory lock
/// proves no other instance runs, so leases left by a crashed predecessor would only delay
/// the first polls.
pub async fn clear_all<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    let done = db.execute_unprepared("DELETE FROM router_leases").await?;
    Ok(done.rows_affected())
}
