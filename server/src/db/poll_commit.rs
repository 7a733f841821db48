//! Commits one successful poll of one router in ONE transaction: peer metadata, last raw
//! counters with the open hourly/daily/cycle sums, raw samples, the rollup rows of buckets that
//! closed (and the router's daily sums), counter-reset events and the router's health move
//! together or not at all (SPEC §3). Writes are batched multi-row statements, so a poll of
//! 10,000 peers is a handful of statements, not 10,000; and a peer costs two rows a poll (its
//! counters and a raw sample), plus a rollup row at each bucket it closes
//! (`accounting::open_bucket`).
//!
//! Crash safety follows from the transaction: the baseline (`peer_counters`) and the bytes it
//! accounts for are committed atomically, so a crash before COMMIT loses only this poll (the
//! next one measures from the previous baseline and counts the same bytes once), and a crash
//! after COMMIT loses nothing.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryResult, Set, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};

use super::DbError;
use super::batch::Column;
use super::entities::{peer, router_health};
use super::leases;
use super::poll_rows::{CounterRows, ResetRows, SampleRows, rollup, router_daily};
use crate::accounting::calendar::Calendar;
use crate::accounting::cycle::ResetDay;
use crate::accounting::delta::{Counters, Delta, Reboot, ResetCause, compute_delta};
use crate::accounting::open_bucket::{OpenBucket, advance};
use crate::accounting::rollup::{Buckets, Increment, buckets_in};
use crate::accounting::status::handshake_at;
use crate::clock::{Clock as _, SystemClock};
use crate::routeros::{SystemResource, WgPeer};

/// Rows per multi-row statement: far below SQLite's and PostgreSQL's bind-parameter limits
/// (32,766 and 65,535) for our widest row (9 columns).
const CHUNK: usize = 1000;

/// A recomputed handshake instant (poll time − age, whole seconds) jitters by a second from
/// poll to poll; a move smaller than this is the same handshake.
const HANDSHAKE_JITTER: TimeDelta = TimeDelta::seconds(2);

/// What one successful poll read from a router.
#[derive(Debug, Clone)]
pub struct PollReading {
    /// When the reading was taken (the poll's instant; all its deltas land in its buckets).
    pub at: DateTime<Utc>,
    pub identity: String,
    pub resource: SystemResource,
    pub peers: Vec<WgPeer>,
}

/// Rollup settings in force for this poll.
#[derive(Debug, Clone, Copy)]
pub struct RollupSettings {
    /// The billing calendar, with any pending timezone or reset-day change.
    pub calendar: Calendar,
}

impl RollupSettings {
    /// A calendar with no pending change.
    pub fn fixed(timezone: Tz, reset_day: ResetDay) -> Self {
        Self {
            calendar: Calendar::fixed(timezone, reset_day),
        }
    }
}

/// What a committed poll did, for logs, metrics and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollSummary {
    pub peers_listed: usize,
    pub tracked_peers: usize,
    pub new_peers: usize,
    pub missing_peers: usize,
    pub resets: usize,
    pub raw_samples: usize,
    pub bytes_rx: u64,
    pub bytes_tx: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("peer {public_key} on {interface}: {field} {value} exceeds the largest storable count")]
    CounterTooLarge {
        interface: String,
        public_key: String,
        field: &'static str,
        value: u64,
    },
    #[error("cannot bucket poll instant {0}: {1}")]
    Bucket(DateTime<Utc>, String),
    /// Another instance took this router's lease while the poll ran; nothing was committed.
    #[error("router {router_id}: this instance no longer holds the router's lease; poll discarded")]
    LeaseLost { router_id: i32 },
}

impl From<sea_orm::DbErr> for CommitError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// Serialises the poll commits of this process on SQLite (see `commit_poll`).
static SQLITE_POLL_WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Commits `reading` for router `router_id`, all or nothing.
pub async fn commit_poll(
    db: &DatabaseConnection,
    router_id: i32,
    reading: &PollReading,
    settings: RollupSettings,
    poll_duration: Duration,
) -> Result<PollSummary, CommitError> {
    commit_poll_fenced(db, router_id, reading, settings, poll_duration, None).await
}

