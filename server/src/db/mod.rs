//! Database connection and schema management for SQLite (the default, one file in the data
//! directory) and PostgreSQL (for scale). Everything above this module talks SeaORM only.

mod batch;
pub mod entities;
pub mod leases;
pub mod poll_commit;
mod poll_rows;
pub mod routers;
pub mod settings;
pub mod testing;
pub mod usage;

use std::path::Path;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

use crate::config::DatabaseTarget;

/// How long an SQLite writer waits for another before giving up. A poll transaction of 10,000
/// peers takes well under this; the retention job works in small batches so it never holds
/// the lock this long.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("cannot migrate the database {target}: {reason}")]
    Migrate { target: String, reason: String },
    #[error("database error: {0}")]
    Query(#[from] DbErr),
}

/// Opens the database, creating the SQLite file and its directory if needed.
pub async fn connect(target: &DatabaseTarget) -> Result<DatabaseConnection, DbError> {
    let options = match target {
        DatabaseTarget::Sqlite { path } => {
            ensure_parent_dir(path)?;
            sqlite_options(path)
        }
        DatabaseTarget::Postgres { url } => postgres_options(url, None),
    };
    Database::connect(options)
        .await
        .map_err(|err| DbError::Connect {
            target: target.redacted(),
            reason: plain_db_error(&err),
        })
}

/// Any fixed number: the PostgreSQL advisory lock that serialises migrations between
/// replicas starting at once ("wgmik" in ASCII).
const MIGRATION_LOCK: i64 = 0x0077_676d_696b;

/// Applies every pending migration.
///
/// On PostgreSQL several replicas may start at the same moment; without a lock two of them
/// would run the same migration and one would fail on "relation already exists". A session
/// advisory lock, held by one pooled connection (kept out of the pool by an open
/// transaction) while the migrator runs on the others, makes them take turns; it is released
/// on that connection, or by PostgreSQL if this process dies.
pub async fn migrate(db: &DatabaseConnection, target: &DatabaseTarget) -> Result<(), DbError> {
    use sea_orm::TransactionTrait;
    let failed = |err: DbErr| DbError::Migrate {
        target: target.redacted(),
        reason: plain_db_error(&err),
    };
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Migrator::up(db, None).await.map_err(failed);
    }
    let holder = db.begin().await.map_err(failed)?;
    holder
        .execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .await
        .map_err(failed)?;
    let result = Migrator::up(db, None).await;
    let unlocked = holder
        .execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
        .await;
    let _ = holder.rollback().await;
    result.map_err(failed)?;
    unlocked.map_err(failed)?;
    Ok(())
}

/// True when the database answers a trivial query: what `/readyz` reports.
pub async fn is_reachable(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

fn ensure_parent_dir(path: &Path) -> Result<(), DbError> {
    let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|source| DbError::DataDir {
        path: dir.display().to_string(),
        source,
    })?;
    // create_dir_all succeeds on an existing read-only directory; find that out now rather than
    // at the first write, with a message that names the directory. The probe's name is unique
    // to this call: `wgmik token create` beside a running server shares the directory, and
    // with one shared name one process's remove made the other's fail (seen in CI).
    static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let probe = dir.join(format!(
        ".wgmik-write-test-{}-{}",
        std::process::id(),
        PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|source| DbError::DataDir {
            path: dir.display().to_string(),
            source,
        })
}

fn sqlite_options(path: &Path) -> ConnectOptions {
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        // SQLite allows one writer; a small pool keeps readers going while the poller writes.
        .max_connections(4)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    options
}

pub(crate) fn postgres_options(url: &str, schema: Option<&str>) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .max_connections(16);
    if let Some(schema) = schema {
        options.set_schema_search_path(schema.to_owned());
    }
    options
}

/// sqlx errors are verbose and nested; keep the part an admin can act on.
fn plain_db_error(err: &DbErr) -> String {
    let text = err.to_string();
    let text = text
        .strip_prefix("Connection Error: ")
        .or_else(|| text.strip_prefix("Failed to acquire connection from pool: "))
        .unwrap_or(&text);
    text.lines().next().unwrap_or_default().to_owned()
}

/// Begins a read-only transaction that sees one consistent instant of the database, so a
/// list's count, totals and page agree although a poll commits meanwhile. PostgreSQL:
/// `REPEATABLE READ, READ ONLY` (one snapshot for the whole transaction). SQLite: a deferred
/// `BEGIN`, whose first read fixes the snapshot in WAL mode (SQLite has no isolation levels
/// to set). End it with `commit` (nothing to write) or let it drop.
pub async fn read_snapshot(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{AccessMode, IsolationLevel, TransactionOptions, TransactionTrait};
    let options = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => TransactionOptions {
            isolation_level: Some(IsolationLevel::RepeatableRead),
            access_mode: Some(AccessMode::ReadOnly),
            ..TransactionOptions::default()
        },
        _ => TransactionOptions::default(),
    };
    db.begin_with_options(options).await
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (IMMEDIATE): a deferred transaction that reads first and writes later cannot wait for the
/// lock when it upgrades — in WAL mode the upgrade fails at once with "database is locked" if
/// another connection wrote meanwhile — whereas `BEGIN IMMEDIATE` waits out the busy timeout.
/// PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::ensure_parent_dir;

    /// Many processes (a server, `wgmik token create`, …) check one data directory at once;
    /// threads stand in for them. With one shared probe name, one's remove broke another's.
    #[test]
    fn concurrent_directory_checks_do_not_trip_over_each_other() {
        let dir = std::env::temp_dir().join(format!("wgmik-probe-{}", std::process::id()));
        let db_path = dir.join("wgmik.db");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let db_path = db_path.clone();
                std::thread::spawn(move || (0..200).all(|_| ensure_parent_dir(&db_path).is_ok()))
            })
            .collect();
        let all_ok = threads.into_iter().all(|t| t.join().unwrap_or(false));
        let leftovers = std::fs::read_dir(&dir).map_or(0, |entries| entries.count());
        let _ = std::fs::remove_dir_all(&dir);
        assert!(all_ok, "a directory check failed");
        assert_eq!(leftovers, 0, "probe files left behind");
    }
}
