//! The rows one poll commit writes to the per-peer tables, gathered as columns and turned
//! into the multi-row statements of `batch` (see `poll_commit` for what each row means).

use chrono::{DateTime, NaiveDate, Utc};

use super::batch::{Column, Insert};
use super::poll_commit::{OpenBuckets, as_i64};
use crate::accounting::delta::ResetCause;
use crate::accounting::rollup::Increment;

/// Every column of `peer_counters` a poll rewrites (all but the key).
const COUNTER_COLUMNS: [&str; 16] = [
    "rx",
    "tx",
    "polled_at",
    "last_handshake_at",
    "last_rx_moved_at",
    "total_rx",
    "total_tx",
    "open_hour",
    "hour_rx",
    "hour_tx",
    "open_day",
    "day_rx",
    "day_tx",
    "open_cycle",
    "cycle_rx",
    "cycle_tx",
];

/// New baselines (`peer_counters`), one per tracked listed peer; `polled_at` is the poll's.
#[derive(Default)]
pub(super) struct CounterRows {
    peer_id: Vec<i32>,
    rx: Vec<i64>,
    tx: Vec<i64>,
    last_handshake_at: Vec<Option<DateTime<Utc>>>,
    last_rx_moved_at: Vec<Option<DateTime<Utc>>>,
    total_rx: Vec<i64>,
    total_tx: Vec<i64>,
    open_hour: Vec<Option<DateTime<Utc>>>,
    hour_rx: Vec<i64>,
    hour_tx: Vec<i64>,
    open_day: Vec<Option<NaiveDate>>,
    day_rx: Vec<i64>,
    day_tx: Vec<i64>,
    open_cycle: Vec<Option<NaiveDate>>,
    cycle_rx: Vec<i64>,
    cycle_tx: Vec<i64>,
}