/// [`commit_poll`], first checking inside the same transaction that this instance still
/// holds the router's lease (see `db::leases`): when it does not, nothing is written and the
/// result is [`CommitError::LeaseLost`].
pub async fn commit_poll_fenced(
    db: &DatabaseConnection,
    router_id: i32,
    reading: &PollReading,
    settings: RollupSettings,
    poll_duration: Duration,
    fence: Option<leases::Fence<'_>>,
) -> Result<PollSummary, CommitError> {
    // SQLite has one writer: queue here, in FIFO order, rather than in SQLite's busy handler,
    // which sleeps (1, 2, 5 … 100 ms) between retries while holding a pooled connection, so
    // the lock sat idle between commits and the pool's other connections were tied up
    // waiting instead of serving reads. Other writers (API, retention) still rely on the busy
    // timeout; this only orders the poll commits among themselves.
    let _writer = match db.get_database_backend() {
        DbBackend::Sqlite => Some(SQLITE_POLL_WRITER.lock().await),
        _ => None,
    };
    // SQLite: take the write lock at BEGIN. A deferred transaction reads first and then
    // upgrades, and in WAL mode that upgrade fails at once with SQLITE_BUSY (or BUSY_SNAPSHOT
    // when another poll committed since the read) instead of waiting out the busy timeout, so
    // concurrent polls of different routers failed. PostgreSQL ignores the mode.
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    // First statement of the transaction, so on PostgreSQL the lease row stays locked until
    // COMMIT and no rival can take the lease between this check and the writes.
    if let Some(fence) = fence
        && !leases::fence(&txn, router_id, fence, SystemClock.now()).await?
    {
        txn.rollback().await?;
        return Err(CommitError::LeaseLost { router_id });
    }
    let summary = write_poll(&txn, router_id, reading, settings, poll_duration).await?;
    txn.commit().await?;
    Ok(summary)
}

