//! Test databases on both backends. Every DB test runs on SQLite, and on PostgreSQL when
//! `WGMIK_TEST_POSTGRES_URL` is set; each gets its own SQLite file or PostgreSQL schema, so
//! tests running at once (or two CI runs on one server) never see each other's rows.
//!
//! Without the variable the PostgreSQL half is skipped with a printed reason, except under
//! `CI`, where skipping would hide a broken setup and so fails instead.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

use super::{DbError, connect, migrate, postgres_options};
use crate::config::DatabaseTarget;

pub const POSTGRES_URL_VAR: &str = "WGMIK_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A migrated, empty database for one test. Call [`TestDb::cleanup`] at the end.
pub struct TestDb {
    pub backend: Backend,
    pub db: DatabaseConnection,
    pub target: DatabaseTarget,
    sqlite_dir: Option<PathBuf>,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub async fn cleanup(self) {
        let Self {
            db,
            sqlite_dir,
            pg_schema,
            ..
        } = self;
        let _ = db.close().await;
        if let Some(dir) = sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin_url, schema)) = pg_schema
            && let Ok(admin) = Database::connect(postgres_options(&admin_url, None)).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .await;
            let _ = admin.close().await;
        }
    }
}

/// One fresh database per available backend: SQLite always, PostgreSQL when configured.
pub async fn all_backends(test_name: &str) -> Vec<TestDb> {
    let mut dbs = vec![sqlite(test_name).await];
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => dbs.push(postgres(&url, test_name).await),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{POSTGRES_URL_VAR} is not set under CI: the PostgreSQL half cannot be skipped")
        }
        _ => eprintln!(
            "{test_name}: PostgreSQL half skipped: {POSTGRES_URL_VAR} is not set \
             (e.g. postgres://postgres@127.0.0.1:5432/test)"
        ),
    }
    dbs
}

/// Installs a random master key for this test process unless one is installed, so routers
/// can be stored (their passwords are sealed under it).
pub fn ensure_test_key() {
    if crate::secrets::installed().is_err()
        && let Ok(key) = crate::secrets::MasterKey::generate()
    {
        crate::secrets::install(key);
    }
}

pub async fn sqlite(test_name: &str) -> TestDb {
    ensure_test_key();
    let dir = std::env::temp_dir().join(unique_name(test_name));
    let target = DatabaseTarget::Sqlite {
        path: dir.join("wgmik.db"),
    };
    let db = connect_and_migrate(&target).await;
    TestDb {
        backend: Backend::Sqlite,
        db,
        target,
        sqlite_dir: Some(dir),
        pg_schema: None,
    }
}

pub async fn postgres(admin_url: &str, test_name: &str) -> TestDb {
    ensure_test_key();
    let schema = unique_name(test_name);
    let admin = Database::connect(postgres_options(admin_url, None))
        .await
        .unwrap_or_else(|err| panic!("{POSTGRES_URL_VAR} is set but unreachable: {err}"));
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .unwrap_or_else(|err| panic!("cannot create test schema {schema}: {err}"));
    let _ = admin.close().await;
    let db = Database::connect(postgres_options(admin_url, Some(&schema)))
        .await
        .unwrap_or_else(|err| panic!("cannot open test schema {schema}: {err}"));
    let target = DatabaseTarget::Postgres {
        url: admin_url.to_owned(),
    };
    migrate(&db, &target)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    TestDb {
        backend: Backend::Postgres,
        db,
        target,
        sqlite_dir: None,
        pg_schema: Some((admin_url.to_owned(), schema)),
    }
}

async fn connect_and_migrate(target: &DatabaseTarget) -> DatabaseConnection {
    let opened: Result<DatabaseConnection, DbError> = async {
        let db = connect(target).await?;
        migrate(&db, target).await?;
        Ok(db)
    }
    .await;
    opened.unwrap_or_else(|err| panic!("test database: {err}"))
}

