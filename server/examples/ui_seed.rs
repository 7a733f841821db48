//! Seeds a data directory for the UI benchmark (`scripts/ui-bench.sh`, BENCHMARKS.md): the
//! wgmik schema through the migration crate, one admin, 10 routers that are never polled,
//! 10,000 tracked peers (+ 300 untracked, some dynamic) and 90 days of history — hourly, daily
//! and monthly rollups, last counters, an hour of raw samples and some counter resets.
//!
//! ```sh
//! CARGO_TARGET_DIR=target/bench cargo run --release -p server --example ui_seed -- \
//!     --data-dir /tmp/ui-bench-data
//! # other sizes: --routers 10 --peers 10000 --untracked 300 --days 90 --raw-hours 1
//! ```
//!
//! SQLite by default (`<data dir>/wgmik.db`, which must not exist yet); with
//! `--postgres URL`, an empty PostgreSQL database instead (the data directory still receives
//! the master key the routers' passwords are sealed with; start the server with
//! `DATABASE_URL=URL --data-dir DIR`). Small tables (users, routers, peers, quotas) go through
//! the server's own code or plain multi-row INSERTs; the big ones are generated inside the
//! database from set-based SQL (a numbers table — recursive CTE on SQLite, `generate_series`
//! on PostgreSQL — crossed with the peers), so 19 M hourly rows take a minute, not hours.
//! Daily rows are the sums of the hourly ones and monthly rows the sums of the daily ones, so
//! the ledger's invariant (hourly = daily = monthly) holds in the seeded data too.
//!
//! The routers point at 127.0.0.1:1 (nothing listens there) and have polling switched off, so
//! a server started on the directory never changes the numbers while they are measured. Their
//! health row says they were polled successfully at seed time, so peers' statuses start out
//! as they would on a live panel and turn to "No recent data" after a few poll intervals.
//!
//! The last line printed is one JSON object: the admin's credentials, search needles that
//! each match exactly one tracked peer, row counts, the database size and the seconds taken.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use server::auth::users;
use server::config::DatabaseTarget;
use server::db::routers::{self, NewRouter};
use server::routeros::Transport;

pub const ADMIN_USER: &str = "bench";
pub const ADMIN_PASSWORD: &str = "bench-password-1234";

struct Args {
    data_dir: PathBuf,
    routers: usize,
    peers: usize,
    untracked: usize,
    days: i64,
    raw_hours: i64,
    postgres: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args {
        data_dir: PathBuf::from("/tmp/ui-bench-data"),
        routers: 10,
        peers: 10_000,
        untracked: 300,
        days: 90,
        raw_hours: 1,
        postgres: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let number = || value.parse::<usize>().expect("a number");
        match flag.as_str() {
            "--data-dir" => args.data_dir = PathBuf::from(&value),
            "--routers" => args.routers = number().max(1),
            "--peers" => args.peers = number(),
            "--untracked" => args.untracked = number(),
            "--days" => args.days = i64::try_from(number().max(1)).unwrap(),
            "--raw-hours" => args.raw_hours = i64::try_from(number()).unwrap(),
            "--postgres" => args.postgres = Some(value.clone()),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// The text sqlx stores for a `DateTime<Utc>` on SQLite (RFC 3339, `+00:00`); every timestamp
/// the seed writes must compare as text against the ones the server binds.
fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Where the SQL of SQLite and PostgreSQL differ in what the seed writes.
#[derive(Clone, Copy)]
struct Dialect {
    pg: bool,
}

impl Dialect {
    /// A timestamp literal (PostgreSQL will not take an untyped one in a `CASE`).
    fn at(self, at: DateTime<Utc>) -> String {
        if self.pg {
            format!("TIMESTAMPTZ '{}'", ts(at))
        } else {
            format!("'{}'", ts(at))
        }
    }

    /// Unix seconds (an SQL expression) as a stored timestamp; on SQLite the same text
    /// [`ts`] makes.
    fn epoch(self, secs: &str) -> String {
        if self.pg {
            format!("to_timestamp({secs})")
        } else {
            format!("strftime('%Y-%m-%dT%H:%M:%S+00:00', {secs}, 'unixepoch')")
        }
    }

    /// The UTC date of a timestamp column.
    fn date_of(self, col: &str) -> String {
        if self.pg {
            format!("({col} AT TIME ZONE 'UTC')::date")
        } else {
            format!("substr({col}, 1, 10)")
        }
    }

    /// The first of the month of a date column.
    fn month_of(self, col: &str) -> String {
        if self.pg {
            format!("{col} - (EXTRACT(DAY FROM {col})::int - 1)")
        } else {
            format!("substr({col}, 1, 7) || '-01'")
        }
    }

    fn greatest(self) -> &'static str {
        if self.pg { "GREATEST" } else { "MAX" }
    }
}

/// splitmix64: deterministic, so two seeds of the same size hold the same keys.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn public_key(state: &mut u64) -> String {
    let mut bytes = [0_u8; 32];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&next(state).to_le_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A name every search needle below matches only once: five digits, so `peer-00042` is not a
/// substring of any other name, and no comment, key, interface or address contains `peer-`.
fn peer_name(n: usize) -> String {
    format!("peer-{n:05}")
}

async fn exec(db: &DatabaseConnection, what: &str, sql: &str) {
    let started = Instant::now();
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}\n{sql}"));
    eprintln!("{what}: {:.1} s", started.elapsed().as_secs_f64());
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

fn sqlite_bytes(path: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            std::fs::metadata(format!("{}{suffix}", path.display()))
                .ok()
                .map(|m| m.len())
        })
        .sum()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = parse_args();
    let started = Instant::now();
    let db_path = args.data_dir.join("wgmik.db");
    let d = Dialect {
        pg: args.postgres.is_some(),
    };
    assert!(
        d.pg || !db_path.exists(),
        "{} exists: seed into an empty data directory",
        db_path.display()
    );
    std::fs::create_dir_all(&args.data_dir).unwrap();
    // Whole seconds, so the Rust-written and SQL-written timestamps have the same shape.
    let now = Utc::now().with_nanosecond(0).unwrap();