async fn write_poll(
    txn: &DatabaseTransaction,
    router_id: i32,
    reading: &PollReading,
    settings: RollupSettings,
    poll_duration: Duration,
) -> Result<PollSummary, CommitError> {
    let at = reading.at;
    let health = router_health::Entity::find_by_id(router_id)
        .one(txn)
        .await?;
    let previous_uptime = health
        .as_ref()
        .and_then(|h| h.last_uptime_seconds)
        .and_then(|s| u64::try_from(s).ok())
        .map(Duration::from_secs);
    let reboot = Reboot::from_uptimes(previous_uptime, Some(reading.resource.uptime));

    let known = load_known(txn, router_id).await?;
    let by_key: HashMap<(&str, &str), &KnownPeer> = known
        .iter()
        .map(|p| ((p.interface.as_str(), p.public_key.as_str()), p))
        .collect();

    let mut summary = PollSummary {
        peers_listed: reading.peers.len(),
        ..PollSummary::default()
    };
    let listed = reading.peers.len();
    let mut peer_rows = Vec::new();
    let mut counters = CounterRows::with_capacity(listed);
    let mut samples = SampleRows::with_capacity(listed);
    let mut resets = ResetRows::default();
    let mut closed = ClosedBuckets::default();
    // The poll's one instant, bucketed once, when the first byte needs it.
    let mut buckets: Option<Buckets> = None;
    let mut listed_ids = HashSet::with_capacity(known.len());

    for seen in &reading.peers {
        let key = (seen.interface.as_str(), seen.public_key.as_str());
        let Some(&existing) = by_key.get(&key) else {
            summary.new_peers += 1;
            peer_rows.push(new_peer_row(router_id, seen, at));
            continue;
        };
        listed_ids.insert(existing.id);
        if metadata_changed(existing, seen) {
            peer_rows.push(updated_peer_row(router_id, existing, seen, at));
        }
        if !existing.tracked {
            continue;
        }
        summary.tracked_peers += 1;
        let current = Counters {
            rx: seen.rx,
            tx: seen.tx,
        };
        check_storable(seen)?;
        let last = existing.counter.as_ref();
        let delta = peer_delta(existing, last, seen, current, reboot);
        let hs_now = handshake_at(at, seen.last_handshake);
        let hs_stored = last.and_then(|c| c.last_handshake_at);
        let handshake_moved = match (hs_stored, hs_now) {
            (Some(old), Some(new)) => (new - old).abs() > HANDSHAKE_JITTER,
            (None, None) => false,
            _ => true,
        };
        // Keep the stored instant while it is the same handshake, so it does not jitter.
        let hs_keep = if handshake_moved { hs_now } else { hs_stored };
        let rx_moved_at = if delta.rx_moved {
            Some(at)
        } else {
            last.and_then(|c| c.last_rx_moved_at)
        };
        let (total_rx, total_tx) = last.map_or((0, 0), |c| (c.total_rx, c.total_tx));
        let (rx, tx) = (as_i64(seen.rx), as_i64(seen.tx));
        let open = last.map(|c| c.open).unwrap_or_default();
        let open = if delta.is_zero() {
            open
        } else {
            let keys = match buckets {
                Some(keys) => keys,
                None => *buckets.insert(
                    buckets_in(at, &settings.calendar)
                        .map_err(|err| CommitError::Bucket(at, err.to_string()))?,
                ),
            };
            closed.advance(existing.id, open, keys, delta.rx, delta.tx)
        };
        counters.push(
            existing.id,
            rx,
            tx,
            hs_keep,
            rx_moved_at,
            total_rx.saturating_add(as_i64(delta.rx)),
            total_tx.saturating_add(as_i64(delta.tx)),
            open,
        );
        if last.is_none() || !delta.is_zero() || handshake_moved || delta.reset.is_some() {
            samples.push(
                existing.id,
                rx,
                tx,
                as_i64(delta.rx),
                as_i64(delta.tx),
                hs_keep,
            );
        }
        if let (Some(cause), Some(last)) = (delta.reset, last) {
            resets.push(existing.id, cause, (last.rx, last.tx), (rx, tx));
        }
        summary.bytes_rx = summary.bytes_rx.saturating_add(delta.rx);
        summary.bytes_tx = summary.bytes_tx.saturating_add(delta.tx);
    }

    let missing: Vec<i32> = known
        .iter()
        .filter(|p| !p.missing_on_router && !listed_ids.contains(&p.id))
        .map(|p| p.id)
        .collect();
    let back: Vec<i32> = known
        .iter()
        .filter(|p| p.missing_on_router && listed_ids.contains(&p.id))
        .map(|p| p.id)
        .collect();
    summary.missing_peers = known.iter().filter(|p| !listed_ids.contains(&p.id)).count();
    summary.resets = resets.len();
    summary.raw_samples = samples.len();

    closed.sort();
    // The router's share of the poll, on the poll's local day (every delta is measured there).
    let router_day: Vec<Increment<i32, chrono::NaiveDate>> = buckets
        .filter(|_| summary.bytes_rx != 0 || summary.bytes_tx != 0)
        .map(|keys| Increment {
            peer: router_id,
            bucket: keys.day,
            rx: summary.bytes_rx,
            tx: summary.bytes_tx,
        })
        .into_iter()
        .collect();

    upsert_peers(txn, peer_rows).await?;
    set_missing(txn, &missing, true).await?;
    set_missing(txn, &back, false).await?;
    counters.upsert(at).exec(txn).await?;
    samples.insert(at).exec(txn).await?;
    resets.insert(at).exec(txn).await?;
    rollup(
        "usage_hourly",
        "hour_start",
        &closed.hourly,
        |b| *b,
        Column::Time,
    )
    .exec(txn)
    .await?;
    rollup("usage_daily", "day", &closed.daily, |b| *b, Column::Date)
        .exec(txn)
        .await?;
    router_daily(router_id, &router_day).exec(txn).await?;
    rollup(
        "usage_monthly",
        "cycle_start",
        &closed.monthly,
        |b| *b,
        Column::Date,
    )
    .exec(txn)
    .await?;
    record_success(txn, router_id, reading, poll_duration).await?;
    Ok(summary)
}

