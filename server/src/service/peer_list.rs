//! Peer lists at fleet size: search, status filter, sort, count, cycle totals and one page.
//!
//! Ranking needs a handful of fields of every peer, a page needs the full view of a hundred.
//! So a list reads one narrow joined row per peer ([`PeerRank`]: names for the search, the
//! status inputs, this cycle's bytes, the quota), filters, sorts and sums those, and builds
//! full [`PeerView`]s only for the page shown. Both kinds of row go through the same search
//! and sort ([`Ranked`]), so a page is exactly the slice the full views would have given; a
//! caller that needs one consistent instant reads inside [`crate::db::read_snapshot`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use crate::accounting::cycle::Cycle;
use crate::accounting::status::Status;
use crate::db::DbError;
use crate::db::entities::{peer, peer_counter, quota, settings as settings_entity, usage_monthly};
use crate::enforcement::quota::{Quota, percent};
use crate::service::peers::{PeerFilter, PeerView, StatusContext, views};

/// What ranking one peer needs; read for every peer of a list in one query.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerRank {
    pub id: i32,
    pub tracked: bool,
    pub dynamic: bool,
    /// The display name when set, else the router's name (as in [`PeerView::name`]).
    pub name: Option<String>,
    pub comment: Option<String>,
    pub public_key: String,
    pub interface: String,
    pub allowed_address: Option<String>,
    pub status: Status,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub cycle_rx: u64,
    pub cycle_tx: u64,
    /// Share of the effective quota used; `None` when unlimited.
    pub quota_percent: Option<f64>,
}

/// How a peer list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PeerSort {
    #[default]
    Id,
    Name,
    /// Cycle bytes, both directions.
    Total,
    /// Cycle bytes the peer downloaded (router tx).
    Download,
    /// Cycle bytes the peer uploaded (router rx).
    Upload,
    LastSeen,
    /// Share of the quota used.
    Quota,
    Status,
}

impl PeerSort {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "id" => Self::Id,
            "name" => Self::Name,
            "total" => Self::Total,
            "download" => Self::Download,
            "upload" => Self::Upload,
            "last_seen" => Self::LastSeen,
            "quota" => Self::Quota,
            "status" => Self::Status,
            _ => return None,
        })
    }
}

/// The fields search and sort read, shared by [`PeerRank`] and [`PeerView`] so both order
/// and match identically.
pub trait Ranked {
    fn id(&self) -> i32;
    fn name(&self) -> Option<&str>;
    fn cycle_rx(&self) -> u64;
    fn cycle_tx(&self) -> u64;
    fn last_seen_at(&self) -> Option<DateTime<Utc>>;
    fn quota_percent(&self) -> Option<f64>;
    fn status(&self) -> Status;
    /// Name, comment, public key, interface, allowed address: what the search looks in.
    fn search_fields(&self) -> [Option<&str>; 5];
}

/// [`Ranked`] for a row type with the view's field names; `$quota` reads its quota share.
macro_rules! ranked_by_fields {
    ($row:ty, |$this:ident| $quota:expr) => {
        impl Ranked for $row {
            fn id(&self) -> i32 {
                self.id
            }
            fn name(&self) -> Option<&str> {
                self.name.as_deref()
            }
            fn cycle_rx(&self) -> u64 {
                self.cycle_rx
            }
            fn cycle_tx(&self) -> u64 {
                self.cycle_tx
            }
            fn last_seen_at(&self) -> Option<DateTime<Utc>> {
                self.last_seen_at
            }
            fn quota_percent(&self) -> Option<f64> {
                let $this = self;
                $quota
            }
            fn status(&self) -> Status {
                self.status
            }
            fn search_fields(&self) -> [Option<&str>; 5] {
                [
                    self.name.as_deref(),
                    self.comment.as_deref(),
                    Some(self.public_key.as_str()),
                    Some(self.interface.as_str()),
                    self.allowed_address.as_deref(),
                ]
            }
        }
    };
}