    // The master key the server will find in the data directory, so the routers' sealed
    // passwords are real ones.
    let (key, _) = server::secrets::load(None, &args.data_dir).unwrap();
    server::secrets::install(key);

    let target = match &args.postgres {
        Some(url) => DatabaseTarget::Postgres { url: url.clone() },
        None => DatabaseTarget::Sqlite {
            path: db_path.clone(),
        },
    };
    let db = server::db::connect(&target).await.unwrap();
    server::db::migrate(&db, &target).await.unwrap();
    users::create_admin(&db, ADMIN_USER, ADMIN_PASSWORD, now)
        .await
        .unwrap();
    let mut router_ids = Vec::new();
    for r in 0..args.routers {
        let row = routers::create(
            &db,
            NewRouter {
                name: format!("edge-{:02}", r + 1),
                host: "127.0.0.1".to_owned(),
                // Nothing listens on port 1: even if polling were switched on, nothing moves.
                port: Some(1),
                transport: if r % 2 == 0 {
                    Transport::Rest
                } else {
                    Transport::Api
                },
                tls: false,
                tls_verify: None,
                tls_fingerprint: None,
                username: "wgmik".to_owned(),
                password: "unused".to_owned(),
            },
            now,
        )
        .await
        .unwrap();
        router_ids.push(row.id);
    }
    db.close().await.unwrap();