/// A peer row of the router and, for a peer that has one, its last committed counters.
#[derive(Debug)]
struct KnownPeer {
    id: i32,
    interface: String,
    public_key: String,
    ros_id: Option<String>,
    name: Option<String>,
    comment: Option<String>,
    allowed_address: Option<String>,
    endpoint_address: Option<String>,
    tracked: bool,
    disabled: bool,
    dynamic: bool,
    missing_on_router: bool,
    first_seen_at: DateTime<Utc>,
    counter: Option<LastCounters>,
}

#[derive(Debug)]
struct LastCounters {
    rx: i64,
    tx: i64,
    last_handshake_at: Option<DateTime<Utc>>,
    last_rx_moved_at: Option<DateTime<Utc>>,
    total_rx: i64,
    total_tx: i64,
    open: OpenBuckets,
}

/// A peer's open hourly, daily and cycle sums (see `accounting::open_bucket`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct OpenBuckets {
    pub hour: Option<OpenBucket<DateTime<Utc>>>,
    pub day: Option<OpenBucket<chrono::NaiveDate>>,
    pub cycle: Option<OpenBucket<chrono::NaiveDate>>,
}

/// The rollup rows of one poll: buckets its deltas closed, and deltas for buckets earlier
/// than a peer's open one. Sorted by (peer, bucket) before writing, so concurrent polls lock
/// rollup rows in one order (no deadlock on PostgreSQL).
#[derive(Default)]
struct ClosedBuckets {
    hourly: Vec<Increment<i32, DateTime<Utc>>>,
    daily: Vec<Increment<i32, chrono::NaiveDate>>,
    monthly: Vec<Increment<i32, chrono::NaiveDate>>,
}

impl ClosedBuckets {
    /// Adds one peer's delta, measured in `keys`, to its open buckets; returns them.
    fn advance(
        &mut self,
        peer: i32,
        open: OpenBuckets,
        keys: Buckets,
        rx: u64,
        tx: u64,
    ) -> OpenBuckets {
        fn level<B: Ord + Copy>(
            rows: &mut Vec<Increment<i32, B>>,
            peer: i32,
            open: Option<OpenBucket<B>>,
            bucket: B,
            rx: u64,
            tx: u64,
        ) -> Option<OpenBucket<B>> {
            let step = advance(open, bucket, rx, tx);
            if let Some(row) = step.to_table {
                rows.push(Increment {
                    peer,
                    bucket: row.bucket,
                    rx: row.rx,
                    tx: row.tx,
                });
            }
            step.open
        }
        OpenBuckets {
            hour: level(&mut self.hourly, peer, open.hour, keys.hour, rx, tx),
            day: level(&mut self.daily, peer, open.day, keys.day, rx, tx),
            cycle: level(
                &mut self.monthly,
                peer,
                open.cycle,
                keys.cycle.label,
                rx,
                tx,
            ),
        }
    }

    fn sort(&mut self) {
        self.hourly.sort_by_key(|r| (r.peer, r.bucket));
        self.daily.sort_by_key(|r| (r.peer, r.bucket));
        self.monthly.sort_by_key(|r| (r.peer, r.bucket));
    }
}