ranked_by_fields!(PeerRank, |row| row.quota_percent);
ranked_by_fields!(PeerView, |view| view.quota.percent);

/// Sorts in place; ties broken by id so pages are stable.
pub fn sort<T: Ranked>(rows: &mut [T], key: PeerSort, descending: bool) {
    if key == PeerSort::Name {
        // Lower-case each name once, not at every comparison.
        rows.sort_by_cached_key(|r| (r.name().unwrap_or("").to_lowercase(), r.id()));
        if descending {
            rows.reverse();
        }
        return;
    }
    rows.sort_by(|a, b| {
        let order = match key {
            PeerSort::Id | PeerSort::Name => a.id().cmp(&b.id()),
            PeerSort::Total => (u128::from(a.cycle_rx()) + u128::from(a.cycle_tx()))
                .cmp(&(u128::from(b.cycle_rx()) + u128::from(b.cycle_tx()))),
            PeerSort::Download => a.cycle_tx().cmp(&b.cycle_tx()),
            PeerSort::Upload => a.cycle_rx().cmp(&b.cycle_rx()),
            PeerSort::LastSeen => a.last_seen_at().cmp(&b.last_seen_at()),
            PeerSort::Quota => a
                .quota_percent()
                .unwrap_or(-1.0)
                .total_cmp(&b.quota_percent().unwrap_or(-1.0)),
            PeerSort::Status => status_rank(a.status()).cmp(&status_rank(b.status())),
        }
        .then_with(|| a.id().cmp(&b.id()));
        if descending { order.reverse() } else { order }
    });
}

fn status_rank(status: Status) -> u8 {
    match status {
        Status::Online => 0,
        Status::Offline => 1,
        Status::Unknown => 2,
        Status::Never => 3,
    }
}

/// Keeps the rows whose name, comment, public key, interface or allowed address contains
/// `needle` (case-insensitive).
pub fn search<T: Ranked>(rows: Vec<T>, needle: &str) -> Vec<T> {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() {
        return rows;
    }
    rows.into_iter()
        .filter(|row| {
            row.search_fields()
                .into_iter()
                .flatten()
                .any(|field| field.to_lowercase().contains(&needle))
        })
        .collect()
}

/// The rank rows of the peers matching `filter`, in id order, as of `now`.
pub async fn ranks<C: ConnectionTrait>(
    db: &C,
    filter: &PeerFilter,
    settings: &settings_entity::Model,
    cycle: &Cycle,
    now: DateTime<Utc>,
) -> Result<Vec<PeerRank>, DbError> {
    ranks_where(db, filter, None, settings, cycle, now).await
}

/// [`ranks`] narrowed to the peers [`search`] keeps for `needle`. For an ASCII needle the
/// database drops most non-matching rows first (a typed search then reads a handful of rows,
/// not the fleet); [`search`] then decides, so the result is exactly `search(ranks(…))`.
pub async fn ranks_matching<C: ConnectionTrait>(
    db: &C,
    filter: &PeerFilter,
    needle: &str,
    settings: &settings_entity::Model,
    cycle: &Cycle,
    now: DateTime<Utc>,
) -> Result<Vec<PeerRank>, DbError> {
    let rows = ranks_where(db, filter, prefilter(db, needle), settings, cycle, now).await?;
    Ok(search(rows, needle))
}

/// The only characters outside ASCII whose lower case contains ASCII: the Kelvin sign `K`
/// (→ `k`) and the capital I with dot `İ` (→ `i` + a combining dot). A unit test holds Rust's
/// Unicode tables to this list.
const LOWERS_TO_ASCII: [char; 2] = ['\u{212A}', '\u{0130}'];

