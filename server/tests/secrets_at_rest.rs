//! Router passwords and the webhook secret at rest (SPEC §9), on SQLite and PostgreSQL: stored
//! sealed (AES-256-GCM, bound to the router id), opened only with the right key, legacy
//! plaintext sealed at start-up, a wrong key refused with nothing changed, and rotation
//! re-encrypting everything.
#![allow(clippy::unwrap_used)]

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;
use server::db::entities::{router, settings as settings_entity};
use server::db::routers::{self, NewRouter};
use server::db::testing::all_backends;
use server::routeros::Transport;
use server::secrets::{self, MasterKey, SecretError, router_context};
use server::service::secrets::{SecretsError, rotate, verify_and_seal};

fn new_router(name: &str, password: &str) -> NewRouter {
    NewRouter {
        name: name.to_owned(),
        host: "192.0.2.1".to_owned(),
        port: None,
        transport: Transport::Rest,
        tls: true,
        tls_verify: None,
        tls_fingerprint: None,
        username: "wgmik".to_owned(),
        password: password.to_owned(),
    }
}

#[tokio::test]
async fn passwords_are_sealed_and_bound_to_their_router() {
    for test_db in all_backends("secrets_sealed").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let key = secrets::installed().unwrap();
        let a = routers::create(db, new_router("a", "hunter2-router-a"), Utc::now())
            .await
            .unwrap();
        let stored = router::Entity::find_by_id(a.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(secrets::is_encrypted(&stored.password_secret), "{b:?}");
        assert!(!stored.password_secret.contains("hunter2"), "{b:?}");
        assert!(!format!("{stored:?}").contains("hunter2"));
        let endpoint = routers::endpoint(&stored, true, std::time::Duration::from_secs(1)).unwrap();
        assert_eq!(endpoint.password, "hunter2-router-a");
        // Copied onto another router's row, the ciphertext does not open.
        let other = routers::create(db, new_router("b", "other"), Utc::now())
            .await
            .unwrap();
        assert!(matches!(
            key.decrypt(&stored.password_secret, &router_context(other.id)),
            Err(SecretError::WrongKey { .. })
        ));

        // The webhook secret set through the settings service is sealed too.
        server::service::settings::update(
            db,
            &json!({"webhook_secret": "hook-secret-123"}),
            Utc::now(),
        )
        .await
        .unwrap();
        let row = settings_entity::Entity::find_by_id(1)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let sealed = row.webhook_secret.unwrap();
        assert!(!sealed.contains("hook-secret"), "{b:?}");
        assert_eq!(
            server::service::secrets::open_webhook_secret(&sealed).unwrap(),
            "hook-secret-123"
        );
        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn start_up_seals_plaintext_refuses_a_wrong_key_and_rotation_re_encrypts() {
    for test_db in all_backends("secrets_rotation").await {
        let db = &test_db.db;
        let b = test_db.backend;
        let key = secrets::installed().unwrap();
        let row = routers::create(db, new_router("legacy", "plain-old-password"), Utc::now())
            .await
            .unwrap();
        // A row as an older wgmik wrote it: plaintext.
        let mut active = row.clone().into_active_model();
        active.password_secret = Set("plain-old-password".to_owned());
        active.update(db).await.unwrap();

        let report = verify_and_seal(db, &key).await.unwrap();
        assert_eq!(report.sealed, 1, "{b:?}");
        let sealed = router::Entity::find_by_id(row.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(secrets::is_encrypted(&sealed.password_secret));
        assert_eq!(
            key.decrypt(&sealed.password_secret, &router_context(row.id))
                .unwrap(),
            "plain-old-password"
        );
        assert_eq!(verify_and_seal(db, &key).await.unwrap().verified, 1);

        // A different key: refused, naming the router, and nothing changed.
        let wrong = MasterKey::generate().unwrap();
        let err = verify_and_seal(db, &wrong).await.unwrap_err();
        assert!(matches!(err, SecretsError::Router { .. }), "{err}");
        assert!(err.to_string().contains("legacy"), "{err}");
        let after = router::Entity::find_by_id(row.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.password_secret, sealed.password_secret);

        // Rotation: the new key opens it, the old one no longer does.
        let new_key = MasterKey::generate().unwrap();
        assert_eq!(rotate(db, &key, &new_key).await.unwrap(), 1);
        let rotated = router::Entity::find_by_id(row.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            new_key
                .decrypt(&rotated.password_secret, &router_context(row.id))
                .unwrap(),
            "plain-old-password"
        );
        assert!(
            key.decrypt(&rotated.password_secret, &router_context(row.id))
                .is_err()
        );
        test_db.cleanup().await;
    }
}