/// The router's peers with their counters, in one query.
async fn load_known(
    txn: &DatabaseTransaction,
    router_id: i32,
) -> Result<Vec<KnownPeer>, CommitError> {
    let backend = txn.get_database_backend();
    let param = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let sql = format!(
        "SELECT p.id, p.interface, p.public_key, p.ros_id, p.name, p.comment, \
         p.allowed_address, p.endpoint_address, p.tracked, p.disabled, p.dynamic, \
         p.missing_on_router, p.first_seen_at, c.peer_id, c.rx, c.tx, c.last_handshake_at, \
         c.last_rx_moved_at, c.total_rx, c.total_tx, c.open_hour, c.hour_rx, c.hour_tx, \
         c.open_day, c.day_rx, c.day_tx, c.open_cycle, c.cycle_rx, c.cycle_tx \
         FROM peers p LEFT JOIN peer_counters c ON c.peer_id = p.id WHERE p.router_id = {param}"
    );
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [router_id.into()],
        ))
        .await?;
    rows.iter().map(known_peer).collect()
}

fn known_peer(row: &QueryResult) -> Result<KnownPeer, CommitError> {
    let counter = match row.try_get_by_index::<Option<i32>>(13)? {
        None => None,
        Some(_) => Some(LastCounters {
            rx: row.try_get_by_index(14)?,
            tx: row.try_get_by_index(15)?,
            last_handshake_at: row.try_get_by_index(16)?,
            last_rx_moved_at: row.try_get_by_index(17)?,
            total_rx: row.try_get_by_index(18)?,
            total_tx: row.try_get_by_index(19)?,
            open: OpenBuckets {
                hour: open_bucket(row, 20)?,
                day: open_bucket(row, 23)?,
                cycle: open_bucket(row, 26)?,
            },
        }),
    };
    Ok(KnownPeer {
        id: row.try_get_by_index(0)?,
        interface: row.try_get_by_index(1)?,
        public_key: row.try_get_by_index(2)?,
        ros_id: row.try_get_by_index(3)?,
        name: row.try_get_by_index(4)?,
        comment: row.try_get_by_index(5)?,
        allowed_address: row.try_get_by_index(6)?,
        endpoint_address: row.try_get_by_index(7)?,
        tracked: row.try_get_by_index(8)?,
        disabled: row.try_get_by_index(9)?,
        dynamic: row.try_get_by_index(10)?,
        missing_on_router: row.try_get_by_index(11)?,
        first_seen_at: row.try_get_by_index(12)?,
        counter,
    })
}

/// The open bucket stored at columns `first` (its key, NULL when none), `first + 1` and
/// `first + 2` (its received and sent sums).
fn open_bucket<B: sea_orm::TryGetable>(
    row: &QueryResult,
    first: usize,
) -> Result<Option<OpenBucket<B>>, CommitError> {
    let Some(bucket) = row.try_get_by_index::<Option<B>>(first)? else {
        return Ok(None);
    };
    let sum = |i: usize| -> Result<u64, CommitError> {
        Ok(u64::try_from(row.try_get_by_index::<i64>(i)?).unwrap_or(0))
    };
    Ok(Some(OpenBucket {
        bucket,
        rx: sum(first + 1)?,
        tx: sum(first + 2)?,
    }))
}

/// The delta of one tracked peer. Beyond `compute_delta`, a changed RouterOS `.id` for the
/// same (interface, public key) means the peer was re-created: RouterOS does not renumber
/// items while it runs, and a re-created peer starts from zero even when it has already
/// carried more than the old counters showed (which a plain "went down" check would miss).
fn peer_delta(
    existing: &KnownPeer,
    last: Option<&LastCounters>,
    seen: &WgPeer,
    current: Counters,
    reboot: Reboot,
) -> Delta {
    let last_counters = last.map(|c| Counters {
        rx: u64::try_from(c.rx).unwrap_or(0),
        tx: u64::try_from(c.tx).unwrap_or(0),
    });
    let delta = compute_delta(last_counters, current, reboot);
    let recreated = last.is_some()
        && delta.reset.is_none()
        && existing.ros_id.as_deref().is_some_and(|old| old != seen.id);
    if recreated {
        Delta {
            rx: current.rx,
            tx: current.tx,
            reset: Some(ResetCause::PeerReset),
            rx_moved: current.rx > 0,
        }
    } else {
        delta
    }
}