/// A condition every row that [`search`] keeps for `needle` satisfies (a superset), or `None`
/// when there is none to give (an empty or non-ASCII needle).
///
/// An ASCII needle can only match a run of ASCII in the lower-cased field. Every ASCII
/// character there comes from an ASCII character of the field, except those of
/// [`LOWERS_TO_ASCII`]. So a field without those matches exactly when an ASCII-case-
/// insensitive substring match finds the needle: SQLite's `LIKE` (ASCII case folding only,
/// whatever the locale), and on PostgreSQL `ILIKE` under the "C" collation (A–Z only; the
/// database's own locale could fold more, or fold `I` to a dotless `ı`). Fields holding one
/// of those characters always pass, and [`search`] judges them.
fn prefilter<C: ConnectionTrait>(db: &C, needle: &str) -> Option<Condition> {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() || !needle.is_ascii() {
        return None;
    }
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    let postgres = db.get_database_backend() == sea_orm::DbBackend::Postgres;
    let mut any = Condition::any();
    for column in [
        "display_name",
        "name",
        "comment",
        "public_key",
        "interface",
        "allowed_address",
    ] {
        let field = format!("\"peers\".\"{column}\"");
        let mut sql = if postgres {
            // `$1`, not `?`: on PostgreSQL `?` is an operator, left as it is. Under the "C"
            // collation ILIKE folds A–Z only, whatever the database's locale.
            format!("({field} COLLATE \"C\" ILIKE $1 ESCAPE '\\'")
        } else {
            format!("({field} LIKE ? ESCAPE '\\'")
        };
        let find = if postgres { "strpos" } else { "instr" };
        for special in LOWERS_TO_ASCII {
            sql.push_str(&format!(" OR {find}({field}, '{special}') > 0"));
        }
        sql.push(')');
        any = any.add(Expr::cust_with_values(sql, [pattern.clone()]));
    }
    Some(any)
}

/// This cycle's bytes of the row's peer in one direction: its closed `usage_monthly` row (joined
/// on the cycle's label) plus its open cycle sum in `peer_counters` when that is this cycle's
/// (`accounting::open_bucket`).
fn cycle_bytes(closed: usage_monthly::Column, open: peer_counter::Column, cycle: &Cycle) -> Expr {
    Expr::col((usage_monthly::Entity, closed)).if_null(0).add(
        Expr::case(
            Expr::col((peer_counter::Entity, peer_counter::Column::OpenCycle)).eq(cycle.label),
            Expr::col((peer_counter::Entity, open)),
        )
        .finally(0),
    )
}

/// `SELECT peers.id, <this cycle's rx, tx as m_rx, m_tx> FROM peers LEFT JOIN usage_monthly
/// LEFT JOIN peer_counters` narrowed to `filter`: what every list query starts from.
pub(crate) fn peers_with_cycle_bytes(filter: &PeerFilter, cycle: &Cycle) -> SelectStatement {
    use peer::Column as P;
    let mut select = Query::select();
    select
        .from(peer::Entity)
        .column((peer::Entity, P::Id))
        .expr_as(
            cycle_bytes(
                usage_monthly::Column::Rx,
                peer_counter::Column::CycleRx,
                cycle,
            ),
            Alias::new("m_rx"),
        )
        .expr_as(
            cycle_bytes(
                usage_monthly::Column::Tx,
                peer_counter::Column::CycleTx,
                cycle,
            ),
            Alias::new("m_tx"),
        )
        .left_join(
            peer_counter::Entity,
            Expr::col((peer_counter::Entity, peer_counter::Column::PeerId))
                .equals((peer::Entity, P::Id)),
        )
        .left_join(
            usage_monthly::Entity,
            Condition::all()
                .add(
                    Expr::col((usage_monthly::Entity, usage_monthly::Column::PeerId))
                        .equals((peer::Entity, P::Id)),
                )
                .add(
                    Expr::col((usage_monthly::Entity, usage_monthly::Column::CycleStart))
                        .eq(cycle.label),
                ),
        );
    if let Some(router_id) = filter.router_id {
        select.and_where(Expr::col((peer::Entity, P::RouterId)).eq(router_id));
    }
    if let Some(tracked) = filter.tracked {
        select.and_where(Expr::col((peer::Entity, P::Tracked)).eq(tracked));
    }
    if let Some(ids) = &filter.ids {
        select.and_where(Expr::col((peer::Entity, P::Id)).is_in(ids.iter().copied()));
    }
    select
}