/// Lower-case, identifier-safe and unique across processes and calls.
fn unique_name(test_name: &str) -> String {
    let clean: String = test_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(24)
        .collect();
    format!(
        "wgmik_t_{clean}_{}_{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// A router row for tests that never talk to it: a TEST-NET-1 address (RFC 5737), the binary
/// API without TLS, placeholder credentials.
pub async fn offline_router(
    db: &DatabaseConnection,
    name: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::db::entities::router::Model, DbError> {
    crate::db::routers::create(
        db,
        crate::db::routers::NewRouter {
            name: name.into(),
            host: "192.0.2.1".into(),
            port: None,
            transport: crate::routeros::Transport::Api,
            tls: false,
            tls_verify: None,
            tls_fingerprint: None,
            username: "u".into(),
            password: "router-password".into(),
        },
        now,
    )
    .await
}

/// A static, enabled peer on `wg0` as a router lists it: `key` as public key, `10.0.0.2/32`
/// allowed, no endpoint, these counters, a handshake `handshake_age` ago (`None`: never).
/// Tests set other fields on the value it returns.
pub fn listed_peer(
    ros_id: &str,
    key: &str,
    rx: u64,
    tx: u64,
    handshake_age: Option<std::time::Duration>,
) -> crate::routeros::WgPeer {
    crate::routeros::WgPeer {
        id: ros_id.to_owned(),
        interface: "wg0".to_owned(),
        public_key: key.to_owned(),
        name: None,
        comment: None,
        allowed_addresses: vec!["10.0.0.2/32".to_owned()],
        endpoint: None,
        current_endpoint: None,
        rx,
        tx,
        last_handshake: handshake_age,
        disabled: false,
        dynamic: false,
        responder: None,
        persistent_keepalive: None,
    }
}

/// A successful poll's reading at `at` of a router (identity `edge-1`, RouterOS 7.18.2) that
/// has been up `uptime_s` seconds and lists `peers`.
pub fn poll_reading(
    at: chrono::DateTime<chrono::Utc>,
    uptime_s: u64,
    peers: Vec<crate::routeros::WgPeer>,
) -> crate::db::poll_commit::PollReading {
    crate::db::poll_commit::PollReading {
        at,
        identity: "edge-1".to_owned(),
        resource: crate::routeros::SystemResource {
            version: "7.18.2 (stable)".to_owned(),
            board_name: "CCR2004".to_owned(),
            uptime: std::time::Duration::from_secs(uptime_s),
            cpu_load: None,
            free_memory: None,
            total_memory: None,
            architecture: None,
        },
        peers,
    }
}

/// A raw sample of `peer_id` at `at` with every counter and delta 1 and no handshake: the row
/// tests insert by hand where only its peer and instant matter.
pub fn raw_sample_at(
    peer_id: i32,
    at: chrono::DateTime<chrono::Utc>,
) -> crate::db::entities::raw_sample::ActiveModel {
    use sea_orm::Set;
    crate::db::entities::raw_sample::ActiveModel {
        peer_id: Set(peer_id),
        at: Set(at),
        rx_counter: Set(1),
        tx_counter: Set(1),
        delta_rx: Set(1),
        delta_tx: Set(1),
        last_handshake_at: Set(None),
        ..Default::default()
    }
}

/// Adds `rx`/`tx` to `peer_id`'s daily row of `day` and to its router's daily sum, as a poll
/// would (`db::poll_commit`): the two tables the dashboard's daily chart reads stay equal.
pub async fn add_daily_usage(
    db: &DatabaseConnection,
    peer_id: i32,
    day: chrono::NaiveDate,
    rx: i64,
    tx: i64,
) -> Result<(), DbError> {
    use sea_orm::EntityTrait;

    use crate::db::entities::peer;
    let router_id = peer::Entity::find_by_id(peer_id)
        .one(db)
        .await?
        .ok_or_else(|| DbError::Query(sea_orm::DbErr::RecordNotFound(format!("peer {peer_id}"))))?
        .router_id;
    add_bytes(db, "usage_daily", ("peer_id", peer_id), day, (rx, tx)).await?;
    add_bytes(
        db,
        "usage_router_daily",
        ("router_id", router_id),
        day,
        (rx, tx),
    )
    .await
}

/// `rx`/`tx` added to the row of (`owner`, `day`) of a daily table, created when missing.
async fn add_bytes(
    db: &DatabaseConnection,
    table: &str,
    (owner_column, owner): (&str, i32),
    day: chrono::NaiveDate,
    (rx, tx): (i64, i64),
) -> Result<(), DbError> {
    let backend = db.get_database_backend();
    let marks = match backend {
        sea_orm::DbBackend::Postgres => ["$1", "$2", "$3", "$4"],
        _ => ["?", "?", "?", "?"],
    };
    let [m1, m2, m3, m4] = marks;
    let sql = format!(
        "INSERT INTO {table} ({owner_column}, day, rx, tx) VALUES ({m1}, {m2}, {m3}, {m4}) \
         ON CONFLICT ({owner_column}, day) DO UPDATE SET \
         rx = {table}.rx + excluded.rx, tx = {table}.tx + excluded.tx"
    );
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [owner.into(), day.into(), rx.into(), tx.into()],
    ))
    .await?;
    Ok(())
}
