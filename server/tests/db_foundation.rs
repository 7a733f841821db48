//! The database layer on every backend: migrations go down and up again cleanly, the settings
//! row holds the SPEC defaults, and a write reads back the same. SQLite always; PostgreSQL when
//! `WGMIK_TEST_POSTGRES_URL` is set (required under CI).
#![allow(clippy::unwrap_used)]

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use server::db::testing::{Backend, all_backends};
use server::db::{self, settings};

#[tokio::test]
async fn migrations_round_trip_and_settings_read_back() {
    for test_db in all_backends("db_foundation").await {
        let backend = test_db.backend;
        let conn = &test_db.db;

        // Fresh schema: defaults from SPEC §6.
        let defaults = settings::load(conn).await.unwrap();
        assert_eq!(defaults.poll_interval_seconds, 30, "{backend:?}");
        assert_eq!(defaults.online_threshold_seconds, 15, "{backend:?}");
        assert_eq!(defaults.reset_day, 1, "{backend:?}");
        assert_eq!(defaults.timezone, "UTC", "{backend:?}");
        assert_eq!(defaults.default_quota_gb, None, "{backend:?}");
        assert_eq!(defaults.enforcement_mode, "monitor", "{backend:?}");
        assert!(
            defaults.reenable_at_reset && defaults.router_tls_verify,
            "{backend:?}"
        );
        assert_eq!(defaults.raw_retention_days, 7, "{backend:?}");

        // Write/read, including a value beyond 32 bits.
        let mut changed = defaults.clone();
        changed.timezone = "Europe/Berlin".to_owned();
        changed.reset_day = 28;
        changed.default_quota_gb = Some(5_000_000_000);
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .to_utc();
        settings::save(conn, changed.clone(), now).await.unwrap();
        let read = settings::load(conn).await.unwrap();
        assert_eq!(read.timezone, "Europe/Berlin", "{backend:?}");
        assert_eq!(read.reset_day, 28, "{backend:?}");
        assert_eq!(read.default_quota_gb, Some(5_000_000_000), "{backend:?}");
        assert_eq!(read.updated_at, now, "{backend:?}");

        // Round trip: everything down (the table goes), then up again (defaults come back).
        Migrator::down(conn, None).await.unwrap();
        assert!(
            settings::load(conn).await.is_err(),
            "{backend:?}: table survived down"
        );
        Migrator::up(conn, None).await.unwrap();
        assert_eq!(
            settings::load(conn).await.unwrap().timezone,
            "UTC",
            "{backend:?}"
        );
        assert!(
            Migrator::get_pending_migrations(conn)
                .await
                .unwrap()
                .is_empty()
        );

        assert!(db::is_reachable(conn).await, "{backend:?}");
        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn sqlite_uses_wal_and_a_busy_timeout() {
    let test_db = server::db::testing::sqlite("sqlite_pragmas").await;
    assert_eq!(test_db.backend, Backend::Sqlite);
    let conn = &test_db.db;
    let backend = conn.get_database_backend();
    let mode = conn
        .query_one_raw(Statement::from_string(backend, "PRAGMA journal_mode"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mode.try_get_by_index::<String>(0).unwrap(), "wal");
    let timeout = conn
        .query_one_raw(Statement::from_string(backend, "PRAGMA busy_timeout"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        timeout.try_get_by_index::<i64>(0).unwrap(),
        i64::try_from(db::SQLITE_BUSY_TIMEOUT.as_millis()).unwrap()
    );
    test_db.cleanup().await;
}

#[tokio::test]
async fn unreachable_postgres_is_a_plain_error() {
    let target = server::config::DatabaseTarget::Postgres {
        url: "postgres://wgmik:secret-pw@127.0.0.1:1/wgmik".to_owned(),
    };
    let err = db::connect(&target).await.unwrap_err().to_string();
    assert!(
        err.starts_with("cannot open the database postgres://"),
        "{err}"
    );
    assert!(!err.contains("secret-pw"), "password leaked: {err}");
    assert!(!err.contains('\n'), "not one line: {err}");
}