async fn ranks_where<C: ConnectionTrait>(
    db: &C,
    filter: &PeerFilter,
    condition: Option<Condition>,
    settings: &settings_entity::Model,
    cycle: &Cycle,
    now: DateTime<Utc>,
) -> Result<Vec<PeerRank>, DbError> {
    use peer::Column as P;
    let status_ctx = StatusContext::load(db, settings, now).await?;
    let mut select = peers_with_cycle_bytes(filter, cycle);
    select
        .columns([
            (peer::Entity, P::RouterId),
            (peer::Entity, P::Tracked),
            (peer::Entity, P::Dynamic),
            (peer::Entity, P::DisplayName),
            (peer::Entity, P::Name),
            (peer::Entity, P::Comment),
            (peer::Entity, P::PublicKey),
            (peer::Entity, P::Interface),
            (peer::Entity, P::AllowedAddress),
        ])
        .left_join(
            quota::Entity,
            Expr::col((quota::Entity, quota::Column::PeerId)).equals((peer::Entity, P::Id)),
        )
        .order_by((peer::Entity, P::Id), sea_orm::Order::Asc);
    for (column, alias) in [
        (
            Expr::col((peer_counter::Entity, peer_counter::Column::LastHandshakeAt)),
            "c_handshake",
        ),
        (
            Expr::col((peer_counter::Entity, peer_counter::Column::LastRxMovedAt)),
            "c_rx_moved",
        ),
        (Expr::col((quota::Entity, quota::Column::Mode)), "q_mode"),
        (
            Expr::col((quota::Entity, quota::Column::LimitBytes)),
            "q_limit",
        ),
        (
            Expr::col((quota::Entity, quota::Column::Direction)),
            "q_direction",
        ),
    ] {
        select.expr_as(column, Alias::new(alias));
    }
    if let Some(condition) = condition {
        select.cond_where(condition);
    }
    let statement = db.get_database_backend().build(&select);
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| rank(row, &status_ctx, settings.default_quota_gb).map_err(DbError::from))
        .collect()
}

/// One rank row from the joined query. Columns are read by name without the per-value
/// `format!` that `try_get(pre, col)` does: at 10,000 rows × 17 columns that showed.
fn rank(
    row: &QueryResult,
    status_ctx: &StatusContext,
    default_quota_gb: Option<i64>,
) -> Result<PeerRank, DbErr> {
    let get_str = |name: &str| row.try_get_by::<Option<String>, _>(name);
    let router_id: i32 = row.try_get_by("router_id")?;
    let status = status_ctx.evaluate(
        router_id,
        row.try_get_by("c_handshake")?,
        row.try_get_by("c_rx_moved")?,
    );
    let cycle_rx = bytes(row.try_get_by::<Option<i64>, _>("m_rx")?);
    let cycle_tx = bytes(row.try_get_by::<Option<i64>, _>("m_tx")?);
    let quota = match get_str("q_mode")? {
        None => Quota::DEFAULT,
        Some(mode) => Quota::from_parts(
            &mode,
            row.try_get_by("q_limit")?,
            get_str("q_direction")?.as_deref().unwrap_or(""),
        ),
    };
    // As `quota_view` computes it for the full view.
    let quota_percent = quota
        .effective_limit(default_quota_gb)
        .map(|limit| percent(quota.direction.count(cycle_rx, cycle_tx), limit));
    Ok(PeerRank {
        id: row.try_get_by("id")?,
        tracked: row.try_get_by("tracked")?,
        dynamic: row.try_get_by("dynamic")?,
        name: get_str("display_name")?.or(get_str("name")?),
        comment: get_str("comment")?,
        public_key: row.try_get_by("public_key")?,
        interface: row.try_get_by("interface")?,
        allowed_address: get_str("allowed_address")?,
        status: status.status,
        last_seen_at: status.last_seen_at,
        cycle_rx,
        cycle_tx,
        quota_percent,
    })
}