fn check_storable(seen: &WgPeer) -> Result<(), CommitError> {
    for (field, value) in [("rx", seen.rx), ("tx", seen.tx)] {
        if i64::try_from(value).is_err() {
            return Err(CommitError::CounterTooLarge {
                interface: seen.interface.clone(),
                public_key: seen.public_key.clone(),
                field,
                value,
            });
        }
    }
    Ok(())
}

/// Callers have checked the range with [`check_storable`]; deltas never exceed counters.
pub(super) fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn metadata_changed(existing: &KnownPeer, seen: &WgPeer) -> bool {
    existing.ros_id.as_deref() != Some(seen.id.as_str())
        || existing.name != seen.name
        || existing.comment != seen.comment
        || !is_joined(
            existing.allowed_address.as_deref().unwrap_or(""),
            &seen.allowed_addresses,
        )
        || existing.endpoint_address.as_deref() != seen.endpoint.as_ref().map(|(h, _)| h.as_str())
        || existing.disabled != seen.disabled
        || existing.dynamic != seen.dynamic
        || existing.missing_on_router
}

/// `stored == parts.join(",")`, without building the joined string.
fn is_joined(stored: &str, parts: &[String]) -> bool {
    let mut rest = stored;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            let Some(after) = rest.strip_prefix(',') else {
                return false;
            };
            rest = after;
        }
        let Some(after) = rest.strip_prefix(part.as_str()) else {
            return false;
        };
        rest = after;
    }
    rest.is_empty()
}

/// A peer row as listed by the router, untracked; the import marks it tracked.
pub(crate) fn new_peer_row(router_id: i32, seen: &WgPeer, at: DateTime<Utc>) -> peer::ActiveModel {
    peer::ActiveModel {
        router_id: Set(router_id),
        interface: Set(seen.interface.clone()),
        public_key: Set(seen.public_key.clone()),
        ros_id: Set(Some(seen.id.clone())),
        name: Set(seen.name.clone()),
        comment: Set(seen.comment.clone()),
        allowed_address: Set(Some(seen.allowed_addresses.join(","))),
        endpoint_address: Set(seen.endpoint.as_ref().map(|(host, _)| host.clone())),
        tracked: Set(false),
        disabled: Set(seen.disabled),
        dynamic: Set(seen.dynamic),
        missing_on_router: Set(false),
        first_seen_at: Set(at),
        last_listed_at: Set(Some(at)),
        ..Default::default()
    }
}

fn updated_peer_row(
    router_id: i32,
    existing: &KnownPeer,
    seen: &WgPeer,
    at: DateTime<Utc>,
) -> peer::ActiveModel {
    let mut row = new_peer_row(router_id, seen, at);
    row.tracked = Set(existing.tracked);
    row.first_seen_at = Set(existing.first_seen_at);
    row
}