impl CounterRows {
    pub(super) fn with_capacity(n: usize) -> Self {
        Self {
            peer_id: Vec::with_capacity(n),
            rx: Vec::with_capacity(n),
            tx: Vec::with_capacity(n),
            last_handshake_at: Vec::with_capacity(n),
            last_rx_moved_at: Vec::with_capacity(n),
            total_rx: Vec::with_capacity(n),
            total_tx: Vec::with_capacity(n),
            open_hour: Vec::with_capacity(n),
            hour_rx: Vec::with_capacity(n),
            hour_tx: Vec::with_capacity(n),
            open_day: Vec::with_capacity(n),
            day_rx: Vec::with_capacity(n),
            day_tx: Vec::with_capacity(n),
            open_cycle: Vec::with_capacity(n),
            cycle_rx: Vec::with_capacity(n),
            cycle_tx: Vec::with_capacity(n),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        peer_id: i32,
        rx: i64,
        tx: i64,
        last_handshake_at: Option<DateTime<Utc>>,
        last_rx_moved_at: Option<DateTime<Utc>>,
        total_rx: i64,
        total_tx: i64,
        open: OpenBuckets,
    ) {
        self.peer_id.push(peer_id);
        self.rx.push(rx);
        self.tx.push(tx);
        self.last_handshake_at.push(last_handshake_at);
        self.last_rx_moved_at.push(last_rx_moved_at);
        self.total_rx.push(total_rx);
        self.total_tx.push(total_tx);
        // An absent bucket stores NULL and zero sums.
        let sums = |b: Option<(u64, u64)>| b.map_or((0, 0), |(rx, tx)| (as_i64(rx), as_i64(tx)));
        let (rx, tx) = sums(open.hour.map(|b| (b.rx, b.tx)));
        self.open_hour.push(open.hour.map(|b| b.bucket));
        self.hour_rx.push(rx);
        self.hour_tx.push(tx);
        let (rx, tx) = sums(open.day.map(|b| (b.rx, b.tx)));
        self.open_day.push(open.day.map(|b| b.bucket));
        self.day_rx.push(rx);
        self.day_tx.push(tx);
        let (rx, tx) = sums(open.cycle.map(|b| (b.rx, b.tx)));
        self.open_cycle.push(open.cycle.map(|b| b.bucket));
        self.cycle_rx.push(rx);
        self.cycle_tx.push(tx);
    }

    pub(super) fn upsert(self, at: DateTime<Utc>) -> Insert<'static> {
        let n = self.peer_id.len();
        Insert {
            table: "peer_counters",
            columns: vec![
                ("peer_id", Column::Int(self.peer_id)),
                ("rx", Column::BigInt(self.rx)),
                ("tx", Column::BigInt(self.tx)),
                ("polled_at", Column::Time(vec![at; n])),
                ("last_handshake_at", Column::OptTime(self.last_handshake_at)),
                ("last_rx_moved_at", Column::OptTime(self.last_rx_moved_at)),
                ("total_rx", Column::BigInt(self.total_rx)),
                ("total_tx", Column::BigInt(self.total_tx)),
                ("open_hour", Column::OptTime(self.open_hour)),
                ("hour_rx", Column::BigInt(self.hour_rx)),
                ("hour_tx", Column::BigInt(self.hour_tx)),
                ("open_day", Column::OptDate(self.open_day)),
                ("day_rx", Column::BigInt(self.day_rx)),
                ("day_tx", Column::BigInt(self.day_tx)),
                ("open_cycle", Column::OptDate(self.open_cycle)),
                ("cycle_rx", Column::BigInt(self.cycle_rx)),
                ("cycle_tx", Column::BigInt(self.cycle_tx)),
            ],
            tail: format!(
                "ON CONFLICT (\"peer_id\") DO UPDATE SET {}",
                COUNTER_COLUMNS
                    .iter()
                    .map(|c| format!("\"{c}\" = \"excluded\".\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Raw samples of this poll, all at the poll's instant.
#[derive(Default)]
pub(super) struct SampleRows {
    peer_id: Vec<i32>,
    rx_counter: Vec<i64>,
    tx_counter: Vec<i64>,
    delta_rx: Vec<i64>,
    delta_tx: Vec<i64>,
    last_handshake_at: Vec<Option<DateTime<Utc>>>,
}

impl SampleRows {
    pub(super) fn len(&self) -> usize {
        self.peer_id.len()
    }

    pub(super) fn with_capacity(n: usize) -> Self {
        Self {
            peer_id: Vec::with_capacity(n),
            rx_counter: Vec::with_capacity(n),
            tx_counter: Vec::with_capacity(n),
            delta_rx: Vec::with_capacity(n),
            delta_tx: Vec::with_capacity(n),
            last_handshake_at: Vec::with_capacity(n),
        }
    }

    pub(super) fn push(
        &mut self,
        peer_id: i32,
        rx: i64,
        tx: i64,
        delta_rx: i64,
        delta_tx: i64,
        last_handshake_at: Option<DateTime<Utc>>,
    ) {
        self.peer_id.push(peer_id);
        self.rx_counter.push(rx);
        self.tx_counter.push(tx);
        self.delta_rx.push(delta_rx);
        self.delta_tx.push(delta_tx);
        self.last_handshake_at.push(last_handshake_at);
    }

    pub(super) fn insert(self, at: DateTime<Utc>) -> Insert<'static> {
        let n = self.peer_id.len();
        Insert {
            table: "raw_samples",
            columns: vec![
                ("peer_id", Column::Int(self.peer_id)),
                ("at", Column::Time(vec![at; n])),
                ("rx_counter", Column::BigInt(self.rx_counter)),
                ("tx_counter", Column::BigInt(self.tx_counter)),
                ("delta_rx", Column::BigInt(self.delta_rx)),
                ("delta_tx", Column::BigInt(self.delta_tx)),
                ("last_handshake_at", Column::OptTime(self.last_handshake_at)),
            ],
            tail: String::new(),
        }
    }
}

/// Counter-reset events of this poll (rare), all at the poll's instant.
#[derive(Default)]
pub(super) struct ResetRows {
    peer_id: Vec<i32>,
    cause: Vec<String>,
    old_rx: Vec<i64>,
    old_tx: Vec<i64>,
    new_rx: Vec<i64>,
    new_tx: Vec<i64>,
}

impl ResetRows {
    pub(super) fn len(&self) -> usize {
        self.peer_id.len()
    }

    pub(super) fn push(
        &mut self,
        peer_id: i32,
        cause: ResetCause,
        old: (i64, i64),
        new: (i64, i64),
    ) {
        self.peer_id.push(peer_id);
        self.cause.push(cause.as_str().to_owned());
        self.old_rx.push(old.0);
        self.old_tx.push(old.1);
        self.new_rx.push(new.0);
        self.new_tx.push(new.1);
    }

    pub(super) fn insert(self, at: DateTime<Utc>) -> Insert<'static> {
        let n = self.peer_id.len();
        Insert {
            table: "counter_resets",
            columns: vec![
                ("peer_id", Column::Int(self.peer_id)),
                ("at", Column::Time(vec![at; n])),
                ("cause", Column::Text(self.cause)),
                ("old_rx", Column::BigInt(self.old_rx)),
                ("old_tx", Column::BigInt(self.old_tx)),
                ("new_rx", Column::BigInt(self.new_rx)),
                ("new_tx", Column::BigInt(self.new_tx)),
            ],
            tail: String::new(),
        }
    }
}

/// Adds increments to a rollup table: `ON CONFLICT … DO UPDATE SET rx = rx + excluded.rx`
/// (both backends), so the rollup stays exact without being read first.
pub(super) fn rollup<'a, B, V>(
    table: &'a str,
    bucket_column: &'a str,
    rows: &[Increment<i32, B>],
    bucket: impl Fn(&B) -> V,
    column: impl FnOnce(Vec<V>) -> Column,
) -> Insert<'a> {
    let tail = format!(
        "ON CONFLICT (\"peer_id\", \"{bucket_column}\") DO UPDATE SET \
         \"rx\" = \"{table}\".\"rx\" + \"excluded\".\"rx\", \
         \"tx\" = \"{table}\".\"tx\" + \"excluded\".\"tx\""
    );
    Insert {
        table,
        columns: vec![
            (
                "peer_id",
                Column::Int(rows.iter().map(|r| r.peer).collect()),
            ),
            (
                bucket_column,
                column(rows.iter().map(|r| bucket(&r.bucket)).collect()),
            ),
            (
                "rx",
                Column::BigInt(rows.iter().map(|r| as_i64(r.rx)).collect()),
            ),
            (
                "tx",
                Column::BigInt(rows.iter().map(|r| as_i64(r.tx)).collect()),
            ),
        ],
        tail,
    }
}

/// Adds one router's share of a poll to `usage_router_daily` (migration 000010): the sum of
/// the poll's per-peer daily increments for each local day, one row per day (a poll has one
/// instant, so one row). Written in the same transaction as those increments, which keeps
/// the table equal to the per-peer daily rows summed per router.
pub(super) fn router_daily<'a>(
    router_id: i32,
    daily: &[Increment<i32, chrono::NaiveDate>],
) -> Insert<'a> {
    let mut days: std::collections::BTreeMap<chrono::NaiveDate, (i64, i64)> =
        std::collections::BTreeMap::new();
    for row in daily {
        let sum = days.entry(row.bucket).or_default();
        // Saturating like every other running total here: 9.2 EB in one router-day is not a
        // real count, and the database's own addition would refuse it anyway.
        sum.0 = sum.0.saturating_add(as_i64(row.rx));
        sum.1 = sum.1.saturating_add(as_i64(row.tx));
    }
    Insert {
        table: "usage_router_daily",
        columns: vec![
            ("day", Column::Date(days.keys().copied().collect())),
            ("router_id", Column::Int(vec![router_id; days.len()])),
            ("rx", Column::BigInt(days.values().map(|s| s.0).collect())),
            ("tx", Column::BigInt(days.values().map(|s| s.1).collect())),
        ],
        tail: "ON CONFLICT (\"day\", \"router_id\") DO UPDATE SET \
               \"rx\" = \"usage_router_daily\".\"rx\" + \"excluded\".\"rx\", \
               \"tx\" = \"usage_router_daily\".\"tx\" + \"excluded\".\"tx\""
            .to_owned(),
    }
}