    // The bulk phase on one connection (the numbers table is a session's temp table). On
    // SQLite with no journal and no fsync: a crash means seeding again, and a WAL would first
    // receive every page of a multi-GB transaction.
    let mut options = ConnectOptions::new(match &args.postgres {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", db_path.display()),
    });
    options
        .sqlx_logging(false)
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(600));
    if !d.pg {
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Off)
                .synchronous(SqliteSynchronous::Off)
                .foreign_keys(false)
                .pragma("cache_size", "-262144")
        });
    }
    let db = Database::connect(options).await.unwrap();
    if d.pg {
        exec(&db, "session", "SET synchronous_commit = off;").await;
    }

    let now_at = d.at(now);
    exec(
        &db,
        "routers",
        &format!(
            "UPDATE routers SET poll_enabled = FALSE;
             INSERT INTO router_health (router_id, last_attempt_at, last_success_at,
                 last_duration_ms, consecutive_failures, last_uptime_seconds, identity, version,
                 board)
             SELECT id, {now_at}, {now_at}, 180, 0, 3456789, name, '7.16.2 (stable)',
                 'CCR2004-1G-12S+2XS' FROM routers;
             INSERT INTO wg_interfaces (router_id, name, tracked)
             SELECT id, 'wg0', TRUE FROM routers;
             UPDATE settings SET default_quota_gb = 500;"
        ),
    )
    .await;

    // Peers: tracked ones spread evenly over the routers, then the untracked ones (every
    // fifth dynamic, which the dashboard leaves out of its "new peers" list).
    let mut rng = 0x5eed_u64;
    let mut rows = Vec::with_capacity(args.peers + args.untracked);
    let first_seen = d.at(now - chrono::TimeDelta::days(args.days + 1));
    let cities = [
        "Vienna",
        "Graz",
        "Linz",
        "Salzburg",
        "Innsbruck",
        "Klagenfurt",
    ];
    for n in 0..args.peers + args.untracked {
        let tracked = n < args.peers;
        let router = router_ids[n % router_ids.len()];
        let key = public_key(&mut rng);
        let (name, comment) = if tracked {
            (
                format!("'{}'", peer_name(n + 1)),
                format!("'Customer {} · {}'", 10_000 + n, cities[n % cities.len()]),
            )
        } else {
            (format!("'guest-{n}'"), "NULL".to_owned())
        };
        let dynamic = !tracked && n % 5 == 0;
        // One tracked peer in a hundred is disabled, half of them for quota.
        let disabled = tracked && n % 100 == 7;
        let reason = match (disabled, n % 200 == 7) {
            (true, true) => "'quota'",
            (true, false) => "'manual'",
            _ => "NULL",
        };
        rows.push(format!(
            "({router}, 'wg0', '{key}', '*{:X}', {name}, {comment}, '10.{}.{}.{}/32', \
             '198.51.100.{}:{}', {tracked}, {disabled}, {dynamic}, FALSE, {first_seen}, {now_at}, \
             {reason})",
            n + 1,
            n % 250,
            (n / 250) % 250,
            n % 250 + 1,
            n % 250 + 1,
            40_000 + n % 20_000,
        ));
    }
    let started_peers = Instant::now();
    for chunk in rows.chunks(1000) {
        db.execute_unprepared(&format!(
            "INSERT INTO peers (router_id, interface, public_key, ros_id, name, comment,
                 allowed_address, endpoint_address, tracked, disabled, dynamic,
                 missing_on_router, first_seen_at, last_listed_at, disabled_reason)
             VALUES {}",
            chunk.join(",\n")
        ))
        .await
        .unwrap();
    }
    eprintln!("peers: {:.1} s", started_peers.elapsed().as_secs_f64());

    // Quotas: a fifth of the tracked peers have their own limit (1–400 GB, some on one
    // direction), one in twenty is unlimited; the rest use the 500 GB default.
    exec(
        &db,
        "quotas",
        &format!(
            "INSERT INTO quotas (peer_id, mode, limit_bytes, direction, updated_at)
             SELECT id, 'limit', (1 + id % 400) * CAST(1000000000 AS BIGINT),
                 CASE id % 3 WHEN 0 THEN 'total' WHEN 1 THEN 'download' ELSE 'upload' END,
                 {now_at}
             FROM peers WHERE tracked AND id % 5 = 0;
             INSERT INTO quotas (peer_id, mode, limit_bytes, direction, updated_at)
             SELECT id, 'unlimited', NULL, 'total', {now_at}
             FROM peers WHERE tracked AND id % 20 = 1;"
        ),
    )
    .await;

    // Hours: from the hour `days` days ago up to and including the current hour. The numbers
    // table also counts the raw samples' 30 s ticks.
    let hours = args.days * 24;
    let ticks = args.raw_hours * 120;
    let last_hour = now.timestamp() - now.timestamp().rem_euclid(3600);
    let first_hour = last_hour - (hours - 1) * 3600;
    let last_n = hours.max(ticks) - 1;
    let numbers = if d.pg {
        format!(
            "CREATE TEMP TABLE hours (n INTEGER PRIMARY KEY);
             INSERT INTO hours SELECT generate_series(0, {last_n});"
        )
    } else {
        format!(
            "CREATE TEMP TABLE hours (n INTEGER PRIMARY KEY);
             WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM h WHERE n < {last_n})
             INSERT INTO hours SELECT n FROM h;"
        )
    };
    exec(&db, "numbers", &numbers).await;
    let hour_at = d.epoch(&format!("{first_hour} + n * 3600"));

    // Hourly: every tracked peer moves in about nine hours of ten; busier in the daytime;
    // a peer's size class spreads the fleet from about 20 MB to 4 GB a day. The primary key
    // (peer_id, hour_start), the table's only index, receives its rows in order because the
    // peers loop outside.
    exec(
        &db,
        "usage_hourly",
        &format!(
            "INSERT INTO usage_hourly (peer_id, hour_start, rx, tx)
             SELECT peer_id, {hour_at},
                 tx / (3 + peer_id % 5), tx
             FROM (
                 SELECT p.id AS peer_id, h.n AS n,
                     (1 + p.id % 17) * (1 + p.id % 7)
                       * (CASE WHEN ({first_hour} / 3600 + h.n) % 24 BETWEEN 7 AND 22
                               THEN 2000 ELSE 500 END)
                       * (500 + (p.id * 7919 + h.n * 104729) % 1000) AS tx,
                     (p.id * 7919 + h.n * 104729) % 1000 AS noise
                 FROM peers p CROSS JOIN hours h
                 WHERE p.tracked AND h.n < {hours}
             ) AS s
             WHERE noise >= 100;"
        ),
    )
    .await;

    // Daily and monthly from the hourly rows: the configured timezone is UTC and the cycle
    // resets on the 1st, so a local day is the hour's date and a cycle is a calendar month.
    // In day order, as the polls write them (a day's first poll inserts every peer's row), so
    // the table's layout is the one a real database has.
    let day = d.date_of("hour_start");
    exec(
        &db,
        "usage_daily",
        &format!(
            "INSERT INTO usage_daily (peer_id, day, rx, tx)
             SELECT peer_id, {day} AS d, SUM(rx), SUM(tx) FROM usage_hourly
             GROUP BY peer_id, {day} ORDER BY d, peer_id;"
        ),
    )
    .await;
    // Each router's daily sums (migration 000010), as the polls keep them.
    exec(
        &db,
        "usage_router_daily",
        "INSERT INTO usage_router_daily (day, router_id, rx, tx)
         SELECT d.day, p.router_id, SUM(d.rx), SUM(d.tx)
         FROM usage_daily d JOIN peers p ON p.id = d.peer_id
         GROUP BY d.day, p.router_id;",
    )
    .await;
    let month = d.month_of("day");
    exec(
        &db,
        "usage_monthly",
        &format!(
            "INSERT INTO usage_monthly (peer_id, cycle_start, rx, tx)
             SELECT peer_id, {month}, SUM(rx), SUM(tx) FROM usage_daily
             GROUP BY peer_id, {month};"
        ),
    )
    .await;

    // Last counters: totals are the ledger's; the router's counters restarted at some point
    // (a reboot), so they hold less. Handshakes: most peers within the last two minutes
    // (online), some hours ago (offline), one in ten never.
    let now_s = now.timestamp();
    let hours_ago = d.epoch(&format!("{now_s} - 3600 * (1 + p.id % 48)"));
    let handshake = d.epoch(&format!("{now_s} - p.id % 110"));
    let rx_moved = d.epoch(&format!("{now_s} - p.id % 25"));
    exec(
        &db,
        "peer_counters",
        &format!(
            "INSERT INTO peer_counters (peer_id, rx, tx, polled_at, last_handshake_at,
                 last_rx_moved_at, total_rx, total_tx)
             SELECT p.id, COALESCE(m.rx, 0) / 3, COALESCE(m.tx, 0) / 3, {now_at},
                 CASE WHEN p.id % 10 = 3 THEN NULL
                      WHEN p.id % 10 IN (4, 5) THEN {hours_ago}
                      ELSE {handshake} END,
                 CASE WHEN p.id % 10 = 3 THEN NULL
                      WHEN p.id % 10 IN (4, 5) THEN {hours_ago}
                      ELSE {rx_moved} END,
                 COALESCE(m.rx, 0), COALESCE(m.tx, 0)
             FROM peers p
             LEFT JOIN (SELECT peer_id, SUM(rx) AS rx, SUM(tx) AS tx FROM usage_monthly
                        GROUP BY peer_id) m ON m.peer_id = p.id
             WHERE p.tracked;"
        ),
    )
    .await;

    // Raw samples: the last `raw_hours` hours at the 30 s poll interval. (Seven days of them,
    // the retention, would be 200 M rows at this size; the dashboard never reads them, the
    // peer page reads the newest few.)
    if ticks > 0 {
        let at = d.epoch(&format!("{now_s} - h.n * 30"));
        let handshake = d.epoch(&format!("{now_s} - h.n * 30 - c.peer_id % 110"));
        let max = d.greatest();
        exec(
            &db,
            "raw_samples",
            &format!(
                "DROP INDEX ix_raw_samples_peer_at;
                 INSERT INTO raw_samples (peer_id, at, rx_counter, tx_counter, delta_rx,
                     delta_tx, last_handshake_at)
                 SELECT c.peer_id, {at},
                     {max}(c.rx - h.n * (1000 + c.peer_id % 5000), 0),
                     {max}(c.tx - h.n * (5000 + c.peer_id % 20000), 0),
                     1000 + c.peer_id % 5000, 5000 + c.peer_id % 20000, {handshake}
                 FROM peer_counters c CROSS JOIN hours h
                 WHERE h.n < {ticks} AND c.last_handshake_at IS NOT NULL
                 ORDER BY c.peer_id, h.n DESC;
                 CREATE INDEX ix_raw_samples_peer_at ON raw_samples (peer_id, at);"
            ),
        )
        .await;
    }

    // A few hundred counter resets over the period (reboots and peer-level resets).
    let reset_at = d.epoch(&format!("{first_hour} + (id * 7919) % ({hours} * 3600)"));
    exec(
        &db,
        "counter_resets",
        &format!(
            "INSERT INTO counter_resets (peer_id, at, cause, old_rx, old_tx, new_rx, new_tx)
             SELECT id, {reset_at}, CASE WHEN id % 2 = 0 THEN 'reboot' ELSE 'peer' END,
                 CAST(id AS BIGINT) * 1000000, CAST(id AS BIGINT) * 5000000, id % 1000,
                 id % 5000
             FROM peers WHERE tracked AND id % 37 = 0;"
        ),
    )
    .await;

    if d.pg {
        // PostgreSQL plans from statistics that autovacuum would gather soon after a load
        // (autovacuum is off on the shared test server); SQLite's server never runs ANALYZE,
        // so neither does its seed.
        exec(&db, "analyze", "ANALYZE;").await;
    } else {
        // Back to the server's journal mode, so the server starts on a plain file.
        exec(&db, "wal", "PRAGMA journal_mode = WAL;").await;
    }
    let mut counts = serde_json::Map::new();
    for table in [
        "peers",
        "quotas",
        "usage_hourly",
        "usage_daily",
        "usage_router_daily",
        "usage_monthly",
        "peer_counters",
        "raw_samples",
        "counter_resets",
    ] {
        counts.insert(table.to_owned(), count(&db, table).await.into());
    }
    let db_bytes = if d.pg {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT pg_database_size(current_database()) AS n",
            ))
            .await
            .unwrap()
            .unwrap();
        u64::try_from(row.try_get::<i64>("", "n").unwrap()).unwrap()
    } else {
        sqlite_bytes(&db_path)
    };
    db.close().await.unwrap();

    // Needles spread over the fleet, each matching one tracked peer.
    let needles: Vec<String> = (0..10)
        .map(|i| peer_name(1 + (i * 997 + 42) % args.peers.max(1)))
        .collect();
    let summary = serde_json::json!({
        "data_dir": args.data_dir,
        "username": ADMIN_USER,
        "password": ADMIN_PASSWORD,
        "routers": args.routers,
        "tracked_peers": args.peers,
        "untracked_peers": args.untracked,
        "days": args.days,
        "needles": needles,
        "rows": counts,
        "database": if d.pg { "postgres" } else { "sqlite" },
        "db_bytes": db_bytes,
        "seconds": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    });
    println!("{summary}");
}