/// Peer metadata changes are rare (new or edited peers), so they keep the entity path.
async fn upsert_peers(
    txn: &DatabaseTransaction,
    rows: Vec<peer::ActiveModel>,
) -> Result<(), CommitError> {
    for chunk in chunks(rows) {
        peer::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([
                    peer::Column::RouterId,
                    peer::Column::Interface,
                    peer::Column::PublicKey,
                ])
                .update_columns([
                    peer::Column::RosId,
                    peer::Column::Name,
                    peer::Column::Comment,
                    peer::Column::AllowedAddress,
                    peer::Column::EndpointAddress,
                    peer::Column::Disabled,
                    peer::Column::Dynamic,
                    peer::Column::MissingOnRouter,
                    peer::Column::LastListedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

async fn set_missing(
    txn: &DatabaseTransaction,
    ids: &[i32],
    missing: bool,
) -> Result<(), CommitError> {
    for chunk in ids.chunks(CHUNK) {
        peer::Entity::update_many()
            .col_expr(peer::Column::MissingOnRouter, Expr::value(missing))
            .filter(peer::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

async fn record_success(
    txn: &DatabaseTransaction,
    router_id: i32,
    reading: &PollReading,
    poll_duration: Duration,
) -> Result<(), CommitError> {
    use router_health::Column as C;
    let row = router_health::ActiveModel {
        router_id: Set(router_id),
        last_attempt_at: Set(Some(reading.at)),
        last_success_at: Set(Some(reading.at)),
        last_duration_ms: Set(Some(
            i64::try_from(poll_duration.as_millis()).unwrap_or(i64::MAX),
        )),
        last_error: Set(None),
        consecutive_failures: Set(0),
        last_uptime_seconds: Set(Some(
            i64::try_from(reading.resource.uptime.as_secs()).unwrap_or(i64::MAX),
        )),
        identity: Set(Some(reading.identity.clone())),
        version: Set(Some(reading.resource.version.clone())),
        board: Set(Some(reading.resource.board_name.clone())),
        down_alerted: sea_orm::ActiveValue::NotSet,
    };
    router_health::Entity::insert(row)
        .on_conflict(
            OnConflict::column(C::RouterId)
                .update_columns([
                    C::LastAttemptAt,
                    C::LastSuccessAt,
                    C::LastDurationMs,
                    C::LastError,
                    C::ConsecutiveFailures,
                    C::LastUptimeSeconds,
                    C::Identity,
                    C::Version,
                    C::Board,
                ])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Records a failed poll attempt: the error an admin sees, and one more consecutive failure
/// for the back-off. Counters and rollups are untouched.
pub async fn record_failure(
    db: &DatabaseConnection,
    router_id: i32,
    at: DateTime<Utc>,
    poll_duration: Duration,
    error: &str,
) -> Result<i32, DbError> {
    use router_health::Column as C;
    let row = router_health::ActiveModel {
        router_id: Set(router_id),
        last_attempt_at: Set(Some(at)),
        last_success_at: Set(None),
        last_duration_ms: Set(Some(
            i64::try_from(poll_duration.as_millis()).unwrap_or(i64::MAX),
        )),
        last_error: Set(Some(error.to_owned())),
        consecutive_failures: Set(1),
        last_uptime_seconds: Set(None),
        identity: Set(None),
        version: Set(None),
        board: Set(None),
        down_alerted: sea_orm::ActiveValue::NotSet,
    };
    router_health::Entity::insert(row)
        .on_conflict(
            OnConflict::column(C::RouterId)
                .update_columns([C::LastAttemptAt, C::LastDurationMs, C::LastError])
                .value(
                    C::ConsecutiveFailures,
                    Expr::col((router_health::Entity, C::ConsecutiveFailures)).add(1),
                )
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let failures = router_health::Entity::find_by_id(router_id)
        .one(db)
        .await?
        .map_or(1, |h| h.consecutive_failures);
    Ok(failures)
}

fn chunks<T>(rows: Vec<T>) -> impl Iterator<Item = Vec<T>> {
    let mut rows = rows.into_iter().peekable();
    std::iter::from_fn(move || {
        rows.peek()?;
        Some(rows.by_ref().take(CHUNK).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::is_joined;

    #[test]
    fn joined_comparison_matches_join() {
        let cases: [&[&str]; 5] = [
            &[],
            &["a"],
            &["10.0.0.2/32", "fd00::2/128"],
            &["a", ""],
            &[""],
        ];
        for parts in cases {
            let parts: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
            let joined = parts.join(",");
            for stored in [
                joined.as_str(),
                "",
                "a",
                "a,",
                "10.0.0.2/32",
                "x,10.0.0.2/32",
            ] {
                assert_eq!(
                    is_joined(stored, &parts),
                    stored == joined,
                    "{stored:?} {parts:?}"
                );
            }
        }
    }
}