fn bytes(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

/// A peer's id and this cycle's bytes: all that ordering by id or bytes reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteRow {
    id: i32,
    cycle_rx: u64,
    cycle_tx: u64,
}

/// Only for [`byte_ordered_page`], which sorts these by id or bytes alone: the other keys'
/// fields are not read.
impl Ranked for ByteRow {
    fn id(&self) -> i32 {
        self.id
    }
    fn name(&self) -> Option<&str> {
        None
    }
    fn cycle_rx(&self) -> u64 {
        self.cycle_rx
    }
    fn cycle_tx(&self) -> u64 {
        self.cycle_tx
    }
    fn last_seen_at(&self) -> Option<DateTime<Utc>> {
        None
    }
    fn quota_percent(&self) -> Option<f64> {
        None
    }
    fn status(&self) -> Status {
        Status::Unknown
    }
    fn search_fields(&self) -> [Option<&str>; 5] {
        [None; 5]
    }
}

/// The match count and one page of ids of a list that is neither searched nor filtered by
/// status and is sorted by id or bytes (the dashboard's default: total, descending). Such an
/// order needs three numbers a peer, not [`ranks`]'s seventeen columns, so the database sends
/// only those. `None` for any other list: use [`ranks`]. Same order as [`sort`] over ranks,
/// as the test `peer_list.rs` checks.
pub async fn byte_ordered_page<C: ConnectionTrait>(
    db: &C,
    filter: &PeerFilter,
    key: PeerSort,
    descending: bool,
    skip: u64,
    take: u64,
    cycle: &Cycle,
) -> Result<Option<(usize, Vec<i32>)>, DbError> {
    if !matches!(
        key,
        PeerSort::Id | PeerSort::Total | PeerSort::Download | PeerSort::Upload
    ) {
        return Ok(None);
    }
    let select = peers_with_cycle_bytes(filter, cycle);
    let statement = db.get_database_backend().build(&select);
    let mut rows = db
        .query_all_raw(statement)
        .await?
        .iter()
        .map(|row| {
            Ok(ByteRow {
                id: row.try_get_by("id")?,
                cycle_rx: bytes(row.try_get_by::<Option<i64>, _>("m_rx")?),
                cycle_tx: bytes(row.try_get_by::<Option<i64>, _>("m_tx")?),
            })
        })
        .collect::<Result<Vec<ByteRow>, DbErr>>()?;
    sort(&mut rows, key, descending);
    let skip = usize::try_from(skip).unwrap_or(usize::MAX);
    let take = usize::try_from(take).unwrap_or(usize::MAX);
    let ids = rows.iter().skip(skip).take(take).map(|r| r.id).collect();
    Ok(Some((rows.len(), ids)))
}

/// The full views of `ids`, in that order (ids that no longer exist are left out).
pub async fn views_in_order<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
    settings: &settings_entity::Model,
    cycle: &Cycle,
    now: DateTime<Utc>,
) -> Result<Vec<PeerView>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // A page names its ids; a whole fleet (a CSV export) reads whole tables rather than bind
    // tens of thousands of ids, past the databases' parameter limits.
    let filter = PeerFilter {
        ids: (ids.len() <= 500).then(|| ids.to_vec()),
        ..PeerFilter::default()
    };
    let mut by_id: HashMap<i32, PeerView> = views(db, &filter, settings, cycle, now)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The rows `skip .. skip + take` of an ordered list.
pub fn page_ids(rows: &[PeerRank], skip: u64, take: u64) -> Vec<i32> {
    let skip = usize::try_from(skip).unwrap_or(usize::MAX);
    let take = usize::try_from(take).unwrap_or(usize::MAX);
    rows.iter().skip(skip).take(take).map(|r| r.id).collect()
}

