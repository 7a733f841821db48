//! Settings through the service layer on real databases (SPEC §6): a refused update names the
//! field and stores nothing; an accepted one returns the whole object without the webhook
//! secret; a timezone or reset-day change waits for the next cycle boundary while the rest
//! applies at once (every job re-reads the row).
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use serde_json::json;
use server::db::settings;
use server::db::testing::all_backends;
use server::scheduler::poll::{poll_interval, rollup_settings};
use server::service::settings::{SettingsError, get, update};

#[tokio::test]
async fn settings_are_validated_stored_whole_and_applied() {
    for test_db in all_backends("settings_service").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let now = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
        let before = settings::load(db).await.unwrap();

        // A valid field beside an invalid one: refused whole, the bad field named.
        let err = update(
            db,
            &json!({"poll_interval_seconds": 60, "timezone": "Europe/Atlantis"}),
            now,
        )
        .await
        .unwrap_err();
        assert_eq!(err.field(), Some("timezone"), "{b:?}: {err}");
        assert!(err.to_string().contains("Europe/Atlantis"), "{err}");
        assert_eq!(
            settings::load(db).await.unwrap(),
            before,
            "{b:?}: nothing half-saved"
        );
        let err = update(db, &json!({"polling": 5}), now).await.unwrap_err();
        assert!(matches!(err, SettingsError::Unknown { .. }), "{err}");
        let err = update(db, &json!([1, 2]), now).await.unwrap_err();
        assert!(err.to_string().contains("JSON object"), "{err}");

        let view = update(
            db,
            &json!({
                "poll_interval_seconds": 60,
                "enforcement_mode": "auto-disable",
                "default_quota_gb": 100,
                "webhook_url": "https://hooks.example.net/wgmik",
                "webhook_secret": "hunter2-hunter2",
                "reset_day": 15,
                "timezone": "Europe/Berlin",
            }),
            now,
        )
        .await
        .unwrap();
        assert_eq!(view.poll_interval_seconds, 60);
        assert_eq!(view.enforcement_mode, "auto-disable");
        assert_eq!(view.default_quota_gb, Some(100));
        assert!(view.webhook_secret_set);
        let text = serde_json::to_string(&view).unwrap();
        assert!(
            !text.contains("hunter2"),
            "{b:?}: the secret never leaves: {text}"
        );
        assert_eq!(get(db).await.unwrap(), view);

        // Applied without a restart: the poll job reads the new interval at its next cycle.
        let row = settings::load(db).await.unwrap();
        assert_eq!(poll_interval(&row).as_secs(), 60);
        // The calendar change waits for the end of the running (UTC, day 1) cycle.
        assert_eq!(
            view.calendar_change_at,
            Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap())
        );
        let calendar = rollup_settings(&row).unwrap().calendar;
        let running = calendar.cycle_at(now).unwrap();
        assert_eq!(
            running.start,
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
        );
        // From 1 December (UTC) a transition cycle up to 15 December 00:00 Berlin.
        let transition = calendar
            .cycle_at(Utc.with_ymd_and_hms(2026, 12, 5, 0, 0, 0).unwrap())
            .unwrap();
        assert_eq!(
            transition.start,
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            transition.end,
            Utc.with_ymd_and_hms(2026, 12, 14, 23, 0, 0).unwrap()
        );
        test_db.cleanup().await;
    }
}