/// Sums of this cycle's bytes over `rows` (saturating; u64 holds 18 EB).
pub fn cycle_totals(rows: &[PeerRank]) -> (u64, u64) {
    rows.iter().fold((0u64, 0u64), |(rx, tx), r| {
        (rx.saturating_add(r.cycle_rx), tx.saturating_add(r.cycle_tx))
    })
}

/// This cycle's totals, summed by the database: no row per peer crosses to wgmik.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbTotals {
    pub tracked_peers: u64,
    /// Over tracked peers: received from them (their upload).
    pub rx: u64,
    /// Over tracked peers: sent to them (their download).
    pub tx: u64,
    /// Non-dynamic peers that are not tracked.
    pub untracked_peers: u64,
}

/// [`DbTotals`] for `cycle`, over one router's peers or all. Equal to summing [`ranks`] (the
/// test `peer_list.rs` holds them to it) at a fraction of the cost: the dashboard's totals
/// card reads this on every refresh.
pub async fn db_totals<C: ConnectionTrait>(
    db: &C,
    router_id: Option<i32>,
    cycle: &Cycle,
) -> Result<DbTotals, DbError> {
    use sea_orm::{DbBackend, Statement, Value};
    let backend = db.get_database_backend();
    // The cycle's label appears three times: PostgreSQL names its parameter, SQLite binds
    // each `?` in turn.
    let (label_sql, label_uses, router_sql) = match backend {
        DbBackend::Postgres => ("$1", 1, "$2"),
        _ => ("?", 3, "?"),
    };
    // PostgreSQL sums BIGINT into NUMERIC; the casts keep one integer type on both backends.
    // A peer's cycle bytes are its closed monthly row plus its open cycle sum when that is
    // this cycle's (`accounting::open_bucket`).
    let open =
        |column: &str| format!("CASE WHEN c.open_cycle = {label_sql} THEN c.{column} ELSE 0 END");
    let mut sql = format!(
        "SELECT
             CAST(COALESCE(SUM(CASE WHEN p.tracked THEN 1 ELSE 0 END), 0) AS BIGINT) AS tracked,
             CAST(COALESCE(SUM(CASE WHEN p.tracked THEN COALESCE(m.rx, 0) + {open_rx}
                 ELSE 0 END), 0) AS BIGINT) AS rx,
             CAST(COALESCE(SUM(CASE WHEN p.tracked THEN COALESCE(m.tx, 0) + {open_tx}
                 ELSE 0 END), 0) AS BIGINT) AS tx,
             CAST(COALESCE(SUM(CASE WHEN NOT p.tracked AND NOT p.dynamic THEN 1 ELSE 0 END), 0)
                 AS BIGINT) AS untracked
         FROM peers p
         LEFT JOIN usage_monthly m ON m.peer_id = p.id AND m.cycle_start = {label_sql}
         LEFT JOIN peer_counters c ON c.peer_id = p.id",
        open_rx = open("cycle_rx"),
        open_tx = open("cycle_tx"),
    );
    let mut values = vec![Value::ChronoDate(Some(cycle.label)); label_uses];
    if let Some(router_id) = router_id {
        sql.push_str(&format!(" WHERE p.router_id = {router_sql}"));
        values.push(Value::Int(Some(router_id)));
    }
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the totals query returned no row".to_owned()))?;
    let count =
        |name: &str| -> Result<u64, DbErr> { Ok(bytes(Some(row.try_get::<i64>("", name)?))) };
    Ok(DbTotals {
        tracked_peers: count("tracked")?,
        rx: count("rx")?,
        tx: count("tx")?,
        untracked_peers: count("untracked")?,
    })
}

#[cfg(test)]
mod tests {
    use super::LOWERS_TO_ASCII;

    #[test]
    fn only_the_listed_characters_lower_case_into_ascii() {
        let found: Vec<char> = (0x80..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| c.to_lowercase().any(|l| l.is_ascii()))
            .collect();
        let mut listed = LOWERS_TO_ASCII.to_vec();
        listed.sort_unstable();
        assert_eq!(found, listed);
    }
}
